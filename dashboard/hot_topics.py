"""Hot topics and their heat over time, from what the store has today.

A hot topic is an event: items about one matter, grouped after intake by the relate step
(``crawlers/relate.py``), with a heat that decays (``store.hot_topics``). Topics with at least
two items in the window are shown hottest first, with their items per day. A store that offers
no events (or a window without any) falls back to keywords the understanding step gave the
items (``Classification.keywords``), counted per day. Volume by day comes from
``search.counts_by("day")``; domains and places from the same counts. The newest
``SCAN_LIMIT`` cases of the window are read, which bounds the cost.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import altair as alt
import pandas as pd

from dashboard.markup import one_line
from dashboard.privacy import mask
from index.records import CaseView, to_cst
from index.store import CaseFilter, SearchFilter

WINDOWS: dict[str, int] = {"近24小时": 1, "近3天": 3, "近7天": 7, "近30天": 30}
DEFAULT_WINDOW = "近7天"
SCAN_LIMIT = 3000
TOP = 10
CHARTED = 5


@dataclass(frozen=True)
class Topic:
    keyword: str
    count: int
    latest_day: int
    """Cases that carried it on the newest day of the window."""
    rising: bool
    units: tuple[str, ...]
    example: str


def window_start(window: str, now: datetime) -> datetime:
    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}; use one of {list(WINDOWS)}")
    return to_cst(now) - timedelta(days=WINDOWS[window])


def case_filter(start: datetime) -> CaseFilter:
    return CaseFilter(received_from=start, order="received_desc", limit=SCAN_LIMIT)


def search_filter(start: datetime) -> SearchFilter:
    return SearchFilter(posted_from=start)


def _day(moment: datetime) -> str:
    return to_cst(moment).date().isoformat()


def topics(views: Sequence[CaseView], now: datetime, masker: Callable[[str], str], top: int = TOP) -> list[Topic]:
    """The keywords most cases carried, with the newest day's count and whether they are rising."""
    counts: Counter[str] = Counter()
    by_day: dict[str, Counter[str]] = defaultdict(Counter)
    units: dict[str, Counter[str]] = defaultdict(Counter)
    example: dict[str, str] = {}
    for v in views:
        words = v.classification.keywords if v.classification else ()
        for word in dict.fromkeys(words):
            counts[word] += 1
            by_day[word][_day(v.case.received_at)] += 1
            units[word][v.case.lead_unit] += 1
            example.setdefault(word, one_line(v.item.title or v.item.body, 40))
    today = _day(now)
    out = []
    for word, count in counts.most_common(top):
        days = by_day[word]
        latest = days.get(today, 0)
        earlier = [n for d, n in days.items() if d != today]
        average = sum(earlier) / max(1, len(earlier))
        out.append(Topic(word, count, latest, latest > average and latest >= 2,
                         tuple(u for u, _ in units[word].most_common(3)), masker(example[word])))
    return out


def topics_table(found: Sequence[Topic], names: Mapping[str, str]) -> pd.DataFrame:
    rows = [
        {"话题（关键词）": t.keyword, "件数": t.count, "最近一天": t.latest_day, "趋势": "↑ 上升" if t.rising else "",
         "主要承办单位": "、".join(names.get(u, u) for u in t.units), "示例": t.example}
        for t in found
    ]
    return pd.DataFrame(rows, columns=["话题（关键词）", "件数", "最近一天", "趋势", "主要承办单位", "示例"])


def heat(views: Sequence[CaseView], keywords: Sequence[str]) -> pd.DataFrame:
    """Cases per day for each keyword (the heat curve)."""
    wanted = set(keywords)
    rows: Counter[tuple[str, str]] = Counter()
    for v in views:
        for word in dict.fromkeys(v.classification.keywords if v.classification else ()):
            if word in wanted:
                rows[(_day(v.case.received_at), word)] += 1
    data = pd.DataFrame([{"日期": d, "话题": w, "件数": n} for (d, w), n in sorted(rows.items())],
                        columns=["日期", "话题", "件数"])
    return data


@dataclass(frozen=True)
class EventTopic:
    """One event as the page lists it."""

    event_id: int
    title: str
    size: int
    in_window: int
    heat: float
    first_seen: datetime | None
    last_seen: datetime | None
    terms: tuple[str, ...]
    units: tuple[str, ...]


EVENT_ITEMS_READ = 200  # newest items read per event for its daily curve and units


