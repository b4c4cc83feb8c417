"""Invariants of the case loop over random sequences of actions by random people (hypothesis).

- nothing happens to a closed case except the follow-up (which may reopen it);
- every change appends exactly one event, and a refused action appends none;
- a deadline moves only by an approved extension;
- the stored case, and the leaders' figures, equal what the events alone describe.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from workflow_helpers import T0, Clock, receive

from index.records import Case, Unit, User
from index.store import open_store
from workflow.audit import replay, verify
from workflow.cases import CaseService
from workflow.deadlines import DeadlineProfile
from workflow.errors import WorkflowError
from workflow.kpi import unit_figures

PEOPLE = [
    User("duty", "值班员", "coordinator"),
    User("leader", "县领导", "leader"),
    User("hrss", "人社局经办人", "unit_handler", unit_id="hrss"),
    User("hrss-leader", "人社局负责人", "unit_leader", unit_id="hrss"),
    User("housing", "住建局经办人", "unit_handler", unit_id="housing"),
    User("housing-leader", "住建局负责人", "unit_leader", unit_id="housing"),
    User("propaganda", "宣传部经办人", "unit_handler", unit_id="propaganda"),
]
ACTIONS = ["assign", "acknowledge", "return", "progress", "reply", "sign_off", "reject_draft", "review",
           "send_back", "close", "follow_up", "request_extension", "approve_extension", "refuse_extension",
           "remind", "supervise", "merge", "publish", "refer", "wait"]

MAIN_PATH = ["acknowledge", "progress", "reply", "sign_off", "review", "close", "follow_up"]
WEIGHTED = MAIN_PATH * 12 + [a for a in ACTIONS if a not in MAIN_PATH and a != "merge"] + ["merge"]
"""The main loop is drawn more often than the side paths, so that closed and reopened cases occur."""

BY_NAME = {p.username: p for p in PEOPLE}
DESK_ACTIONS = {"assign", "review", "send_back", "close", "follow_up", "approve_extension", "refuse_extension",
                "remind", "supervise", "merge", "refer"}


def entitled(action: str, case: Case) -> User:
    """The person who would normally take ``action`` on ``case`` (so that deep states are reached)."""
    if action in DESK_ACTIONS:
        return BY_NAME["duty"]
    if action == "publish":
        return BY_NAME["propaganda"]
    lead = case.lead_unit if case.lead_unit in ("hrss", "housing") else "hrss"
    return BY_NAME[f"{lead}-leader" if action in ("sign_off", "reject_draft") else lead]


def run(service: CaseService, clock: Clock, action: str, user: User, which: int, unit: str,
        satisfaction: str, hours: int, ids: list[int]) -> None:
    case_id, other_id = ids[which], ids[1 - which]
    deadline = service.store.get_case(case_id).deadline
    calls = {
        "assign": lambda: service.assign(user, case_id, unit, reason="调整"),
        "acknowledge": lambda: service.acknowledge(user, case_id),
        "return": lambda: service.return_case(user, case_id, "非本单位职责"),
        "progress": lambda: service.progress(user, case_id, "办理中"),
        "reply": lambda: service.reply(user, case_id, "经核实已处理"),
        "sign_off": lambda: service.sign_off(user, case_id),
        "reject_draft": lambda: service.reject_draft(user, case_id, "请补充"),
        "review": lambda: service.review(user, case_id),
        "send_back": lambda: service.send_back(user, case_id, "请补充依据"),
        "close": lambda: service.close(user, case_id),
        "follow_up": lambda: service.follow_up(user, case_id, satisfaction),
        "request_extension": lambda: service.request_extension(user, case_id, deadline + timedelta(hours=hours), "需要时间"),
        "approve_extension": lambda: service.approve_extension(user, case_id),
        "refuse_extension": lambda: service.refuse_extension(user, case_id, "请按期"),
        "remind": lambda: service.remind(user, case_id),
        "supervise": lambda: service.supervise(user, case_id, "督办"),
        "merge": lambda: service.merge(user, case_id, other_id),
        "publish": lambda: service.publish(user, case_id, "通报"),
        "refer": lambda: service.refer(user, case_id, "110"),
    }
    if action == "wait":
        clock.advance(hours=hours)
        return
    calls[action]()


def cases_from_events(store, ids: list[int]) -> list[Case]:
    out = []
    for case_id in ids:
        stored = store.get_case(case_id)
        state = replay(store.events(case_id))
        values = {}
        for name, value in state.items():
            current = getattr(stored, name)
            if hasattr(current, "isoformat") or (current is None and name.endswith(("_at", "deadline", "until"))):
                from index.codec import parse_time

                value = parse_time(value)
            elif isinstance(current, tuple):
                value = tuple(value)
            values[name] = value
        out.append(Case(**{**stored.__dict__, **values}))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_sequences_keep_the_invariants(data):
    store = open_store("sqlite:///:memory:")
    store.upsert_units([Unit("gov-office", "县政府办公室", "coordinator"), Unit("hrss", "县人社局", "handler"),
                        Unit("housing", "县住建局", "handler"), Unit("propaganda", "县委宣传部", "responder"),
                        Unit("town-laolong", "老隆镇", "town")])
    clock = Clock(T0)
    service = CaseService(store, DeadlineProfile.load(), clock=clock)
    receive(store, 1)
    receive(store, 2)
    service.open_new_cases()
    ids = [c.id for c in store.all_cases()]
    for _ in range(data.draw(st.integers(1, 60), label="steps")):
        action = data.draw(st.sampled_from(WEIGHTED), label="action")
        which = data.draw(st.sampled_from([0, 0, 0, 0, 1]), label="case")
        proper = entitled(action, store.get_case(ids[which]))
        anyone = data.draw(st.sampled_from([False] * 5 + [True]), label="anyone")
        user = data.draw(st.sampled_from(PEOPLE), label="user") if anyone else proper
        unit = data.draw(st.sampled_from(["hrss", "housing"]), label="unit")
        satisfaction = data.draw(st.sampled_from(["满意", "基本满意", "不满意"]), label="satisfaction")
        hours = data.draw(st.integers(1, 72), label="hours")
        before = {i: store.get_case(i) for i in ids}
        events_before = {i: len(store.events(i)) for i in ids}
        try:
            run(service, clock, action, user, which, unit, satisfaction, hours, ids)
            ok = True
        except WorkflowError:
            ok = False
        event(f"{action} {'done' if ok else 'refused'}")
        for i in ids:
            after = store.get_case(i)
            new_events = store.events(i)[events_before[i]:]
            changed = after.version != before[i].version
            assert len(new_events) == (1 if changed else 0), (action, new_events)
            if not ok:
                assert not changed, f"a refused {action} changed case {i}"
            if before[i].status == "closed" and changed:
                assert new_events[0].action == "follow_up", f"{action} acted on a closed case"
            if after.deadline != before[i].deadline:
                assert new_events[0].action == "approve_extension", f"{action} moved a deadline"
            assert verify(store, i) == []
    now = clock()
    names = {u.id: u.name for u in store.units()}
    assert unit_figures(store.all_cases(), names, now) == unit_figures(cases_from_events(store, ids), names, now)
    store.close()
