"""The leaders' figures over 100,000 cases without reading 100,000 cases on every click.

``store.all_cases()`` decodes every case in full (about 7 s for 100,000 on one core), which no
page can afford per render. This module keeps, per store and per server process, a compact copy
of the fields the figures need (``Fact``) and keeps it current from the append-only event log:

* **build** once, in a background thread on its own store connection, so no page waits for it
  and the shared connection is not held: ``store.case_facts()`` when the storage layer offers
  that light projection, else ``store.all_cases()``. The last event id is noted *before*
  reading, so nothing that happens during the build is missed;
* **follow**: every page that needs the figures first reads ``store.events_since(last)``; every
  event names its case, and only those cases are re-read (``store.get_case``). A person's action
  shows in the leaders' figures at the next render, with no cache to expire.

Figures are then computed from the copy by ``workflow.kpi`` (one definition of every figure for
the board, the reports and the command line).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from index.errors import NotFound

log = logging.getLogger(__name__)

FOLLOW_BATCH = 1000
REBUILD_AFTER = 20_000
"""More changed cases than this since the last look (a bulk import): rebuild instead of following."""


@dataclass(frozen=True, slots=True)
class Fact:
    """The fields of a case that the figures, trends and reports read (duck-types ``Case`` for kpi)."""

    id: int
    lead_unit: str
    status: str
    urgency: str
    kind: str
    received_at: datetime
    deadline: datetime
    ack_deadline: datetime
    assigned_at: datetime | None
    acknowledged_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    return_count: int
    extension_count: int
    redo_count: int
    merged_count: int
    satisfaction: str
    extension_requested_until: datetime | None

    @classmethod
    def of(cls, case: Any) -> Fact:
        return cls(
            id=case.id, lead_unit=case.lead_unit, status=case.status, urgency=case.urgency, kind=case.kind,
            received_at=case.received_at, deadline=case.deadline, ack_deadline=case.ack_deadline,
            assigned_at=case.assigned_at, acknowledged_at=case.acknowledged_at, replied_at=case.replied_at,
            closed_at=case.closed_at, return_count=case.return_count, extension_count=case.extension_count,
            redo_count=case.redo_count, merged_count=getattr(case, "merged_count", 0),
            satisfaction=case.satisfaction, extension_requested_until=getattr(case, "extension_requested_until", None),
        )


def last_event_id(store: Any) -> int:
    """The id of the newest event, found with ``events_since`` alone (a few dozen indexed lookups)."""

    def after(x: int) -> bool:
        return bool(store.events_since(x, limit=1))

    if not after(0):
        return 0
    low, high = 0, 1024
    while after(high):
        low, high = high, high * 2
    while high - low > 1:  # after(low) is true, after(high) is false
        middle = (low + high) // 2
        if after(middle):
            low = middle
        else:
            high = middle
    return high


def read_all(store: Any) -> Iterable[Any]:
    """Every case as light rows: the storage layer's projection when it has one, else all cases."""
    light = getattr(store, "case_facts", None)
    return light() if callable(light) else store.all_cases()


class CaseFacts:
    """One store's compact, followed copy of its cases (shared by every session of the server)."""

    def __init__(self, open_store: Callable[[], Any]) -> None:
        self._open_store = open_store
        self._facts: dict[int, Fact] = {}
        self._last_event = 0
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.version = 0
        """Changes whenever the copy changes; derived figures are cached against it."""
        self.build_seconds: float | None = None
        self.error = ""
        self._memo: dict[Any, Any] = {}

    # -- building ------------------------------------------------------------------------------

    def start(self) -> None:
        """Build the copy in the background, once."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._build, name="huiying-case-facts", daemon=True)
            self._thread.start()

    def _build(self) -> None:
        began = time.perf_counter()
        try:
            store = self._open_store()
            try:
                last = last_event_id(store)
                facts = {c.id: Fact.of(c) for c in read_all(store)}
            finally:
                store.close()
        except Exception as exc:  # reported on the page that needs the figures, and logged
            log.exception("building the case figures failed")
            self.error = str(exc)
            self._ready.set()
            return
        with self._lock:
            self._facts, self._last_event = facts, last
            self.version += 1
            self._memo.clear()
        self.build_seconds = time.perf_counter() - began
        self._ready.set()

    def rebuild(self) -> None:
        """Start over (after a bulk import, or when asked to)."""
        with self._lock:
            self._ready.clear()
            self._thread = None
            self.error = ""
        self.start()

    def wait(self, timeout: float) -> bool:
        """Start if needed and wait up to ``timeout`` seconds; whether the copy is ready."""
        self.start()
        return self._ready.wait(timeout) and not self.error

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and not self.error

    # -- following -----------------------------------------------------------------------------

    def follow(self, store: Any) -> int:
        """Bring the copy up to date from the event log; returns how many cases changed."""
        if not self.ready:
            return 0
        changed: set[int] = set()
        last = self._last_event
        while batch := store.events_since(last, limit=FOLLOW_BATCH):
            changed.update(e.case_id for e in batch)
            last = batch[-1].id or last
            if len(changed) > REBUILD_AFTER:
                self.rebuild()
                return len(changed)
        if not changed:
            return 0
        fresh: dict[int, Fact | None] = {}
        for case_id in changed:
            try:
                fresh[case_id] = Fact.of(store.get_case(case_id))
            except NotFound:
                fresh[case_id] = None
        with self._lock:
            for case_id, fact in fresh.items():
                if fact is None:
                    self._facts.pop(case_id, None)
                else:
                    self._facts[case_id] = fact
            self._last_event = max(self._last_event, last)
            self.version += 1
            self._memo.clear()
        return len(changed)

    # -- reading -------------------------------------------------------------------------------

    def facts(self) -> list[Fact]:
        with self._lock:
            return list(self._facts.values())

    def __len__(self) -> int:
        return len(self._facts)

    def memo(self, key: Any, compute: Callable[[list[Fact]], Any]) -> Any:
        """``compute(facts)`` once per version of the copy and ``key`` (figures, trends)."""
        version = self.version
        with self._lock:
            if (version, key) in self._memo:
                return self._memo[(version, key)]
        value = compute(self.facts())
        with self._lock:
            if self.version == version:
                self._memo[(version, key)] = value
        return value

