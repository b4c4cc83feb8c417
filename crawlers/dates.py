"""Reading the dates Chinese forums print, into timezone-aware China Standard Time.

Discuz prints absolute dates without zero padding (``2015-9-21 08:47``) and, for the last week,
relative ones (``刚刚``, ``5 分钟前``, ``半小时前``, ``3 小时前``, ``昨天 08:18``, ``前天 22:14``,
``3 天前``), often wrapping the relative text in ``<span title="absolute">``. The absolute title
is preferred; relative text is resolved against the time the page was fetched, in CST, because
that is the clock the site used to write it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from index.records import CST

_SPACES = re.compile(r"[\s\xa0\u3000]+")
_ABSOLUTE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
_CLOCK = re.compile(r"(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2}))?")
_AGO = re.compile(r"(?P<n>\d+)\s*(?P<unit>秒|分钟|分|小时|天|周|个月)\s*前")
_DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2}
_UNITS = {
    "秒": timedelta(seconds=1), "分钟": timedelta(minutes=1), "分": timedelta(minutes=1),
    "小时": timedelta(hours=1), "天": timedelta(days=1), "周": timedelta(weeks=1), "个月": timedelta(days=30),
}


def _clean(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def parse_absolute(text: str | None) -> tuple[datetime, bool] | None:
    """An absolute date in ``text`` as (CST datetime, has_time), or None."""
    found = _ABSOLUTE.search(_clean(text))
    if not found:
        return None
    try:
        moment = datetime(
            int(found["y"]), int(found["m"]), int(found["d"]),
            int(found["H"] or 0), int(found["M"] or 0), int(found["S"] or 0), tzinfo=CST,
        )
    except ValueError:
        return None
    return moment, found["H"] is not None


def parse_relative(text: str | None, now: datetime) -> datetime | None:
    """A relative date (``3 天前``, ``昨天 08:18``, ``半小时前``, ``刚刚``) resolved against ``now``."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    now = now.astimezone(CST)
    if "刚刚" in cleaned:
        return now
    if "半小时前" in cleaned:
        return now - timedelta(minutes=30)
    for word, days_back in _DAY_WORDS.items():
        if word in cleaned:
            day = now - timedelta(days=days_back)
            clock = _CLOCK.search(cleaned)
            if clock is None:
                return day.replace(hour=0, minute=0, second=0, microsecond=0)
            return day.replace(hour=int(clock["H"]), minute=int(clock["M"]), second=int(clock["S"] or 0),
                               microsecond=0)
    ago = _AGO.search(cleaned)
    if ago:
        return now - int(ago["n"]) * _UNITS[ago["unit"]]
    return None


def resolve(title: str | None, text: str | None, now: datetime) -> datetime | None:
    """The best time from a ``span@title`` and the visible text, preferring the absolute title.

    A board list titles its spans with the date only (``title="2024-3-2"``) while the text has
    the clock (``昨天 08:18``): then the title's date and the text's clock are combined.
    """
    titled = parse_absolute(title)
    shown = parse_absolute(text)
    if titled and titled[1]:
        return titled[0]
    if shown and shown[1]:
        return shown[0]
    if titled:
        clock = _CLOCK.search(_clean(text))
        if clock:
            return titled[0].replace(hour=int(clock["H"]), minute=int(clock["M"]), second=int(clock["S"] or 0))
        return titled[0]
    relative = parse_relative(text, now)
    if relative is not None:
        return relative
    return shown[0] if shown else None


def from_unix(value: object) -> datetime | None:
    """A unix timestamp (int or numeric string) as a CST datetime; None for empty or bad values."""
    try:
        seconds = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return datetime.fromtimestamp(seconds, CST)
