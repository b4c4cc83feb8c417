"""The reports: 舆情日报 / 周报 (what was said, where, how urgent, what happened to it) and the
monthly response-time report (per unit: how fast, how many late, the fair ranking).

A report is plain data (``Report`` of ``Section``s: paragraphs and tables of text and numbers),
built here from the store and the case figures, then written by ``dashboard.export`` as Excel
or as a printable page. Reports leave the system, so personal data is always masked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from dashboard import hot_topics, leader_view
from dashboard.feed import deadline_state
from dashboard.markup import one_line
from dashboard.texts import fmt_time, status_name, unit_name, urgency_badge
from index.records import CST, CaseView, to_cst
from index.store import CaseFilter, SearchFilter
from workflow.kpi import rank_units, unit_figures
from workflow.states import HANDLING

KINDS: dict[str, str] = {"daily": "舆情日报", "weekly": "舆情周报", "monthly": "月度响应时效报告"}
CASE_LIMIT = 5000


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: tuple[str, ...] = ()
    table: pd.DataFrame | None = None
    chart: str = ""
    """``bar``: draw the table's first column against its second in the workbook."""


@dataclass(frozen=True)
class Report:
    title: str
    period_text: str
    start: datetime
    end: datetime
    generated_at: datetime
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def filename(self) -> str:
        return f"{self.title}_{self.start:%Y%m%d}"


def period(kind: str, day: date) -> tuple[datetime, datetime, str]:
    """[start, end) and its wording for a report of ``kind`` that covers ``day``."""
    if kind == "daily":
        start = datetime.combine(day, time(), tzinfo=CST)
        return start, start + timedelta(days=1), f"{day.year}年{day.month}月{day.day}日"
    if kind == "weekly":
        monday = day - timedelta(days=day.weekday())
        start = datetime.combine(monday, time(), tzinfo=CST)
        sunday = monday + timedelta(days=6)
        return start, start + timedelta(days=7), (f"{monday.year}年{monday.month}月{monday.day}日至"
                                                  f"{sunday.month}月{sunday.day}日")
    if kind == "monthly":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return (datetime.combine(first, time(), tzinfo=CST), datetime.combine(following, time(), tzinfo=CST),
                f"{first.year}年{first.month}月")
    raise ValueError(f"unknown report kind {kind!r}; use one of {list(KINDS)}")


def _counts_table(counts: Mapping[str, int], label: str, top: int = 10) -> pd.DataFrame:
    rows = sorted(((k or "未识别", n) for k, n in counts.items()), key=lambda x: -x[1])[:top]
    return pd.DataFrame(rows, columns=[label, "条数"])


def _leading(counts: Mapping[str, int], top: int = 3) -> str:
    best = sorted(((k, n) for k, n in counts.items() if k), key=lambda x: -x[1])[:top]
    return "、".join(f"{k}（{n}）" for k, n in best) or "无"


def _case_rows(views: Sequence[CaseView], names: Mapping[str, str], now: datetime,
               mask: Callable[[str], str]) -> pd.DataFrame:
    rows = [
        {"编号": v.case.id, "收件时间": fmt_time(v.case.received_at), "来源": v.item.source,
         "标题": mask(one_line(v.item.title or v.item.body, 60)), "紧急程度": urgency_badge(v.case.urgency),
         "主办单位": unit_name(v.case.lead_unit, names), "状态": status_name(v.case.status),
         "办理期限": fmt_time(v.case.deadline)}
        for v in views
    ]
    return pd.DataFrame(rows, columns=["编号", "收件时间", "来源", "标题", "紧急程度", "主办单位", "状态", "办理期限"])


