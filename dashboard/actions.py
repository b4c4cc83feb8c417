"""The board's buttons, as plain functions: call the case service, answer in Chinese.

Every action passes the case version the person *saw* (``seen_version``), so that when someone
else changed the case in between, the service refuses with ``Conflict`` instead of overwriting
their work; the answer then tells the person to refresh. Nothing here touches Streamlit, so
the same functions are tested directly and reused by every page that offers the action.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from dashboard.texts import fmt_time, remaining_text, unit_name, units_text
from index.errors import NotFound, StorageError
from index.records import Case, User, now_cst
from workflow.cases import CaseService
from workflow.errors import Conflict, WorkflowError
from workflow.states import EMERGENCY_LINES

log = logging.getLogger(__name__)

REASON_NEEDED = "改派须填写原因（例如：职责不符、属地调整），以便承办单位和领导了解改派依据。"
NOT_FOUND = "找不到该件，可能已被合并或删除，请刷新页面后重新选择。"
STORAGE_FAILED = "保存失败：数据库暂时无法写入，本次操作没有生效。请稍后重试；如反复出现，请联系系统管理员。"
REFRESH_HINT = "点击“刷新”查看最新状态后再操作。"
TAKEN_REASON = "值班员已接手特急件，请立即签收处置。"

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """What happened when a person pressed a button: success or the reason it did not happen."""

    ok: bool
    message: str
    conflict: bool = False
    """Someone else changed the case first: the page offers a refresh."""


def run_action(action: Callable[[], T], describe: Callable[[T], str]) -> Outcome:
    """Run one case action; every refusal comes back as its Chinese reason, nothing is swallowed.

    Storage failures are logged with their traceback for the operator and reported to the
    person as not saved, so no one believes a failed action went through.
    """
    try:
        case = action()
    except Conflict as exc:
        return Outcome(False, exc.zh, conflict=True)
    except WorkflowError as exc:
        return Outcome(False, exc.zh)
    except NotFound:
        return Outcome(False, NOT_FOUND)
    except StorageError:
        log.exception("case action failed in storage")
        return Outcome(False, STORAGE_FAILED)
    return Outcome(True, describe(case))


def _need(text: str, message: str) -> Outcome | None:
    return None if text.strip() else Outcome(False, message)


# -- the duty desk ------------------------------------------------------------------------------


def assign(
    service: CaseService, user: User, case: Case, lead_unit: str, co_units: tuple[str, ...],
    reason: str, names: Mapping[str, str],
) -> Outcome:
    """交办 or 改派 ``case`` as the person saw it; changing an assigned case's lead unit needs a reason."""
    reason = reason.strip()
    reassign = case.status not in ("received", "returned") and lead_unit != case.lead_unit
    if reassign and not reason:
        return Outcome(False, REASON_NEEDED)
    verb = "改派" if reassign else "交办"

    def describe(done: Case) -> str:
        co = f"（协办：{units_text(done.co_units, names)}）" if done.co_units else ""
        return f"已{verb}给 {unit_name(done.lead_unit, names)}{co}，请该单位于 {fmt_time(done.ack_deadline)} 前签收。"

    return run_action(
        lambda: service.assign(user, case.id, lead_unit, co_units, expected_version=case.version, reason=reason),
        describe,
    )


def take_urgent(service: CaseService, user: User, case: Case, names: Mapping[str, str]) -> Outcome:
    """接手特急件, which ends the alert: a case waiting at the desk is assigned to the proposed unit;
    a case the system already assigned gets a person's 催办 (its clock is not restarted)."""
    if case.status == "assigned":
        return run_action(
            lambda: service.remind(user, case.id, expected_version=case.version, reason=TAKEN_REASON),
            lambda done: f"已接手，并催促 {unit_name(done.lead_unit, names)} 立即签收处置。")
    return assign(service, user, case, case.lead_unit, case.co_units, "值班员接手特急件", names)


def review(service: CaseService, user: User, case: Case) -> Outcome:
    """审核通过 a replied case."""
    return run_action(lambda: service.review(user, case.id, expected_version=case.version),
                      lambda done: "已审核通过。确认无误后请点击“办结”。")


def send_back(service: CaseService, user: User, case: Case, reason: str) -> Outcome:
    """审核退回: the unit works on the reply again."""
    if refused := _need(reason, "请填写审核退回的原因，告诉承办单位需要补充什么。"):
        return refused
    return run_action(lambda: service.send_back(user, case.id, reason, expected_version=case.version),
                      lambda done: "已审核退回，该件回到承办单位重新办理。")


def close(service: CaseService, user: User, case: Case) -> Outcome:
    """办结 a reviewed case."""
    return run_action(lambda: service.close(user, case.id, expected_version=case.version),
                      lambda done: "已办结。请在回访后记录群众满意度。")


def follow_up(service: CaseService, user: User, case: Case, satisfaction: str, note: str = "") -> Outcome:
    """回访: 不满意 sends the case back to the unit for 重办."""
    def describe(done: Case) -> str:
        if satisfaction == "不满意":
            return "已记录回访结果：不满意。该件已退回承办单位重办。"
        return f"已记录回访结果：{satisfaction}。"

    return run_action(
        lambda: service.follow_up(user, case.id, satisfaction, expected_version=case.version, reason=note), describe)


def approve_extension(service: CaseService, user: User, case: Case) -> Outcome:
    return run_action(lambda: service.approve_extension(user, case.id, expected_version=case.version),
                      lambda done: f"已批准延期，办理期限改为 {fmt_time(done.deadline)}。")


