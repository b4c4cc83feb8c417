"""Every Chinese word the board shows about time, urgency, status and history, in one place.

The people at the board are civil servants: times are China Standard Time written the Chinese
way, durations in 天/小时/分钟, and codes (``assigned``, ``hrss``) never appear on screen.
Keeping the wording here lets every page say the same thing the same way, and lets tests check
it without starting Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import pandas as pd

from index.records import Event, to_cst
from workflow.cases import STATUSES, SYSTEM_ACTOR
from workflow.permissions import ROLES
from workflow.states import ACTIONS, EMERGENCY_LINES

APP_TITLE = "回应 · 舆情回应协同"
DASH = "—"
"""Shown where a value does not exist yet (not signed for, no reply yet)."""

URGENCY_BADGES: dict[str, str] = {"特急": "🔴 特急", "紧急": "🟠 紧急", "一般": "一般"}
"""Urgency with its warning colour as a symbol, so the colour survives a black-and-white print."""

URGENCY_COLOURS: dict[str, str] = {"特急": "#c62828", "紧急": "#e65100"}
TIME_STATE_COLOURS: dict[str, str] = {"overdue": "#c62828", "near": "#e65100"}
"""Red for overdue, orange for near the deadline (临期); on-time rows keep the default colour."""

TIME_STATE_MARKS: dict[str, str] = {"overdue": "🔴 ", "near": "🟠 ", "ok": "", "done": ""}

EVENT_ACTIONS: dict[str, str] = {"open": "收件", "open_assign": "收件并交办", **ACTIONS}
"""The case history's actions in the words of the handling rules."""


def fmt_time(value: datetime | None) -> str:
    """A moment as county time, to the minute: ``2026-11-24 09:30``."""
    return DASH if value is None else to_cst(value).strftime("%Y-%m-%d %H:%M")


def fmt_span(seconds: float) -> str:
    """A length of time in the largest two units that matter: ``2 天 3 小时``, ``5 小时``, ``45 分钟``.

    Rounded down, so a deadline is never shown as further away than it is.
    """
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    if hours:
        return f"{hours} 小时"
    if minutes:
        return f"{minutes} 分钟"
    return "不足 1 分钟"


def remaining_text(deadline: datetime, now: datetime) -> str:
    """Time left before a deadline, or how late it is: ``剩余 2 天 3 小时`` / ``已超期 5 小时``."""
    left = (deadline - now).total_seconds()
    return f"剩余 {fmt_span(left)}" if left >= 0 else f"已超期 {fmt_span(-left)}"


def hours_text(hours: float | None) -> str:
    """A response time from the leaders' figures: hours, or days once it passes 48 hours."""
    if hours is None:
        return DASH
    if hours > 48:
        return f"{hours / 24:.1f} 天"
    return f"{hours:.1f} 小时"


def urgency_badge(urgency: str) -> str:
    return URGENCY_BADGES.get(urgency, urgency or DASH)


def status_name(status: str) -> str:
    return STATUSES.get(status, status or DASH)


def role_name(role: str) -> str:
    return ROLES.get(role, role)


def unit_name(unit_id: str, names: Mapping[str, str]) -> str:
    """A unit's Chinese name; an id the county file no longer lists is shown as it is."""
    if not unit_id:
        return DASH
    return names.get(unit_id, unit_id)


def units_text(unit_ids: Iterable[str], names: Mapping[str, str]) -> str:
    return "、".join(unit_name(u, names) for u in unit_ids) or DASH


def confidence_text(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.0f}%"


def actor_name(actor: str, display_names: Mapping[str, str]) -> str:
    """Who acted: the person's display name, or 系统 for automatic steps."""
    if actor == SYSTEM_ACTOR:
        return "系统"
    return display_names.get(actor, actor)


