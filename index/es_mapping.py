"""How items look in Elasticsearch: index names, the index template, and the document of one item.

Layout: one index per month of ``posted_at`` (``huiying-items-2026.03``; ``huiying-items-undated``
for items without a date), all behind the alias ``huiying-items`` that searches read. An index
template gives every monthly index the same settings, mappings and alias, so a new month needs no
set-up. ``posted_at`` never changes once stored, so an item always lands in the same index and a
re-index overwrites it rather than copying it.

Text is indexed twice, for two jobs:

* ``title`` / ``body``: the raw text with a CJK bigram analyzer (``huiying_cjk``: the standard
  tokenizer, ``cjk_width``, ``lowercase`` and ``cjk_bigram``, all from ES's built-in
  ``analysis-common``). A query word is looked up as the phrase of its bigrams, so a word is found
  wherever it occurs as a substring — the same rule as the SQL backends (``index.cjk``).
* ``title_words`` / ``body_words``: jieba's words (the injected tokenizer), space-joined, with the
  ``whitespace`` analyzer; used for ranking. With another word analyzer (``ik_max_word`` where the
  IK plugin is installed) the raw text is sent instead and the cluster segments it.

Facets are ``keyword`` fields (``unit``, ``urgency``, ``status``, ``source``, ``domain``, ``place``,
``day``) for filters and aggregations; ``title.keyword`` is a keyword sub-field for exact matches.
``unit`` and ``urgency`` are the case's when there is one, else the classification's — as the SQL
search reports them. A field without a value is left out (``counts_by`` reports it as ``""``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from index import codec
from index.errors import UnsupportedStoreURL
from index.records import now_cst, to_cst
from index.sql_outbox import SearchSource

MAPPING_VERSION = 1
"""Bump when the mappings change: indices made with an older version need ``huiying index rebuild``."""

MAX_WORDS_CHARS = 200_000
"""Only this much of a body is segmented for ranking (the bigram field still holds all of it)."""

CJK_ANALYZER = {
    "type": "custom",
    "tokenizer": "standard",
    "filter": ["cjk_width", "lowercase", "cjk_bigram"],
}
"""The built-in ``cjk`` analyzer without its English stop words, so every Latin word is searchable."""

_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,100}$")


@dataclass(frozen=True)
class EsLayout:
    """Names, analyzers and index settings of one installation's search data."""

    prefix: str = "huiying"
    word_analyzer: str = "whitespace"
    cjk_analyzer: str = "huiying_cjk"
    shards: int = 1
    replicas: int = 0

    def __post_init__(self) -> None:
        if not _PREFIX.match(self.prefix):
            raise UnsupportedStoreURL(
                f"{self.prefix!r} cannot name Elasticsearch indices: use lowercase letters, digits, '-', '_' or '.'"
            )

    @property
    def alias(self) -> str:
        """What searches read: every monthly index."""
        return f"{self.prefix}-items"

    @property
    def pattern(self) -> str:
        return f"{self.prefix}-items-*"

    @property
    def template_name(self) -> str:
        return f"{self.prefix}-items"

    @property
    def pre_segmented(self) -> bool:
        """With the whitespace analyzer the words must arrive already segmented (by jieba)."""
        return self.word_analyzer == "whitespace"

    def index_for(self, posted_at: datetime | None) -> str:
        """The monthly index an item belongs to (China Standard Time months)."""
        if posted_at is None:
            return f"{self.prefix}-items-undated"
        return f"{self.prefix}-items-{to_cst(posted_at):%Y.%m}"

    def template(self, refresh_interval: str = "1s") -> dict[str, Any]:
        """The composable index template: settings, analyzers, mappings and the read alias."""
        return {
            "index_patterns": [self.pattern],
            "priority": 200,
            "_meta": {"huiying_mapping": MAPPING_VERSION, "description": "Huiying items, one index per month"},
            "template": {
                "settings": {
                    "number_of_shards": self.shards,
                    "number_of_replicas": self.replicas,
                    "refresh_interval": refresh_interval,
                    "analysis": {"analyzer": {"huiying_cjk": CJK_ANALYZER}},
                },
                "mappings": self.mappings(),
                "aliases": {self.alias: {}},
            },
        }

    def mappings(self) -> dict[str, Any]:
        keyword = {"type": "keyword"}
        words = {"type": "text", "analyzer": self.word_analyzer}
        cjk = {"type": "text", "analyzer": self.cjk_analyzer}
        date = {"type": "date"}
        return {
            "dynamic": "strict",
            "_meta": {"huiying_mapping": MAPPING_VERSION},
            "_source": {"excludes": ["title_words", "body_words"]},
            "properties": {
                "item_id": {"type": "long"},
                "source": keyword,
                "platform": keyword,
                "url": {"type": "keyword", "index": False, "doc_values": False},
                "external_id": keyword,
                "title": {**cjk, "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
                "title_words": words,
                "body": cjk,
                "body_words": words,
                "author": keyword,
                "posted_at": date,
                "day": keyword,
                "fetched_at": date,
                "reply_count": {"type": "integer"},
                "view_count": {"type": "integer"},
                "kind": keyword,
                "domain": keyword,
                "place": keyword,
                "sentiment": keyword,
                "keywords": keyword,
                "needs_triage": {"type": "boolean"},
                "model_version": keyword,
                "co_units": keyword,
                "unit": keyword,
                "urgency": keyword,
                "status": keyword,
                "case_id": {"type": "long"},
                "received_at": date,
                "deadline": date,
                "indexed_at": date,
            },
        }


def document(src: SearchSource, layout: EsLayout, tokenizer: Callable[[str], list[str]]) -> dict[str, Any]:
    """The search document of one item with its classification and case; absent values left out."""
    item, cl, case = src.item, src.classification, src.case

    def words(text: str) -> str:
        return " ".join(tokenizer(text)) if layout.pre_segmented else text

    posted = codec.iso(item.posted_at)
    doc: dict[str, Any] = {
        "item_id": item.id,
        "source": item.source,
        "platform": item.platform,
        "url": item.url,
        "external_id": item.external_id,
        "title": item.title,
        "title_words": words(item.title),
        "body": item.body,
        "body_words": words(item.body[:MAX_WORDS_CHARS]),
        "author": item.author,
        "posted_at": posted,
        "day": posted[:10] if posted else None,
        "fetched_at": codec.iso(item.fetched_at),
        "reply_count": item.reply_count,
        "view_count": item.view_count,
        "kind": cl.kind if cl else item.kind or None,
        "indexed_at": codec.iso(now_cst()),
    }
    if cl is not None:
        doc.update(domain=cl.domain, place=cl.place, sentiment=cl.sentiment, keywords=list(cl.keywords),
                   needs_triage=cl.needs_triage, model_version=cl.model_version, co_units=list(cl.co_units),
                   unit=cl.lead_unit, urgency=cl.urgency)
    if case is not None:
        doc.update(unit=case.lead_unit, urgency=case.urgency, status=case.status, case_id=case.id,
                   co_units=list(case.co_units), received_at=codec.iso(case.received_at),
                   deadline=codec.iso(case.deadline))
    return {k: v for k, v in doc.items() if v is not None}
