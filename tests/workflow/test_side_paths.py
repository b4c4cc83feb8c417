"""The side paths of the loop: return and re-routing, extension, supervision, merge, public
response, referral, co-handling units and the follow-up that reopens a case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from workflow_helpers import (
    DUTY,
    HOUSING,
    HRSS,
    HRSS_LEADER,
    PROPAGANDA,
    TOWN,
    receive,
)

from workflow.audit import verify
from workflow.errors import IllegalTransition, PermissionDenied


@pytest.fixture
def case(store, service):
    receive(store, 1)
    service.open_new_cases()
    return store.all_cases()[0]


def test_a_unit_returns_within_the_window_and_the_desk_reroutes(store, service, clock, case):
    clock.advance(hours=3)
    returned = service.return_case(HRSS, case.id, "工地欠薪属住建部门监管，依据《保障农民工工资支付条例》")
    assert returned.status == "returned" and returned.return_count == 1
    rerouted = service.assign(DUTY, case.id, "housing", reason="按退单理由改派")
    assert rerouted.status == "assigned" and rerouted.lead_unit == "housing" and rerouted.acknowledged_at is None
    assert rerouted.deadline == case.deadline  # the citizen's clock does not restart
    assert service.acknowledge(HOUSING, case.id).status == "acknowledged"
    assert verify(store, case.id) == []


def test_a_return_needs_a_reason_and_must_come_within_the_window(service, clock, case):
    with pytest.raises(IllegalTransition) as err:
        service.return_case(HRSS, case.id, "  ")
    assert "理由" in err.value.zh
    clock.advance(days=4)  # Mon 09:00 + 4 days: past the end of the next working day
    with pytest.raises(IllegalTransition) as err:
        service.return_case(HRSS, case.id, "不属于本单位职责")
    assert "退单须在交办后" in err.value.zh


def test_an_extension_moves_the_deadline_only_when_approved(store, service, clock, case):
    service.acknowledge(HRSS, case.id)
    new_date = case.deadline + timedelta(days=10)
    requested = service.request_extension(HRSS, case.id, new_date, "需要现场核查多家企业")
    assert requested.deadline == case.deadline and requested.extension_requested_until == new_date
    with pytest.raises(IllegalTransition):
        service.request_extension(HRSS, case.id, new_date + timedelta(days=1), "再次申请")
    refused = service.refuse_extension(DUTY, case.id, "事项简单，请按期办结")
    assert refused.deadline == case.deadline and refused.extension_requested_until is None
    service.request_extension(HRSS, case.id, new_date, "企业负责人外出，需等待其返回")
    approved = service.approve_extension(DUTY, case.id)
    assert approved.deadline == new_date and approved.original_deadline == case.deadline
    assert approved.extension_count == 1
    assert verify(store, case.id) == []


def test_an_extension_cannot_be_asked_after_the_deadline(service, clock, case):
    service.acknowledge(HRSS, case.id)
    clock.now = case.deadline + timedelta(minutes=1)
    with pytest.raises(IllegalTransition) as err:
        service.request_extension(HRSS, case.id, case.deadline + timedelta(days=5), "来不及")
    assert "已超过办理期限" in err.value.zh


def test_supervision_and_reminders_do_not_touch_the_deadline(service, case):
    supervised = service.supervise(DUTY, case.id, "请于明日前报告办理情况")
    reminded = service.remind(DUTY, case.id)
    assert supervised.supervised == 1 and reminded.deadline == case.deadline


def test_merging_duplicates_raises_the_priority_of_the_case_that_goes_on(store, service, case):
    for n in (2, 3, 4):
        receive(store, n)
    service.open_new_cases()
    dups = [c for c in store.all_cases() if c.id != case.id]
    service.merge(DUTY, dups[0].id, case.id, reason="同一工地欠薪")
    service.merge(DUTY, dups[1].id, case.id)
    target = store.get_case(case.id)
    assert target.merged_count == 2 and target.urgency == "一般"
    merged = service.merge(DUTY, dups[2].id, case.id)
    assert merged[0].status == "merged" and merged[0].merged_into == case.id
    assert merged[1].merged_count == 3 and merged[1].urgency == "紧急"
    with pytest.raises(IllegalTransition):
        service.acknowledge(HRSS, dups[0].id)
    assert all(verify(store, c.id) == [] for c in store.all_cases())


def test_the_propaganda_department_publishes_the_public_response(store, service, case):
    with pytest.raises(PermissionDenied):
        service.publish(PROPAGANDA, case.id, "关于网传欠薪情况的说明")  # not involved in this case
    service.assign(DUTY, case.id, "hrss", ("town-laolong", "propaganda"), reason="涉及舆情，宣传部协办")
    with pytest.raises(PermissionDenied) as err:
        service.publish(HRSS, case.id, "情况说明")
    assert "宣传部门" in err.value.zh
    published = service.publish(PROPAGANDA, case.id, "经核实，涉事工地已于今日发放全部拖欠工资。")
    assert published.public_response.startswith("经核实") and published.public_response_at is not None


def test_an_emergency_is_referred_and_becomes_urgent(service, case):
    referred = service.refer(DUTY, case.id, "119")
    assert referred.referred_to == "119" and referred.urgency == "特急"
    assert referred.deadline == case.deadline
    with pytest.raises(IllegalTransition):
        service.refer(DUTY, case.id, "12345")


def test_co_handling_units_acknowledge_and_contribute_their_own_part(store, service, case):
    service.acknowledge(TOWN, case.id)
    assert store.get_case(case.id).status == "assigned"  # the lead unit has not signed for it
    service.acknowledge(HRSS, case.id)
    service.reply(TOWN, case.id, "老隆镇已协助核实工地位置和人数。")
    parts = {p.unit_id: p for p in store.case_units(case.id)}
    assert parts["town-laolong"].acknowledged_at is not None and parts["town-laolong"].reply_text.startswith("老隆镇")
    assert parts["hrss"].acknowledged_at is not None and parts["hrss"].replied_at is None
    with pytest.raises(PermissionDenied):
        service.return_case(TOWN, case.id, "不归我镇")  # only the lead unit returns


def test_a_draft_goes_back_to_the_handler_when_the_leader_rejects_it(service, case):
    service.acknowledge(HRSS, case.id)
    service.reply(HRSS, case.id, "已处理。")
    with pytest.raises(PermissionDenied):
        service.sign_off(HRSS, case.id)
    back = service.reject_draft(HRSS_LEADER, case.id, "请写明核查结果和依据")
    assert back.status == "in_progress" and back.replied_at is None


def test_an_unsatisfied_follow_up_reopens_the_case_for_redo(store, service, case):
    service.acknowledge(HRSS, case.id)
    service.reply(HRSS_LEADER, case.id, "经核实，工资已发放。")
    service.review(DUTY, case.id)
    service.close(DUTY, case.id)
    with pytest.raises(IllegalTransition):
        service.supervise(DUTY, case.id, "督办")
    reopened = service.follow_up(DUTY, case.id, "不满意", reason="群众反映工资仍未到账")
    assert reopened.status == "in_progress" and reopened.redo_count == 1 and reopened.closed_at is None
    assert reopened.deadline == case.deadline
    assert verify(store, case.id) == []


def test_an_officer_correction_is_recorded_as_a_label(store, service, case):
    corrected = service.reclassify(DUTY, case.id, domain="城乡建设", urgency="紧急", reason="实为工地安全问题")
    assert corrected.urgency == "紧急" and corrected.deadline == case.deadline
    event = store.events(case.id)[-1]
    assert event.action == "reclassify" and event.after["domain"] == "城乡建设"
    assert event.after["domain_before"] == "劳动和社会保障" and event.before["urgency"] == "一般"
    with pytest.raises(IllegalTransition):
        service.reclassify(DUTY, case.id, domain="城乡建设", urgency="紧急")
    with pytest.raises(PermissionDenied):
        service.reclassify(HRSS, case.id, urgency="特急")
    assert verify(store, case.id) == []
