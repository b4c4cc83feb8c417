"""Downloader middlewares that keep crawling polite and honest.

- ``PoliteRetryMiddleware`` replaces Scrapy's ``RetryMiddleware``: the same retry codes and
  exceptions, but it waits before retrying — the ``Retry-After`` the site asked for (seconds or an
  HTTP date), else an exponential backoff with jitter — and slows the site's download slot down.
  A ``Retry-After`` longer than ``HUIYING_RETRY_AFTER_MAX`` is not waited out inside the run: the
  request is given up and the wish recorded (``huiying/backoff_s``), so the monitor's next run
  of the source starts no earlier.
- ``BlockDetectionMiddleware`` recognises blocks (captcha redirects, WAF JavaScript challenges,
  403 after 403, 200 pages titled 百度安全验证) before redirects or retries act on them, and stops
  the source's run (``crawlers.blocks``).
- ``RobotsPolicyMiddleware`` is Scrapy's robots.txt middleware with RFC 9309's rule for an
  unavailable robots.txt: a 5xx answer means "disallow everything" (Scrapy would allow all); a 4xx
  means "no rules". Requests refused by robots.txt are counted for the source's health.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

from crawlers.blocks import CAPTCHA_LOCATION, CHALLENGE_BODY, is_block_title, is_blocked, report_block
from index.records import now_cst

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, (when - (now or now_cst())).total_seconds())


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class PoliteRetryMiddleware(RetryMiddleware):
    """Retry 429/5xx/521… and network errors after a pause, honouring ``Retry-After``."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        settings = crawler.settings
        self.base = settings.getfloat("HUIYING_RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("HUIYING_RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("HUIYING_RETRY_AFTER_MAX", 120.0)
        self.slowed: dict[str, float] = {}
        """Slots we slowed down, with the delay they had before: they recover on success."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteRetryMiddleware:
        return cls(crawler)

    def _backoff(self, request: Request) -> float:
        attempt = int(request.meta.get("retry_times", 0))
        if self.base <= 0:
            return 0.0
        delay = min(self.cap, self.base * (2 ** attempt))
        return delay * random.uniform(0.8, 1.2)

    def _slot(self, request: Request) -> tuple[str, Any]:
        downloader = getattr(self.crawler.engine, "downloader", None)
        slot_key = request.meta.get("download_slot") or ""
        return slot_key, (getattr(downloader, "slots", {}).get(slot_key) if downloader is not None else None)

    def _slow_slot(self, request: Request, delay: float) -> None:
        """Make the site's download slot wait at least ``delay`` between requests (until it recovers)."""
        key, slot = self._slot(request)
        if slot is not None and delay > slot.delay:
            self.slowed.setdefault(key, slot.delay)
            slot.delay = min(delay, self.cap)

    def _recover_slot(self, request: Request) -> None:
        """Each success halves the extra delay we added (AutoThrottle, when on, adjusts it too)."""
        key, slot = self._slot(request)
        if slot is None or key not in self.slowed:
            return
        base = self.slowed[key]
        slot.delay = max(base, slot.delay / 2)
        if slot.delay - base < 0.05:
            slot.delay = base
            del self.slowed[key]

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if 200 <= response.status < 300 and self.slowed:
            self._recover_slot(request)
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        stats = self.crawler.stats
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None:
            stats.inc_value("huiying/retry_after/seen")
            if asked > self.retry_after_max:
                stats.max_value("huiying/backoff_s", int(asked))
                logger.warning("%s asks to come back in %.0f s (Retry-After): giving up this request for now",
                               request.url, asked)
                return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        delay = asked if asked is not None else self._backoff(request)
        if response.status in (429, 503) or asked is not None:
            self._slow_slot(request, delay)
        stats.inc_value("huiying/retry/waits")
        stats.max_value("huiying/retry/longest_wait_s", round(delay, 2))
        if delay > 0:
            await _sleep(delay)
        return retry

    async def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Request | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        delay = self._backoff(request)
        if delay > 0:
            await _sleep(delay)
        return retry


class BlockDetectionMiddleware:
    """Stop a source's run at the first sign the site is blocking us (see ``crawlers.blocks``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.forbidden_after = crawler.settings.getint("HUIYING_BLOCK_AFTER_403", 3)
        self.forbidden: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockDetectionMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if is_blocked(self.crawler) and not request.meta.get("dont_obey_robotstxt"):
            raise IgnoreRequest("the site blocked this source; no more requests in this run")
        if request.meta.get("redirect_urls") and CAPTCHA_LOCATION.search(request.url):
            # Registered after RedirectMiddleware has turned the 3xx into this request: stop here,
            # before the captcha page is asked for.
            report_block(self.crawler, "captcha", request.meta["redirect_urls"][-1], request.url[:200])
            raise IgnoreRequest("redirected to a captcha page")

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        host = urlparse_cached(request).hostname or ""
        kind = self._kind(response, host)
        if kind is None:
            if 200 <= response.status < 300:
                self.forbidden[host] = 0
            return response
        report_block(self.crawler, kind, request.url,
                     response.headers.get(b"Location", b"").decode("latin-1")[:200])
        raise IgnoreRequest(f"blocked by the site ({kind})")

    def _kind(self, response: Response, host: str) -> str | None:
        status = response.status
        if 300 <= status < 400:  # seen here only when redirects are off for this request
            location = response.headers.get(b"Location", b"").decode("latin-1")
            return "captcha" if CAPTCHA_LOCATION.search(location) else None
        if status in (403, 412, 503, 521):
            head = response.body[:20_000].decode("latin-1", errors="replace")
            if CHALLENGE_BODY.search(head):
                return "waf_challenge"
        if status == 403:
            self.forbidden[host] = self.forbidden.get(host, 0) + 1
            if self.forbidden[host] >= self.forbidden_after:
                return "waf_403"
            return None
        if status == 200 and len(response.body) < 60_000:
            head = response.body[:4096]
            if b"<title" in head.lower() and is_block_title(_title_text(head)):
                return "captcha_page"
        return None


def _title_text(head: bytes) -> str:
    lower = head.lower()
    start = lower.find(b"<title")
    end = lower.find(b"</title>", start)
    if start < 0 or end < 0:
        return ""
    raw = head[head.find(b">", start) + 1:end]
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return ""


class RobotsPolicyMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware; a 5xx robots.txt disallows everything (RFC 9309 §2.3.1.4)."""

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._stats.inc_value("huiying/robots/unavailable")
            logger.warning("robots.txt of %s answered %d: treating the whole site as disallowed (RFC 9309)",
                           netloc, response.status)
            response = response.replace(body=b"User-agent: *\nDisallow: /\n")
        elif response.status >= 400:
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def process_request_2(self, rp: Any, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            self._stats.inc_value("huiying/robots/forbidden")
            logger.info("robots.txt forbids %s: not requested", request.url)
            raise

