"""The leaders' figures per unit: how many cases, how fast acknowledged and replied, how many late.

A unit's clock starts when the case is assigned to it (交办), not when the citizen wrote, so a
slow triage does not count against the unit. Times are in hours.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from index.records import Case
from workflow.cases import OPEN_STATUSES
from workflow.deadlines import time_state


@dataclass(frozen=True)
class UnitFigures:
    unit_id: str
    unit_name: str
    assigned: int
    acknowledged: int
    replied: int
    ack_on_time: int
    reply_on_time: int
    median_ack_hours: float | None
    p90_ack_hours: float | None
    median_reply_hours: float | None
    p90_reply_hours: float | None
    overdue_now: int
    near_deadline_now: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds() / 3600)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=10, method="inclusive")[8], 1)


def unit_figures(
    cases: Iterable[Case],
    unit_names: dict[str, str],
    now: datetime,
    period_from: datetime | None = None,
    period_to: datetime | None = None,
) -> list[UnitFigures]:
    """Figures for each lead unit over cases assigned in [period_from, period_to)."""
    per_unit: dict[str, list[Case]] = {}
    for case in cases:
        if case.assigned_at is None:
            continue
        if period_from is not None and case.assigned_at < period_from:
            continue
        if period_to is not None and case.assigned_at >= period_to:
            continue
        per_unit.setdefault(case.lead_unit, []).append(case)
    rows = []
    for unit_id, unit_cases in per_unit.items():
        ack_hours = [h for c in unit_cases if (h := _hours(c.assigned_at, c.acknowledged_at)) is not None]
        reply_hours = [h for c in unit_cases if (h := _hours(c.assigned_at, c.replied_at)) is not None]
        open_cases = [c for c in unit_cases if c.status in OPEN_STATUSES]
        states = [time_state(c.received_at, c.deadline, now) for c in open_cases]
        rows.append(UnitFigures(
            unit_id=unit_id,
            unit_name=unit_names.get(unit_id, unit_id),
            assigned=len(unit_cases),
            acknowledged=sum(1 for c in unit_cases if c.acknowledged_at is not None),
            replied=sum(1 for c in unit_cases if c.replied_at is not None),
            ack_on_time=sum(1 for c in unit_cases if c.acknowledged_at is not None and c.acknowledged_at <= c.ack_deadline),
            reply_on_time=sum(1 for c in unit_cases if c.replied_at is not None and c.replied_at <= c.deadline),
            median_ack_hours=_median(ack_hours),
            p90_ack_hours=_p90(ack_hours),
            median_reply_hours=_median(reply_hours),
            p90_reply_hours=_p90(reply_hours),
            overdue_now=states.count("overdue"),
            near_deadline_now=states.count("near"),
        ))
    rows.sort(key=lambda r: (-r.assigned, r.unit_id))
    return rows
