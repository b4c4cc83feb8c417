"""The storage interface every backend implements, and how a backend is chosen by URL.

Two roles are kept apart on purpose:

* ``RecordStore`` is the transactional system of record: items, classifications, cases, the
  append-only event log, units, users and crawl state. SQLite is the default; PostgreSQL can
  hold the same records at scale.
* ``SearchIndex`` answers full-text search and the counts the board shows. SQLite answers it
  from the same file (FTS5); Elasticsearch can answer it for deployments that outgrow one machine.

Chinese text must be segmented before it is indexed, and the query the same way. Storage does not
know how to segment (that is the understanding layer's job), so the entry point passes a
``Tokenizer`` in when it opens the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from index.errors import UnsupportedStoreURL
from index.records import (
    AddResult,
    Case,
    CaseUnit,
    CaseView,
    Classification,
    Event,
    Item,
    Notification,
    SearchResult,
    Topic,
    Unit,
    User,
)

Tokenizer = Callable[[str], list[str]]
"""Turns text into the words to index or to look up (for Chinese: a segmenter)."""


def whitespace_tokenizer(text: str) -> list[str]:
    """A stand-in used only when no segmenter is given: splits on spaces, one token per CJK run."""
    return text.split()


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a list asks for. Empty fields do not filter."""

    units: tuple[str, ...] = ()
    """Cases where any of these units is lead or co-handling unit."""
    statuses: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    received_from: datetime | None = None
    received_to: datetime | None = None
    needs_triage: bool | None = None
    order: str = "received_desc"
    """``received_desc`` (live feed) or ``deadline_asc`` (inbox: least time left first)."""
    limit: int = 200
    offset: int = 0


@dataclass(frozen=True)
class SearchFilter:
    """Filters that narrow a full-text search; they mirror what the board offers."""

    sources: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    posted_from: datetime | None = None
    posted_to: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseUpdate:
    """One change to one case: applied only if the case is still at ``expected_version``."""

    case_id: int
    expected_version: int
    changes: dict[str, Any]
    event: Event
    unit_changes: dict[str, dict[str, Any]] | None = None


class RecordStore(Protocol):
    """The system of record. Every write that changes a case also appends its event, atomically."""

    url: str

    # items and their classification
    def add_item(self, item: Item) -> AddResult: ...
    def get_item(self, item_id: int) -> Item: ...
    def find_item(self, source: str, external_id: str) -> Item | None: ...
    def count_items(self) -> int: ...
    def save_classification(self, classification: Classification) -> None: ...
    def get_classification(self, item_id: int) -> Classification | None: ...
    def items_without_case(self, limit: int = 500) -> list[tuple[Item, Classification]]: ...

    # cases and their history
    def insert_case(self, case: Case, event: Event) -> Case: ...
    def update_case(self, case_id: int, expected_version: int, changes: dict[str, Any], event: Event,
                    unit_changes: dict[str, dict[str, Any]] | None = None) -> Case: ...
    def update_cases(self, updates: Sequence[CaseUpdate]) -> list[Case]: ...
    def case_units(self, case_id: int) -> list[CaseUnit]: ...
    def append_event(self, event: Event) -> Event: ...
    def get_case(self, case_id: int) -> Case: ...
    def case_for_item(self, item_id: int) -> Case | None: ...
    def list_cases(self, flt: CaseFilter) -> list[CaseView]: ...
    def count_cases(self, flt: CaseFilter) -> int: ...
    def events(self, case_id: int) -> list[Event]: ...
    def events_since(self, after_id: int, limit: int = 500) -> list[Event]: ...
    def all_cases(self) -> Iterable[Case]: ...

    # notifications: an outbox with delivery state per recipient
    def add_notifications(self, notes: Sequence[Notification]) -> int: ...
    def due_notifications(self, now: datetime, limit: int = 100) -> list[Notification]: ...
    def claim_due_notifications(self, now: datetime, limit: int, lease_until: datetime) -> list[Notification]: ...
    def update_notification(self, notification_id: int, changes: dict[str, Any]) -> None: ...
    def notifications(self, case_id: int | None = None, status: str | None = None) -> list[Notification]: ...

    # units and people
    def upsert_units(self, units: Sequence[Unit]) -> None: ...
    def units(self) -> list[Unit]: ...
    def upsert_user(self, user: User) -> None: ...
    def get_user(self, username: str) -> User | None: ...
    def users(self) -> list[User]: ...

    # related items: near-duplicates (并单 candidates) and topics (events / hot topics)
    def save_relations(self, item_id: int, *, posted_at: datetime | None, signature: bytes | None,
                       near: Sequence[tuple[int, float]], topic: Topic, similarity: float,
                       engagement: float = 1.0) -> None: ...
    def refresh_topic_heat(self, heats: Sequence[tuple[int, float]], at: datetime) -> None: ...
    def items_to_relate(self, limit: int = 500) -> list[Item]: ...
    def signatures(self, since: datetime | None = None) -> Iterable[tuple[int, datetime | None, bytes]]: ...
    def near_duplicates(self, item_id: int) -> list[tuple[int, float]]: ...
    def event_for_item(self, item_id: int) -> Topic | None: ...
    def get_topic(self, topic_id: int) -> Topic | None: ...
    def topic_items(self, topic_id: int) -> list[int]: ...
    def topic_members(self, topic_id: int, limit: int = 200) -> list[tuple[int, datetime | None, str]]: ...
    def hot_topics(self, limit: int = 10, min_items: int = 2, since: datetime | None = None) -> list[Topic]: ...
    def topic_history(self, since: datetime) -> list[tuple[int, Item, float]]: ...
    def last_topic_id(self) -> int: ...

    # crawl and job state (watermarks, source health)
    def get_state(self, scope: str, key: str) -> str | None: ...
    def set_state(self, scope: str, key: str, value: str) -> None: ...

    def close(self) -> None: ...


