"""Deadlines count working days on the official calendar, holidays and swapped weekends included."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from index.records import CST
from workflow.deadlines import DeadlineProfile, WorkingCalendar, time_state
from workflow.errors import CalendarNotCovered, ProfileError


@pytest.fixture
def profile() -> DeadlineProfile:
    return DeadlineProfile.load()


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=CST)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=CST)


class TestNationalDay2025:
    """1–8 October 2025 were holidays; Sunday 28 September and Saturday 11 October were worked."""

    def test_a_consultation_received_before_the_holiday_is_due_after_it(self, profile):
        # 咨询: 2 working days. 30 Sep (Tue) → day 1 = 9 Oct, day 2 = 10 Oct.
        assert profile.case_deadline(at(2025, 9, 30), "咨询", "一般").at == end_of(2025, 10, 10)

    def test_the_swapped_saturday_counts_as_a_working_day(self, profile):
        cal = profile.calendar
        assert cal.add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)

    def test_the_swapped_sunday_before_the_holiday_counts(self, profile):
        assert profile.calendar.add_working_days(date(2025, 9, 27), 1) == date(2025, 9, 28)

    def test_acknowledgement_on_a_holiday_is_due_at_the_end_of_the_next_working_day(self, profile):
        assert profile.ack_deadline(at(2025, 10, 3)).at == end_of(2025, 10, 9)


class TestSpringFestival2026:
    """15–23 February 2026 were holidays; Saturdays 14 and 28 February were worked."""

    def test_a_complaint_crossing_the_festival(self, profile):
        # 投诉: 15 working days from Thu 12 Feb: 13, 14(Sat, worked), 24, 25, 26, 27, 28(Sat, worked),
        # 2, 3, 4, 5, 6, 9, 10, 11 March → the 15th is 11 March.
        assert profile.case_deadline(at(2026, 2, 12), "投诉", "一般").at == end_of(2026, 3, 11)

    def test_a_request_for_help(self, profile):
        # 求助: 10 working days from Fri 13 Feb: 14, 24, 25, 26, 27, 28, 2, 3, 4, 5 March.
        assert profile.case_deadline(at(2026, 2, 13), "求助", "一般").at == end_of(2026, 3, 5)


def test_urgent_items_run_on_the_wall_clock(profile):
    # 特急 cannot wait for the holiday to end.
    assert profile.case_deadline(at(2025, 10, 1, 9), "投诉", "特急").at == at(2025, 10, 2, 9)
    assert profile.case_deadline(at(2025, 9, 30), "投诉", "紧急").at == end_of(2025, 10, 10)


def test_public_opinion_items_get_48_hours(profile):
    assert profile.case_deadline(at(2026, 3, 2, 8), "舆情", "一般").at == at(2026, 3, 4, 8)


def test_a_year_without_an_official_calendar_is_refused_with_a_clear_reason(profile):
    with pytest.raises(CalendarNotCovered) as err:
        profile.case_deadline(at(2099, 3, 2), "投诉", "一般")
    assert "2099" in err.value.zh and "节假日" in err.value.zh


def test_a_county_can_supply_a_missing_year_or_choose_weekdays_provisionally():
    supplied = WorkingCalendar(holidays={date(2099, 3, 3)}, workdays={date(2099, 3, 2), date(2099, 3, 4)})
    assert supplied.add_working_days(date(2099, 3, 1), 2) == date(2099, 3, 4)
    fallback = DeadlineProfile.load(weekday_fallback=True)
    due = fallback.case_deadline(at(2099, 3, 2), "咨询", "一般")  # Mon → Tue, Wed
    assert due.at == end_of(2099, 3, 4) and due.provisional and "暂按" in due.note


def test_a_county_override_replaces_a_row():
    profile = DeadlineProfile.from_dict({
        "acknowledge": {"working_days": 0}, "default": {"working_days": 15},
        "by_kind": {"咨询": {"working_days": 5}},
    })
    assert profile.case_deadline(at(2026, 3, 2), "咨询", "一般").at == end_of(2026, 3, 9)


def test_a_profile_row_without_a_unit_of_time_is_refused():
    with pytest.raises(ProfileError) as err:
        DeadlineProfile.from_dict({"acknowledge": {"days": 1}, "default": {"working_days": 15}, "by_kind": {}})
    assert "working_days" in err.value.zh


def test_time_state_marks_near_and_overdue():
    received, deadline = at(2026, 3, 2, 0), at(2026, 3, 6, 0)
    assert time_state(received, deadline, at(2026, 3, 3, 0)) == "ok"
    assert time_state(received, deadline, at(2026, 3, 5, 12)) == "near"
    assert time_state(received, deadline, at(2026, 3, 6, 1)) == "overdue"
