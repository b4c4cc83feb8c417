"""The relate step: after items are stored, find their near-duplicates and the topic each joins.

Every way an item enters (a crawl, the monitor, an Excel import, the demo) stores it first; this
step then reads the items it has not seen, in posting order, and for each one

* looks it up in a MinHash index of recent items (:mod:`nlp.dedupe`): near-duplicates are 并单
  candidates the officer sees on the case;
* adds it to a topic (:mod:`nlp.events`): the most similar recent topic, or a new one; every
  active topic's heat is recomputed at the end of the cycle, so the board's hot-topic list is
  always "as of the last cycle";
* raises its urgency one level when a burst of near-duplicates arrived within 24 hours (the
  spread rule of ``urgency.yaml``), before its case is opened, so the deadline follows.

It runs before cases are opened, in the same process as the one writer. State lives in the store
(signatures, pairs, topics): a restart rebuilds the in-memory indexes from it and carries on;
an item is marked related only with all its relations, in one transaction.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from index.records import Classification, Item, Topic, now_cst
from nlp.dedupe import NearDuplicateIndex
from nlp.events import WINDOW, EventGrouper, EventItem, heat

log = logging.getLogger(__name__)

DUPLICATE_WINDOW = timedelta(days=180)
"""How far back a new item is compared for near-duplicates (a matter is often raised again months later)."""
BURST_WINDOW = timedelta(hours=24)
DEFAULT_BURST = 5  # near-duplicates within 24 hours that raise urgency, when the rules file says nothing
RAISE = {"一般": "紧急", "紧急": "特急"}


class Relater:
    """Near-duplicates and topics for newly stored items, kept in the store."""

    def __init__(self, store: Any, idf: dict[str, float] | None = None, burst_threshold: int = DEFAULT_BURST) -> None:
        self.store = store
        self.idf = idf or {}
        self.burst_threshold = burst_threshold
        self.grouper: EventGrouper | None = None

    @classmethod
    def load(cls, store: Any, model_path: str | Path | None = None, county_dir: str | Path | None = None) -> Relater:
        """With the domain model's word weights (what makes two messages about one matter) and the
        county's burst threshold; without a readable model, topics are grouped on plain word counts."""
        idf: dict[str, float] = {}
        try:
            from nlp.domain_model import DomainModel

            idf = DomainModel.load(model_path).idf
        except Exception as exc:  # topics still work, less sharply; say so
            log.warning("topics are grouped without the domain model's word weights: %s", exc)
        return cls(store, idf, burst_threshold=_burst_threshold(county_dir))

    def run(self, now: datetime | None = None, limit: int = 2000) -> dict[str, int]:
        """Relate up to ``limit`` new items; returns what was found."""
        now = now or now_cst()
        if self.grouper is None:
            self._restore(now)
        assert self.grouper is not None
        items = self.store.items_to_relate(limit)
        items.sort(key=lambda i: (_when(i, now), i.id))
        found = {"related": 0, "near_duplicate_pairs": 0, "topics_new": 0, "raised": 0}
        for item in items:
            try:
                pairs, new_topic, raised = self._relate(item, now)
            except Exception:  # one odd item must not stop the others; it is retried next cycle
                log.exception("relating item %s failed", item.id)
                continue
            found["related"] += 1
            found["near_duplicate_pairs"] += pairs
            found["topics_new"] += new_topic
            found["raised"] += raised
        self._refresh_heat(now)
        return found

    # -- one item ---------------------------------------------------------------------------------

    def _relate(self, item: Item, now: datetime) -> tuple[int, int, int]:
        assert self.grouper is not None
        duplicates = self.grouper.duplicates
        posted = _when(item, now)
        before = self.grouper.next_id
        entry = _event_item(item, posted)
        topic_id, similarity, matches = self.grouper.add_matching(entry)  # indexes it for near-duplicates too
        event = self.grouper.events[topic_id]
        topic = Topic(
            id=topic_id, title=event.title, terms=event.terms(5), first_seen=event.first_seen,
            last_seen=event.last_seen, size=event.size, heat=heat(event, now), heat_at=now,
        )
        signature = duplicates.signature_bytes(item.id) if item.id in duplicates else None
        self.store.save_relations(
            item.id, posted_at=posted, signature=signature, near=[(int(m.item_id), m.similarity) for m in matches],
            topic=topic, similarity=similarity, engagement=entry.engagement,
        )
        burst = len(duplicates.recent(matches, posted, BURST_WINDOW))
        raised = self._raise_urgency(item, burst) if burst >= self.burst_threshold else 0
        return len(matches), int(topic_id >= before), raised

    def _raise_urgency(self, item: Item, burst: int) -> int:
        """One level up for a burst of the same matter, before the case (and its deadline) exists."""
        if self.store.case_for_item(item.id) is not None:
            return 0
        current: Classification | None = self.store.get_classification(item.id)
        if current is None or current.urgency not in RAISE:
            return 0
        reason = f"24小时内{burst}条相似留言（≥{self.burst_threshold}），紧急程度由{current.urgency}上调为{RAISE[current.urgency]}"
        self.store.save_classification(dataclasses.replace(
            current, urgency=RAISE[current.urgency], reasons=(*current.reasons, reason),
        ))
        return 1

    # -- state --------------------------------------------------------------------------------------

    def _restore(self, now: datetime) -> None:
        """Rebuild the in-memory indexes from the store (start-up)."""
        duplicates = NearDuplicateIndex()
        for item_id, posted, signature in self.store.signatures(since=now - DUPLICATE_WINDOW):
            try:
                duplicates.add_signature(item_id, signature, posted)
            except ValueError as exc:  # a signature from another configuration: that item is not compared
                log.warning("item %s: %s", item_id, exc)
        grouper = EventGrouper(idf=self.idf, duplicates=duplicates, first_id=self.store.last_topic_id() + 1)
        titles: dict[int, str] = {}
        for topic_id, item, _engagement in self.store.topic_history(since=now - WINDOW):
            if topic_id not in titles:
                topic = self.store.get_topic(topic_id)
                titles[topic_id] = topic.title if topic is not None else ""
            grouper.restore(_event_item(item, _when(item, now)), topic_id, titles[topic_id])
        self.grouper = grouper

    def _refresh_heat(self, now: datetime) -> None:
        """Recompute the heat of every active topic as of now; forget topics past the window."""
        assert self.grouper is not None
        self.grouper.duplicates.forget_before(now - DUPLICATE_WINDOW)
        active: list[tuple[int, float]] = []
        for event_id, event in list(self.grouper.events.items()):
            if now - event.last_seen > WINDOW:
                self.grouper.forget(event_id)
                continue
            active.append((event_id, heat(event, now)))
        self.store.refresh_topic_heat(active, now)


def relate_new_items(relater: Relater | None, now: datetime | None = None) -> dict[str, int] | str:
    """Run the step for a caller that must go on whatever happens (the monitor, the demo, imports)."""
    if relater is None:
        return "off"
    try:
        return relater.run(now)
    except Exception as exc:
        log.exception("the relate step failed")
        return f"failed: {type(exc).__name__}: {exc}"


def _when(item: Item, now: datetime) -> datetime:
    """When the item was posted; when the source gave no time, when it was fetched."""
    return item.posted_at or item.fetched_at or now


def _event_item(item: Item, posted: datetime) -> EventItem:
    votes = item.extra.get("votes") if isinstance(item.extra, dict) else None
    return EventItem(
        item.id, item.title or "", item.body or "", posted, item.reply_count or 0, item.view_count or 0,
        int(votes) if isinstance(votes, int | float) else 0,
    )


def _burst_threshold(county_dir: str | Path | None) -> int:
    from nlp.urgency import UrgencyRules

    path = Path(county_dir) / "urgency.yaml" if county_dir else None
    rules = UrgencyRules.load(path if path is not None and path.is_file() else None)
    value = rules.spread_thresholds.get("near_duplicates_24h")
    return int(value) if value else DEFAULT_BURST

