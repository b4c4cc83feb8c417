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

from dashboard.texts import fmt_time, remaining_text, unit_name, units_text
from index.errors import NotFound, StorageError
from index.records import Case, User, now_cst
from workflow.cases import CaseService
from workflow.errors import Conflict, WorkflowError

log = logging.getLogger(__name__)

REASON_NEEDED = "改派须填写原因（例如：职责不符、属地调整），以便承办单位和领导了解改派依据。"
NOT_FOUND = "找不到该件，可能已被合并或删除，请刷新页面后重新选择。"
STORAGE_FAILED = "保存失败：数据库暂时无法写入，本次操作没有生效。请稍后重试；如反复出现，请联系系统管理员。"
REFRESH_HINT = "点击“刷新”查看最新状态后再操作。"


@dataclass(frozen=True)
class Outcome:
    """What happened when a person pressed a button: success or the reason it did not happen."""

    ok: bool
    message: str
    conflict: bool = False
    """Someone else changed the case first: the page offers a refresh."""


def run_action(action: Callable[[], Case], describe: Callable[[Case], str]) -> Outcome:
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


def assign(
    service: CaseService, user: User, case: Case, lead_unit: str, co_units: tuple[str, ...],
    reason: str, names: Mapping[str, str],
) -> Outcome:
    """交办 or 改派 ``case`` as the person saw it; changing an assigned case's lead unit needs a reason."""
    reason = reason.strip()
    reassign = case.status != "received" and lead_unit != case.lead_unit
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


def acknowledge(service: CaseService, user: User, case: Case) -> Outcome:
    """签收 the case as the person saw it."""
    return run_action(
        lambda: service.acknowledge(user, case.id, expected_version=case.version),
        lambda done: f"已签收。请于 {fmt_time(done.deadline)} 前答复（{remaining_text(done.deadline, now_cst())}）。",
    )


def reply(service: CaseService, user: User, case: Case, text: str) -> Outcome:
    """答复 the case as the person saw it; the service refuses an empty reply with its own reason."""
    return run_action(
        lambda: service.reply(user, case.id, text, expected_version=case.version),
        lambda done: "答复已提交，等待值班员审核办结。",
    )
