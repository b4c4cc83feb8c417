"""The case loop: every action a person (or the system) takes on a case.

Every action goes through ``CaseService._apply``: permission check, a version check against what
the person saw, a state check, then one atomic change of the case together with its appended
event. Nothing edits history: the event log is the audit trail, and ``workflow.audit`` can
recompute the case's figures from it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from index.errors import VersionConflict
from index.records import Case, CaseView, Classification, Event, Item, User, now_cst
from index.store import CaseFilter, CaseUpdate, RecordStore
from workflow.audit import plain, snapshot
from workflow.deadlines import DeadlineProfile
from workflow.errors import Conflict, IllegalTransition
from workflow.permissions import AWAITING_TRIAGE, require, visible_units
from workflow.states import ACTIONS, ALLOWED, EMERGENCY_LINES, HINTS, OPEN_STATUSES, SATISFACTION, STATUSES

__all__ = ["CaseService", "STATUSES", "OPEN_STATUSES", "SYSTEM_ACTOR"]

SYSTEM_ACTOR = "system"
URGENCY_ORDER = ("一般", "紧急", "特急")


@dataclass
class Step:
    """What an action changes: case fields, one unit's part, and what the event says."""

    changes: dict[str, Any] = field(default_factory=dict)
    unit_changes: dict[str, dict[str, Any]] | None = None
    reason: str = ""
    note: dict[str, Any] = field(default_factory=dict)
    """Extra facts for the event that are not case fields (e.g. which unit acknowledged)."""


