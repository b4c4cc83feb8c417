"""The indexer: drains the search outbox into Elasticsearch, and rebuilds the index from the record.

Draining reads a batch of outbox rows (item, version), reads those items with their
classification and case from the record store, bulk-indexes them under their versions and then
deletes exactly the acknowledged (item, version) rows. Why this is safe:

* nothing is deleted before the cluster acknowledged it; a refused item keeps its row, its
  attempts are counted and its reason kept (``huiying index health`` shows them);
* a change made while a batch is in flight bumps the row's version, so the row survives the delete
  and the newer state is indexed next time;
* documents carry the outbox version (``external_gte``), so two drainers racing (the board's
  threads, ``huiying index sync``) can never put an older state over a newer one;
* when the cluster is down the whole batch raises ``SearchUnavailable`` and every row stays.

A rebuild drops this installation's indices and indexes every item again under version 0, below
any outbox version, so changes drained while it runs are never overwritten by it. While it runs
(and if it dies half-way) searches say so instead of answering from a half-filled index.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from index import codec
from index.errors import SearchRejected, SearchUnavailable, StorageError
from index.records import now_cst
from index.sql_outbox import SEARCH_SCOPE, OutboxRow

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each batch of a rebuild."""


@dataclass
class DrainReport:
    indexed: int = 0
    refused: int = 0
    removed: int = 0
    batches: int = 0
    skipped: bool = False
    """True when another thread of this process was already draining."""
    unrefreshed: bool = False
    """Something was indexed that no refresh has made searchable yet."""
    refusals: dict[int, str] = field(default_factory=dict)


@dataclass
class RebuildReport:
    total: int
    indexed: int
    refused: int
    seconds: float
    drained_after: int


