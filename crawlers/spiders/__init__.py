"""Platform spiders, looked up by the ``platform`` a source names.

Adding a platform means adding a module here and one line to ``SPIDERS``; sources then select it
by name. Each spider declares its options (``OPTIONS``) so that a sources file is checked on load.
"""

from __future__ import annotations

from crawlers.errors import UnknownPlatform
from crawlers.sources import SourceConfig
from crawlers.spiders.base import SourceSpider
from crawlers.spiders.discuz import DiscuzSpider
from crawlers.spiders.generic import GenericSpider
from crawlers.spiders.govmailbox import GovMailboxSpider
from crawlers.spiders.liuyan import LiuyanSpider
from crawlers.spiders.rss import RssSpider
from crawlers.spiders.tieba import TiebaSpider

SPIDERS: dict[str, type[SourceSpider]] = {
    spider.platform: spider
    for spider in (LiuyanSpider, DiscuzSpider, TiebaSpider, GovMailboxSpider, RssSpider, GenericSpider)
}


def spider_for(source: SourceConfig) -> type[SourceSpider]:
    """The spider class that reads ``source``'s platform."""
    try:
        return SPIDERS[source.platform]
    except KeyError:
        raise UnknownPlatform(source.name, source.platform, list(SPIDERS)) from None


__all__ = ["SPIDERS", "DiscuzSpider", "GenericSpider", "GovMailboxSpider", "LiuyanSpider", "RssSpider", "SourceSpider",
           "TiebaSpider", "spider_for"]