def events(store: Any, start: datetime, masker: Callable[[str], str], top: int = TOP,
           end: datetime | None = None) -> tuple[list[EventTopic], pd.DataFrame]:
    """The hottest events with at least two items posted in [start, end), and their items per day."""
    if not callable(getattr(store, "hot_topics", None)):
        return [], pd.DataFrame(columns=["日期", "话题", "件数"])
    found: list[EventTopic] = []
    per_day: Counter[tuple[str, str]] = Counter()
    for topic in store.hot_topics(limit=top * 2, min_items=2, since=start):
        days: Counter[str] = Counter()
        units: Counter[str] = Counter()
        for _, when, lead in store.topic_members(topic.id, EVENT_ITEMS_READ):
            if when is None or to_cst(when) < start or (end is not None and to_cst(when) >= end):
                continue
            days[_day(when)] += 1
            if lead:
                units[lead] += 1
        if sum(days.values()) < 2:
            continue
        title = masker(one_line(topic.title, 40))
        found.append(EventTopic(topic.id, title, topic.size, sum(days.values()), round(topic.heat, 1),
                                topic.first_seen, topic.last_seen, topic.terms, tuple(u for u, _ in units.most_common(3))))
        if len(found) <= CHARTED:
            for day, n in days.items():
                per_day[(day, f"#{topic.id} {title[:12]}")] += n
        if len(found) >= top:
            break
    curve = pd.DataFrame([{"日期": d, "话题": w, "件数": n} for (d, w), n in sorted(per_day.items())],
                         columns=["日期", "话题", "件数"])
    return found, curve


def events_table(found: Sequence[EventTopic], names: Mapping[str, str]) -> pd.DataFrame:
    rows = [
        {"事件": e.title, "热度": e.heat, "件数（范围内）": e.in_window, "件数（累计）": e.size,
         "首次出现": _stamp(e.first_seen), "最近一条": _stamp(e.last_seen), "关键词": "、".join(e.terms[:4]),
         "主要承办单位": "、".join(names.get(u, u) for u in e.units)}
        for e in found
    ]
    return pd.DataFrame(rows, columns=["事件", "热度", "件数（范围内）", "件数（累计）", "首次出现", "最近一条", "关键词",
                                       "主要承办单位"])


def _stamp(moment: datetime | None) -> str:
    return to_cst(moment).strftime("%m-%d %H:%M") if moment is not None else ""


@dataclass(frozen=True)
class HotTopics:
    """Everything the page shows for one window (plain data, so it can be cached)."""

    topics: list[Topic]
    heat: pd.DataFrame
    volume: pd.DataFrame
    domains: pd.DataFrame
    places: pd.DataFrame
    scanned: int
    events: list[EventTopic] = field(default_factory=list)
    event_heat: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["日期", "话题", "件数"]))


def collect(store: Any, search: Any, window: str, now: datetime) -> HotTopics:
    """Read the window once: counts by day, domain and place; events (or keywords) of the newest cases.
    Titles are masked: the page is an overview for every county role."""
    start = window_start(window, now)
    flt = search_filter(start)
    views = store.list_cases(case_filter(start))
    found = topics(views, now, mask)
    grouped, curve = events(store, start, mask)
    return HotTopics(
        topics=found, heat=heat(views, [t.keyword for t in found[:CHARTED]]),
        volume=volume(search.counts_by("day", flt)), domains=shares(search.counts_by("domain", flt), "领域"),
        places=shares(search.counts_by("place", flt), "地点"), scanned=len(views), events=grouped, event_heat=curve,
    )


def heat_chart(data: pd.DataFrame) -> alt.Chart:
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("日期:O", title=None, sort="ascending"),
        y=alt.Y("件数:Q", title="件数（每日）", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("话题:N", title="话题"),
        tooltip=["日期", "话题", "件数"],
    )


def volume(counts_by_day: Mapping[str, int]) -> pd.DataFrame:
    rows = [{"日期": day, "条数": n} for day, n in sorted(counts_by_day.items()) if day]
    return pd.DataFrame(rows, columns=["日期", "条数"])


def volume_chart(data: pd.DataFrame) -> alt.Chart:
    return alt.Chart(data).mark_bar(color="#5c6bc0").encode(
        x=alt.X("日期:O", title=None, sort="ascending"), y=alt.Y("条数:Q", title="新增信息（条）", axis=alt.Axis(tickMinStep=1)),
        tooltip=["日期", "条数"],
    )


def shares(counts: Mapping[str, int], label: str, top: int = TOP) -> pd.DataFrame:
    rows = [{label: k or "未识别", "条数": n} for k, n in sorted(counts.items(), key=lambda x: -x[1])[:top]]
    return pd.DataFrame(rows, columns=[label, "条数"])
