"""Answering from the database while the search cluster cannot: the board keeps working, and says so.

The SQL backends keep their own full-text copy of every item in the same transaction as the item
(``index.sql_search``), so the record store can answer any search the cluster answers, with the
same semantics, only slower at scale. ``FallbackSearch`` asks the cluster first; when it is
unreachable, overloaded, being rebuilt or left half-rebuilt (``SearchUnavailable``), it answers
from the record store and sets ``SearchResult.note`` (Chinese, for the user). Every fallback is
logged and counted, and shows in :meth:`FallbackSearch.health`. A request the cluster *refuses*
(``SearchRejected``: a mapping or analyzer error) is not hidden this way: it is raised.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any

from index import codec
from index.errors import SearchUnavailable
from index.records import SearchResult, now_cst
from index.store import SearchFilter

log = logging.getLogger(__name__)


class FallbackSearch:
    """A ``SearchIndex`` that prefers ``primary`` (Elasticsearch) and falls back to ``fallback`` (SQL)."""

    def __init__(self, primary: Any, fallback: Any) -> None:
        self.primary = primary
        self.fallback = fallback
        self.backend = getattr(primary, "backend", "")
        self.fallbacks = 0
        self.last_fallback: dict[str, str] | None = None
        self._lock = threading.Lock()

    def _fell_back(self, doing: str, exc: SearchUnavailable) -> None:
        with self._lock:
            self.fallbacks += 1
            self.last_fallback = {"at": codec.iso(now_cst()) or "", "while": doing, "reason": str(exc)}
        log.warning("search answered from the database while %s: %s", doing, exc)

    def search(self, query: str, flt: SearchFilter | None = None, limit: int = 20, offset: int = 0) -> SearchResult:
        try:
            result: SearchResult = self.primary.search(query, flt, limit, offset)
            return result
        except SearchUnavailable as exc:
            self._fell_back("searching", exc)
            answer: SearchResult = self.fallback.search(query, flt, limit, offset)
            return dataclasses.replace(answer, note=exc.zh)

    def counts_by(self, dimension: str, flt: SearchFilter | None = None) -> dict[str, int]:
        try:
            counts: dict[str, int] = self.primary.counts_by(dimension, flt)
            return counts
        except SearchUnavailable as exc:
            self._fell_back(f"counting by {dimension}", exc)
            answer: dict[str, int] = self.fallback.counts_by(dimension, flt)
            return answer

    def health(self) -> dict[str, Any]:
        """The cluster's health, plus how often this process had to answer from the database."""
        out: dict[str, Any] = self.primary.health()
        with self._lock:
            out["fallbacks"] = self.fallbacks
            out["last_fallback"] = dict(self.last_fallback) if self.last_fallback else None
        return out

    def close(self) -> None:
        self.primary.close()
