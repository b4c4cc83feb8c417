"""The store a crawl writes to: opened once per crawler from settings, shared by pipeline and spider.

The store pipeline writes items; a spider keeps its watermark (``get_state``/``set_state``) in
the same store. Both reach it through this extension instead of a module-level connection, so
each crawler owns exactly one connection, closed when the crawl's engine stops (after the
spider's own ``closed`` hook has saved its state).
"""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from index.store import open_store
from nlp.segment import search_tokens


class StoreExtension:
    """Holds the crawl's store connection (``HUIYING_STORE_URL``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.store: Any = open_store(url, tokenizer=search_tokens)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreExtension:
        url = crawler.settings.get("HUIYING_STORE_URL")
        if not url:
            raise NotConfigured("HUIYING_STORE_URL is not set: crawled items have nowhere to go")
        extension = cls(url)
        crawler.signals.connect(extension.close, signal=signals.engine_stopped)
        return extension

    def close(self) -> None:
        self.store.close()


def store_of(crawler: Crawler) -> Any | None:
    """The crawl's store, or None when no store is configured (a dry run)."""
    extension = crawler.get_extension(StoreExtension)
    return None if extension is None else extension.store
