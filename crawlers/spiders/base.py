"""What every platform spider shares: its source configuration, state, stats, decoding and gates.

One spider class per platform, one spider instance per configured source: the source dict
says where to go, the class knows how that platform's pages and APIs are shaped. A platform
declares the options a source may set (``OPTIONS``) so that a sources file is checked on load.

Watermarks (``crawlers.state``) are kept here for every platform: a spider asks for
``watermark(key)``, calls ``expect`` for each id it requests, and puts ``cursor=(key, id)`` on the
item; the id is settled when the item has been stored (Scrapy's ``item_scraped``) or deliberately
left out (``item_dropped``), and the marks are written when the spider closes.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, ClassVar

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.blocks import is_block_title, report_block
from crawlers.encoding import decode_page
from crawlers.items import MessageItem
from crawlers.sources import Option, SourceConfig
from crawlers.state import SourceState, Watermark
from crawlers.storage import store_of
from index.records import Item

CLEAN_FINISH = "finished"
MARKS_SAVED_ON = ("finished", "closespider_itemcount", "closespider_pagecount", "closespider_timeout",
                  "closespider_errorcount")
"""Finish reasons after which watermarks are written (a limit is a normal end; a store error,
a block or a shutdown leave them as they were, so the next run reads the same rows again)."""


class SourceSpider(scrapy.Spider):
    """A spider bound to one configured source (``source=`` argument: a dict or SourceConfig)."""

    platform: ClassVar[str] = ""
    name = "huiying-source"
    OPTIONS: ClassVar[dict[str, Option]] = {}
    """Platform options a source may set, checked when sources are loaded."""

    def __init__(self, source: Mapping[str, Any] | SourceConfig, **kwargs: Any) -> None:
        self.source = SourceConfig.from_dict(source)
        super().__init__(name=self.source.name, **kwargs)
        self.max_pages = self.source.max_pages or 5
        self.marks: dict[str, Watermark] = {}
        self.deferred_state: dict[str, Any] = {}

    @classmethod
    def check_source(cls, source: SourceConfig) -> None:
        """Platform checks beyond option types (raise ``SourceConfigError``); none by default."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler)
        crawler.signals.connect(spider._item_settled, signal=signals.item_scraped)
        crawler.signals.connect(spider._item_settled, signal=signals.item_dropped)
        return spider

    def configure(self, crawler: Crawler) -> None:
        """Read settings that apply to this spider (subclasses extend)."""
        if self.source.max_pages is None:
            self.max_pages = crawler.settings.getint("HUIYING_MAX_LIST_PAGES", 5)

    # -- store and state ---------------------------------------------------------------------------

    @property
    def store(self) -> Any:
        """The crawl's store, or None in a one-off crawl (extensions exist once the crawl starts)."""
        return store_of(self.crawler)

    @property
    def state(self) -> SourceState:
        return SourceState(self.store, self.source.name)

    def known(self, external_id: str | int) -> Item | None:
        """The stored item for this id (or an alias of it), None when new or without a store."""
        store = self.store
        return None if store is None else store.find_item(self.source.name, str(external_id))

    def watermark(self, key: str) -> Watermark:
        """The run's watermark for ``key``, its old value read once, before anything is requested."""
        if key not in self.marks:
            self.marks[key] = Watermark(before=self.state.get_mark(key))
            self.crawler.stats.set_value(f"huiying/watermark_before/{key}", self.marks[key].before)
        return self.marks[key]

    def _item_settled(self, item: Any, **_: Any) -> None:
        cursor = item.get("cursor") if isinstance(item, MessageItem) else None
        if cursor:
            key, value = cursor
            self.watermark(key).settle(int(value))

    def closed(self, reason: str) -> None:
        """Write the watermarks (covered ones only) and, after a clean finish, the deferred state."""
        if self.store is None:
            return
        for key, mark in self.marks.items():
            value = mark.after() if reason in MARKS_SAVED_ON else mark.before
            self.crawler.stats.set_value(f"huiying/watermark_after/{key}", value)
            if mark.covered and value != mark.before:
                self.state.set_mark(key, value)
        if reason not in MARKS_SAVED_ON and self.marks:
            self.logger.warning("run ended with %r: watermarks left unchanged", reason)
        if reason == CLEAN_FINISH:
            for key, value in self.deferred_state.items():
                self.state.set(key, value)
        elif self.deferred_state:
            self.logger.info("run ended with %r: state %s left unchanged", reason, sorted(self.deferred_state))

    # -- helpers ---------------------------------------------------------------------------------

    def stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"huiying/{key}", count)

    def gate(self, response: Response, kind: str) -> None:
        """Count a page that answered 200 without content (deleted, login, blocked...)."""
        self.stat(f"gate/{kind}")
        self.logger.info("gate page (%s) at %s: not stored", kind, response.url)
        if kind == "blocked":
            report_block(self.crawler, "captcha_page", response.url)

    def selector(self, response: Response) -> Selector:
        """The page parsed after robust decoding (see crawlers.encoding)."""
        page = decode_page(response, self.source.encoding)
        if not page.clean:
            self.stat("decode/replaced")
            self.logger.warning("page %s did not decode cleanly as %s", response.url, page.encoding)
        elif page.encoding != "utf-8":
            self.stat(f"decode/{page.encoding}")
        if "dataloss" in getattr(response, "flags", ()):
            self.stat("pages/dataloss")
        return Selector(text=page.text)

    def block_page(self, sel: Selector) -> bool:
        """True (and the run stops) when a 200 page is a captcha or "verify you are human" page."""
        return is_block_title(sel.css("title::text").get() or "")

    def observation(self, stored: Item, url: str, reply_count: int | None, view_count: int | None,
                    cursor: tuple[str, int] | None = None, external_id: str | None = None) -> MessageItem:
        """An item that only records new reply/view counts of a stored message (no page fetched).

        The stored text goes back through the pipelines unchanged (escaped, so cleaning it again
        gives the same text and hash) and the store keeps the replies it has.
        """
        self.stat("items/observed_only")
        return MessageItem(
            source=self.source.name, platform=self.platform, url=stored.url or url,
            external_id=external_id or stored.external_id, title=html.escape(stored.title, quote=False),
            body=html.escape(stored.body, quote=False), author=html.escape(stored.author, quote=False),
            posted_at=stored.posted_at, fetched_at=None, reply_count=reply_count, view_count=view_count,
            kind_hint=stored.kind, replies=[], extra=dict(stored.extra), cursor=cursor,
        )

    def on_error(self, failure: Failure) -> None:
        """Count a request that failed after retries (HTTP error, timeout, refused connection)."""
        self.stat(f"errors/{type(failure.value).__name__}")
        response = getattr(failure.value, "response", None)
        if response is not None and getattr(response, "status", None):
            self.stat(f"http_status/{response.status}")
        request = getattr(failure, "request", None)
        self.logger.warning("request failed: %s (%s)", getattr(request, "url", "?"), failure.getErrorMessage())
