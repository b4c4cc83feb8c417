"""The audit trail is the truth: a case's fields can be recomputed from its events alone.

Every event records the fields it changed (``after``) and the first event records the whole case
as opened, so replaying a case's events gives back the stored case. ``verify`` says where a
stored case and its history disagree, which would mean a change that bypassed the log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from index import codec
from index.records import Case, Event
from index.store import RecordStore

CASE_FIELDS = {f.name for f in dataclasses.fields(Case)} - {"id", "version"}


def plain(value: Any) -> Any:
    """A value as events store it: ISO text for times, lists for tuples."""
    if isinstance(value, datetime):
        return codec.iso(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def snapshot(case: Case) -> dict[str, Any]:
    """All of a case's fields as plain values (what the opening event records)."""
    return {name: plain(getattr(case, name)) for name in sorted(CASE_FIELDS)}


def replay(events: Iterable[Event]) -> dict[str, Any]:
    """The case's fields after its events, and its version (one per event)."""
    state: dict[str, Any] = {}
    count = 0
    for event in events:
        count += 1
        for name, value in event.after.items():
            if name in CASE_FIELDS:
                state[name] = value
    state["version"] = count
    return state


def verify(store: RecordStore, case_id: int) -> list[str]:
    """Differences between the stored case and the case its events describe (empty = consistent)."""
    case = store.get_case(case_id)
    replayed = replay(store.events(case_id))
    stored = {**snapshot(case), "version": case.version}
    return [
        f"{name}: stored {stored[name]!r}, events say {replayed.get(name)!r}"
        for name in sorted(stored)
        if name in replayed and replayed[name] != stored[name]
    ] + [f"{name}: never recorded in the events" for name in sorted(set(stored) - set(replayed))]
