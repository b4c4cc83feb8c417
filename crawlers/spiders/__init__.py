"""Platform spiders, looked up by the ``platform`` a source names.

Adding a platform (Tieba, government mailboxes, RSS, a generic article spider) means adding a
module here and one line to ``SPIDERS``; sources then select it by name.
"""

from __future__ import annotations

from crawlers.errors import UnknownPlatform
from crawlers.sources import SourceConfig
from crawlers.spiders.base import SourceSpider
from crawlers.spiders.discuz import DiscuzSpider
from crawlers.spiders.liuyan import LiuyanSpider

SPIDERS: dict[str, type[SourceSpider]] = {
    DiscuzSpider.platform: DiscuzSpider,
    LiuyanSpider.platform: LiuyanSpider,
}


def spider_for(source: SourceConfig) -> type[SourceSpider]:
    """The spider class that reads ``source``'s platform."""
    try:
        return SPIDERS[source.platform]
    except KeyError:
        raise UnknownPlatform(source.name, source.platform, list(SPIDERS)) from None


__all__ = ["SPIDERS", "DiscuzSpider", "LiuyanSpider", "SourceSpider", "spider_for"]