class CaseService:
    """The coordination loop over a record store, a deadline profile and a clock."""

    def __init__(
        self, store: RecordStore, profile: DeadlineProfile, clock: Callable[[], datetime] = now_cst,
        merge_escalation: int = 3,
    ) -> None:
        self.store = store
        self.profile = profile
        self.clock = clock
        self.merge_escalation = merge_escalation
        """How many merged duplicates raise a routine case to 紧急 (并单 raises priority)."""

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
        case = Case(
            id=0, item_id=item.id, status="assigned" if auto_assign else "received",
            lead_unit=lead, co_units=tuple(u for u in classification.co_units if u != lead),
            urgency=classification.urgency, kind=classification.kind, received_at=received,
            deadline=deadline.at, original_deadline=deadline.at, ack_deadline=self.profile.ack_deadline(received).at,
            assigned_at=received if auto_assign else None, deadline_note=deadline.note,
        )
        event = Event(
            case_id=0, actor=SYSTEM_ACTOR, action="open_assign" if auto_assign else "open", at=received,
            after={**snapshot(case), "deadline_rule": deadline.label},
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
        while batch := self.store.items_without_case(limit):
            for item, classification in batch:
                self.open_case(item, classification)
                opened += 1
        return opened

    # -- the duty desk ------------------------------------------------------------------------

    def assign(self, user: User, case_id: int, lead_unit: str, co_units: tuple[str, ...] = (),
               expected_version: int | None = None, reason: str = "") -> Case:
        """交办, or 改派 when the case was already with a unit (a reason is then required)."""
        case = self.store.get_case(case_id)
        require(user, "assign", case)
        self._check_version(case, expected_version)
        self._check_state(case, "assign")
        self._check_units((lead_unit, *co_units))
        if case.status not in ("received", "returned") and lead_unit != case.lead_unit and not reason.strip():
            raise IllegalTransition("re-routing needs a reason", "改派需要填写原因，请说明为何改由其他单位办理。")
        now = self.clock()
        return self._apply(user, case_id, "assign", expected_version, Step(changes={
            "status": "assigned", "lead_unit": lead_unit, "co_units": tuple(u for u in co_units if u != lead_unit),
            "assigned_at": now, "ack_deadline": self.profile.ack_deadline(now).at, "acknowledged_at": None,
        }, reason=reason))

    def review(self, user: User, case_id: int, expected_version: int | None = None, reason: str = "") -> Case:
        return self._apply(user, case_id, "review", expected_version,
                           Step(changes={"status": "reviewed", "reviewed_at": self.clock()}, reason=reason))

    def send_back(self, user: User, case_id: int, reason: str, expected_version: int | None = None) -> Case:
        """审核退回: the reply is not good enough; the unit works on it again."""
        self._ready(user, case_id, "send_back", expected_version)
        _need(reason, "请填写审核退回的原因，告诉承办单位需要补充什么。")
        return self._apply(user, case_id, "send_back", expected_version,
                           Step(changes={"status": "in_progress", "replied_at": None}, reason=reason))

    def close(self, user: User, case_id: int, expected_version: int | None = None, reason: str = "") -> Case:
        return self._apply(user, case_id, "close", expected_version,
                           Step(changes={"status": "closed", "closed_at": self.clock()}, reason=reason))

    def follow_up(self, user: User, case_id: int, satisfaction: str, expected_version: int | None = None,
                  reason: str = "") -> Case:
        """回访: 满意/基本满意 keeps the case closed; 不满意 reopens it for 重办 by the same unit."""
        case = self._ready(user, case_id, "follow_up", expected_version)
        if satisfaction not in SATISFACTION:
            raise IllegalTransition(f"unknown satisfaction {satisfaction!r}", f"回访结果请选择：{'、'.join(SATISFACTION)}。")
        changes: dict[str, Any] = {"satisfaction": satisfaction}
        if satisfaction == "不满意":
            changes.update(status="in_progress", closed_at=None, reviewed_at=None, replied_at=None,
                           redo_count=case.redo_count + 1)
        return self._apply(user, case_id, "follow_up", expected_version, Step(changes=changes, reason=reason))

    def approve_extension(self, user: User, case_id: int, expected_version: int | None = None, reason: str = "") -> Case:
        """批准延期: the only way a deadline moves; the original stays in ``original_deadline``."""
        case = self._ready(user, case_id, "approve_extension", expected_version)
        if case.extension_requested_until is None:
            raise IllegalTransition("no extension requested", "该件没有待审批的延期申请。")
        return self._apply(user, case_id, "approve_extension", expected_version, Step(changes={
            "deadline": case.extension_requested_until, "extension_requested_until": None,
            "extension_count": case.extension_count + 1,
        }, reason=reason))

    def refuse_extension(self, user: User, case_id: int, reason: str, expected_version: int | None = None) -> Case:
        case = self._ready(user, case_id, "refuse_extension", expected_version)
        if case.extension_requested_until is None:
            raise IllegalTransition("no extension requested", "该件没有待审批的延期申请。")
        _need(reason, "请填写不予延期的理由。")
        return self._apply(user, case_id, "refuse_extension", expected_version,
                           Step(changes={"extension_requested_until": None}, reason=reason))

    def remind(self, user: User, case_id: int, expected_version: int | None = None, reason: str = "",
               level: float | None = None) -> Case:
        """催办: a reminder to the unit (from a person, or the system at 50%/75%/breach)."""
        changes: dict[str, Any] = {}
        if level is not None:
            changes["reminder_level"] = level
        return self._apply(user, case_id, "remind", expected_version, Step(changes=changes, reason=reason,
                                                                          note={"level": level}))

    def supervise(self, user: User, case_id: int, reason: str, expected_version: int | None = None) -> Case:
        """督办: formal supervision; each notice raises the supervision level shown to leaders."""
        case = self._ready(user, case_id, "supervise", expected_version)
        _need(reason, "请填写督办意见。")
        return self._apply(user, case_id, "supervise", expected_version,
                           Step(changes={"supervised": case.supervised + 1}, reason=reason))

    def refer(self, user: User, case_id: int, line: str, expected_version: int | None = None, reason: str = "") -> Case:
        """转警情: an emergency goes at once to 110/119/120/122; the case stays open for follow-up."""
        case = self._ready(user, case_id, "refer", expected_version)
        if line not in EMERGENCY_LINES:
            raise IllegalTransition(f"unknown emergency line {line!r}", f"请选择转接的警情热线：{'、'.join(EMERGENCY_LINES)}。")
        lines = [x for x in case.referred_to.split(",") if x]
        return self._apply(user, case_id, "refer", expected_version, Step(changes={
            "referred_to": ",".join(dict.fromkeys([*lines, line])), "urgency": "特急",
        }, reason=reason or f"已转{line}（{EMERGENCY_LINES[line]}）"))

    def reclassify(self, user: User, case_id: int, domain: str = "", urgency: str = "",
                   expected_version: int | None = None, reason: str = "") -> Case:
        """更正分类: the duty officer corrects the domain or urgency. The correction is an event
        (before/after), which is how the model learns from officers (``huiying nlp retrain``).
        Urgency changes the alerting, not the deadline: only an approved extension moves that."""
        case = self._ready(user, case_id, "reclassify", expected_version)
        if urgency and urgency not in URGENCY_ORDER:
            raise IllegalTransition(f"unknown urgency {urgency!r}", "紧急程度请选择：特急、紧急或一般。")
        classification = self.store.get_classification(case.item_id)
        old_domain = classification.domain if classification else ""
        if not (domain and domain != old_domain) and not (urgency and urgency != case.urgency):
            raise IllegalTransition("nothing to correct", "分类没有变化，无需更正。")
        changes: dict[str, Any] = {}
        note: dict[str, Any] = {}
        if urgency and urgency != case.urgency:
            changes["urgency"] = urgency
        if domain and domain != old_domain:
            note = {"domain": domain, "domain_before": old_domain}
        updated = self._apply(user, case_id, "reclassify", expected_version,
                              Step(changes=changes, reason=reason, note=note))
        if classification is not None and note:
            # What the board shows follows the correction; the event keeps what it was.
            self.store.save_classification(dataclasses.replace(
                classification, domain=domain, urgency=updated.urgency, needs_triage=False,
                confidences={**classification.confidences, "domain": 1.0},
                reasons=(f"值班员 {user.display_name or user.username} 更正为“{domain}”", *classification.reasons)))
        return updated

    def merge(self, user: User, case_id: int, into_case_id: int, expected_version: int | None = None,
              reason: str = "") -> list[Case]:
        """并单: a duplicate is merged into the case that goes on; the merged count raises priority."""
        if case_id == into_case_id:
            raise IllegalTransition("cannot merge a case into itself", "不能把一件并入它自己。")
        dup = self.store.get_case(case_id)
        target = self.store.get_case(into_case_id)
        require(user, "merge", dup)
        require(user, "merge", target)
        self._check_version(dup, expected_version)
        for case in (dup, target):
            self._check_state(case, "merge")
        count = target.merged_count + 1 + dup.merged_count
        target_changes: dict[str, Any] = {"merged_count": count}
        if count >= self.merge_escalation and target.urgency == "一般":
            target_changes["urgency"] = "紧急"
        now = self.clock()
        updates = [
            CaseUpdate(dup.id, dup.version, {"status": "merged", "merged_into": target.id},
                       self._event(user, dup, "merge", {"status": "merged", "merged_into": target.id}, reason, now)),
            CaseUpdate(target.id, target.version, target_changes,
                       self._event(user, target, "merge", target_changes, reason, now, note={"merged_case": dup.id})),
        ]
        try:
            return self.store.update_cases(updates)
        except VersionConflict as exc:
            raise Conflict(str(exc), "该件刚被其他人修改过，请刷新页面查看最新状态后再操作。") from exc

    # -- the handling unit --------------------------------------------------------------------

    def acknowledge(self, user: User, case_id: int, expected_version: int | None = None) -> Case:
        """签收 by the lead unit (the case moves on) or by a co-handling unit (its own part)."""
        case = self._ready(user, case_id, "acknowledge", expected_version)
        now = self.clock()
        if user.unit_id and user.unit_id != case.lead_unit and user.unit_id in case.co_units:
            return self._apply(user, case_id, "acknowledge", expected_version, Step(
                unit_changes={user.unit_id: {"acknowledged_at": now}}, note={"unit": user.unit_id, "co": True}))
        if case.status != "assigned":
            raise IllegalTransition(f"case {case_id} is {case.status}", "该件已经签收过了，无需重复签收。")
        return self._apply(user, case_id, "acknowledge", expected_version, Step(
            changes={"status": "acknowledged", "acknowledged_at": now},
            unit_changes={case.lead_unit: {"acknowledged_at": now}}, note={"unit": case.lead_unit}))

    def return_case(self, user: User, case_id: int, reason: str, expected_version: int | None = None) -> Case:
        """退单: "not ours", with the reason and basis, within the return window after assignment."""
        case = self._ready(user, case_id, "return", expected_version)
        _need(reason, "退单必须写明理由和依据（例如职责文件），以便值班员改派。")
        now = self.clock()
        if case.assigned_at is not None and now > self.profile.return_deadline(case.assigned_at).at:
            raise IllegalTransition(
                "the return window has passed",
                f"退单须在交办后 {self.profile.return_window.label} 内提出，已超过期限；如确非本单位职责，请联系值班员协调。",
            )
        return self._apply(user, case_id, "return", expected_version, Step(changes={
            "status": "returned", "returned_at": now, "return_reason": reason.strip(),
            "return_count": case.return_count + 1,
        }, reason=reason))

    def progress(self, user: User, case_id: int, note: str, expected_version: int | None = None) -> Case:
        self._ready(user, case_id, "progress", expected_version)
        _need(note, "请填写办理进展。")
        return self._apply(user, case_id, "progress", expected_version,
                           Step(changes={"status": "in_progress"}, reason=note))

    def reply(self, user: User, case_id: int, text: str, expected_version: int | None = None) -> Case:
        """答复: the lead unit's handler drafts, its leader signs off (a leader's reply is signed at
        once); a co-handling unit's reply goes to the lead unit as input."""
        case = self._ready(user, case_id, "reply", expected_version)
        text = text.strip()
        _need(text, "答复内容不能为空，请填写答复意见。")
        now = self.clock()
        if user.unit_id and user.unit_id != case.lead_unit and user.unit_id in case.co_units:
            return self._apply(user, case_id, "reply", expected_version, Step(
                unit_changes={user.unit_id: {"replied_at": now, "reply_text": text}},
                note={"unit": user.unit_id, "co": True, "text": text}))
        if user.role == "unit_leader":
            return self._apply(user, case_id, "reply", expected_version, Step(
                changes={"status": "replied", "replied_at": now, "reply_text": text, "reply_draft": ""},
                unit_changes={case.lead_unit: {"replied_at": now, "reply_text": text}}, note={"signed": True}))
        return self._apply(user, case_id, "reply", expected_version,
                           Step(changes={"status": "reply_pending", "reply_draft": text}, note={"signed": False}))

    def sign_off(self, user: User, case_id: int, expected_version: int | None = None, text: str = "") -> Case:
        """审签: the unit's leader approves the draft (optionally edited); the reply is then given."""
        case = self._ready(user, case_id, "sign_off", expected_version)
        final = (text or case.reply_draft).strip()
        _need(final, "答复内容不能为空。")
        now = self.clock()
        return self._apply(user, case_id, "sign_off", expected_version, Step(
            changes={"status": "replied", "replied_at": now, "reply_text": final, "reply_draft": ""},
            unit_changes={case.lead_unit: {"replied_at": now, "reply_text": final}}))

    def reject_draft(self, user: User, case_id: int, reason: str, expected_version: int | None = None) -> Case:
        self._ready(user, case_id, "reject_draft", expected_version)
        _need(reason, "请填写退回修改的意见。")
        return self._apply(user, case_id, "reject_draft", expected_version,
                           Step(changes={"status": "in_progress"}, reason=reason))

    def request_extension(self, user: User, case_id: int, until: datetime, reason: str,
                          expected_version: int | None = None) -> Case:
        """延期申请: before the deadline, with reasons and a new date; the clock moves only on approval."""
        case = self._ready(user, case_id, "request_extension", expected_version)
        _need(reason, "申请延期必须写明理由。")
        now = self.clock()
        if now > case.deadline:
            raise IllegalTransition("the deadline has passed", "已超过办理期限，不能再申请延期；请尽快答复并说明情况。")
        if until <= case.deadline:
            raise IllegalTransition("the new date is not later", "申请的新期限必须晚于当前期限。")
        if case.extension_requested_until is not None:
            raise IllegalTransition("an extension is already pending", "已有一份延期申请在等待审批，请勿重复申请。")
        return self._apply(user, case_id, "request_extension", expected_version, Step(
            changes={"extension_requested_until": until, "extension_reason": reason.strip()}, reason=reason))

    def publish(self, user: User, case_id: int, text: str, expected_version: int | None = None) -> Case:
        """回应发布 by the propaganda department, with the facts from the handling unit."""
        self._ready(user, case_id, "publish", expected_version)
        _need(text, "请填写对外发布的回应内容。")
        return self._apply(user, case_id, "publish", expected_version, Step(
            changes={"public_response": text.strip(), "public_response_at": self.clock()}))

    # -- machinery ----------------------------------------------------------------------------

    def _ready(self, user: User, case_id: int, action: str, expected_version: int | None) -> Case:
        """The checks every action makes first, in the order a person needs the answers: may I,
        is it still what I saw, does it apply now. Input checks come after these."""
        case = self.store.get_case(case_id)
        require(user, action, case, self._unit_role(user))
        self._check_version(case, expected_version)
        self._check_state(case, action)
        return case

    def _unit_role(self, user: User) -> str:
        if not user.unit_id:
            return ""
        return next((u.role for u in self.store.units() if u.id == user.unit_id), "")

    def _check_units(self, units: tuple[str, ...]) -> None:
        known = {u.id for u in self.store.units()}
        for unit in units:
            if unit not in known:
                raise IllegalTransition(f"unknown unit {unit!r}", f"单位“{unit}”不在本县单位名录中，请从列表中选择。")

    @staticmethod
    def _check_version(case: Case, expected_version: int | None) -> None:
        if expected_version is not None and expected_version != case.version:
            # The person acted on what they saw; if it has changed since, say so first.
            raise Conflict(
                f"case {case.id} is at version {case.version}, not {expected_version}",
                "该件刚被其他人修改过，请刷新页面查看最新状态后再操作。",
            )

    @staticmethod
    def _check_state(case: Case, action: str) -> None:
        if case.status not in ALLOWED[action]:
            raise IllegalTransition(
                f"cannot {action} case {case.id} in state {case.status}",
                f"该件当前状态为“{STATUSES[case.status]}”，不能{ACTIONS[action]}。{HINTS[action]}",
            )

    def _event(self, user: User, case: Case, action: str, changes: dict[str, Any], reason: str, at: datetime,
               note: dict[str, Any] | None = None) -> Event:
        before = {k: plain(getattr(case, k)) for k in changes}
        after = {k: plain(v) for k, v in changes.items()}
        after.update({k: v for k, v in (note or {}).items() if v is not None})
        return Event(case_id=case.id, actor=user.username, action=action, at=at, before=before, after=after,
                     reason=reason.strip())

    def _apply(self, user: User, case_id: int, action: str, expected_version: int | None, step: Step) -> Case:
        case = self.store.get_case(case_id)
        require(user, action, case, self._unit_role(user))
        self._check_version(case, expected_version)
        self._check_state(case, action)
        if step.changes.get("deadline") not in (None, case.deadline) and action != "approve_extension":
            raise AssertionError("only an approved extension moves a deadline")
        event = self._event(user, case, action, step.changes, step.reason, self.clock(), step.note)
        try:
            return self.store.update_case(case_id, case.version, step.changes, event, step.unit_changes)
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


def _need(text: str, zh: str) -> None:
    if not text or not text.strip():
        raise IllegalTransition("a required text is empty", zh)
