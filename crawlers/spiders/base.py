"""What every platform spider shares: its source configuration, stats, decoding and gate counting.

One spider class per platform, one spider instance per configured source: the source dict
says where to go, the class knows how that platform's pages and APIs are shaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import scrapy
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawlers.encoding import decode_page
from crawlers.sources import SourceConfig


class SourceSpider(scrapy.Spider):
    """A spider bound to one configured source (``source=`` argument: a dict or SourceConfig)."""

    platform: ClassVar[str] = ""
    name = "huiying-source"

    def __init__(self, source: Mapping[str, Any] | SourceConfig, **kwargs: Any) -> None:
        self.source = SourceConfig.from_dict(source)
        super().__init__(name=self.source.name, **kwargs)
        self.max_pages = self.source.max_pages or 5

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler)
        return spider

    def configure(self, crawler: Crawler) -> None:
        """Read settings that apply to this spider (subclasses extend)."""
        if self.source.max_pages is None:
            self.max_pages = crawler.settings.getint("HUIYING_MAX_LIST_PAGES", 5)

    # -- helpers ---------------------------------------------------------------------------------

    def stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"huiying/{key}", count)

    def gate(self, response: Response, kind: str) -> None:
        """Count a page that answered 200 without content (deleted, login, blocked...)."""
        self.stat(f"gate/{kind}")
        self.logger.info("gate page (%s) at %s: not stored", kind, response.url)

    def selector(self, response: Response) -> Selector:
        """The page parsed after robust decoding (see crawlers.encoding)."""
        page = decode_page(response, self.source.encoding)
        if not page.clean:
            self.stat("decode/replaced")
            self.logger.warning("page %s did not decode cleanly as %s", response.url, page.encoding)
        elif page.encoding != "utf-8":
            self.stat(f"decode/{page.encoding}")
        return Selector(text=page.text)
