"""The leaders' figures per unit: how many cases, how fast acknowledged and replied, how many late,
returned, extended, and how satisfied the citizens were; and a ranking fair to small units.

A unit's clock starts when the case is assigned to it (交办), not when the citizen wrote, so a slow
triage does not count against the unit. Times are in hours.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from index.records import Case
from workflow.deadlines import time_state
from workflow.states import OPEN_STATUSES

SATISFIED = ("满意", "基本满意")


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
    returns: int = 0
    extensions: int = 0
    redos: int = 0
    followed_up: int = 0
    satisfied: int = 0
    due: int = 0
    """Cases whose reply was due by now: replied, or past the deadline without a reply."""

    @property
    def on_time_rate(self) -> float | None:
        return round(self.reply_on_time / self.due, 3) if self.due else None

    @property
    def satisfaction_rate(self) -> float | None:
        return round(self.satisfied / self.followed_up, 3) if self.followed_up else None

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "on_time_rate": self.on_time_rate, "satisfaction_rate": self.satisfaction_rate}


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


def _in_period(case: Case, period_from: datetime | None, period_to: datetime | None) -> bool:
    if case.assigned_at is None or case.status == "merged":
        return False
    if period_from is not None and case.assigned_at < period_from:
        return False
    return not (period_to is not None and case.assigned_at >= period_to)


def figures_for(unit_id: str, unit_name: str, cases: list[Case], now: datetime) -> UnitFigures:
    ack_hours = [h for c in cases if (h := _hours(c.assigned_at, c.acknowledged_at)) is not None]
    reply_hours = [h for c in cases if (h := _hours(c.assigned_at, c.replied_at)) is not None]
    states = [time_state(c.received_at, c.deadline, now) for c in cases if c.status in OPEN_STATUSES]
    replied = [c for c in cases if c.replied_at is not None]
    return UnitFigures(
        unit_id=unit_id,
        unit_name=unit_name,
        assigned=len(cases),
        acknowledged=sum(1 for c in cases if c.acknowledged_at is not None),
        replied=len(replied),
        ack_on_time=sum(1 for c in cases if c.acknowledged_at is not None and c.acknowledged_at <= c.ack_deadline),
        reply_on_time=sum(1 for c in replied if c.replied_at is not None and c.replied_at <= c.deadline),
        median_ack_hours=_median(ack_hours),
        p90_ack_hours=_p90(ack_hours),
        median_reply_hours=_median(reply_hours),
        p90_reply_hours=_p90(reply_hours),
        overdue_now=states.count("overdue"),
        near_deadline_now=states.count("near"),
        returns=sum(c.return_count for c in cases),
        extensions=sum(c.extension_count for c in cases),
        redos=sum(c.redo_count for c in cases),
        followed_up=sum(1 for c in cases if c.satisfaction),
        satisfied=sum(1 for c in cases if c.satisfaction in SATISFIED),
        due=len(replied) + sum(1 for c in cases if c.replied_at is None and now > c.deadline),
    )


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
        if _in_period(case, period_from, period_to):
            per_unit.setdefault(case.lead_unit, []).append(case)
    rows = [figures_for(u, unit_names.get(u, u), cs, now) for u, cs in per_unit.items()]
    rows.sort(key=lambda r: (-r.assigned, r.unit_id))
    return rows


@dataclass(frozen=True)
class Ranked:
    unit_id: str
    unit_name: str
    rank: int | None
    score: float | None
    due: int
    note: str


def rank_units(rows: list[UnitFigures], min_due: int = 5, prior_weight: float = 10.0) -> list[Ranked]:
    """A ranking by on-time reply that small units cannot win or lose by luck.

    Each unit's rate is pulled towards the county's rate as if it had ``prior_weight`` more
    cases at that rate (a Bayesian average), and units with fewer than ``min_due`` cases due are
    listed without a rank (FixMyStreet's league table was topped by a council with one fast fix).
    """
    total_due = sum(r.due for r in rows)
    county_rate = sum(r.reply_on_time for r in rows) / total_due if total_due else 0.0
    scored = []
    for r in rows:
        score = (r.reply_on_time + prior_weight * county_rate) / (r.due + prior_weight) if r.due else None
        scored.append((r, score))
    ranked = sorted((x for x in scored if x[0].due >= min_due), key=lambda x: (-(x[1] or 0), x[0].unit_id))
    out = [Ranked(r.unit_id, r.unit_name, i + 1, round(s or 0, 3), r.due, "") for i, (r, s) in enumerate(ranked)]
    out += [
        Ranked(r.unit_id, r.unit_name, None, None if s is None else round(s, 3), r.due,
               f"到期件少于 {min_due} 件，不参与排名")
        for r, s in sorted((x for x in scored if x[0].due < min_due), key=lambda x: x[0].unit_id)
    ]
    return out
