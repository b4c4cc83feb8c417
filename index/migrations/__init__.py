"""Numbered SQL migrations: ``NNNN_name.sql`` files applied once each, in order, and recorded.

A database created by an older Huiying is brought up to date when it is opened; a database from a
newer Huiying (with migrations this installation does not know) is refused rather than damaged.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from index.errors import MigrationError

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migration_files(dialect: str = "sqlite") -> list[tuple[int, Path]]:
    folder = Path(__file__).parent / dialect
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file {path.name} is not named NNNN_name.sql")
        found.append((int(match.group(1)), path))
    return found


def apply_sqlite_migrations(conn: sqlite3.Connection) -> list[int]:
    """Apply the migrations this database has not seen; returns the versions applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    known = _check_not_newer(done, "sqlite")
    applied = []
    for version, path in known:
        if version in done:
            continue
        script = path.read_text(encoding="utf-8")
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            conn.executescript(
                "BEGIN IMMEDIATE;\n" + script + "\n"
                f"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({version}, '{path.stem}', '{stamp}');\n"
                "COMMIT;"
            )
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # Another process opening the same new file may have applied it first.
            if conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)).fetchone():
                continue
            raise MigrationError(f"migration {path.name} failed: {exc}") from exc
        applied.append(version)
    return applied


def _check_not_newer(done: set[int], dialect: str) -> list[tuple[int, Path]]:
    known = migration_files(dialect)
    newest_known = max((v for v, _ in known), default=0)
    if done and max(done) > newest_known:
        raise MigrationError(
            f"this database was written by a newer Huiying (schema {max(done)}, this installation knows "
            f"{newest_known}); upgrade Huiying before opening it"
        )
    return known


def apply_postgres_migrations(conn: Any) -> list[int]:
    """The same for PostgreSQL; an advisory lock keeps two processes from migrating at once."""
    conn.execute("SELECT pg_advisory_lock(4841)")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {row["version"] for row in conn.execute("SELECT version FROM schema_migrations").fetchall()}
        applied = []
        for version, path in _check_not_newer(done, "postgres"):
            if version in done:
                continue
            stamp = datetime.now().astimezone().isoformat(timespec="seconds")
            try:
                with conn.transaction():
                    conn.execute(path.read_text(encoding="utf-8"))
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                        (version, path.stem, stamp),
                    )
            except Exception as exc:
                raise MigrationError(f"migration {path.name} failed: {exc}") from exc
            applied.append(version)
        return applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(4841)")
