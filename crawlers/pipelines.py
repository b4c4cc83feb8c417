"""Item pipelines, one job each: clean → hash → understand → store.

Order (``ITEM_PIPELINES`` in ``crawlers.settings``): ``CleanPipeline`` 100, ``HashPipeline`` 200,
``UnderstandPipeline`` 300, ``StorePipeline`` 400. Each counts what it did in the crawler's
stats under ``huiying/…`` so the crawl report can show it.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawlers.errors import EmptyItem, InvalidItem, StoreFailed
from crawlers.items import MessageItem, to_record
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

    def __init__(self, crawler: Crawler, max_body_chars: int, max_title_chars: int) -> None:
        self.stats = crawler.stats
        self.max_body_chars = max_body_chars
        self.max_title_chars = max_title_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        return cls(
            crawler,
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

    A failure to classify one item does not lose it: the item goes on without an understanding
    and the store files it for manual triage (``huiying/understand/errors`` counts these).
    """

    def __init__(self, crawler: Crawler, understander: Any) -> None:
        self.stats = crawler.stats
        self.understander = understander

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnderstandPipeline:
        if not crawler.settings.getbool("HUIYING_UNDERSTAND_ENABLED", True):
            raise NotConfigured("HUIYING_UNDERSTAND_ENABLED is off: items are stored unclassified")
        shared = crawler.settings.get("HUIYING_UNDERSTANDER")
        if isinstance(shared, Shared):  # loaded once by the runner for all sources of this run
            return cls(crawler, shared.value)
        return cls(crawler, load_understander(crawler.settings.get("HUIYING_MODEL_PATH"),
                                              crawler.settings.get("HUIYING_COUNTY_DIR")))

    def process_item(self, item: MessageItem) -> MessageItem:
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

    def __init__(self, crawler: Crawler, store: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.store = store
        self._closing: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        store = store_of(crawler)
        if store is None:
            raise NotConfigured("no store configured (HUIYING_STORE_URL): items are not saved")
        return cls(crawler, store)

    def process_item(self, item: MessageItem) -> MessageItem:
        try:
            result = self.store.add_item(to_record(item))
            keep_existing = result.status == "updated" and self.store.get_classification(result.item_id) is not None
            if result.status in ("new", "updated") and not keep_existing:
                self.store.save_classification(classification_for(result.item_id, item))
        except Exception as exc:
            self.stats.inc_value("huiying/store/errors")
            logger.error("could not store %s #%s: %s; stopping this source", item.get("source"),
                         item.get("external_id"), exc)
            self._stop("store_error")
            raise StoreFailed(f"storing {item.get('source')} #{item.get('external_id')} failed: {exc}") from exc
        self.stats.inc_value(f"huiying/items/{result.status}")
        return item

    def _stop(self, reason: str) -> None:
        if self._closing is None:
            self._closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))
