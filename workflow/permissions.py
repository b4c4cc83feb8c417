"""Who may do what to which case, enforced here so that every caller (board, command line,
scripts) gets the same answer. Every refusal says why, in Chinese, for the person at the board.

Two questions decide: may this *role* take the action at all, and is the case *this unit's*
(lead unit, or a co-handling unit where the action allows it). A unit never sees a case that is
still waiting at the duty desk.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.records import Case, User
from workflow.errors import PermissionDenied
from workflow.states import ACTIONS

ROLES: dict[str, str] = {
    "admin": "系统管理员",
    "coordinator": "值班员（舆情协调）",
    "unit_handler": "承办单位经办人",
    "unit_leader": "承办单位负责人",
    "leader": "县领导",
}
"""Every role and its Chinese name."""

COUNTY_WIDE_READ = frozenset({"admin", "coordinator", "leader"})
COUNTY_DESK = frozenset({"admin", "coordinator"})
UNIT_ROLES = frozenset({"unit_handler", "unit_leader"})

ACTION_ROLES: dict[str, frozenset[str]] = {
    "view": COUNTY_WIDE_READ | UNIT_ROLES,
    "assign": COUNTY_DESK,
    "acknowledge": UNIT_ROLES,
    "return": UNIT_ROLES,
    "progress": UNIT_ROLES,
    "reply": UNIT_ROLES,
    "sign_off": frozenset({"unit_leader"}),
    "reject_draft": frozenset({"unit_leader"}),
    "review": COUNTY_DESK,
    "send_back": COUNTY_DESK,
    "close": COUNTY_DESK,
    "follow_up": COUNTY_DESK,
    "request_extension": UNIT_ROLES,
    "approve_extension": COUNTY_DESK,
    "refuse_extension": COUNTY_DESK,
    "remind": COUNTY_DESK,
    "supervise": COUNTY_DESK,
    "merge": COUNTY_DESK,
    "publish": UNIT_ROLES,
    "refer": COUNTY_DESK,
    "reclassify": COUNTY_DESK,
}
"""Which roles may take each action at all."""

LEAD_ONLY = frozenset({"return", "progress", "sign_off", "reject_draft", "request_extension"})
"""Unit actions only the lead unit takes; a co-handling unit acknowledges and contributes a reply."""

RESPONDER_ONLY = frozenset({"publish"})
"""Actions only the unit that publishes public responses (宣传部, role ``responder``) takes."""

AWAITING_TRIAGE = frozenset({"received"})
"""A case not yet assigned belongs to the duty desk; the proposed unit does not see it yet."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def involved_units(case: Case) -> set[str]:
    return {case.lead_unit, *case.co_units}


def decide(user: User, action: str, case: Case | None = None, unit_role: str = "") -> Decision:
    """Whether ``user`` may take ``action`` on ``case``, and if not, why (in Chinese).

    ``unit_role`` is the role of the user's unit in the county file (``responder`` for the
    propaganda department), needed for actions reserved to one kind of unit.
    """
    if not user.active:
        return Decision(False, "该账号已停用，请联系系统管理员。")
    roles = ACTION_ROLES.get(action)
    if roles is None:
        return Decision(False, f"未知操作“{action}”。")
    action_zh = ACTIONS.get(action, action)
    if user.role not in roles:
        return Decision(False, f"您的角色（{ROLES.get(user.role, user.role)}）不能执行“{action_zh}”操作。")
    if user.role in UNIT_ROLES:
        if not user.unit_id:
            return Decision(False, "您的账号没有所属单位，请联系系统管理员设置。")
        if action in RESPONDER_ONLY and unit_role != "responder":
            return Decision(False, f"“{action_zh}”由宣传部门负责，其他单位请向宣传部门提供事实材料。")
        if case is not None:
            if user.unit_id not in involved_units(case) or case.status in AWAITING_TRIAGE:
                return Decision(False, "该件未交办给您所在的单位，您无权查看或办理。")
            if action in LEAD_ONLY and case.lead_unit != user.unit_id:
                return Decision(False, f"该件的主办单位不是您所在的单位，不能“{action_zh}”。")
    return Decision(True)


def require(user: User, action: str, case: Case | None = None, unit_role: str = "") -> None:
    decision = decide(user, action, case, unit_role)
    if not decision.allowed:
        raise PermissionDenied(f"{user.username} may not {action} case {case.id if case else '-'}", decision.reason)


def visible_units(user: User) -> tuple[str, ...] | None:
    """The units whose cases this user may list; ``None`` means every unit."""
    if user.role in COUNTY_WIDE_READ:
        return None
    return (user.unit_id,) if user.unit_id else ("__none__",)
