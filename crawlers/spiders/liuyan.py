"""领导留言板-type message boards: a JS shell page, a form list API, and a signed detail API.

Per crawl-sources.md §1: the list page (``/threads/list?fid=…``) is an empty JS shell, visited
only as a warm-up (cookies, Referer) and never scraped. Messages come from
``POST /threads/queryThreadsList`` (form ``fid, state, lastItem``; newest first; the next page's
cursor is the last row's tid; stop on an empty page), then ``POST /v1/threads/content`` for the
full text and the official replies, whose blocks are recognised by their fields (``subject`` =
the message, ``organization`` = an official reply, otherwise a follow-up), never by position.

Incremental crawling keeps a per-forum watermark (the highest tid handled) in the store's crawl
state. It is read once, before the batch, and every row is compared with that snapshot; rows
arrive out of tid order, so updating it mid-batch would skip older rows still to come. It is
written when the crawl finishes cleanly, and never past a tid whose detail request failed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers import dates
from crawlers.items import MessageItem, kind_hint, reply_dict
from crawlers.spiders.base import SourceSpider
from crawlers.storage import store_of
from index.records import now_cst

PC_APP_CODE = "PC42ce3bfa4980a9"
"""The public web client's appCode (crawl-sources.md §1.3)."""


def sign(path: str, param: str, app_code: str = PC_APP_CODE) -> str:
    """The v1 API signature: MD5(path + compact param JSON + first 16 hex chars of MD5(appCode))."""
    salt = hashlib.md5(app_code.encode()).hexdigest()[:16]
    return hashlib.md5((path + param + salt).encode("utf-8")).hexdigest()


def _fid_of(url: str) -> int | None:
    values = parse_qs(urlsplit(url).query).get("fid")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