def opinion_report(store: Any, search: Any, names: Mapping[str, str], county: str, kind: str, day: date,
                   now: datetime, mask: Callable[[str], str]) -> Report:
    """舆情日报 / 周报 for the day or week that contains ``day``."""
    start, end, period_text = period(kind, day)
    flt = SearchFilter(posted_from=start, posted_to=end)
    by_source = search.counts_by("source", flt)
    by_domain = search.counts_by("domain", flt)
    by_place = search.counts_by("place", flt)
    views = store.list_cases(CaseFilter(received_from=start, received_to=end, order="received_desc", limit=CASE_LIMIT))
    urgent = [v for v in views if v.case.urgency in ("特急", "紧急")]
    topics = hot_topics.topics(views, min(to_cst(now), end - timedelta(seconds=1)), mask)
    grouped, _ = hot_topics.events(store, start, mask, end=end)  # events when the store groups items
    handling = sum(1 for v in views if v.case.status in HANDLING)
    answered = sum(1 for v in views if v.case.replied_at is not None)
    overdue = sum(1 for v in views if deadline_state(v.case, now) == "overdue")
    waiting = sum(1 for v in views if v.case.status in ("received", "returned"))
    summary = (
        f"本期（{period_text}）共监测到新增网络信息 {sum(by_source.values())} 条，立案办理 {len(views)} 件，"
        f"其中特急 {sum(1 for v in urgent if v.case.urgency == '特急')} 件、紧急 "
        f"{sum(1 for v in urgent if v.case.urgency == '紧急')} 件。截至 {fmt_time(now)}，已答复 {answered} 件，"
        f"办理中 {handling} 件，待交办 {waiting} 件，超期未答复 {overdue} 件。"
    )
    sections = [
        Section("一、总体情况", (summary, f"主要来源：{_leading(by_source)}。", f"主要领域：{_leading(by_domain)}。",
                            f"涉及地点：{_leading(by_place)}。")),
        Section("二、热点话题",
                table=(hot_topics.events_table(grouped, names) if grouped
                       else hot_topics.topics_table(topics, names) if topics else None),
                paragraphs=() if grouped or topics else ("本期没有集中的话题。",)),
        Section("三、重点关注（特急、紧急）", table=_case_rows(urgent, names, now, mask) if urgent else None,
                paragraphs=() if urgent else ("本期没有特急、紧急件。",)),
        Section("四、来源分布", table=_counts_table(by_source, "来源"), chart="bar"),
        Section("五、领域分布", table=_counts_table(by_domain, "领域"), chart="bar"),
        Section("六、地点分布", table=_counts_table(by_place, "地点"), chart="bar"),
    ]
    if len(views) >= CASE_LIMIT:
        sections.append(Section("说明", (f"本期件数较多，明细按最新 {CASE_LIMIT} 件统计。",)))
    return Report(f"{county}{KINDS[kind]}", period_text, start, end, now, tuple(sections))


def response_report(facts: Sequence[Any], names: Mapping[str, str], county: str, day: date,
                    now: datetime) -> Report:
    """月度响应时效报告 for the month that contains ``day`` (cases assigned in that month)."""
    start, end, period_text = period("monthly", day)
    figures = unit_figures(facts, dict(names), now, period_from=start, period_to=end)
    totals = leader_view.totals(figures)
    ranked = rank_units(figures)
    best = [r.unit_name for r in ranked if r.rank is not None][:3]
    late = sorted((f for f in figures if f.overdue_now), key=lambda f: -f.overdue_now)[:3]
    summary = (
        f"{period_text}全县共交办 {totals['交办数']} 件，已答复 {totals['答复数']} 件，按时答复率 {totals['按时答复率']}，"
        f"目前超期未答复 {totals['当前超期']} 件、临期 {totals['临期']} 件。"
    )
    notes = [summary]
    if best:
        notes.append(f"按时答复排名前列：{'、'.join(best)}。")
    if late:
        notes.append("超期较多：" + "、".join(f"{f.unit_name}（{f.overdue_now} 件）" for f in late) + "。")
    notes.append("说明：用时自交办时起计算；按时答复率 = 按时答复数 ÷ 已到期件数；排名对小单位作修正，到期件少于 5 件的不参与排名。")
    table = leader_view.figures_table(figures)
    chart_data = pd.DataFrame({"单位": [f.unit_name for f in figures],
                               "按时答复率%": [round(100 * (f.on_time_rate or 0), 1) for f in figures]})
    return Report(f"{county}{KINDS['monthly']}", period_text, start, end, now, (
        Section("一、总体情况", tuple(notes)),
        Section("二、各单位办理情况", table=table),
        Section("三、按时答复排名", table=leader_view.ranking_table(ranked)),
        Section("四、各单位按时答复率", table=chart_data, chart="bar"),
    ))
