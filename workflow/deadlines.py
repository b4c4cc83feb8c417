"""Deadlines on the official Chinese working-day calendar, from a configurable profile.

Working days come from the ``chinesecalendar`` library (State Council holiday notices with their
swapped working weekends, 调休). It only knows the years whose notice has been published; for a
later year the calendar refuses with ``CalendarNotCovered`` unless the county has supplied that
year's days in its profile (``calendar: {holidays: [...], workdays: [...]}``) or has explicitly
chosen ``weekday_fallback``, in which case the deadline is marked provisional.

Counting rule (自收到之日起 N 个工作日): day 1 is the first working day after the day of receipt;
the deadline is the end (23:59:59) of the Nth working day. N = 0 means the end of the day of
receipt, or of the next working day when received on a rest day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml

from index.records import to_cst
from workflow.errors import CalendarNotCovered, ProfileError

DEFAULT_PROFILE = Path(__file__).parent / "profiles" / "guangdong.yaml"
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Limit:
    """How long a step may take: working days on the calendar, or wall-clock hours."""

    working_days: int | None = None
    hours: float | None = None
    label: str = ""

    @classmethod
    def parse(cls, row: Any, where: str) -> Limit:
        if not isinstance(row, dict) or (("working_days" in row) == ("hours" in row)):
            raise ProfileError(
                f"deadline row {where} needs exactly one of working_days or hours",
                f"时限配置“{where}”必须写明 working_days（工作日）或 hours（小时）其中之一，请修改时限配置文件。",
            )
        try:
            days = int(row["working_days"]) if "working_days" in row else None
            hours = float(row["hours"]) if "hours" in row else None
        except (TypeError, ValueError) as exc:
            raise ProfileError(
                f"deadline row {where} has a value that is not a number",
                f"时限配置“{where}”的数值无法识别，请填写数字。",
            ) from exc
        if (days is not None and days < 0) or (hours is not None and hours <= 0):
            raise ProfileError(f"deadline row {where} must be positive", f"时限配置“{where}”必须为正数。")
        label = str(row.get("label") or (f"{days}个工作日" if days is not None else f"{hours:g}小时"))
        return cls(working_days=days, hours=hours, label=label)


@dataclass
class WorkingCalendar:
    """Which days are working days: the official calendar plus a county's own additions."""

    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)
    weekday_fallback: bool = False
    provisional_years: set[int] = field(default_factory=set)

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError as exc:
            if self.weekday_fallback:
                self.provisional_years.add(day.year)
                return day.weekday() < 5
            raise CalendarNotCovered(
                f"the official holiday calendar for {day.year} is not known to this installation",
                f"系统尚未收录 {day.year} 年的法定节假日安排，无法计算工作日：请升级 chinesecalendar，"
                f"或在时限配置的 calendar 中补充 {day.year} 年的节假日和调休上班日。",
            ) from exc

    def next_workday(self, day: date) -> date:
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """The Nth working day after ``start`` (N = 0: ``start`` itself, or the next working day)."""
        if n == 0:
            return self.next_workday(start)
        day = start
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days have passed since ``start``."""
        days = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day):
                days += 1
        return days


@dataclass(frozen=True)
class Deadline:
    at: datetime
    label: str
    provisional: bool = False

    @property
    def note(self) -> str:
        return "暂按周一至周五计算（该年度节假日安排未收录）" if self.provisional else ""


@dataclass
class DeadlineProfile:
    """The time each kind of item and each urgency allows, as a county configured it."""

    name: str
    label: str
    acknowledge: Limit
    return_window: Limit
    by_urgency: dict[str, Limit]
    by_kind: dict[str, Limit]
    default: Limit
    reminders: tuple[float, ...]
    calendar: WorkingCalendar

    @classmethod
    def load(cls, path: Path | str | None = None, *, weekday_fallback: bool | None = None) -> DeadlineProfile:
        path = Path(path) if path else DEFAULT_PROFILE
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ProfileError(f"deadline profile {path} not found", f"找不到时限配置文件 {path}，请检查路径。") from exc
        except yaml.YAMLError as exc:
            raise ProfileError(f"deadline profile {path} is not valid YAML: {exc}", f"时限配置文件 {path} 格式有误：{exc}") from exc
        return cls.from_dict(raw or {}, weekday_fallback=weekday_fallback)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, weekday_fallback: bool | None = None) -> DeadlineProfile:
        for key in ("acknowledge", "by_kind", "default"):
            if key not in raw:
                raise ProfileError(f"deadline profile lacks {key!r}", f"时限配置缺少“{key}”一项。")
        cal_raw = raw.get("calendar") or {}
        calendar = WorkingCalendar(
            holidays={date.fromisoformat(str(d)) for d in cal_raw.get("holidays", [])},
            workdays={date.fromisoformat(str(d)) for d in cal_raw.get("workdays", [])},
            weekday_fallback=bool(cal_raw.get("weekday_fallback", False) if weekday_fallback is None else weekday_fallback),
        )
        return cls(
            name=str(raw.get("name", "custom")),
            label=str(raw.get("label", raw.get("name", ""))),
            acknowledge=Limit.parse(raw["acknowledge"], "acknowledge"),
            return_window=Limit.parse(raw.get("return_window", {"working_days": 1}), "return_window"),
            by_urgency={k: Limit.parse(v, f"by_urgency.{k}") for k, v in (raw.get("by_urgency") or {}).items()},
            by_kind={k: Limit.parse(v, f"by_kind.{k}") for k, v in (raw.get("by_kind") or {}).items()},
            default=Limit.parse(raw["default"], "default"),
            reminders=tuple(float(x) for x in raw.get("reminders", [0.5, 0.75])),
            calendar=calendar,
        )

    def limit_for(self, kind: str, urgency: str) -> Limit:
        """Urgency wins when it is stricter than the kind's limit (特急 / 紧急)."""
        if urgency in self.by_urgency:
            return self.by_urgency[urgency]
        return self.by_kind.get(kind, self.default)

    def due(self, start: datetime, limit: Limit) -> Deadline:
        start = to_cst(start)
        before = set(self.calendar.provisional_years)
        if limit.hours is not None:
            return Deadline(at=start + timedelta(hours=limit.hours), label=limit.label)
        assert limit.working_days is not None
        day = self.calendar.add_working_days(start.date(), limit.working_days)
        at = datetime.combine(day, END_OF_DAY, tzinfo=start.tzinfo)
        provisional = bool(self.calendar.provisional_years - before) or any(
            y in self.calendar.provisional_years for y in range(start.year, day.year + 1)
        )
        return Deadline(at=at, label=limit.label, provisional=provisional)

    def case_deadline(self, received_at: datetime, kind: str, urgency: str) -> Deadline:
        return self.due(received_at, self.limit_for(kind, urgency))

    def ack_deadline(self, assigned_at: datetime) -> Deadline:
        return self.due(assigned_at, self.acknowledge)

    def return_deadline(self, assigned_at: datetime) -> Deadline:
        return self.due(assigned_at, self.return_window)


def time_state(received_at: datetime, deadline: datetime, now: datetime, near_fraction: float = 0.75) -> str:
    """``overdue``, ``near`` (临期: past the last reminder) or ``ok`` for an open case."""
    if now > deadline:
        return "overdue"
    total = (deadline - received_at).total_seconds()
    if total > 0 and (now - received_at).total_seconds() >= near_fraction * total:
        return "near"
    return "ok"
