"""The case loop on a real store (SQLite, and PostgreSQL when given): intake, assign, acknowledge,
reply, close, with history."""

from __future__ import annotations

from datetime import datetime

import pytest
from workflow_helpers import (  # noqa: E402  (tests/workflow is put on the path by conftest)
    DUTY,
    HOUSING,
    HOUSING_LEADER,
    HRSS,
    HRSS_LEADER,
    LEADER,
    T0,
    receive,
)

from index.records import CST, Classification, Item, Unit
from index.store import CaseFilter
from workflow.accounts import authenticate, create_user
from workflow.errors import AuthenticationFailed, Conflict, IllegalTransition, PermissionDenied
from workflow.kpi import unit_figures


def test_every_received_item_gets_a_case_with_a_deadline(store, service):
    receive(store, 1, kind="咨询")
    receive(store, 2, kind="投诉")
    assert service.open_new_cases() == 2
    assert service.open_new_cases() == 0
    cases = {c.kind: c for c in store.all_cases()}
    assert cases["咨询"].deadline == datetime(2026, 3, 4, 23, 59, 59, tzinfo=CST)
    assert cases["投诉"].deadline == datetime(2026, 3, 23, 23, 59, 59, tzinfo=CST)
    assert all(c.status == "assigned" and c.assigned_at == T0 for c in cases.values())


def test_an_unsure_routing_waits_for_the_duty_officer(store, service):
    receive(store, 1, triage=True)
    service.open_new_cases()
    (case,) = store.all_cases()
    assert case.status == "received" and case.assigned_at is None
    assert [v.case.id for v in store.list_cases(CaseFilter(needs_triage=True))] == [case.id]


def test_the_whole_loop_is_recorded_event_by_event(store, service, clock):
    receive(store, 1)
    service.open_new_cases()
    (case,) = store.all_cases()
    clock.advance(hours=1)
    case = service.assign(DUTY, case.id, "housing", ("town-laolong",), reason="涉及工地管理")
    assert case.lead_unit == "housing" and case.status == "assigned"
    clock.advance(hours=2)
    case = service.acknowledge(HOUSING, case.id)
    clock.advance(days=1)
    case = service.progress(HOUSING, case.id, "已约谈施工单位")
    clock.advance(days=2)
    case = service.reply(HOUSING, case.id, "县住建局已约谈施工单位，工资将于本周内发放。")
    assert case.status == "reply_pending" and case.replied_at is None
    clock.advance(hours=3)
    case = service.sign_off(HOUSING_LEADER, case.id)
    assert case.status == "replied" and case.reply_text.startswith("县住建局")
    clock.advance(hours=5)
    case = service.review(DUTY, case.id)
    case = service.close(DUTY, case.id)
    case = service.follow_up(DUTY, case.id, "满意")
    assert case.status == "closed" and case.satisfaction == "满意" and case.version == 9
    events = store.events(case.id)
    assert [(e.action, e.actor) for e in events] == [
        ("open_assign", "system"), ("assign", "duty"), ("acknowledge", "housing"), ("progress", "housing"),
        ("reply", "housing"), ("sign_off", "housing-leader"), ("review", "duty"), ("close", "duty"),
        ("follow_up", "duty"),
    ]
    assert events[1].before["lead_unit"] == "hrss" and events[1].after["lead_unit"] == "housing"
    assert events[1].reason == "涉及工地管理"


def test_a_unit_cannot_act_on_another_units_case(store, service):
    receive(store, 1, unit="hrss")
    service.open_new_cases()
    (case,) = store.all_cases()
    with pytest.raises(PermissionDenied) as err:
        service.acknowledge(HOUSING, case.id)
    assert "未交办给您所在的单位" in err.value.zh
    with pytest.raises(PermissionDenied):
        service.view(HOUSING, case.id)
    with pytest.raises(PermissionDenied):
        service.assign(HRSS, case.id, "housing")
    assert service.view(LEADER, case.id).case.id == case.id


