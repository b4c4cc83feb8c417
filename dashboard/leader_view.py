"""The leaders' page: per-unit figures for a period, a fair ranking, trends, and what is late now.

The per-unit figures and the ranking come from ``workflow.kpi`` (one definition for the board,
the reports and the command line), computed over ``dashboard.case_facts`` (a followed copy of
the cases, so the page never reads every case). Trends use the same definitions per week or
month (``trend_rows``; a test checks them against ``workflow.kpi``). This module names the
columns in Chinese, draws the charts and writes the CSV a leader's office opens in Excel.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import altair as alt
import pandas as pd

from dashboard.texts import DASH, hours_text
from index.records import to_cst
from workflow.kpi import Ranked, UnitFigures, figures_for

PERIODS: tuple[str, ...] = ("近7天", "近30天", "本月", "上月", "全部")
DEFAULT_PERIOD = "近30天"
GRANULARITIES: dict[str, str] = {"week": "按周", "month": "按月"}
TREND_BUCKETS = 12

TABLE_COLUMNS: tuple[str, ...] = (
    "单位", "交办数", "签收数", "按时签收率", "答复数", "按时答复率",
    "签收用时中位数", "签收用时P90", "答复用时中位数", "答复用时P90",
    "当前超期", "临期", "退单", "延期", "重办", "满意率",
)
RANK_COLUMNS: tuple[str, ...] = ("排名", "单位", "按时答复得分", "到期件数", "说明")
TREND_COLUMNS: tuple[str, ...] = ("周期", "开始", "交办数", "答复数", "到期件数", "按时答复率%", "答复用时中位数(小时)")


def period_range(period: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """[start, end) of a period (cases are counted by when they were assigned); ``None`` = open."""
    now = to_cst(now)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if period == "近7天":
        return now - timedelta(days=7), None
    if period == "近30天":
        return now - timedelta(days=30), None
    if period == "本月":
        return month_start, None
    if period == "上月":
        return (month_start - timedelta(days=1)).replace(day=1), month_start
    if period == "全部":
        return None, None
    raise ValueError(f"unknown period {period!r}; use one of {PERIODS}")


def period_start(period: str, now: datetime) -> datetime | None:
    return period_range(period, now)[0]


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def percent(value: float | None) -> str:
    """A share as leaders read it: ``66.7%``, or — when nothing was due."""
    return DASH if value is None else f"{value:.1f}%"


def figures_table(figures: Sequence[UnitFigures]) -> pd.DataFrame:
    """The table as leaders read it: counts and rates as numbers, durations as 小时/天 text."""
    rows = [
        {
            "单位": f.unit_name,
            "交办数": f.assigned,
            "签收数": f.acknowledged,
            "按时签收率": percent(_rate(f.ack_on_time, f.assigned)),
            "答复数": f.replied,
            "按时答复率": percent(_rate(f.reply_on_time, f.due)),
            "签收用时中位数": hours_text(f.median_ack_hours),
            "签收用时P90": hours_text(f.p90_ack_hours),
            "答复用时中位数": hours_text(f.median_reply_hours),
            "答复用时P90": hours_text(f.p90_reply_hours),
            "当前超期": f.overdue_now,
            "临期": f.near_deadline_now,
            "退单": f.returns,
            "延期": f.extensions,
            "重办": f.redos,
            "满意率": percent(_rate(f.satisfied, f.followed_up)),
        }
        for f in figures
    ]
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def ranking_table(ranked: Sequence[Ranked]) -> pd.DataFrame:
    rows = [
        {"排名": DASH if r.rank is None else str(r.rank), "单位": r.unit_name,
         "按时答复得分": percent(None if r.score is None else 100 * r.score), "到期件数": r.due, "说明": r.note or DASH}
        for r in ranked
    ]
    return pd.DataFrame(rows, columns=list(RANK_COLUMNS))


def totals(figures: Sequence[UnitFigures]) -> dict[str, int | str]:
    """County-wide headline numbers above the table."""
    due = sum(f.due for f in figures)
    on_time = sum(f.reply_on_time for f in figures)
    return {
        "交办数": sum(f.assigned for f in figures),
        "答复数": sum(f.replied for f in figures),
        "按时答复率": percent(_rate(on_time, due)),
        "当前超期": sum(f.overdue_now for f in figures),
        "临期": sum(f.near_deadline_now for f in figures),
    }


def county_figures(cases: Iterable[Any], now: datetime, start: datetime | None, end: datetime | None) -> UnitFigures:
    """The whole county as one unit (``workflow.kpi.figures_for``), for the headline times."""
    chosen = [c for c in cases if c.assigned_at is not None and c.status != "merged"
              and (start is None or c.assigned_at >= start) and (end is None or c.assigned_at < end)]
    return figures_for("county", "全县", chosen, now)


def county_times(county: UnitFigures) -> dict[str, str]:
    return {"签收用时中位数": hours_text(county.median_ack_hours), "答复用时中位数": hours_text(county.median_reply_hours)}


# -- trends ------------------------------------------------------------------------------------


def bucket_start(moment: datetime, granularity: str) -> datetime:
    """The Monday (week) or first day (month) at 00:00 county time that starts ``moment``'s bucket."""
    day = to_cst(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown granularity {granularity!r}; use one of {list(GRANULARITIES)}")


def _previous(start: datetime, granularity: str) -> datetime:
    if granularity == "week":
        return start - timedelta(days=7)
    return (start - timedelta(days=1)).replace(day=1)


def bucket_label(start: datetime, granularity: str) -> str:
    return f"{start:%m-%d}当周" if granularity == "week" else f"{start:%Y-%m}"


@dataclass
class _Bucket:
    assigned: int = 0
    replied: int = 0
    on_time: int = 0
    due: int = 0
    reply_hours: list[float] = field(default_factory=list)


def trend_rows(cases: Iterable[Any], now: datetime, granularity: str, unit: str = "",
               buckets: int = TREND_BUCKETS) -> pd.DataFrame:
    """Per week or month (the last ``buckets`` of them): cases assigned, replied, due, the share
    replied on time and the median time to reply — the definitions of ``workflow.kpi``."""
    starts = [bucket_start(now, granularity)]
    while len(starts) < buckets:
        starts.append(_previous(starts[-1], granularity))
    starts.reverse()
    first = starts[0]
    found: dict[datetime, _Bucket] = {s: _Bucket() for s in starts}
    for c in cases:
        assigned = c.assigned_at
        if assigned is None or assigned < first or c.status == "merged" or (unit and c.lead_unit != unit):
            continue
        b = found.get(bucket_start(assigned, granularity))
        if b is None:
            continue
        b.assigned += 1
        if c.replied_at is not None:
            b.replied += 1
            b.due += 1
            b.on_time += c.replied_at <= c.deadline
            b.reply_hours.append(max(0.0, (c.replied_at - assigned).total_seconds() / 3600))
        elif now > c.deadline:
            b.due += 1
    rows = [
        {
            "周期": bucket_label(s, granularity), "开始": s.date().isoformat(), "交办数": b.assigned,
            "答复数": b.replied, "到期件数": b.due, "按时答复率%": _rate(b.on_time, b.due),
            "答复用时中位数(小时)": round(statistics.median(b.reply_hours), 1) if b.reply_hours else None,
        }
        for s, b in found.items()
    ]
    return pd.DataFrame(rows, columns=list(TREND_COLUMNS))


def trend_chart(trend: pd.DataFrame) -> alt.LayerChart:
    """Bars of cases assigned with the on-time share as a line on its own axis."""
    base = alt.Chart(trend).encode(x=alt.X("周期:N", sort=None, title=None))
    bars = base.mark_bar(color="#90a4ae").encode(
        y=alt.Y("交办数:Q", title="交办数"), tooltip=list(TREND_COLUMNS[:6]))
    line = base.mark_line(point=True, color="#2e7d32").encode(
        y=alt.Y("按时答复率%:Q", title="按时答复率 %", scale=alt.Scale(domain=[0, 100])),
        tooltip=list(TREND_COLUMNS[:6]))
    return alt.layer(bars, line).resolve_scale(y="independent")


def reply_time_chart(trend: pd.DataFrame) -> alt.Chart:
    return alt.Chart(trend).mark_line(point=True, color="#1565c0").encode(
        x=alt.X("周期:N", sort=None, title=None),
        y=alt.Y("答复用时中位数(小时):Q", title="答复用时中位数（小时）"),
        tooltip=["周期", "答复用时中位数(小时)", "答复数"],
    )


def overdue_chart(figures: Sequence[UnitFigures]) -> alt.Chart | None:
    """Bars of overdue cases per unit, worst first; ``None`` when nothing is overdue."""
    data = pd.DataFrame(
        [{"单位": f.unit_name, "当前超期": f.overdue_now} for f in figures if f.overdue_now > 0],
        columns=["单位", "当前超期"],
    )
    if data.empty:
        return None
    return (
        alt.Chart(data)
        .mark_bar(color="#c62828")
        .encode(
            x=alt.X("当前超期:Q", title="当前超期件数", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("单位:N", sort="-x", title=None),
            tooltip=["单位", "当前超期"],
        )
    )


def table_csv(table: pd.DataFrame) -> bytes:
    """CSV with a byte-order mark so Excel on a government PC opens the Chinese correctly."""
    return table.to_csv(index=False).encode("utf-8-sig")


def csv_filename(period: str, now: datetime) -> str:
    return f"单位响应情况_{period}_{to_cst(now):%Y%m%d}.csv"
