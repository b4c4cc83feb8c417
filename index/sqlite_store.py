"""The embedded default: one SQLite file in WAL mode, one writer at a time, many readers.

Each process opens its own connection; writes take ``BEGIN IMMEDIATE`` so that two writers
queue instead of failing half-way, and readers never block them (WAL). Chinese full text lives
in an FTS5 table of character bigrams.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from index.cjk import index_text, match_expression
from index.migrations import apply_sqlite_migrations
from index.sql_search import SqlSearch
from index.sql_store import SqlStore, Tx
from index.store import Tokenizer, sqlite_path


class SqliteStore(SqlSearch, SqlStore):
    """Records and search in one SQLite file."""

    driver_errors = (sqlite3.Error,)

    def __init__(self, url: str, tokenizer: Tokenizer) -> None:
        super().__init__()
        self.url = url
        self.path = sqlite_path(url)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.tokenizer = tokenizer
        self.conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA busy_timeout=30000")
        with self._lock:
            apply_sqlite_migrations(self.conn)

    def _tx(self) -> Tx:
        return self.conn  # type: ignore[return-value]

    @contextmanager
    def _write(self) -> Iterator[Tx]:
        with self._lock, self._guard():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn  # type: ignore[misc]
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def _all(self, sql: str, params: Any = ()) -> list[Any]:
        return SqlStore._all(self, sql, params)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def _index_text(self, conn: Tx, item_id: int, title: str, body: str, replace: bool) -> None:
        if replace:
            conn.execute("DELETE FROM items_fts WHERE rowid = ?", (item_id,))
        conn.execute(
            "INSERT INTO items_fts (rowid, title_seg, body_seg) VALUES (?, ?, ?)",
            (item_id, index_text(title), index_text(body)),
        )

    def _match(self, words: list[str]) -> tuple[str, str, list[Any], str, list[Any]]:
        return (
            "items_fts f JOIN items i ON i.id = f.rowid",
            "items_fts MATCH ?",
            [match_expression(words)],
            "bm25(items_fts, 3.0, 1.0)",
            [],
        )