class LiuyanSpider(SourceSpider):
    """Reads the forums named by ``start_urls`` (``…/threads/list?fid=<fid>``) through the APIs."""

    platform = "liuyan"
    name = "liuyan"

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        self.list_api = str(self.source.option("list_api", "/threads/queryThreadsList"))
        self.detail_api = str(self.source.option("detail_api", "/v1/threads/content"))
        self.app_code = str(self.source.option("app_code", PC_APP_CODE))
        self.state = int(self.source.option("state", 1))
        self.watermark_before: dict[int, int] = {}
        self.handled: dict[int, set[int]] = {}
        self.failed: dict[int, set[int]] = {}
        self.seen: dict[int, set[int]] = {}

    @property
    def store(self) -> Any:
        """The crawl's store (extensions exist only once the crawl starts, after ``from_crawler``)."""
        return store_of(self.crawler)

    def scope(self) -> str:
        return f"watermark:{self.source.name}"

    def read_watermark(self, fid: int) -> int:
        """The watermark as it was before this crawl (read once per forum, then fixed)."""
        if fid not in self.watermark_before:
            value = self.store.get_state(self.scope(), f"fid:{fid}") if self.store is not None else None
            self.watermark_before[fid] = int(value) if value and value.isdigit() else 0
            self.crawler.stats.set_value(f"huiying/liuyan/watermark_before/{fid}", self.watermark_before[fid])
        return self.watermark_before[fid]

    async def start(self) -> AsyncIterator[Any]:
        fids: set[int] = set()
        for url in self.source.start_urls:
            fid = _fid_of(url)
            if fid is None:
                self.stat("liuyan/start_url_without_fid")
                self.logger.error("start URL %s has no fid=…; expected …/threads/list?fid=<forum id>", url)
                continue
            if fid in fids:
                continue
            fids.add(fid)
            self.read_watermark(fid)
            yield scrapy.Request(url, callback=self.parse_shell, errback=self.on_error, cb_kwargs={"fid": fid})

    def parse_shell(self, response: Response, fid: int) -> Iterator[Any]:
        """The list page is a JS shell: only a warm-up. Its markup holds no messages to read."""
        self.stat("pages/shell")
        yield self._list_request(response.url, fid, last_item=0, page=1)

    # -- list API ----------------------------------------------------------------------------------

    def _headers(self, referer: str) -> dict[str, str]:
        parts = urlsplit(referer)
        return {"Referer": referer, "Origin": f"{parts.scheme}://{parts.netloc}", "X-Requested-With": "XMLHttpRequest"}

    def _list_request(self, referer: str, fid: int, last_item: int, page: int) -> scrapy.FormRequest:
        return scrapy.FormRequest(
            urljoin(referer, self.list_api),
            formdata={"fid": str(fid), "state": str(self.state), "lastItem": str(last_item)},
            headers=self._headers(referer), callback=self.parse_list, errback=self.on_error,
            cb_kwargs={"fid": fid, "page": page, "referer": referer},
        )

    def _json(self, response: Response) -> dict[str, Any] | None:
        try:
            data = json.loads(response.text)
        except (ValueError, AttributeError):
            self.stat("liuyan/bad_json")
            self.logger.warning("not JSON from %s: %.200r", response.url, response.body)
            return None
        return data if isinstance(data, dict) else None

    def parse_list(self, response: Response, fid: int, page: int, referer: str) -> Iterator[Any]:
        self.stat("pages/api")
        data = self._json(response)
        if data is None:
            return
        if data.get("result") != "success" and data.get("success") is not True:
            self.gate(response, "api_fail")
            return
        rows = [r for r in data.get("responseData") or [] if isinstance(r, dict)]
        if not rows:
            return
        watermark = self.read_watermark(fid)
        seen = self.seen.setdefault(fid, set())
        fresh = above = 0
        for row in rows:
            try:
                tid = int(row.get("tid") or 0)
            except (TypeError, ValueError):
                tid = 0
            if tid <= 0:
                self.stat("liuyan/row_without_tid")
                continue
            if tid in seen:
                self.stat("liuyan/cursor_overlap")
                continue
            seen.add(tid)
            fresh += 1
            if tid <= watermark:
                self.stat("liuyan/below_watermark")
                continue
            above += 1
            yield self._detail_request(referer, fid, tid, row)
        if not fresh:
            self.stat("liuyan/page_without_new_rows")
            return
        if watermark and not above:
            return  # a whole page at or below the watermark: the rest is known
        if page >= self.page_limit(watermark):
            self.stat("liuyan/list_page_limit")
            if watermark:
                self.stat("liuyan/gap_possible")
                self.logger.warning(
                    "forum %s: %d pages read without reaching the watermark %d; messages may be missed, "
                    "raise max_pages or crawl more often", fid, page, watermark)
            return
        yield self._list_request(referer, fid, last_item=int(rows[-1]["tid"]), page=page + 1)

    def page_limit(self, watermark: int) -> int:
        """Pages to read: ``max_pages`` on a first crawl (how far back to start), more when catching
        up to a known watermark (``catch_up_pages``, default 10 × max_pages) so a busy day between
        two crawls is not skipped."""
        if not watermark:
            return self.max_pages
        return int(self.source.option("catch_up_pages") or self.max_pages * 10)

    # -- detail API --------------------------------------------------------------------------------

    def _detail_request(self, referer: str, fid: int, tid: int, row: dict[str, Any]) -> scrapy.Request:
        param = json.dumps({"tid": str(tid), "fromTrash": 0}, separators=(",", ":"))
        body = {"appCode": self.app_code, "token": "", "signature": sign(self.detail_api, param, self.app_code),
                "param": param}
        return scrapy.Request(
            urljoin(referer, self.detail_api), method="POST", body=json.dumps(body),
            headers={**self._headers(referer), "Content-Type": "application/json;charset=UTF-8", "token": ""},
            callback=self.parse_detail, errback=self.detail_failed,
            cb_kwargs={"fid": fid, "tid": tid, "row": row, "referer": referer},
        )

    def parse_detail(self, response: Response, fid: int, tid: int, row: dict[str, Any],
                     referer: str) -> Iterator[Any]:
        self.stat("pages/api")
        data = self._json(response)
        if data is None:
            self.failed.setdefault(fid, set()).add(tid)
            return
        if str(data.get("resultCode", 200)) != "200":
            self.gate(response, "api_error")
            self.logger.warning("detail API refused tid %s: %s", tid, data.get("resultMsg"))
            self.failed.setdefault(fid, set()).add(tid)
            return
        blocks = [b for b in ((data.get("resultData") or {}).get("contentList") or []) if isinstance(b, dict)]
        self.handled.setdefault(fid, set()).add(tid)
        if not blocks:
            self.gate(response, "missing")  # trashed or withdrawn after it was listed
            return
        yield self._item(referer, fid, tid, row, blocks)

    def _item(self, referer: str, fid: int, tid: int, row: dict[str, Any], blocks: list[dict[str, Any]]) -> MessageItem:
        original = next((b for b in blocks if "subject" in b and not b.get("organization")), None)
        if original is None:
            self.stat("liuyan/detail_without_message_block")
            original = row  # the list row has the subject and a shortened body
        replies = []
        for block in blocks:
            if block is original or not block.get("content"):
                continue
            organisation = str(block.get("organization") or "")
            author = organisation or str(block.get("nickName") or "")
            replies.append(reply_dict(author, str(block["content"]), dates.from_unix(block.get("dateline")),
                                      organisation))
        replies.sort(key=lambda r: (r["posted_at"] is None, r["posted_at"] or 0))
        parts = urlsplit(referer)
        extra = {key: row.get(name) for key, name in (
            ("fid", "fid"), ("forum", "forumName"), ("state", "stateInfo"), ("domain", "domainName"),
            ("type", "typeName"), ("process", "processInfo"),
        ) if row.get(name) not in (None, "")}
        return MessageItem(
            source=self.source.name, platform=self.platform,
            url=f"{parts.scheme}://{parts.netloc}/threads/content?tid={tid}",
            external_id=str(tid),
            title=str(original.get("subject") or row.get("subject") or ""),
            body=str(original.get("content") or ""),
            author=str(original.get("nickName") or row.get("nickName") or ""),
            posted_at=dates.from_unix(original.get("dateline") or row.get("dateline")),
            fetched_at=now_cst(),
            reply_count=sum(1 for r in replies if r["organisation"]),
            view_count=None,
            kind_hint=kind_hint(str(original.get("typeName") or row.get("typeName") or "")),
            replies=replies, extra=extra,
        )

    # -- failures and the watermark ------------------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        self.stat(f"errors/{type(failure.value).__name__}")
        request = getattr(failure, "request", None)
        self.logger.warning("request failed: %s (%s)", getattr(request, "url", "?"), failure.getErrorMessage())

    def detail_failed(self, failure: Failure) -> None:
        self.on_error(failure)
        kwargs = getattr(getattr(failure, "request", None), "cb_kwargs", {}) or {}
        if "fid" in kwargs and "tid" in kwargs:
            self.failed.setdefault(kwargs["fid"], set()).add(kwargs["tid"])

    def new_watermark(self, fid: int) -> int:
        """The highest handled tid, but below the lowest failed one, and never below the old mark."""
        before = self.watermark_before.get(fid, 0)
        best = max(self.handled.get(fid, set()), default=before)
        failed = self.failed.get(fid)
        if failed:
            best = min(best, min(failed) - 1)
        return max(before, best)

    def closed(self, reason: str) -> None:
        """Save the watermarks, only after a clean finish (a failed run must be re-read next time)."""
        if self.store is None:
            return
        if reason != "finished":
            self.logger.warning("crawl ended with %r: watermarks left unchanged", reason)
            return
        for fid in self.watermark_before:
            value = self.new_watermark(fid)
            self.crawler.stats.set_value(f"huiying/liuyan/watermark_after/{fid}", value)
            if value != self.watermark_before[fid]:
                self.store.set_state(self.scope(), f"fid:{fid}", str(value))
