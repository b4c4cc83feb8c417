"""Records on PostgreSQL, for deployments where many processes write at once.

The same SQL as the SQLite backend (``index.sql_store``), with ``?`` placeholders translated,
``SELECT … FOR UPDATE`` guarding the version check, and Chinese full text in a ``tsvector`` of
character bigrams (``item_search``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from index.cjk import index_text, match_terms
from index.errors import DatabaseUnavailable, StorageError
from index.migrations import apply_postgres_migrations
from index.sql_search import SqlSearch
from index.sql_store import Cursor, SqlStore, Tx
from index.store import Tokenizer

MAX_INDEXED_CHARS = 200_000
"""A tsvector holds at most 1 MB; text past this many characters is stored but not searchable."""


class _Translating:
    """A psycopg connection that accepts the ``?`` placeholders the shared SQL uses."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cursor: Cursor = self.conn.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))
        return cursor


def _tsquery(words: list[str]) -> str:
    """The words as a tsquery: every word's bigram phrase (or a lone character's prefix) must match."""
    parts = []
    for term in match_terms(words):
        if term[0] == "*":
            parts.append(f"'{term[1]}':*")
        else:
            parts.append("(" + " <-> ".join(f"'{token}'" for token in term) + ")")
    return " & ".join(parts)


class PostgresStore(SqlSearch, SqlStore):
    """Records and search in a PostgreSQL database named by a ``postgresql://`` URL."""

    for_update = " FOR UPDATE"
    _next_version_sql = "SELECT nextval('search_outbox_seq') AS value"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str, tokenizer: Tokenizer) -> None:
        super().__init__()
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise StorageError("PostgreSQL support is not installed: pip install 'huiying[postgres]'") from exc
        self.url = url
        self.tokenizer = tokenizer
        self.driver_errors = (psycopg.Error,)
        try:
            self.conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(f"cannot connect to PostgreSQL at {self._safe_url()}: {exc}".strip()) from exc
        self._translating = _Translating(self.conn)
        with self._lock:
            apply_postgres_migrations(self.conn)

    def _tx(self) -> Tx:
        return self._translating

    @contextmanager
    def _write(self) -> Iterator[Tx]:
        with self._lock, self._guard(), self.conn.transaction():
            yield self._translating

    def _all(self, sql: str, params: Any = ()) -> list[Any]:
        return SqlStore._all(self, sql, params)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def _index_text(self, conn: Tx, item_id: int, title: str, body: str, replace: bool) -> None:
        conn.execute(
            """INSERT INTO item_search (item_id, title_bi, body_bi) VALUES (?, ?, ?)
               ON CONFLICT (item_id) DO UPDATE SET title_bi = excluded.title_bi, body_bi = excluded.body_bi""",
            (item_id, index_text(title[:MAX_INDEXED_CHARS]), index_text(body[:MAX_INDEXED_CHARS])),
        )

    def _match(self, words: list[str]) -> tuple[str, str, list[Any], str, list[Any]]:
        query = _tsquery(words)
        return (
            "item_search f JOIN items i ON i.id = f.item_id",
            "f.tsv @@ to_tsquery('simple', ?)",
            [query],
            "-ts_rank_cd(f.tsv, to_tsquery('simple', ?))",
            [query],
        )