class SearchIndex(Protocol):
    """Full-text search and the counts the board shows, over items with their case and routing."""

    def search(self, query: str, flt: SearchFilter | None = None, limit: int = 20, offset: int = 0) -> SearchResult: ...
    def counts_by(self, dimension: str, flt: SearchFilter | None = None) -> dict[str, int]: ...


def open_store(url: str, tokenizer: Tokenizer | None = None) -> Any:
    """Open the store named by ``url``: ``sqlite:///path/to/file.db`` (the default backend) or
    ``postgresql://user@host:port/db``.

    The returned object is both a ``RecordStore`` and a ``SearchIndex``.
    """
    if url.startswith("sqlite:///") or url.startswith("sqlite://"):
        from index.sqlite_store import SqliteStore

        return SqliteStore(url, tokenizer=tokenizer or whitespace_tokenizer)
    if url.startswith(("postgresql://", "postgres://")):
        from index.postgres_store import PostgresStore

        return PostgresStore(url, tokenizer=tokenizer or whitespace_tokenizer)
    raise UnsupportedStoreURL(
        f"unsupported storage URL {url!r}: use sqlite:///path/to/huiying.db or postgresql://user@host/db"
    )


def open_search(url: str, records: Any, tokenizer: Tokenizer | None = None, fallback: bool = True,
                **options: Any) -> Any:
    """Open the ``SearchIndex`` named by ``url`` over the items in ``records`` (an open record store).

    * empty, or the record store's own URL: the record store answers (SQL full text);
    * ``http://host:9200[/prefix]`` (``https``, ``user:password@`` allowed): Elasticsearch, fed from
      the record store's outbox; ``prefix`` (default ``huiying``) names its indices. With ``fallback``
      (the default) searches are answered from the record store, with a note, while the cluster
      is unavailable (``index.search_fallback``). ``options`` are ``index.es_store.EsOptions`` fields.
    """
    if not url or url == getattr(records, "url", None):
        return records
    if url.startswith(("http://", "https://")):
        try:
            from index.es_store import EsOptions, EsSearchIndex
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise UnsupportedStoreURL("Elasticsearch support is not installed: pip install 'elasticsearch>=8.12,<9'") from exc
        index = EsSearchIndex(url, records, tokenizer or whitespace_tokenizer, EsOptions(**options))
        if not fallback:
            return index
        from index.search_fallback import FallbackSearch

        return FallbackSearch(index, records)
    raise UnsupportedStoreURL(
        f"unsupported search URL {url!r}: leave it empty to search the record store, or use http://host:9200/prefix"
    )


def sqlite_path(url: str) -> str:
    """The file path inside a ``sqlite:///`` URL (``sqlite:///:memory:`` for a throwaway store)."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    if url.startswith("sqlite://"):
        return url[len("sqlite://"):]
    raise UnsupportedStoreURL(f"not a sqlite URL: {url!r}")
