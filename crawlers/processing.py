"""The crawl pipelines' steps for items that do not come from a crawl (offline imports).

``ItemProcessor`` runs exactly the pipelines a crawl runs — clean → hash → understand → store —
on one item at a time, so an imported hotline record is cleaned, deduplicated, classified and
stored the same way as a crawled post. Counts go to a small stats object with the same keys.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from crawlers.items import MessageItem
from crawlers.pipelines import CleanPipeline, HashPipeline, StorePipeline, UnderstandPipeline


class Stats:
    """The part of Scrapy's stats collector the pipelines use."""

    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] += count

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self.values[key] = value

    def max_value(self, key: str, value: Any) -> None:
        self.values[key] = max(self.values.get(key, value), value)


@dataclass(frozen=True)
class Outcome:
    """What processing one item did: ``new``, ``updated`` or ``duplicate``, and the stored id."""

    status: str
    item_id: int | None
    item: MessageItem


class ItemProcessor:
    """Clean, hash, understand (unless ``understander`` is None) and store items one by one."""

    def __init__(self, store: Any, understander: Any = None, *, max_body_chars: int = 200_000,
                 max_title_chars: int = 500, stats: Stats | None = None) -> None:
        self.stats = stats or Stats()
        self.clean = CleanPipeline(self.stats, max_body_chars, max_title_chars)
        self.hash = HashPipeline()
        self.understand = UnderstandPipeline(self.stats, understander, store) if understander is not None else None
        self.store = StorePipeline(self.stats, store)

    def process(self, item: MessageItem) -> Outcome:
        """Raises ``DropItem`` subclasses (``EmptyItem``, ``InvalidItem``) and ``StoreFailed``."""
        item = self.clean.process_item(item)
        item = self.hash.process_item(item)
        if self.understand is not None:
            item = self.understand.process_item(item)
        result = self.store.store_item(item)
        return Outcome(status=result.status, item_id=result.item_id, item=item)