def _when(value: object) -> str:
    """A time an event recorded (ISO text) in the board's format."""
    if not value:
        return DASH
    try:
        return fmt_time(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _lines(value: object) -> str:
    lines = [x for x in str(value or "").split(",") if x]
    return "、".join(f"{x}（{EMERGENCY_LINES.get(x, x)}）" for x in lines) or DASH


def _change_text(event: Event, names: Mapping[str, str]) -> tuple[str, bool]:
    """What an event changed, and whether its reason is already part of the sentence."""
    after, before, action = event.after, event.before, event.action
    lead = unit_name(str(after.get("lead_unit", "")), names)
    co = [str(u) for u in after.get("co_units") or []]
    co_text = f"（协办：{units_text(co, names)}）" if co else ""
    if action == "open":
        return f"收件，等待值班员交办；建议主办单位：{lead}{co_text}", False
    if action == "open_assign":
        return f"收件并自动交办给 {lead}{co_text}", False
    if action == "assign":
        old = str(before.get("lead_unit", ""))
        was_assigned = before.get("status") not in (None, "received", "returned")
        if was_assigned and old and old != after.get("lead_unit"):
            return f"改派：{unit_name(old, names)} → {lead}{co_text}", False
        return f"交办给 {lead}{co_text}", False
    if action == "acknowledge":
        unit = unit_name(str(after.get("unit", "")), names)
        return (f"协办单位 {unit} 签收" if after.get("co") else f"{unit} 签收" if after.get("unit") else "签收"), False
    if action == "reply":
        if after.get("co"):
            return f"协办意见（{unit_name(str(after.get('unit', '')), names)}）：{after.get('text', '')}", False
        if "reply_draft" in after and after.get("status") == "reply_pending":
            return f"答复草稿，待负责人审签：{after.get('reply_draft', '')}", False
        return f"答复：{after.get('reply_text', '')}", False
    if action == "sign_off":
        return f"审签通过，答复：{after.get('reply_text', '')}", False
    if action == "progress":
        return f"办理进展：{event.reason}", True
    if action == "remind":
        return f"催办：{event.reason}" if event.reason else "催办", True
    if action == "follow_up":
        answer = str(after.get("satisfaction", ""))
        return f"回访：{answer}" + ("，退回承办单位重办" if answer == "不满意" else ""), False
    if action == "request_extension":
        return f"申请延期至 {_when(after.get('extension_requested_until'))}", False
    if action == "approve_extension":
        return f"批准延期，办理期限改为 {_when(after.get('deadline'))}", False
    if action == "supervise":
        return f"督办（第 {after.get('supervised', '')} 次）", False
    if action == "merge":
        if after.get("merged_into"):
            return f"作为重复件并入 #{after['merged_into']}", False
        return f"并入重复件 #{after.get('merged_case', '')}（累计并单 {after.get('merged_count', '')} 件）", False
    if action == "refer":
        return f"转警情：{_lines(after.get('referred_to'))}", False
    if action == "reclassify":
        parts = []
        if "domain" in after:
            parts.append(f"领域 {after.get('domain_before') or DASH} → {after['domain']}")
        if "urgency" in after:
            parts.append(f"紧急程度 {before.get('urgency') or DASH} → {after['urgency']}")
        return "更正分类：" + "；".join(parts), False
    if action == "publish":
        return f"发布回应：{after.get('public_response', '')}", False
    if action == "return":
        return "退单，退回值班员改派", False
    return EVENT_ACTIONS.get(action, action), False


def event_summary(event: Event, names: Mapping[str, str]) -> str:
    """What one history line changed, in a sentence a reader can check against the case."""
    text, reason_included = _change_text(event, names)
    if event.reason and not reason_included:
        text += f"；原因：{event.reason}"
    return text


def timeline_table(events: Sequence[Event], names: Mapping[str, str], people: Mapping[str, str]) -> pd.DataFrame:
    """A case's history, oldest first: 时间, 操作, 操作人, 说明 (plain text for a grid)."""
    rows = [
        {
            "时间": fmt_time(e.at),
            "操作": EVENT_ACTIONS.get(e.action, e.action),
            "操作人": actor_name(e.actor, people),
            "说明": event_summary(e, names),
        }
        for e in events
    ]
    return pd.DataFrame(rows, columns=["时间", "操作", "操作人", "说明"])
