"""Who may do what to which case, enforced here so that every caller (board, command line,
scripts) gets the same answer. Every refusal says why, in Chinese, for the person at the board.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.records import Case, User
from workflow.errors import PermissionDenied

ROLES: dict[str, str] = {
    "admin": "系统管理员",
    "coordinator": "值班员（舆情协调）",
    "unit_handler": "承办单位经办人",
    "unit_leader": "承办单位负责人",
    "leader": "县领导",
}
"""Every role and its Chinese name."""

COUNTY_WIDE_READ = {"admin", "coordinator", "leader"}
UNIT_ROLES = {"unit_handler", "unit_leader"}

ACTION_NAMES: dict[str, str] = {
    "view": "查看",
    "assign": "交办",
    "acknowledge": "签收",
    "reply": "答复",
    "close": "办结",
}

# Which roles may take each action at all; unit roles additionally need the case to be theirs.
ACTION_ROLES: dict[str, set[str]] = {
    "view": COUNTY_WIDE_READ | UNIT_ROLES,
    "assign": {"admin", "coordinator"},
    "acknowledge": UNIT_ROLES,
    "reply": UNIT_ROLES,
    "close": {"admin", "coordinator"},
}

AWAITING_TRIAGE = {"received"}
"""A case not yet assigned belongs to the duty desk; the proposed unit does not see it yet."""

LEAD_ONLY = {"acknowledge", "reply"}
"""Actions only the lead unit takes (co-handling units contribute through the lead unit)."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def involved_units(case: Case) -> set[str]:
    return {case.lead_unit, *case.co_units}


def decide(user: User, action: str, case: Case | None = None) -> Decision:
    """Whether ``user`` may take ``action`` on ``case``, and if not, why (in Chinese)."""
    if not user.active:
        return Decision(False, "该账号已停用，请联系系统管理员。")
    roles = ACTION_ROLES.get(action)
    if roles is None:
        return Decision(False, f"未知操作“{action}”。")
    action_zh = ACTION_NAMES.get(action, action)
    if user.role not in roles:
        return Decision(False, f"您的角色（{ROLES.get(user.role, user.role)}）不能执行“{action_zh}”操作。")
    if user.role in UNIT_ROLES and case is not None:
        if not user.unit_id:
            return Decision(False, "您的账号没有所属单位，请联系系统管理员设置。")
        if action in LEAD_ONLY and case.lead_unit != user.unit_id:
            return Decision(False, f"该件的主办单位不是您所在的单位，不能“{action_zh}”。")
        if user.unit_id not in involved_units(case) or case.status in AWAITING_TRIAGE:
            return Decision(False, "该件未交办给您所在的单位，您无权查看或办理。")
    return Decision(True)


def require(user: User, action: str, case: Case | None = None) -> None:
    decision = decide(user, action, case)
    if not decision.allowed:
        raise PermissionDenied(f"{user.username} may not {action} case {case.id if case else '-'}", decision.reason)


def visible_units(user: User) -> tuple[str, ...] | None:
    """The units whose cases this user may list; ``None`` means every unit."""
    if user.role in COUNTY_WIDE_READ:
        return None
    return (user.unit_id,) if user.unit_id else ("__none__",)
