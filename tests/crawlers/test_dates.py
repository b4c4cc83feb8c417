"""Forum dates become timezone-aware CST times: absolute titles first, relative text against fetch time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crawlers.dates import from_unix, parse_absolute, parse_relative, resolve
from index.records import CST

NOW = datetime(2024, 3, 4, 15, 30, 0, tzinfo=CST)


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("2015-9-21 08:47:50", datetime(2015, 9, 21, 8, 47, 50, tzinfo=CST), True),
        ("发表于 2015-9-21 08:47", datetime(2015, 9, 21, 8, 47, tzinfo=CST), True),
        ("2024-3-2", datetime(2024, 3, 2, tzinfo=CST), False),
        ("2019/4/25 9:32:09", datetime(2019, 4, 25, 9, 32, 9, tzinfo=CST), True),
        ("2021年1月18日 23:22", datetime(2021, 1, 18, 23, 22, tzinfo=CST), True),
    ],
)
def test_absolute_dates_without_zero_padding_are_read(text, expected, has_time):
    assert parse_absolute(text) == (expected, has_time)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("刚刚", NOW),
        ("半小时前", NOW - timedelta(minutes=30)),
        ("5\xa0分钟前", NOW - timedelta(minutes=5)),
        ("3 小时前", NOW - timedelta(hours=3)),
        ("昨天 08:18", datetime(2024, 3, 3, 8, 18, tzinfo=CST)),
        ("昨天&nbsp;08:18".replace("&nbsp;", "\xa0"), datetime(2024, 3, 3, 8, 18, tzinfo=CST)),
        ("前天 22:14", datetime(2024, 3, 2, 22, 14, tzinfo=CST)),
        ("3 天前", NOW - timedelta(days=3)),
    ],
)
def test_relative_dates_resolve_against_the_fetch_time(text, expected):
    assert parse_relative(text, NOW) == expected


def test_relative_dates_use_china_time_even_if_fetch_time_is_utc():
    fetched_utc = NOW.astimezone(datetime.now().astimezone().tzinfo).astimezone(tz=None)
    assert parse_relative("昨天 08:18", fetched_utc) == datetime(2024, 3, 3, 8, 18, tzinfo=CST)


def test_the_span_title_wins_over_the_relative_text():
    assert resolve("2015-12-17 11:31:03", "1 小时前", NOW) == datetime(2015, 12, 17, 11, 31, 3, tzinfo=CST)


def test_a_date_only_title_is_combined_with_the_clock_in_the_text():
    assert resolve("2024-3-2", "前天 08:18", NOW) == datetime(2024, 3, 2, 8, 18, tzinfo=CST)


def test_without_title_the_text_decides_and_garbage_gives_none():
    assert resolve(None, "3 天前", NOW) == NOW - timedelta(days=3)
    assert resolve(None, "2015-9-21 08:47", NOW) == datetime(2015, 9, 21, 8, 47, tzinfo=CST)
    assert resolve(None, "不详", NOW) is None
    assert resolve("", "", NOW) is None


def test_unix_times_are_cst_and_bad_values_are_none():
    assert from_unix(1610983347) == datetime(2021, 1, 18, 23, 22, 27, tzinfo=CST)
    assert from_unix("1610983347").utcoffset() == timedelta(hours=8)
    assert from_unix(None) is None and from_unix("") is None and from_unix(0) is None and from_unix("x") is None
