"""The leaders' table: per unit, how many cases, how fast they were signed for and answered.

The figures themselves come from ``workflow.kpi.unit_figures`` (one definition for the board,
reports and the command line); this module chooses the period, names the columns in Chinese,
draws the overdue chart and writes the CSV a leader's office opens in Excel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import altair as alt
import pandas as pd

from dashboard.texts import hours_text
from index.records import to_cst
from workflow.kpi import UnitFigures

PERIODS: tuple[str, ...] = ("近7天", "近30天", "本月", "全部")
DEFAULT_PERIOD = "近30天"

TABLE_COLUMNS: tuple[str, ...] = (
    "单位", "交办数", "签收数", "答复数", "按时签收", "按时答复",
    "签收用时中位数", "答复用时中位数", "当前超期", "临期",
)


def period_start(period: str, now: datetime) -> datetime | None:
    """Where a period begins (cases are counted by when they were assigned); ``None`` for 全部."""
    now = to_cst(now)
    if period == "近7天":
        return now - timedelta(days=7)
    if period == "近30天":
        return now - timedelta(days=30)
    if period == "本月":
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if period == "全部":
        return None
    raise ValueError(f"unknown period {period!r}; use one of {PERIODS}")


def figures_table(figures: Sequence[UnitFigures]) -> pd.DataFrame:
    """The table as leaders read it: counts as numbers, durations as 小时/天 text."""
    rows = [
        {
            "单位": f.unit_name,
            "交办数": f.assigned,
            "签收数": f.acknowledged,
            "答复数": f.replied,
            "按时签收": f.ack_on_time,
            "按时答复": f.reply_on_time,
            "签收用时中位数": hours_text(f.median_ack_hours),
            "答复用时中位数": hours_text(f.median_reply_hours),
            "当前超期": f.overdue_now,
            "临期": f.near_deadline_now,
        }
        for f in figures
    ]
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def totals(figures: Sequence[UnitFigures]) -> dict[str, int]:
    """County-wide sums for the headline numbers above the table."""
    return {
        "交办数": sum(f.assigned for f in figures),
        "答复数": sum(f.replied for f in figures),
        "按时答复": sum(f.reply_on_time for f in figures),
        "当前超期": sum(f.overdue_now for f in figures),
        "临期": sum(f.near_deadline_now for f in figures),
    }


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
