"""Reminders at 50% and 75% of the time allowed and at breach, each sent once."""

from __future__ import annotations

from datetime import timedelta

from workflow_helpers import HRSS, HRSS_LEADER, T0, Clock, receive

from workflow.cases import CaseService
from workflow.deadlines import DeadlineProfile
from workflow.reminders import sweep


def test_each_threshold_reminds_once_and_breach_is_reported(store):
    clock = Clock(T0)
    service = CaseService(store, DeadlineProfile.load(), clock=clock)
    receive(store, 1, kind="咨询")  # 2 working days: Mon 09:00 → Wed 23:59:59
    service.open_new_cases()
    (case,) = store.all_cases()
    total = case.deadline - case.received_at
    assert sweep(service, T0 + total * 0.3) == 0
    clock.now = T0 + total * 0.55
    assert sweep(service, clock.now) == 1
    assert sweep(service, clock.now) == 0
    clock.now = T0 + total * 0.9  # past 75%: one reminder, not two
    assert sweep(service, clock.now) == 1
    clock.now = case.deadline + timedelta(minutes=1)
    assert sweep(service, clock.now) == 1
    assert sweep(service, clock.now + timedelta(days=3)) == 0
    levels = [e.after.get("reminder_level") for e in store.events(case.id) if e.action == "remind"]
    assert levels == [0.5, 0.75, 1.0]
    assert store.get_case(case.id).deadline == case.deadline


def test_replied_cases_are_not_reminded(store):
    clock = Clock(T0)
    service = CaseService(store, DeadlineProfile.load(), clock=clock)
    receive(store, 1, kind="咨询")
    service.open_new_cases()
    (case,) = store.all_cases()
    service.acknowledge(HRSS, case.id)
    service.reply(HRSS_LEADER, case.id, "已答复")
    assert sweep(service, case.deadline + timedelta(days=1)) == 0