class OutboxIndexer:
    """Moves outbox rows into the search index; one per ``EsSearchIndex``."""

    def __init__(self, records: Any, index: Any, batch_size: int = 500, retry_refused_after_s: float = 30.0) -> None:
        self.records = records
        self.index = index
        self.batch_size = batch_size
        self.retry_refused_after_s = retry_refused_after_s
        self.stats: dict[str, Any] = {"indexed": 0, "refused": 0, "failed_requests": 0, "last_error": "",
                                      "last_drain_at": None}
        """What this process did: items indexed and refused, whole requests failed, the last error."""
        self._lock = threading.Lock()
        self._refused_wait_until = 0.0

    def drain(self, max_rows: int | None = None, refresh: bool | str | None = None, wait: bool = True) -> DrainReport:
        """Index what waits in the outbox (at most ``max_rows``); raises ``SearchUnavailable`` when
        the cluster is down, leaving every row in place.

        ``refresh`` is passed to each bulk request. By default a short (last) batch waits for the
        refresh that makes it searchable, and a drain ending on a full batch refreshes once at the
        end: once the outbox is empty, everything in it is searchable, and a backfill does not pay
        a refresh per batch.
        """
        if not self._lock.acquire(blocking=wait):
            return DrainReport(skipped=True)
        try:
            report = DrainReport()
            self._drain_batches(report, max_rows, refresh)
            if report.unrefreshed and refresh is None:
                self.index.refresh()
            self.stats["last_drain_at"] = codec.iso(now_cst())
            return report
        finally:
            self._lock.release()

    def _drain_batches(self, report: DrainReport, max_rows: int | None, refresh: bool | str | None) -> None:
        while max_rows is None or report.indexed + report.refused < max_rows:
            room = self.batch_size if max_rows is None else min(self.batch_size, max_rows - report.indexed - report.refused)
            fresh_only = time.monotonic() < self._refused_wait_until
            rows = [r for r in self.records.search_outbox_batch(room, fresh_only=fresh_only)
                    if r.item_id not in report.refusals]  # refused once per drain is enough
            if not rows:
                break
            batch_refresh = refresh if refresh is not None else ("wait_for" if len(rows) < self.batch_size else False)
            indexed, refusals = self._index_rows(rows, batch_refresh)
            report.unrefreshed = report.unrefreshed or (indexed > 0 and not batch_refresh)
            report.batches += 1
            report.indexed += indexed
            report.refused += len(refusals)
            report.refusals.update(refusals)
            if not indexed:  # only refused rows are left: try them again later, not in a tight loop
                self._refused_wait_until = time.monotonic() + self.retry_refused_after_s
                break

    def _index_rows(self, rows: list[OutboxRow], refresh: bool | str) -> tuple[int, dict[int, str]]:
        sources = self.records.search_sources([r.item_id for r in rows])
        versions = {r.item_id: r.version for r in rows}
        present = {s.item.id for s in sources}
        gone = [r.item_id for r in rows if r.item_id not in present]
        try:
            acknowledged, refusals = self.index.put_documents([(s, versions[s.item.id]) for s in sources], refresh)
            if gone:
                self.index.delete_documents(gone)
                acknowledged = [*acknowledged, *gone]
        except (SearchUnavailable, SearchRejected) as exc:
            self.stats["failed_requests"] += 1
            self.stats["last_error"] = str(exc)
            raise
        done = set(acknowledged) & set(versions)
        self.records.search_outbox_done([r for r in rows if r.item_id in done])
        self.records.search_outbox_failed(refusals)
        self.stats["indexed"] += len(done)
        if refusals:
            self.stats["refused"] += len(refusals)
            self.stats["last_error"] = next(iter(refusals.values()))
            log.warning("search cluster refused %d items (kept in the outbox), e.g. item %s: %s",
                        len(refusals), *next(iter(refusals.items())))
        return len(done), refusals

    def rebuild(self, progress: Progress | None = None, batch_size: int = 1000) -> RebuildReport:
        """Drop the indices and index every item of the record again, then drain the outbox."""
        start = time.monotonic()
        total = self.records.count_items()
        info = {"state": "running", "started_at": codec.iso(now_cst()), "pid": os.getpid(),
                "host": socket.gethostname(), "done": 0, "total": total}
        blocker = self.records.claim_state(SEARCH_SCOPE, "rebuild", json.dumps(info), _may_replace_rebuild)
        if blocker is not None:
            raise StorageError(
                f"another rebuild of the search index is running ({blocker[0]}, last progress {blocker[1]}); "
                "wait for it to finish, or retry once it has shown no progress for 10 minutes"
            )
        dropped = False
        done = refused = 0
        try:
            self.index.drop_indices()
            dropped = True
            self.index.ensure_template(refresh_interval="-1", force=True)
            after = 0
            while ids := self.records.item_ids_after(after, batch_size):
                sources = self.records.search_sources(ids)
                _, refusals = self.index.put_documents([(s, 0) for s in sources])
                self.records.search_outbox_failed(refusals)  # refused items wait in the outbox, counted
                refused += len(refusals)
                done += len(ids)
                after = ids[-1]
                self.records.set_state(SEARCH_SCOPE, "rebuild", json.dumps({**info, "done": done}))
                if progress:
                    progress(done, total)
            self.index.finish_bulk_load()
        except BaseException as exc:
            if dropped:
                reason = str(exc) or type(exc).__name__
                self.records.set_state(SEARCH_SCOPE, "rebuild", json.dumps({**info, "state": "failed", "done": done,
                                                                            "error": reason[:500]}))
            else:
                self.records.delete_state(SEARCH_SCOPE, "rebuild")
            raise
        self.records.delete_state(SEARCH_SCOPE, "rebuild")
        drained = self.drain().indexed
        return RebuildReport(total=total, indexed=done - refused, refused=refused,
                             seconds=round(time.monotonic() - start, 1), drained_after=drained)


def _may_replace_rebuild(value: str, updated_at: str) -> bool:
    """A rebuild may start over one that failed or has shown no progress for a while."""
    from index.es_store import rebuild_is_stale

    try:
        state = json.loads(value).get("state")
    except ValueError:
        state = None
    return state != "running" or rebuild_is_stale(updated_at)
