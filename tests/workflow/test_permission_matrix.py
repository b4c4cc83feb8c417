"""Every role × every action × the user's unit being the lead unit, a co-handling unit or another
unit: the service either refuses with a reason or lets the action through.

The expected answer is written out here as the specification; each combination is tried for real
through ``CaseService`` on a case put into a state where the action applies, so that only the
permission can stand in the way.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from workflow_helpers import DUTY, HRSS_LEADER, receive

from index.records import User
from workflow.errors import PermissionDenied, WorkflowError
from workflow.permissions import decide

LEAD, CO, OTHER = "hrss", "propaganda", "housing"
ROLES = ("admin", "coordinator", "leader", "unit_handler", "unit_leader")
OWNERSHIP = ("lead", "co", "other")
DESK = {"reclassify", "assign", "review", "send_back", "close", "follow_up", "approve_extension", "refuse_extension",
        "remind", "supervise", "merge", "refer"}
ACTIONS = sorted(DESK | {"view", "acknowledge", "reply", "return", "progress", "request_extension", "sign_off",
                         "reject_draft", "publish"})


def expected(role: str, ownership: str, action: str) -> bool:
    """The rules, as a person would state them (see RULES.md and the permission notes)."""
    county = {"admin", "coordinator"}
    if action == "view":
        return role in county | {"leader"} or ownership in ("lead", "co")
    if action in DESK:
        return role in county
    if role not in ("unit_handler", "unit_leader"):
        return False
    if action in ("acknowledge", "reply"):
        return ownership in ("lead", "co")
    if action in ("return", "progress", "request_extension"):
        return ownership == "lead"
    if action in ("sign_off", "reject_draft"):
        return role == "unit_leader" and ownership == "lead"
    if action == "publish":  # only the propaganda department, here the co-handling unit
        return ownership == "co"
    raise AssertionError(action)


STATE_FOR = {
    "acknowledge": "assigned", "return": "assigned", "assign": "assigned", "remind": "assigned",
    "supervise": "assigned", "merge": "assigned", "refer": "assigned", "publish": "assigned", "view": "assigned",
    "reclassify": "assigned",
    "progress": "acknowledged", "reply": "acknowledged", "request_extension": "acknowledged",
    "approve_extension": "extension_pending", "refuse_extension": "extension_pending",
    "sign_off": "reply_pending", "reject_draft": "reply_pending",
    "review": "replied", "send_back": "replied", "close": "reviewed", "follow_up": "closed",
}


def drive(service, case_id: int, state: str) -> None:
    """Bring a freshly assigned case to ``state`` with the people entitled to each step."""
    handler = User("h", "经办人", "unit_handler", unit_id=LEAD)
    path = {
        "assigned": [],
        "acknowledged": [lambda: service.acknowledge(handler, case_id)],
        "extension_pending": [lambda: service.acknowledge(handler, case_id),
                              lambda: service.request_extension(handler, case_id, service.store.get_case(case_id).deadline
                                                                + timedelta(days=5), "需要核查")],
        "reply_pending": [lambda: service.acknowledge(handler, case_id), lambda: service.reply(handler, case_id, "草稿")],
        "replied": [lambda: service.acknowledge(handler, case_id), lambda: service.reply(HRSS_LEADER, case_id, "答复")],
    }
    path["reviewed"] = path["replied"] + [lambda: service.review(DUTY, case_id)]
    path["closed"] = path["reviewed"] + [lambda: service.close(DUTY, case_id)]
    for step in path[state]:
        step()


def attempt(service, user: User, action: str, case_id: int, other_case_id: int) -> None:
    calls = {
        "view": lambda: service.view(user, case_id),
        "assign": lambda: service.assign(user, case_id, LEAD, (CO,), reason="复核后维持"),
        "acknowledge": lambda: service.acknowledge(user, case_id),
        "return": lambda: service.return_case(user, case_id, "不属于本单位职责"),
        "progress": lambda: service.progress(user, case_id, "正在核查"),
        "reply": lambda: service.reply(user, case_id, "已核实处理"),
        "sign_off": lambda: service.sign_off(user, case_id),
        "reject_draft": lambda: service.reject_draft(user, case_id, "请补充依据"),
        "review": lambda: service.review(user, case_id),
        "send_back": lambda: service.send_back(user, case_id, "请补充"),
        "close": lambda: service.close(user, case_id),
        "follow_up": lambda: service.follow_up(user, case_id, "满意"),
        "request_extension": lambda: service.request_extension(
            user, case_id, service.store.get_case(case_id).deadline + timedelta(days=3), "需要时间"),
        "approve_extension": lambda: service.approve_extension(user, case_id),
        "refuse_extension": lambda: service.refuse_extension(user, case_id, "请按期办结"),
        "remind": lambda: service.remind(user, case_id),
        "supervise": lambda: service.supervise(user, case_id, "请加快办理"),
        "merge": lambda: service.merge(user, other_case_id, case_id),
        "publish": lambda: service.publish(user, case_id, "情况通报"),
        "refer": lambda: service.refer(user, case_id, "110"),
        "reclassify": lambda: service.reclassify(user, case_id, urgency="紧急", reason="更正"),
    }
    calls[action]()


def user_for(role: str, ownership: str) -> User:
    unit = {"lead": LEAD, "co": CO, "other": OTHER}[ownership] if role.startswith("unit_") else ""
    return User(f"{role}-{ownership}", "测试", role, unit_id=unit)


@pytest.mark.parametrize("action", ACTIONS)
def test_every_role_and_unit_against_every_action(store, service, action):
    for role in ROLES:
        for ownership in OWNERSHIP if role.startswith("unit_") else ("other",):
            first = receive(store, 2 * len(store.all_cases()) + 1)
            second = receive(store, 2 * len(store.all_cases()) + 2)
            service.open_new_cases()
            case = store.case_for_item(first)
            other = store.case_for_item(second)
            service.assign(DUTY, case.id, LEAD, (CO,), reason="按职责交办")
            drive(service, case.id, STATE_FOR[action])
            user = user_for(role, ownership)
            want = expected(role, ownership, action)
            assert decide(user, action, store.get_case(case.id), "responder" if user.unit_id == CO else "handler").allowed is want
            events_before = len(store.events(case.id))
            try:
                attempt(service, user, action, case.id, other.id)
            except PermissionDenied as refusal:
                assert not want, f"{role}/{ownership} was refused {action}: {refusal.zh}"
                assert refusal.zh, "a refusal must say why"
                assert len(store.events(case.id)) == events_before
            except WorkflowError as other_error:  # pragma: no cover - a broken setup, not a permission
                pytest.fail(f"{role}/{ownership} {action}: {other_error.zh}")
            else:
                assert want, f"{role}/{ownership} was allowed to {action}"