def refuse_extension(service: CaseService, user: User, case: Case, reason: str) -> Outcome:
    if refused := _need(reason, "请填写不予延期的理由。"):
        return refused
    return run_action(lambda: service.refuse_extension(user, case.id, reason, expected_version=case.version),
                      lambda done: f"已不予延期，仍按原期限 {fmt_time(done.deadline)} 办理。")


def remind(service: CaseService, user: User, case: Case, note: str) -> Outcome:
    """催办 by a person (the system also reminds at 50 % and 75 % of the time)."""
    return run_action(lambda: service.remind(user, case.id, expected_version=case.version, reason=note.strip()),
                      lambda done: "已催办，承办单位会收到提醒。")


def supervise(service: CaseService, user: User, case: Case, reason: str) -> Outcome:
    if refused := _need(reason, "请填写督办意见。"):
        return refused
    return run_action(lambda: service.supervise(user, case.id, reason, expected_version=case.version),
                      lambda done: f"已督办（第 {done.supervised} 次）。")


def merge(service: CaseService, user: User, case: Case, into_id: int | None, reason: str) -> Outcome:
    """并单: ``case`` (a duplicate) goes into ``into_id``, which goes on with a higher merged count."""
    if not into_id:
        return Outcome(False, "请选择或输入要并入的主件编号。")

    def describe(done: list[Case]) -> str:
        target = done[-1]
        return f"已将 #{case.id} 并入 #{target.id}（#{target.id} 累计并单 {target.merged_count} 件）。"

    return run_action(
        lambda: service.merge(user, case.id, int(into_id), expected_version=case.version, reason=reason.strip()),
        describe)


def refer(service: CaseService, user: User, case: Case, line: str, reason: str) -> Outcome:
    """转警情: to 110/119/120/122 at once; the case stays open and becomes 特急."""
    return run_action(
        lambda: service.refer(user, case.id, line, expected_version=case.version, reason=reason.strip()),
        lambda done: f"已转 {line}（{EMERGENCY_LINES.get(line, line)}），紧急程度已设为特急；请继续跟踪处置情况。")


def reclassify(service: CaseService, user: User, case: Case, domain: str, urgency: str, reason: str) -> Outcome:
    """更正分类: the correction is recorded as a label for retraining the model."""
    return run_action(
        lambda: service.reclassify(user, case.id, domain=domain, urgency=urgency, expected_version=case.version,
                                   reason=reason.strip()),
        lambda done: "已更正分类，并记录为模型训练样本。")


# -- the handling unit --------------------------------------------------------------------------


def acknowledge(service: CaseService, user: User, case: Case) -> Outcome:
    """签收 the case as the person saw it (a co-handling unit signs for its own part)."""
    co = bool(user.unit_id) and user.unit_id != case.lead_unit and user.unit_id in case.co_units

    def describe(done: Case) -> str:
        if co:
            return "已签收本单位的协办部分。请在期限前把协办意见提交给主办单位。"
        return f"已签收。请于 {fmt_time(done.deadline)} 前答复（{remaining_text(done.deadline, now_cst())}）。"

    return run_action(lambda: service.acknowledge(user, case.id, expected_version=case.version), describe)


def reply(service: CaseService, user: User, case: Case, text: str) -> Outcome:
    """答复: a handler's reply waits for the leader's 审签; a leader's is signed at once; a
    co-handling unit's goes to the lead unit. The service refuses an empty reply with its reason."""
    co = bool(user.unit_id) and user.unit_id != case.lead_unit and user.unit_id in case.co_units

    def describe(done: Case) -> str:
        if co:
            return "协办意见已提交给主办单位。"
        if done.status == "reply_pending":
            return "答复已提交，等待本单位负责人审签。"
        return "答复已签发，等待值班员审核办结。"

    return run_action(lambda: service.reply(user, case.id, text, expected_version=case.version), describe)


def sign_off(service: CaseService, user: User, case: Case, text: str = "") -> Outcome:
    """审签: the unit leader approves the draft (as edited) and the reply is given."""
    return run_action(lambda: service.sign_off(user, case.id, expected_version=case.version, text=text),
                      lambda done: "已审签，答复已发出，等待值班员审核办结。")


def reject_draft(service: CaseService, user: User, case: Case, reason: str) -> Outcome:
    if refused := _need(reason, "请填写退回修改的意见。"):
        return refused
    return run_action(lambda: service.reject_draft(user, case.id, reason, expected_version=case.version),
                      lambda done: "已退回经办人修改。")


def progress(service: CaseService, user: User, case: Case, note: str) -> Outcome:
    return run_action(lambda: service.progress(user, case.id, note, expected_version=case.version),
                      lambda done: "已记录办理进展。")


def request_extension(service: CaseService, user: User, case: Case, until: datetime | None, reason: str) -> Outcome:
    """延期申请: before the deadline, with a new date and reasons; the clock moves only on approval."""
    if until is None:
        return Outcome(False, "请选择申请延至的日期。")
    return run_action(
        lambda: service.request_extension(user, case.id, until, reason, expected_version=case.version),
        lambda done: f"延期申请已提交（申请延至 {fmt_time(until)}），等待值班员审批；批准前仍按原期限计算。")


def return_case(service: CaseService, user: User, case: Case, reason: str) -> Outcome:
    """退单: not this unit's matter, with the reason and basis."""
    return run_action(lambda: service.return_case(user, case.id, reason, expected_version=case.version),
                      lambda done: "已退单，该件退回值班员改派。")


def publish(service: CaseService, user: User, case: Case, text: str) -> Outcome:
    """回应发布 by the propaganda department."""
    return run_action(lambda: service.publish(user, case.id, text, expected_version=case.version),
                      lambda done: "回应已发布，并记入该件办理记录。")