def test_a_unit_lists_only_its_own_cases(store, service):
    receive(store, 1, unit="hrss")
    receive(store, 2, unit="housing")
    service.open_new_cases()
    assert {v.case.lead_unit for v in service.list_for(HRSS, CaseFilter())} == {"hrss"}
    assert {v.case.lead_unit for v in service.list_for(HRSS, CaseFilter(units=("housing",)))} == set()
    assert len(service.list_for(LEADER, CaseFilter())) == 2


def test_illegal_steps_are_refused_with_what_to_do(store, service):
    receive(store, 1)
    service.open_new_cases()
    (case,) = store.all_cases()
    with pytest.raises(IllegalTransition) as err:
        service.reply(HRSS, case.id, "答复")
    assert "请先签收" in err.value.zh
    service.acknowledge(HRSS, case.id)
    with pytest.raises(IllegalTransition):
        service.reply(HRSS, case.id, "   ")
    with pytest.raises(IllegalTransition) as err:
        service.close(DUTY, case.id)
    assert "请先审核通过" in err.value.zh
    with pytest.raises(IllegalTransition) as err:
        service.assign(DUTY, case.id, "no-such-unit")
    assert "名录" in err.value.zh


def test_two_people_acting_on_what_they_saw_one_wins_the_other_is_told(store, service):
    receive(store, 1)
    service.open_new_cases()
    (case,) = store.all_cases()
    seen = case.version
    service.assign(DUTY, case.id, "housing", expected_version=seen, reason="工地归住建局管")
    with pytest.raises(Conflict) as err:
        service.assign(DUTY, case.id, "town-laolong", expected_version=seen, reason="属地处理")
    assert "刷新" in err.value.zh
    assert store.get_case(case.id).lead_unit == "housing"


def test_the_leaders_table_shows_response_times(store, service, clock):
    for n in (1, 2, 3):
        receive(store, n)
    service.open_new_cases()
    first, second, third = store.all_cases()
    clock.advance(hours=2)
    service.acknowledge(HRSS, first.id)
    clock.advance(hours=22)
    service.reply(HRSS_LEADER, first.id, "已处理")
    service.acknowledge(HRSS, second.id)
    clock.advance(days=30)
    (row,) = unit_figures(store.all_cases(), {"hrss": "县人社局"}, now=clock.now)
    assert (row.assigned, row.acknowledged, row.replied) == (3, 2, 1)
    assert row.median_ack_hours == 13.0  # 2 h and 24 h
    assert row.median_reply_hours == 24.0
    assert row.ack_on_time == 1 and row.reply_on_time == 1
    assert row.overdue_now == 2


def test_accounts_keep_only_a_hash_and_sign_in_says_what_went_wrong(store):
    create_user(store, "hrss", "correct horse", "unit_handler", "经办人", "hrss")
    assert "correct horse" not in store.get_user("hrss").password_hash
    assert authenticate(store, "hrss", "correct horse").unit_id == "hrss"
    with pytest.raises(AuthenticationFailed) as err:
        authenticate(store, "hrss", "wrong password")
    assert "用户名或密码不正确" in err.value.zh
    with pytest.raises(ValueError):
        create_user(store, "x", "short", "admin")


def test_an_item_nobody_could_classify_waits_with_the_monitoring_unit(store, service):
    item_id = store.add_item(Item(source="demo", platform="discuz", url="u", external_id="x", title="？",
                                  body="", content_hash="hx")).item_id
    store.upsert_units([Unit("data-bureau", "县政数局", "monitor")])
    store.save_classification(Classification(item_id=item_id, domain="", lead_unit="", co_units=(), urgency="一般",
                                             kind="", confidences={}, model_version="unclassified", needs_triage=True))
    service.open_new_cases()
    (case,) = store.all_cases()
    assert case.status == "received" and case.lead_unit == "data-bureau"
