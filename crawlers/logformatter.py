"""Log lines that name an item instead of dumping it.

Scrapy's default formatter prints the whole item when one is scraped, dropped or fails; with
bodies of up to a megabyte (and citizens' personal details in them) that floods the logs.
Here an item is named by source, id and URL.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure


def describe(item: Any) -> str:
    """``source #id <url>`` for a MessageItem-like mapping, or the type name otherwise."""
    try:
        return f"{item.get('source', '?')} #{item.get('external_id', '?')} <{item.get('url', '')}>"
    except AttributeError:
        return type(item).__name__


class ItemNamingLogFormatter(LogFormatter):
    """Scrapy's log formatter with items named, not printed."""

    def scraped(self, item: Any, response: Response | Failure | None, spider: Spider) -> LogFormatterResult:
        return {"level": logging.DEBUG, "msg": "Scraped %(item)s", "args": {"item": describe(item)}}

    def dropped(self, item: Any, exception: BaseException, response: Response | Failure | None,
                spider: Spider) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        return {"level": result["level"], "msg": "Dropped %(item)s: %(exception)s",
                "args": {"item": describe(item), "exception": exception}}

    def item_error(self, item: Any, exception: BaseException, response: Response | Failure | None,
                   spider: Spider) -> LogFormatterResult:
        return {"level": logging.ERROR, "msg": "Error processing %(item)s: %(exception)s",
                "args": {"item": describe(item), "exception": exception}}
