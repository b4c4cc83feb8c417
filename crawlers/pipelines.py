"""Item pipelines, one job each: clean → hash → understand → store.

Order (``ITEM_PIPELINES`` in ``crawlers.settings``): ``CleanPipeline`` 100, ``HashPipeline`` 200,
``UnderstandPipeline`` 300, ``StorePipeline`` 400, then ``JsonLinesPipeline`` 500 (one-off crawls).
Each counts what it did in the crawler's stats under ``huiying/…`` so the crawl report can show it.

The pipelines take a stats collector (anything with ``inc_value``), not a crawler, so that an
import of offline items (``crawlers.ingest``) runs the very same steps (``crawlers.processing``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import IO, Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawlers.errors import EmptyItem, InvalidItem, StoreFailed
from crawlers.items import MessageItem, to_jsonable, to_record
from crawlers.settings import Shared
from crawlers.storage import store_of
from crawlers.text import markup_to_text
from index.records import Classification, now_cst
from nlp.normalize import content_hash

logger = logging.getLogger(__name__)

TRUNCATION_MARK = "\n〔正文过长，已截断：原文约 {original} 字，此处保留前 {kept} 字〕"
"""Appended to a truncated body so a reader knows text is missing (shown to officers, so Chinese)."""


class CleanPipeline:
    """Turn source markup into plain text (``crawlers.text``); drop what cannot be stored; cap long bodies.

    An empty body is fine when there is a title (a "如题" post); an item with neither is dropped.
    A body longer than ``HUIYING_MAX_BODY_CHARS`` is truncated with a visible mark, not dropped.
    """

    def __init__(self, stats: Any, max_body_chars: int = 200_000, max_title_chars: int = 500) -> None:
        self.stats = stats
        self.max_body_chars = max_body_chars
        self.max_title_chars = max_title_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        return cls(
            crawler.stats,
            max_body_chars=crawler.settings.getint("HUIYING_MAX_BODY_CHARS", 200_000),
            max_title_chars=crawler.settings.getint("HUIYING_MAX_TITLE_CHARS", 500),
        )

    def process_item(self, item: MessageItem) -> MessageItem:
        for key in ("source", "platform", "external_id", "url"):
            if not item.get(key):
                raise InvalidItem(f"item from {item.get('url') or item.get('source') or '?'} has no {key}")
        title = markup_to_text(item.get("title") or "")[: self.max_title_chars]
        body = self._body(item)
        if not title and not body:
            raise EmptyItem(f"{item['source']} #{item['external_id']} has neither title nor body after cleaning")
        if not body:
            self.stats.inc_value("huiying/items/empty_body")
        item["title"] = title
        item["body"] = body
        item["author"] = markup_to_text(item.get("author") or "")
        replies = []
        for reply in item.get("replies") or ():
            text = markup_to_text(reply.get("body") or "")
            if text:
                replies.append({**reply, "body": text[: self.max_body_chars],
                                "author": markup_to_text(reply.get("author") or ""),
                                "organisation": markup_to_text(reply.get("organisation") or "")})
        item["replies"] = replies
        item.setdefault("extra", {})
        item.setdefault("kind_hint", "")
        return item

    def _body(self, item: MessageItem) -> str:
        raw = item.get("body") or ""
        # Markup costs at most a few characters per visible one; cutting far above the limit
        # first keeps a hostile multi-megabyte body from costing seconds of normalisation.
        margin = self.max_body_chars * 4
        precut = len(raw) > margin
        body = markup_to_text(raw[:margin] if precut else raw)
        if len(body) <= self.max_body_chars and not precut:
            return body
        original = len(raw) if precut else len(body)  # markup length when pre-cut: an upper bound
        kept = body[: self.max_body_chars]
        self.stats.inc_value("huiying/items/truncated")
        item.setdefault("extra", {})["body_truncated_from"] = original
        logger.warning("body of %s #%s truncated from %d to %d characters",
                       item["source"], item["external_id"], original, self.max_body_chars)
        return kept + TRUNCATION_MARK.format(original=original, kept=self.max_body_chars)


class HashPipeline:
    """Set ``content_hash`` so the store recognises the same text under another id."""

    def process_item(self, item: MessageItem) -> MessageItem:
        item["content_hash"] = content_hash(item.get("title", ""), item.get("body", ""))
        return item


def load_understander(model_path: str | None, county_dir: str | None) -> Any:
    """Load the Understander (a few seconds: the model, the county's routing table and lexicons)."""
    # Imported here so a crawl with classification off does not load the model libraries.
    from nlp.understand import Understander

    return Understander.load(model_path=model_path or None, county_dir=county_dir or None)


class UnderstandPipeline:
    """Classify each item (domain, units, urgency, kind) with the Understander.

    The Understander is loaded once in ``from_crawler`` from ``HUIYING_MODEL_PATH`` and
    ``HUIYING_COUNTY_DIR``, unless the runner already loaded one for the whole run
    (``HUIYING_UNDERSTANDER``).

    An item the store already has, with a classification, is not understood again on a re-crawl
    (``huiying/understand/skipped_known``): its classification stays (an officer may have
    corrected it) and the visit still records its counts. A failure to classify one item does not
    lose it: the item goes on without an understanding and the store files it for manual triage
    (``huiying/understand/errors`` counts these).
    """

    def __init__(self, stats: Any, understander: Any, store: Any = None) -> None:
        self.stats = stats
        self.understander = understander
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnderstandPipeline:
        if not crawler.settings.getbool("HUIYING_UNDERSTAND_ENABLED", True):
            raise NotConfigured("HUIYING_UNDERSTAND_ENABLED is off: items are stored unclassified")
        shared = crawler.settings.get("HUIYING_UNDERSTANDER")
        if isinstance(shared, Shared):  # loaded once by the runner for all sources of this run
            understander = shared.value
        else:
            understander = load_understander(crawler.settings.get("HUIYING_MODEL_PATH"),
                                             crawler.settings.get("HUIYING_COUNTY_DIR"))
        return cls(crawler.stats, understander, store_of(crawler))

    def already_classified(self, item: MessageItem) -> bool:
        if self.store is None:
            return False
        stored = self.store.find_item(item["source"], str(item["external_id"]))
        return stored is not None and stored.id is not None and self.store.get_classification(stored.id) is not None

    def process_item(self, item: MessageItem) -> MessageItem:
        if self.already_classified(item):
            self.stats.inc_value("huiying/understand/skipped_known")
            return item
        try:
            item["understanding"] = self.understander.understand(
                item.get("title", ""), item.get("body", ""),
                kind_hint=item.get("kind_hint", "") or "",
                reply_count=item.get("reply_count"), view_count=item.get("view_count"),
            )
        except Exception:  # one odd message must not stop the crawl; it goes to manual triage
            self.stats.inc_value("huiying/understand/errors")
            logger.exception("could not classify %s #%s; storing it for manual triage",
                             item.get("source"), item.get("external_id"))
        return item


def classification_for(item_id: int, item: MessageItem) -> Classification:
    """The stored classification: from the understanding, or a triage placeholder without one."""
    understanding = item.get("understanding")
    if understanding is None:
        return Classification(
            item_id=item_id, domain="", lead_unit="", co_units=(), urgency="一般",
            kind=item.get("kind_hint", "") or "", confidences={}, model_version="unclassified",
            reasons=("未能自动分类，请人工分派",), needs_triage=True, classified_at=now_cst(),
        )
    return Classification(
        item_id=item_id,
        domain=understanding.domain,
        lead_unit=understanding.lead_unit,
        co_units=tuple(understanding.co_units),
        urgency=understanding.urgency,
        kind=understanding.kind,
        confidences=dict(understanding.confidences),
        model_version=understanding.model_version,
        reasons=tuple(understanding.reasons),
        sentiment=understanding.sentiment,
        place=understanding.place,
        keywords=tuple(understanding.keywords),
        needs_triage=bool(understanding.needs_triage),
        classified_at=now_cst(),
    )


class StorePipeline:
    """Write items to the store; save the classification of new items; count new/updated/duplicate.

    A re-crawled item (``updated``) keeps the classification it already has, because an officer
    may have corrected it. A storage error is never swallowed: it is counted
    (``huiying/store/errors``), logged, re-raised, and the source's crawl is closed with reason
    ``store_error`` so that the report says the run failed.
    """

    def __init__(self, stats: Any, store: Any, crawler: Crawler | None = None) -> None:
        self.crawler = crawler
        self.stats = stats
        self.store = store
        self._closing: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        store = store_of(crawler)
        if store is None:
            raise NotConfigured("no store configured (HUIYING_STORE_URL): items are not saved")
        return cls(crawler.stats, store, crawler)

    def store_item(self, item: MessageItem) -> Any:
        """Add the item (and the classification of a new one); returns the store's ``AddResult``.

        Raises ``StoreFailed`` after counting the error and asking the crawl (if any) to stop.
        """
        try:
            result = self.store.add_item(to_record(item))
            keep_existing = result.status == "updated" and self.store.get_classification(result.item_id) is not None
            if result.status in ("new", "updated") and not keep_existing:
                self.store.save_classification(classification_for(result.item_id, item))
        except Exception as exc:
            self.stats.inc_value("huiying/store/errors")
            logger.error("could not store %s #%s: %s; stopping", item.get("source"), item.get("external_id"), exc)
            self._stop("store_error")
            raise StoreFailed(f"storing {item.get('source')} #{item.get('external_id')} failed: {exc}") from exc
        self.stats.inc_value(f"huiying/items/{result.status}")
        return result

    def process_item(self, item: MessageItem) -> MessageItem:
        self.store_item(item)
        return item

    def _stop(self, reason: str) -> None:
        if self.crawler is not None and self._closing is None:
            self._closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))


class JsonLinesPipeline:
    """Write each cleaned item as one JSON object per line (``HUIYING_JSONL_PATH``; one-off crawls).

    Fields: platform, source, url, external_id, title, body, author, posted_at (ISO 8601, +08:00),
    fetched_at, reply_count, view_count, kind, replies (author, organisation, body, posted_at),
    content_hash and extra. The line is flushed at once, so a killed crawl keeps what it wrote.
    """

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.file: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesPipeline:
        path = crawler.settings.get("HUIYING_JSONL_PATH")
        if not path:
            raise NotConfigured("HUIYING_JSONL_PATH is not set")
        return cls(str(path))

    def open_spider(self, spider: Any = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = self.path.open("a", encoding="utf-8")

    def close_spider(self, spider: Any = None) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def process_item(self, item: MessageItem) -> MessageItem:
        if self.file is None:
            self.open_spider()
        assert self.file is not None
        self.file.write(json.dumps(to_jsonable(item), ensure_ascii=False) + "\n")
        self.file.flush()
        return item
