"""A source's crawl state in the store: watermarks that only move past stored items, and small values.

Rule for watermarks (e.g. a forum's highest message id handled): the value is read once before a
run (rows arrive out of order, so it must not move under the run's feet) and written at the end
of the run to the highest id that was *settled* — stored, or deliberately left out (dropped as
empty, deleted at the source) — but never past an id that was asked for and not settled (its
request failed, its storage failed, or the run was stopped first). A run killed with SIGKILL
writes nothing; the next run reads the same rows again and the store recognises what it already
has by (source, external id), so nothing is lost and nothing is stored twice.

Scopes in the store's crawl state: ``watermark:<source>`` (one integer per key) and
``state:<source>`` (JSON values, e.g. the ETag of a feed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Watermark:
    """One integer high-water mark during a run."""

    before: int = 0
    expected: set[int] = field(default_factory=set)
    settled: set[int] = field(default_factory=set)
    covered: bool = False
    """True once the listing reached the old mark (or its end): only then may the mark move."""

    def expect(self, value: int) -> None:
        self.expected.add(value)

    def settle(self, value: int) -> None:
        self.settled.add(value)

    def after(self) -> int:
        """The highest settled value below every value still pending, never below ``before``."""
        best = max(self.settled, default=self.before)
        pending = self.expected - self.settled
        if pending:
            best = min(best, min(pending) - 1)
        return max(self.before, best)


class SourceState:
    """Read and write one source's crawl state (no-ops without a store, e.g. a one-off crawl)."""

    def __init__(self, store: Any, source: str) -> None:
        self.store = store
        self.source = source

    def get_mark(self, key: str) -> int:
        if self.store is None:
            return 0
        value = self.store.get_state(f"watermark:{self.source}", key)
        return int(value) if value and value.strip().isdigit() else 0

    def set_mark(self, key: str, value: int) -> None:
        if self.store is not None:
            self.store.set_state(f"watermark:{self.source}", key, str(int(value)))

    def get(self, key: str) -> Any:
        if self.store is None:
            return None
        raw = self.store.get_state(f"state:{self.source}", key)
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def set(self, key: str, value: Any) -> None:
        if self.store is not None:
            self.store.set_state(f"state:{self.source}", key, json.dumps(value, ensure_ascii=False, sort_keys=True))
