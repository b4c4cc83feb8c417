"""The duty officer's live feed: which cases to list, how each row reads, what to raise as an alert.

Pure functions over ``CaseView`` records so that the page script stays thin and the wording and
ordering are tested without a browser. The page refreshes the feed every ``REFRESH_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

import pandas as pd

from dashboard.markup import one_line
from dashboard.texts import (
    DASH,
    TIME_STATE_MARKS,
    fmt_time,
    remaining_text,
    status_name,
    unit_name,
    urgency_badge,
)
from index.records import Case, CaseView
from index.store import CaseFilter
from workflow.cases import OPEN_STATUSES
from workflow.deadlines import time_state

REFRESH_SECONDS = 10
FEED_LIMIT = 200
"""Rows in the live feed; older cases are found through the filters (and, later, search)."""

URGENT_FILTER = CaseFilter(urgencies=("特急",), statuses=OPEN_STATUSES, order="deadline_asc", limit=50)
"""The standing alert: every open 特急 case, whatever the feed's filter says."""

TRIAGE_FILTER = CaseFilter(statuses=("received", "returned"), order="received_desc", limit=FEED_LIMIT)
"""待交办: cases the classifier was unsure about, and cases a unit returned (退单), waiting for a
duty officer to route them."""

FEED_COLUMNS = ("编号", "时间", "来源", "标题", "紧急程度", "主办单位", "状态", "期限")


def feed_filter(
    urgencies: Sequence[str] = (), statuses: Sequence[str] = (), sources: Sequence[str] = (),
    limit: int = FEED_LIMIT,
) -> CaseFilter:
    """The feed's query from the filter widgets: newest first; an empty choice means all."""
    return CaseFilter(
        urgencies=tuple(urgencies), statuses=tuple(statuses), sources=tuple(sources),
        order="received_desc", limit=limit,
    )


def deadline_state(case: Case, now: datetime) -> str:
    """``overdue`` / ``near`` / ``ok`` while the clock runs; ``done`` once the unit has replied."""
    if case.status not in OPEN_STATUSES:
        return "done"
    return time_state(case.received_at, case.deadline, now)


def deadline_cell(case: Case, now: datetime) -> str:
    """The deadline with the time left while the case is open: ``2026-11-25 17:00（剩余 1 天 2 小时）``."""
    state = deadline_state(case, now)
    if state == "done":
        return fmt_time(case.deadline)
    return f"{TIME_STATE_MARKS[state]}{fmt_time(case.deadline)}（{remaining_text(case.deadline, now)}）"


def _same(text: str) -> str:
    return text


def feed_table(views: Sequence[CaseView], names: Mapping[str, str], now: datetime,
               masker: Callable[[str], str] = _same) -> pd.DataFrame:
    """One row per case in the order given; every cell is plain text (the grid renders no markup).

    时间 is when the county received the item, the order of the feed; the detail shows when it was
    posted. ``masker`` hides personal data from readers who should not see it (``privacy``).
    """
    rows = [
        {
            "编号": v.case.id,
            "时间": fmt_time(v.case.received_at),
            "来源": v.item.source or DASH,
            "标题": masker(one_line(v.item.title or v.item.body, 80)),
            "紧急程度": urgency_badge(v.case.urgency),
            "主办单位": unit_name(v.case.lead_unit, names),
            "状态": status_name(v.case.status),
            "期限": deadline_cell(v.case, now),
        }
        for v in views
    ]
    return pd.DataFrame(rows, columns=list(FEED_COLUMNS))


def urgent_lines(views: Sequence[CaseView], names: Mapping[str, str], now: datetime,
                 masker: Callable[[str], str] = _same) -> list[str]:
    """One plain-text line per open 特急 case for the standing alert (escape before Markdown)."""
    return [
        f"#{v.case.id} {masker(one_line(v.item.title or v.item.body, 50))} · {unit_name(v.case.lead_unit, names)}"
        f" · {status_name(v.case.status)} · {remaining_text(v.case.deadline, now)}"
        for v in views
    ]


def case_label(view: CaseView, names: Mapping[str, str], masker: Callable[[str], str] = _same) -> str:
    """How a case is named in a picker: number, urgency, title and lead unit (unique by number)."""
    return (f"#{view.case.id} · {view.case.urgency} · {masker(one_line(view.item.title or view.item.body, 40))}"
            f" · {unit_name(view.case.lead_unit, names)}")


def source_options(*groups: Iterable[str]) -> list[str]:
    """Sources to filter the feed by: the configured and monitored ones, those in the feed and
    those already chosen, without counting a million items on every refresh."""
    return sorted({s for group in groups for s in group if s})
