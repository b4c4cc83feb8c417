"""The case loop: open a case for each received item, assign, acknowledge, reply, close.

Every action goes through ``CaseService._apply``: permission check, state check, one atomic
update of the case together with its appended event, and a version check so that two people
acting on the same case at once cannot silently overwrite each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from index import codec
from index.errors import VersionConflict
from index.records import Case, CaseView, Classification, Event, Item, User, now_cst
from index.store import CaseFilter, RecordStore
from workflow.deadlines import DeadlineProfile
from workflow.errors import Conflict, IllegalTransition
from workflow.permissions import AWAITING_TRIAGE, require, visible_units

STATUSES: dict[str, str] = {
    "received": "待交办",
    "assigned": "待签收",
    "acknowledged": "办理中",
    "replied": "已答复",
    "closed": "已办结",
}
"""Case states in the order of the loop, with the Chinese name the board shows."""

OPEN_STATUSES = ("received", "assigned", "acknowledged")
"""States in which the deadline is still running."""

SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    hint: str
    """What the person should do instead when the action does not apply (Chinese)."""


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("assign", frozenset({"received", "assigned", "acknowledged"}), "assigned",
                   "已答复或已办结的件不能再交办。"),
        Transition("acknowledge", frozenset({"assigned"}), "acknowledged", "只有“待签收”的件可以签收。"),
        Transition("reply", frozenset({"acknowledged"}), "replied", "请先签收，再答复。"),
        Transition("close", frozenset({"replied"}), "closed", "只有已答复的件可以办结。"),
    )
}


class CaseService:
    """The coordination loop over a record store, a deadline profile and a clock."""

    def __init__(
        self, store: RecordStore, profile: DeadlineProfile, clock: Callable[[], datetime] = now_cst
    ) -> None:
        self.store = store
        self.profile = profile
        self.clock = clock

    # -- intake -------------------------------------------------------------------------------

    def open_case(self, item: Item, classification: Classification, received_at: datetime | None = None) -> Case:
        """Receive an item: a case with its deadline, assigned at once unless routing is unsure.

        Items the classifier is unsure about wait in the duty officer's triage queue
        (``received``) with the proposed unit; the deadline runs from receipt either way.
        """
        assert item.id is not None
        received = received_at or self.clock()
        deadline = self.profile.case_deadline(received, classification.kind, classification.urgency)
        lead = classification.lead_unit or self.triage_unit()
        auto_assign = not classification.needs_triage and bool(classification.lead_unit)
        ack = self.profile.ack_deadline(received)
        case = Case(
            id=0, item_id=item.id, status="assigned" if auto_assign else "received",
            lead_unit=lead, co_units=tuple(classification.co_units),
            urgency=classification.urgency, kind=classification.kind, received_at=received,
            deadline=deadline.at, ack_deadline=ack.at, assigned_at=received if auto_assign else None,
            deadline_note=deadline.note,
        )
        event = Event(
            case_id=0, actor=SYSTEM_ACTOR, action="open" if not auto_assign else "open_assign", at=received,
            after={"status": case.status, "lead_unit": case.lead_unit, "co_units": list(case.co_units),
                   "deadline": codec.iso(case.deadline), "deadline_rule": deadline.label},
            reason="；".join(classification.reasons[:3]),
        )
        return self.store.insert_case(case, event)

    def triage_unit(self) -> str:
        """Where an item with no proposed unit waits: the monitoring unit, else the coordinator."""
        units = self.store.units()
        for role in ("monitor", "coordinator"):
            for unit in units:
                if unit.role == role:
                    return unit.id
        if not units:
            raise IllegalTransition("no units loaded", "尚未导入本县单位名录，请先配置 units.yaml。")
        return units[0].id

    def open_new_cases(self, limit: int = 500) -> int:
        """Open cases for every classified item that has none yet; returns how many were opened."""
        opened = 0
        while True:
            batch = self.store.items_without_case(limit)
            if not batch:
                return opened
            for item, classification in batch:
                self.open_case(item, classification)
                opened += 1

    # -- actions ------------------------------------------------------------------------------

    def assign(self, user: User, case_id: int, lead_unit: str, co_units: tuple[str, ...] = (),
               expected_version: int | None = None, reason: str = "") -> Case:
        known = {u.id for u in self.store.units()}
        for unit in (lead_unit, *co_units):
            if unit not in known:
                raise IllegalTransition(f"unknown unit {unit!r}", f"单位“{unit}”不在本县单位名录中，请从列表中选择。")
        now = self.clock()
        ack = self.profile.ack_deadline(now)
        return self._apply(user, case_id, "assign", expected_version, reason, {
            "lead_unit": lead_unit, "co_units": tuple(u for u in co_units if u != lead_unit),
            "assigned_at": now, "ack_deadline": ack.at, "acknowledged_at": None,
        })

    def acknowledge(self, user: User, case_id: int, expected_version: int | None = None) -> Case:
        return self._apply(user, case_id, "acknowledge", expected_version, "", {"acknowledged_at": self.clock()})

    def reply(self, user: User, case_id: int, text: str, expected_version: int | None = None) -> Case:
        text = text.strip()
        if not text:
            raise IllegalTransition("a reply needs text", "答复内容不能为空，请填写答复意见。")
        return self._apply(user, case_id, "reply", expected_version, "", {"replied_at": self.clock(), "reply_text": text})

    def close(self, user: User, case_id: int, expected_version: int | None = None, reason: str = "") -> Case:
        return self._apply(user, case_id, "close", expected_version, reason, {"closed_at": self.clock()})

    def _apply(self, user: User, case_id: int, action: str, expected_version: int | None,
               reason: str, changes: dict[str, Any]) -> Case:
        case = self.store.get_case(case_id)
        require(user, action, case)
        if expected_version is not None and expected_version != case.version:
            # The person acted on what they saw; if it has changed since, say so first.
            raise Conflict(
                f"case {case_id} is at version {case.version}, not {expected_version}",
                "该件刚被其他人修改过，请刷新页面查看最新状态后再操作。",
            )
        transition = TRANSITIONS[action]
        if case.status not in transition.sources:
            raise IllegalTransition(
                f"cannot {action} case {case_id} in state {case.status}",
                f"该件当前状态为“{STATUSES[case.status]}”，不能执行此操作。{transition.hint}",
            )
        version = case.version if expected_version is None else expected_version
        changes = {**changes, "status": transition.target}
        before = {k: _plain(getattr(case, k)) for k in changes}
        event = Event(case_id=case_id, actor=user.username, action=action, at=self.clock(),
                      before=before, after={k: _plain(v) for k, v in changes.items()}, reason=reason)
        try:
            return self.store.update_case(case_id, version, changes, event)
        except VersionConflict as exc:
            raise Conflict(str(exc), "该件刚被其他人修改过，请刷新页面查看最新状态后再操作。") from exc

    # -- reading ------------------------------------------------------------------------------

    def view(self, user: User, case_id: int) -> CaseView:
        case = self.store.get_case(case_id)
        require(user, "view", case)
        return CaseView(case=case, item=self.store.get_item(case.item_id),
                        classification=self.store.get_classification(case.item_id))

    def timeline(self, user: User, case_id: int) -> list[Event]:
        require(user, "view", self.store.get_case(case_id))
        return self.store.events(case_id)

    def list_for(self, user: User, flt: CaseFilter) -> list[CaseView]:
        """Cases this user may see, narrowed by the filter; unit users see only their unit's."""
        units = visible_units(user)
        if units is not None:
            wanted = tuple(u for u in flt.units if u in units) if flt.units else units
            statuses = tuple(s for s in (flt.statuses or tuple(STATUSES)) if s not in AWAITING_TRIAGE)
            flt = CaseFilter(**{**flt.__dict__, "units": wanted or ("__none__",), "statuses": statuses})
        return self.store.list_cases(flt)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return codec.iso(value)
    if isinstance(value, tuple):
        return list(value)
    return value
