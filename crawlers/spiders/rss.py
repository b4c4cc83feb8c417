"""RSS and Atom feeds: one item per entry, polled politely with conditional GET.

The feed is parsed by ``crawlers.feeds`` (mislabelled encodings, broken XML, odd dates). Each
poll sends the ETag and Last-Modified of the previous successful poll (``If-None-Match`` /
``If-Modified-Since``, kept in the source's state); a ``304 Not Modified`` ends the poll at once.
The new validators are written only after a clean run, so a poll whose items failed to store is
repeated in full. An entry whose id is already stored (it reappears in the next poll) is skipped.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from w3lib.encoding import http_content_type_encoding

from crawlers.feeds import FeedError, parse_feed
from crawlers.items import MessageItem
from crawlers.sources import Option
from crawlers.spiders.base import SourceSpider
from index.records import now_cst


class RssSpider(SourceSpider):
    """Reads the feeds listed in ``start_urls``."""

    platform = "rss"
    name = "rss"
    OPTIONS = {
        "conditional": Option(bool, "send If-None-Match / If-Modified-Since from the last poll (default true)"),
    }

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        self.conditional = bool(self.source.option("conditional", True))
        self.seen_ids: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.start_urls:
            headers: dict[str, str] = {}
            validators = self.state.get(f"conditional:{url}") if self.conditional else None
            if isinstance(validators, dict):
                if validators.get("etag"):
                    headers["If-None-Match"] = validators["etag"]
                if validators.get("last_modified"):
                    headers["If-Modified-Since"] = validators["last_modified"]
            yield scrapy.Request(url, headers=headers, callback=self.parse_feed, errback=self.on_error,
                                 meta={"handle_httpstatus_list": [304]}, dont_filter=True,
                                 cb_kwargs={"feed_url": url})

    def parse_feed(self, response: Response, feed_url: str) -> Iterator[Any]:
        self.stat("pages/feed")
        if response.status == 304:
            self.stat("rss/not_modified")
            return
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        try:
            feed = parse_feed(response.body, response.url, http_content_type_encoding(content_type) if content_type else None)
        except FeedError as exc:
            self.gate(response, "not_a_feed")
            self.logger.warning("%s is not a feed: %s", response.url, exc)
            return
        if feed.repaired:
            self.stat("rss/repaired_xml")
        if feed.encoding != "utf-8":
            self.stat(f"decode/{feed.encoding}")
        etag = response.headers.get(b"ETag")
        modified = response.headers.get(b"Last-Modified")
        if self.conditional and (etag or modified):
            self.deferred_state[f"conditional:{feed_url}"] = {
                "etag": etag.decode("latin-1") if etag else None,
                "last_modified": modified.decode("latin-1") if modified else None}
        fetched = now_cst()
        for entry in feed.entries:
            if entry.id in self.seen_ids:
                self.stat("rss/duplicate_id_in_feed")
                continue
            self.seen_ids.add(entry.id)
            if entry.id_from != "guid":
                self.stat(f"rss/id_from_{entry.id_from}")
            if self.known(entry.id) is not None:
                self.stat("rss/known")
                continue
            if entry.published is None:
                self.stat("rss/entry_without_date")
            yield MessageItem(
                source=self.source.name, platform=self.platform, url=entry.link or response.url,
                external_id=entry.id, title=html.escape(entry.title, quote=False), body=entry.content or entry.summary,
                author=html.escape(entry.author, quote=False), posted_at=entry.published or entry.updated,
                fetched_at=fetched, reply_count=entry.comments, view_count=None, kind_hint="", replies=[],
                extra={"feed": feed.title, "feed_url": feed_url, **({"id_from": entry.id_from} if entry.id_from != "guid" else {})},
            )
