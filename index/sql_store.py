"""The system of record in SQL, shared by the SQLite and PostgreSQL backends.

The SQL here is the common subset of both (``?`` placeholders, ``RETURNING``, ``ON CONFLICT``).
A backend supplies the connection and its write transaction, row locking, and the full-text
copy of each item's text. A lock makes one connection safe to share between the threads of one
process (Streamlit runs pages in threads); each process opens its own connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any, Protocol

from index import codec
from index.errors import DatabaseUnavailable, NotFound, VersionConflict
from index.records import (
    AddResult,
    Case,
    CaseUnit,
    CaseView,
    Classification,
    Event,
    Item,
    Notification,
    Unit,
    User,
    now_cst,
)
from index.sql_outbox import SqlOutbox
from index.sql_related import SqlRelated
from index.store import CaseFilter, CaseUpdate, Tokenizer

Row = Any
"""A result row that can be read by column name (Row, or a dict from psycopg)."""


class Cursor(Protocol):
    def fetchone(self) -> Row | None: ...
    def fetchall(self) -> list[Row]: ...


class Tx(Protocol):
    """What the record code needs of a connection inside a transaction."""

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Cursor: ...


class SqlStore(SqlOutbox, SqlRelated):
    """Records in SQL; subclasses provide ``_tx``, ``_write``, ``_index_text`` and search.

    Every change to an item, its classification or its case also queues the item for a search
    cluster in the same transaction (``index.sql_outbox``), once one is attached.
    """

    url: str
    tokenizer: Tokenizer
    for_update: str = ""
    """Appended to the SELECT that reads a case before changing it (row lock where supported)."""
    skip_locked: str = ""
    """Appended to a claiming sub-select (rows another transaction holds are skipped where supported)."""
    driver_errors: tuple[type[BaseException], ...] = ()
    """The database driver's own errors, reported as ``DatabaseUnavailable``."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    # -- plumbing a backend provides ----------------------------------------------------------

    def _tx(self) -> Tx:
        """The connection as seen by the SQL here (placeholders translated if needed)."""
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[Tx]:
        """One write transaction, rolled back whole on any error."""
        raise NotImplementedError

    def _index_text(self, conn: Tx, item_id: int, title: str, body: str, replace: bool) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- shared plumbing ----------------------------------------------------------------------

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Report the driver's errors as storage errors that say what happened."""
        try:
            yield
        except self.driver_errors as exc:
            raise DatabaseUnavailable(f"the database refused the operation ({self._safe_url()}): {exc}") from exc

    def _safe_url(self) -> str:
        url = self.url
        if "@" in url and "://" in url:
            scheme, rest = url.split("://", 1)
            creds, host = rest.rsplit("@", 1)
            return f"{scheme}://{creds.split(':', 1)[0]}@{host}"
        return url

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self._lock, self._guard():
            return self._tx().execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock, self._guard():
            return self._tx().execute(sql, params).fetchall()

    @staticmethod
    def _insert(conn: Tx, table: str, values: dict[str, Any], returning: bool = True) -> int:
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
        if not returning:
            conn.execute(sql, tuple(values.values()))
            return 0
        row = conn.execute(sql + " RETURNING id", tuple(values.values())).fetchone()
        assert row is not None
        return int(row["id"])

    # -- items --------------------------------------------------------------------------------

    def add_item(self, item: Item) -> AddResult:
        now = codec.iso(now_cst())
        with self._write() as conn:
            row = conn.execute(
                "SELECT id, content_hash, title, body FROM items WHERE source = ? AND external_id = ?",
                (item.source, item.external_id),
            ).fetchone()
            if row is not None:
                self._refresh_item(conn, row, item, now)
                return AddResult(item_id=row["id"], status="updated")
            alias = conn.execute(
                "SELECT item_id FROM item_aliases WHERE source = ? AND external_id = ?",
                (item.source, item.external_id),
            ).fetchone()
            if alias is not None:
                return AddResult(item_id=alias["item_id"], status="duplicate")
            same = conn.execute(
                "SELECT id FROM items WHERE content_hash = ? ORDER BY id LIMIT 1", (item.content_hash,)
            ).fetchone()
            if same is not None and item.content_hash:
                self._insert(conn, "item_aliases", {
                    "source": item.source, "external_id": item.external_id,
                    "item_id": same["id"], "url": item.url, "seen_at": now,
                }, returning=False)
                return AddResult(item_id=same["id"], status="duplicate")
            item_id = self._insert(conn, "items", {
                "source": item.source, "platform": item.platform, "url": item.url,
                "external_id": item.external_id, "title": item.title, "body": item.body,
                "author": item.author, "posted_at": codec.iso(item.posted_at),
                "fetched_at": codec.iso(item.fetched_at) or now, "content_hash": item.content_hash,
                "reply_count": item.reply_count, "view_count": item.view_count, "kind": item.kind,
                "replies_json": codec.replies_to_json(item.replies), "extra_json": codec.dumps(item.extra),
            })
            self._index_text(conn, item_id, item.title, item.body, replace=False)
            self._observe(conn, item_id, item, now)
            self._enqueue_search(conn, item_id)
            return AddResult(item_id=item_id, status="new")

    def _refresh_item(self, conn: Tx, row: Row, item: Item, now: str | None) -> None:
        """A re-crawl of a known item: keep the newest text and counts, record the counts seen."""
        conn.execute(
            """UPDATE items SET title = ?, body = ?, url = ?, content_hash = ?,
                   reply_count = COALESCE(?, reply_count), view_count = COALESCE(?, view_count),
                   replies_json = CASE WHEN ? = '[]' THEN replies_json ELSE ? END,
                   fetched_at = ? WHERE id = ?""",
            (item.title, item.body, item.url, item.content_hash or row["content_hash"],
             item.reply_count, item.view_count, codec.replies_to_json(item.replies),
             codec.replies_to_json(item.replies), codec.iso(item.fetched_at) or now, row["id"]),
        )
        if (row["title"], row["body"]) != (item.title, item.body):
            self._index_text(conn, row["id"], item.title, item.body, replace=True)
        self._observe(conn, row["id"], item, now)
        self._enqueue_search(conn, row["id"])

    def _observe(self, conn: Tx, item_id: int, item: Item, now: str | None) -> None:
        if item.reply_count is not None or item.view_count is not None:
            self._insert(conn, "item_observations", {
                "item_id": item_id, "observed_at": codec.iso(item.fetched_at) or now,
                "reply_count": item.reply_count, "view_count": item.view_count,
            }, returning=False)

    def find_item(self, source: str, external_id: str) -> Item | None:
        """The item a source published under this id, or under an alias of it; None if unseen."""
        row = self._one("SELECT * FROM items WHERE source = ? AND external_id = ?", (source, external_id))
        if row is None:
            alias = self._one("SELECT item_id FROM item_aliases WHERE source = ? AND external_id = ?",
                              (source, external_id))
            if alias is None:
                return None
            row = self._one("SELECT * FROM items WHERE id = ?", (alias["item_id"],))
        return None if row is None else codec.item_from_row(row)

    def get_item(self, item_id: int) -> Item:
        row = self._one("SELECT * FROM items WHERE id = ?", (item_id,))
        if row is None:
            raise NotFound(f"item {item_id} does not exist")
        return codec.item_from_row(row)

    def count_items(self) -> int:
        row = self._one("SELECT COUNT(*) AS n FROM items")
        return int(row["n"]) if row else 0

    def observations(self, item_id: int) -> list[tuple[str, int | None, int | None]]:
        """The reply and view counts seen on each visit, oldest first."""
        rows = self._all(
            "SELECT observed_at, reply_count, view_count FROM item_observations WHERE item_id = ? ORDER BY observed_at",
            (item_id,),
        )
        return [(r["observed_at"], r["reply_count"], r["view_count"]) for r in rows]

    def aliases(self, item_id: int) -> list[tuple[str, str, str]]:
        rows = self._all("SELECT source, external_id, url FROM item_aliases WHERE item_id = ?", (item_id,))
        return [(r["source"], r["external_id"], r["url"]) for r in rows]

    def save_classification(self, classification: Classification) -> None:
        values = codec.classification_values(classification)
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        updates = ", ".join(f"{c} = excluded.{c}" for c in values if c != "item_id")
        with self._write() as conn:
            conn.execute(
                f"INSERT INTO classifications ({cols}) VALUES ({marks}) ON CONFLICT (item_id) DO UPDATE SET {updates}",
                tuple(values.values()),
            )
            self._enqueue_search(conn, classification.item_id)

    def get_classification(self, item_id: int) -> Classification | None:
        row = self._one("SELECT * FROM classifications WHERE item_id = ?", (item_id,))
        return None if row is None else codec.classification_from_row(row)

    def items_without_case(self, limit: int = 500) -> list[tuple[Item, Classification]]:
        rows = self._all(
            """SELECT i.*, cl.item_id AS cl_item_id FROM items i
               JOIN classifications cl ON cl.item_id = i.id
               LEFT JOIN cases c ON c.item_id = i.id
               WHERE c.id IS NULL ORDER BY i.id LIMIT ?""",
            (limit,),
        )
        out = []
        for row in rows:
            classification = self.get_classification(row["id"])
            assert classification is not None
            out.append((codec.item_from_row(row), classification))
        return out

    # -- cases and events ---------------------------------------------------------------------

    def insert_case(self, case: Case, event: Event) -> Case:
        with self._write() as conn:
            case_id = self._insert(conn, "cases", codec.case_values(case))
            self._write_case_units(conn, case_id, case.lead_unit, case.co_units, case.assigned_at)
            self._insert_event(conn, Event(**{**event.__dict__, "case_id": case_id}))
            self._enqueue_search(conn, case.item_id)
        return self.get_case(case_id)

    def update_case(
        self, case_id: int, expected_version: int, changes: dict[str, Any], event: Event,
        unit_changes: dict[str, dict[str, Any]] | None = None,
    ) -> Case:
        """Change a case and append its event in one transaction, if nobody changed it first.

        ``unit_changes`` updates one unit's part (acknowledged_at, replied_at, reply_text) in the
        same transaction, so a co-handling unit's step is versioned like any other change.
        """
        return self.update_cases([CaseUpdate(case_id, expected_version, changes, event, unit_changes)])[0]

    def update_cases(self, updates: Sequence[CaseUpdate]) -> list[Case]:
        """Several case changes that stand or fall together (a merge changes two cases)."""
        with self._write() as conn:
            for u in updates:
                self._update_one(conn, u)
        return [self.get_case(u.case_id) for u in updates]

    def _update_one(self, conn: Tx, u: CaseUpdate) -> None:
        values = codec.case_change_values(u.changes)
        row = conn.execute(
            "SELECT version, item_id, lead_unit, co_units_json FROM cases WHERE id = ?" + self.for_update, (u.case_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"case {u.case_id} does not exist")
        if row["version"] != u.expected_version:
            raise VersionConflict(u.case_id, u.expected_version, row["version"])
        sets = "".join(f"{name} = ?, " for name in values)
        conn.execute(f"UPDATE cases SET {sets}version = version + 1 WHERE id = ?", (*values.values(), u.case_id))
        if "lead_unit" in u.changes or "co_units" in u.changes:
            lead = u.changes.get("lead_unit", row["lead_unit"])
            co = u.changes.get("co_units", codec.loads(row["co_units_json"]) or ())
            self._write_case_units(conn, u.case_id, lead, tuple(co), u.changes.get("assigned_at") or u.event.at)
        for unit_id, unit_values in (u.unit_changes or {}).items():
            self._update_case_unit(conn, u.case_id, unit_id, unit_values)
        self._insert_event(conn, u.event)
        self._enqueue_search(conn, row["item_id"])

    _CASE_UNIT_FIELDS = ("acknowledged_at", "replied_at", "reply_text")

    def _update_case_unit(self, conn: Tx, case_id: int, unit_id: str, values: dict[str, Any]) -> None:
        encoded = {}
        for name, value in values.items():
            if name not in self._CASE_UNIT_FIELDS:
                raise ValueError(f"{name!r} is not a field of a unit's part in a case")
            encoded[name] = codec.iso(value) if name.endswith("_at") else value
        sets = ", ".join(f"{name} = ?" for name in encoded)
        cur = conn.execute(
            f"UPDATE case_units SET {sets} WHERE case_id = ? AND unit_id = ? RETURNING unit_id",
            (*encoded.values(), case_id, unit_id),
        )
        if cur.fetchone() is None:
            raise NotFound(f"unit {unit_id} has no part in case {case_id}")

    def case_units(self, case_id: int) -> list[CaseUnit]:
        rows = self._all("SELECT * FROM case_units WHERE case_id = ? ORDER BY role DESC, unit_id", (case_id,))
        return [codec.case_unit_from_row(r) for r in rows]

    def append_event(self, event: Event) -> Event:
        with self._write() as conn:
            event_id = self._insert_event(conn, event)
        return Event(**{**event.__dict__, "id": event_id})

    @staticmethod
    def _write_case_units(conn: Tx, case_id: int, lead: str, co: tuple[str, ...], at: datetime | None) -> None:
        """Set which units take part; a unit keeping its role keeps its progress, a new or
        changed one starts afresh from ``at``."""
        wanted = {lead: "lead", **{u: "co" for u in co if u != lead}}
        current = {r["unit_id"]: r["role"] for r in conn.execute(
            "SELECT unit_id, role FROM case_units WHERE case_id = ?", (case_id,)).fetchall()}
        for unit, role in current.items():
            if wanted.get(unit) != role:
                conn.execute("DELETE FROM case_units WHERE case_id = ? AND unit_id = ?", (case_id, unit))
        for unit, role in wanted.items():
            if current.get(unit) != role:
                conn.execute(
                    "INSERT INTO case_units (case_id, unit_id, role, assigned_at) VALUES (?, ?, ?, ?)",
                    (case_id, unit, role, codec.iso(at)),
                )

    def _insert_event(self, conn: Tx, event: Event) -> int:
        return self._insert(conn, "events", {
            "case_id": event.case_id, "actor": event.actor, "action": event.action,
            "at": codec.iso(event.at), "before_json": codec.dumps(event.before),
            "after_json": codec.dumps(event.after), "reason": event.reason,
        })

    def get_case(self, case_id: int) -> Case:
        row = self._one("SELECT * FROM cases WHERE id = ?", (case_id,))
        if row is None:
            raise NotFound(f"case {case_id} does not exist")
        return codec.case_from_row(row)

    def case_for_item(self, item_id: int) -> Case | None:
        row = self._one("SELECT * FROM cases WHERE item_id = ?", (item_id,))
        return None if row is None else codec.case_from_row(row)

    def _case_where(self, flt: CaseFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if flt.units:
            marks = ", ".join("?" for _ in flt.units)
            clauses.append(f"c.id IN (SELECT case_id FROM case_units WHERE unit_id IN ({marks}))")
            params.extend(flt.units)
        for column, values in (("c.status", flt.statuses), ("c.urgency", flt.urgencies), ("i.source", flt.sources)):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        if flt.received_from is not None:
            clauses.append("c.received_at >= ?")
            params.append(codec.iso(flt.received_from))
        if flt.received_to is not None:
            clauses.append("c.received_at < ?")
            params.append(codec.iso(flt.received_to))
        if flt.needs_triage is not None:
            clauses.append("COALESCE(cl.needs_triage, 0) = ?")
            params.append(int(flt.needs_triage))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    _ORDERS = {
        "received_desc": "c.received_at DESC, c.id DESC",
        "deadline_asc": "c.deadline ASC, c.id ASC",
        "id_asc": "c.id ASC",
    }

    def list_cases(self, flt: CaseFilter) -> list[CaseView]:
        where, params = self._case_where(flt)
        order = self._ORDERS.get(flt.order)
        if order is None:
            raise ValueError(f"unknown order {flt.order!r}; use one of {sorted(self._ORDERS)}")
        rows = self._all(
            f"""SELECT c.id AS case_id FROM cases c JOIN items i ON i.id = c.item_id
                LEFT JOIN classifications cl ON cl.item_id = c.item_id
                {where} ORDER BY {order} LIMIT ? OFFSET ?""",
            (*params, flt.limit, flt.offset),
        )
        return self._views([r["case_id"] for r in rows])

    def _views(self, case_ids: list[int]) -> list[CaseView]:
        if not case_ids:
            return []
        marks = ", ".join("?" for _ in case_ids)
        cases = {r["id"]: codec.case_from_row(r) for r in self._all(f"SELECT * FROM cases WHERE id IN ({marks})", case_ids)}
        item_ids = [c.item_id for c in cases.values()]
        imarks = ", ".join("?" for _ in item_ids)
        items = {r["id"]: codec.item_from_row(r) for r in self._all(f"SELECT * FROM items WHERE id IN ({imarks})", item_ids)}
        classes = {
            r["item_id"]: codec.classification_from_row(r)
            for r in self._all(f"SELECT * FROM classifications WHERE item_id IN ({imarks})", item_ids)
        }
        return [
            CaseView(case=cases[cid], item=items[cases[cid].item_id], classification=classes.get(cases[cid].item_id))
            for cid in case_ids
        ]

    def count_cases(self, flt: CaseFilter) -> int:
        where, params = self._case_where(flt)
        row = self._one(
            f"""SELECT COUNT(*) AS n FROM cases c JOIN items i ON i.id = c.item_id
                LEFT JOIN classifications cl ON cl.item_id = c.item_id {where}""",
            params,
        )
        return int(row["n"]) if row else 0

    def events(self, case_id: int) -> list[Event]:
        return [codec.event_from_row(r) for r in self._all("SELECT * FROM events WHERE case_id = ? ORDER BY id", (case_id,))]

    def events_since(self, after_id: int, limit: int = 500) -> list[Event]:
        """Events appended after ``after_id``, oldest first: what a follower (notifications) has not seen."""
        rows = self._all("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit))
        return [codec.event_from_row(r) for r in rows]

    def all_cases(self) -> Iterable[Case]:
        return [codec.case_from_row(r) for r in self._all("SELECT * FROM cases ORDER BY id")]

    # -- notifications (outbox) ---------------------------------------------------------------

    def add_notifications(self, notes: Sequence[Notification]) -> int:
        """Queue messages; one already queued for the same event and recipient is not repeated."""
        added = 0
        with self._write() as conn:
            for note in notes:
                values = codec.notification_values(note)
                cols = ", ".join(values)
                marks = ", ".join("?" for _ in values)
                cur = conn.execute(
                    f"INSERT INTO notifications ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING RETURNING id",
                    tuple(values.values()),
                )
                added += 1 if cur.fetchone() is not None else 0
        return added

    def due_notifications(self, now: datetime, limit: int = 100) -> list[Notification]:
        rows = self._all(
            """SELECT * FROM notifications WHERE status IN ('pending', 'failed')
               AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?""",
            (codec.iso(now), limit),
        )
        return [codec.notification_from_row(r) for r in rows]

    def claim_due_notifications(self, now: datetime, limit: int, lease_until: datetime) -> list[Notification]:
        """Take the due notifications for sending: their next attempt moves to ``lease_until`` in
        the same statement, so another deliverer does not take them too."""
        with self._write() as conn:
            rows = conn.execute(
                f"""UPDATE notifications SET next_attempt_at = ? WHERE id IN (
                        SELECT id FROM notifications WHERE status IN ('pending', 'failed')
                        AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?{self.skip_locked})
                    RETURNING *""",
                (codec.iso(lease_until), codec.iso(now), limit),
            ).fetchall()
        return sorted((codec.notification_from_row(r) for r in rows), key=lambda n: n.id or 0)

    def update_notification(self, notification_id: int, changes: dict[str, Any]) -> None:
        allowed = {"status", "attempts", "last_error", "next_attempt_at", "sent_at"}
        if not set(changes) <= allowed:
            raise ValueError(f"cannot change {sorted(set(changes) - allowed)} of a notification")
        values = {k: codec.iso(v) if k.endswith("_at") else v for k, v in changes.items()}
        with self._write() as conn:
            conn.execute(
                f"UPDATE notifications SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                (*values.values(), notification_id),
            )

    def notifications(self, case_id: int | None = None, status: str | None = None) -> list[Notification]:
        clauses, params = [], []
        if case_id is not None:
            clauses.append("case_id = ?")
            params.append(case_id)
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        return [codec.notification_from_row(r) for r in self._all(f"SELECT * FROM notifications{where} ORDER BY id", params)]

    # -- units, users, state ------------------------------------------------------------------

    def upsert_units(self, units: Sequence[Unit]) -> None:
        """Add or update units, keeping the order of the county file for lists on the board."""
        with self._write() as conn:
            for position, u in enumerate(units):
                conn.execute(
                    """INSERT INTO units (id, name, role, note, position) VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role,
                         note = excluded.note, position = excluded.position""",
                    (u.id, u.name, u.role, u.note, position),
                )

    def units(self) -> list[Unit]:
        return [codec.unit_from_row(r) for r in self._all("SELECT * FROM units ORDER BY position, id")]

    def upsert_user(self, user: User) -> None:
        with self._write() as conn:
            conn.execute(
                """INSERT INTO users (username, display_name, role, unit_id, password_hash, active)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name,
                     role = excluded.role, unit_id = excluded.unit_id,
                     password_hash = excluded.password_hash, active = excluded.active""",
                (user.username, user.display_name, user.role, user.unit_id, user.password_hash, int(user.active)),
            )

    def get_user(self, username: str) -> User | None:
        row = self._one("SELECT * FROM users WHERE username = ?", (username,))
        return None if row is None else codec.user_from_row(row)

    def users(self) -> list[User]:
        return [codec.user_from_row(r) for r in self._all("SELECT * FROM users ORDER BY username")]

    def get_state(self, scope: str, key: str) -> str | None:
        row = self._one("SELECT value FROM state WHERE scope = ? AND key = ?", (scope, key))
        return None if row is None else str(row["value"])

    def set_state(self, scope: str, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute(
                """INSERT INTO state (scope, key, value, updated_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at""",
                (scope, key, value, codec.iso(now_cst())),
            )

    def states(self, scope: str) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self._all("SELECT key, value FROM state WHERE scope = ?", (scope,))}

