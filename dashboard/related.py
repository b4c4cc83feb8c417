"""What an item is related to: reposts, near-duplicates, merged cases and the event it belongs to.

The store offers today: exact reposts under another id (``aliases``, the same normalised text),
the reply and view counts seen on each visit (``observations``), and merges recorded in the case
history (并单). Near-duplicate detection and event grouping are being added by the understanding
layer; this module reads them when present and says so when absent, so the detail panel degrades
cleanly. What it looks for (in this order):

* near-duplicates: ``store.near_duplicates(item_id)`` → items, ids or ``(id, similarity)``
  pairs; else ``item.extra["near_duplicates"]`` (a list of item ids);
* the event: ``store.event_for_item(item_id)`` → an object or dict with ``id``/``title``/``size``;
  else ``item.extra["event"]`` (the same as a dict).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from index.records import Case, Event, Item


@dataclass(frozen=True)
class Related:
    """Everything the detail panel shows under 相关信息 for one case."""

    reposts: tuple[tuple[str, str, str], ...] = ()
    """(source, external id, url) of the same text published elsewhere."""
    near_duplicates: tuple[tuple[int, float | None], ...] = ()
    """(item id, similarity or None) of similar items."""
    near_duplicates_available: bool = False
    """Whether anything in the installation detects near-duplicates yet."""
    merged_cases: tuple[int, ...] = ()
    """Cases merged into this one (并单)."""
    merged_into: int | None = None
    event: dict[str, Any] = field(default_factory=dict)
    event_available: bool = False
    spread: tuple[tuple[str, int | None, int | None], ...] = ()
    """(observed at, replies, views) as the crawler saw them, oldest first."""


def _call(store: Any, name: str, *args: Any) -> tuple[bool, Any]:
    fn = getattr(store, name, None)
    if not callable(fn):
        return False, None
    return True, fn(*args)


def _near(raw: Any) -> tuple[tuple[int, float | None], ...]:
    out: list[tuple[int, float | None]] = []
    for entry in raw or ():
        if isinstance(entry, Item) and entry.id is not None:
            out.append((entry.id, None))
        elif isinstance(entry, (tuple, list)) and entry:
            out.append((int(entry[0]), float(entry[1]) if len(entry) > 1 and entry[1] is not None else None))
        elif isinstance(entry, dict) and "item_id" in entry:
            out.append((int(entry["item_id"]), entry.get("similarity")))
        elif isinstance(entry, int):
            out.append((entry, None))
    return tuple(out)


def _event(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return dict(raw)
    return {k: getattr(raw, k) for k in ("id", "title", "size", "first_seen", "last_seen") if hasattr(raw, k)}


def merged_from(events: Sequence[Event]) -> tuple[int, ...]:
    """Cases merged into this one, from its history (the target's merge events name them)."""
    return tuple(int(e.after["merged_case"]) for e in events if e.action == "merge" and e.after.get("merged_case"))


def related(store: Any, case: Case, item: Item, events: Sequence[Event]) -> Related:
    """Collect what the store knows; any part it cannot offer stays empty and flagged absent."""
    assert item.id is not None
    has_reposts, reposts = _call(store, "aliases", item.id)
    has_near, near = _call(store, "near_duplicates", item.id)
    if not has_near and "near_duplicates" in item.extra:
        has_near, near = True, item.extra.get("near_duplicates")
    has_event, event = _call(store, "event_for_item", item.id)
    if not has_event and "event" in item.extra:
        has_event, event = True, item.extra.get("event")
    _, observations = _call(store, "observations", item.id)
    return Related(
        reposts=tuple(tuple(r) for r in (reposts or ()) if has_reposts),  # type: ignore[misc]
        near_duplicates=_near(near),
        near_duplicates_available=has_near,
        merged_cases=merged_from(events),
        merged_into=case.merged_into,
        event=_event(event),
        event_available=has_event,
        spread=tuple(tuple(o) for o in (observations or ())),  # type: ignore[misc]
    )
