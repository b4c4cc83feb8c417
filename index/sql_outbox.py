"""The search outbox in the record store: what a search cluster still has to be told, kept in SQL.

A search cluster (Elasticsearch) is not transactional with the records, so it is fed through an
outbox: every change to an item, its classification or its case upserts the item's row here *in
the same transaction as the change*, with a version taken from a counter that only grows. The
indexer (``index.outbox``) reads rows, indexes the item's current state under that version, and
deletes a row only by (item, version) after the cluster acknowledged it — a change made meanwhile
has bumped the version, so its row stays. A refused item keeps its row and counts its attempts.

Rows are written only after a search cluster was attached to this record store
(:meth:`SqlOutbox.enable_search_outbox`, which also enqueues every existing item: the backfill).
An installation that searches with SQL keeps no queue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from index import codec
from index.records import Case, Classification, Item, now_cst

SEARCH_SCOPE = "search"
"""The ``state`` scope of the search outbox switch (``outbox``) and of a running rebuild (``rebuild``)."""


@dataclass(frozen=True)
class OutboxRow:
    item_id: int
    version: int
    attempts: int


@dataclass(frozen=True)
class OutboxLag:
    """How far the search cluster is behind the records."""

    waiting: int
    oldest_queued_at: str | None
    failing: int
    last_error: str

    def as_dict(self) -> dict[str, Any]:
        age = None
        if self.oldest_queued_at:
            age = round((now_cst() - codec.parse_time(self.oldest_queued_at)).total_seconds(), 1)  # type: ignore[operator]
        return {"waiting": self.waiting, "oldest_queued_at": self.oldest_queued_at, "oldest_age_s": age,
                "failing": self.failing, "last_error": self.last_error}


@dataclass(frozen=True)
class SearchSource:
    """Everything the search document of one item is built from."""

    item: Item
    classification: Classification | None
    case: Case | None


class SqlOutbox:
    """Mixed into ``SqlStore``: the outbox rows, and reading items in batches for the indexer."""

    _next_version_sql = "UPDATE search_outbox_seq SET value = value + 1 WHERE id = 1 RETURNING value"
    """Takes the next outbox version (PostgreSQL uses a sequence instead)."""

    def _write(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    # -- writing: called inside the transaction that changes the item ------------------------

    _outbox_seen_on = False
    """Once switched on the outbox stays on, so a store that has seen it on stops asking."""

    def _enqueue_search(self, conn: Any, item_id: int) -> None:
        """Queue the item for the search cluster, in the caller's transaction (if one is attached)."""
        if not self._outbox_seen_on:
            if conn.execute("SELECT 1 FROM state WHERE scope = ? AND key = 'outbox'", (SEARCH_SCOPE,)).fetchone() is None:
                return
            self._outbox_seen_on = True
        version = conn.execute(self._next_version_sql).fetchone()["value"]
        conn.execute(
            """INSERT INTO search_outbox (item_id, version, queued_at) VALUES (?, ?, ?)
               ON CONFLICT (item_id) DO UPDATE SET version = excluded.version""",
            (item_id, version, codec.iso(now_cst())),
        )

    def enable_search_outbox(self) -> int:
        """Start queueing changes for a search cluster; the first time, queue every item (backfill).

        Returns how many items were queued now (0 if the outbox was already on).
        """
        now = codec.iso(now_cst())
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM state WHERE scope = ? AND key = 'outbox'", (SEARCH_SCOPE,)).fetchone():
                return 0
            conn.execute("INSERT INTO state (scope, key, value, updated_at) VALUES (?, 'outbox', 'on', ?)",
                         (SEARCH_SCOPE, now))
            version = conn.execute(self._next_version_sql).fetchone()["value"]
            conn.execute(
                """INSERT INTO search_outbox (item_id, version, queued_at)
                   SELECT id, ?, ? FROM items WHERE TRUE ON CONFLICT (item_id) DO NOTHING""",
                (version, now),
            )
            row = conn.execute("SELECT COUNT(*) AS n FROM search_outbox").fetchone()
        return int(row["n"])

    def search_outbox_enabled(self) -> bool:
        return self._one("SELECT 1 FROM state WHERE scope = ? AND key = 'outbox'", (SEARCH_SCOPE,)) is not None

    # -- reading and acknowledging: the indexer -----------------------------------------------

    def search_outbox_batch(self, limit: int = 500, fresh_only: bool = False) -> list[OutboxRow]:
        """The next rows to index: never-refused rows first, oldest first (only those if ``fresh_only``)."""
        where = " WHERE attempts = 0" if fresh_only else ""
        rows = self._all(
            f"SELECT item_id, version, attempts FROM search_outbox{where} ORDER BY attempts, queued_at, item_id LIMIT ?",
            (limit,),
        )
        return [OutboxRow(int(r["item_id"]), int(r["version"]), int(r["attempts"])) for r in rows]

    def search_outbox_done(self, rows: Sequence[OutboxRow]) -> int:
        """Delete rows the cluster acknowledged, each only if no newer change re-queued its item."""
        deleted = 0
        with self._write() as conn:
            for part in _chunks(list(rows), 300):
                ids = ", ".join("?" for _ in part)
                pairs = ", ".join("(?, ?)" for _ in part)
                params = [r.item_id for r in part] + [v for r in part for v in (r.item_id, r.version)]
                cur = conn.execute(  # the id list lets the primary key find the rows; the pairs check versions
                    f"DELETE FROM search_outbox WHERE item_id IN ({ids}) AND (item_id, version) IN (VALUES {pairs})"
                    " RETURNING item_id",
                    params,
                )
                deleted += len(cur.fetchall())
        return deleted

    def search_outbox_failed(self, failures: Mapping[int, str]) -> None:
        """Count a refusal per item and keep why; an item not queued yet is queued (a rebuild's refusals)."""
        if not failures:
            return
        now = codec.iso(now_cst())
        with self._write() as conn:
            for item_id, reason in failures.items():
                conn.execute(
                    """INSERT INTO search_outbox (item_id, version, queued_at, attempts, last_error)
                       VALUES (?, 0, ?, 1, ?)
                       ON CONFLICT (item_id) DO UPDATE SET attempts = search_outbox.attempts + 1,
                         last_error = excluded.last_error""",
                    (item_id, now, reason[:1000]),
                )

    def search_outbox_lag(self) -> OutboxLag:
        row = self._one(
            """SELECT COUNT(*) AS n, MIN(queued_at) AS oldest,
                      COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS failing
               FROM search_outbox"""
        )
        worst = self._one("SELECT last_error FROM search_outbox WHERE attempts > 0 ORDER BY attempts DESC, item_id LIMIT 1")
        return OutboxLag(waiting=int(row["n"]), oldest_queued_at=row["oldest"], failing=int(row["failing"]),
                         last_error=worst["last_error"] if worst else "")

    def item_ids_after(self, after_id: int, limit: int) -> list[int]:
        """Item ids in order, for walking the whole record (a rebuild)."""
        return [int(r["id"]) for r in self._all("SELECT id FROM items WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit))]

    def search_sources(self, item_ids: Sequence[int]) -> list[SearchSource]:
        """Items with their classification and case, in the order asked; unknown ids are left out."""
        if not item_ids:
            return []
        marks = ", ".join("?" for _ in item_ids)
        ids = list(item_ids)
        items = {r["id"]: codec.item_from_row(r) for r in self._all(f"SELECT * FROM items WHERE id IN ({marks})", ids)}
        classes = {r["item_id"]: codec.classification_from_row(r)
                   for r in self._all(f"SELECT * FROM classifications WHERE item_id IN ({marks})", ids)}
        cases = {r["item_id"]: codec.case_from_row(r) for r in self._all(f"SELECT * FROM cases WHERE item_id IN ({marks})", ids)}
        return [SearchSource(items[i], classes.get(i), cases.get(i)) for i in ids if i in items]

    # -- a job's claim in the state table (one rebuild at a time) ------------------------------

    def claim_state(self, scope: str, key: str, value: str,
                    may_replace: Callable[[str, str], bool]) -> tuple[str, str] | None:
        """Set ``scope/key`` to ``value`` unless it holds an entry ``may_replace(value, updated_at)``
        refuses; returns None when the claim is ours, else the entry that blocks it."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT value, updated_at FROM state WHERE scope = ? AND key = ?" + getattr(self, "for_update", ""),
                (scope, key),
            ).fetchone()
            if row is not None and not may_replace(str(row["value"]), str(row["updated_at"])):
                return str(row["value"]), str(row["updated_at"])
            conn.execute(
                """INSERT INTO state (scope, key, value, updated_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at""",
                (scope, key, value, codec.iso(now_cst())),
            )
        return None

    def state_entry(self, scope: str, key: str) -> tuple[str, str] | None:
        """A state value with the time it was last written."""
        row = self._one("SELECT value, updated_at FROM state WHERE scope = ? AND key = ?", (scope, key))
        return None if row is None else (str(row["value"]), str(row["updated_at"]))

    def delete_state(self, scope: str, key: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM state WHERE scope = ? AND key = ?", (scope, key))


def _chunks(seq: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]
