"""The administrator's pages as functions: accounts, units, the routing table, deadlines, corrections.

Accounts are created through ``workflow.accounts.create_user`` (Argon2id hashes), after checks
that answer in Chinese; nothing here replaces an existing account by accident. The routing
table, deadline profile and units are shown read-only: a county changes them in its files,
which are checked when loaded.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from dashboard.texts import DASH, fmt_time, role_name, unit_name
from index.records import Event, Unit, User
from workflow.accounts import MIN_PASSWORD_LENGTH
from workflow.deadlines import DeadlineProfile, Limit
from workflow.permissions import UNIT_ROLES

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,39}$")
UNIT_ROLE_NAMES: dict[str, str] = {
    "coordinator": "牵头协调", "monitor": "监测研判", "responder": "回应发布（宣传）", "security": "公安（谣言、治安）",
    "handler": "职能部门", "town": "属地镇",
}
RETRAIN_COMMAND = "huiying nlp retrain"
RETRAIN_FUNCTIONS = ("retrain_from_corrections", "retrain")
"""What the understanding layer may offer in ``nlp.training`` to retrain from the corrections."""


def users_table(users: Sequence[User], names: Mapping[str, str]) -> pd.DataFrame:
    rows = [{"用户名": u.username, "姓名": u.display_name, "角色": role_name(u.role),
             "所属单位": unit_name(u.unit_id, names) if u.unit_id else DASH, "状态": "启用" if u.active else "已停用"}
            for u in users]
    return pd.DataFrame(rows, columns=["用户名", "姓名", "角色", "所属单位", "状态"])


def units_table(units: Sequence[Unit]) -> pd.DataFrame:
    rows = [{"编号": u.id, "名称": u.name, "类别": UNIT_ROLE_NAMES.get(u.role, u.role), "说明": u.note or DASH}
            for u in units]
    return pd.DataFrame(rows, columns=["编号", "名称", "类别", "说明"])


def check_new_user(existing: User | None, username: str, display_name: str, role: str, unit_id: str,
                   password: str, repeat: str) -> str:
    """Why the account cannot be created as typed (Chinese), or "" when it can."""
    if not USERNAME.match(username):
        return "用户名须为 2–40 位字母、数字或 _ . -，以字母或数字开头。"
    if existing is not None:
        return f"用户名“{username}”已存在；如需修改，请先停用原账号或另取用户名。"
    if not display_name.strip():
        return "请填写姓名，便于在办理记录中识别操作人。"
    if not role:
        return "请选择角色。"
    if role in UNIT_ROLES and not unit_id:
        return "承办单位的账号须选择所属单位。"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位。"
    if password != repeat:
        return "两次输入的密码不一致。"
    return ""


def _limit(limit: Limit) -> str:
    return limit.label or (f"{limit.working_days}个工作日" if limit.working_days is not None else f"{limit.hours:g}小时")


def profile_table(profile: DeadlineProfile) -> pd.DataFrame:
    """The deadline profile in force, row by row as RULES.md describes it."""
    rows = [("签收", _limit(profile.acknowledge)), ("退单", _limit(profile.return_window))]
    rows += [(f"紧急程度：{k}", _limit(v)) for k, v in profile.by_urgency.items()]
    rows += [(f"诉求类型：{k}", _limit(v)) for k, v in profile.by_kind.items()]
    rows.append(("其他", _limit(profile.default)))
    rows.append(("催办提醒", "、".join(f"时限过 {int(x * 100)}%" for x in profile.reminders) + "；超期通报"))
    return pd.DataFrame(rows, columns=["项目", "时限"])


def routing_tables(raw: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """The routing file as tables: domains, keyword rules, place aliases, triage settings."""
    def units(ids: Any) -> str:
        return "、".join(unit_name(str(u), names) for u in ids or []) or DASH

    domains = [{"领域": r.get("domain", ""), "主办单位": unit_name(str(r.get("lead", "")), names),
                "协办单位": units(r.get("assist")), "说明": r.get("note") or DASH}
               for r in raw.get("domains") or [] if isinstance(r, dict)]
    keywords = [{"关键词": "、".join(map(str, r.get("terms") or [])),
                 "主办单位": unit_name(str(r.get("lead", "")), names) if r.get("lead") else DASH,
                 "协办单位": units(r.get("assist")), "领域": r.get("domain") or DASH,
                 "正文至少出现": r.get("min_body_hits", 1)}
                for r in raw.get("keywords") or [] if isinstance(r, dict)]
    aliases = (raw.get("places") or {}).get("aliases") or {}
    places = [{"属地": unit_name(str(u), names), "别名": "、".join(map(str, a or []))} for u, a in aliases.items()]
    triage = raw.get("triage") or {}
    settings = [("分拣单位", unit_name(str(triage.get("unit", "")), names)),
                ("置信度低于此值需人工分拣", str(triage.get("threshold", DASH))),
                ("协办单位最多", str(triage.get("max_co_units", DASH)))]
    return {
        "领域": pd.DataFrame(domains, columns=["领域", "主办单位", "协办单位", "说明"]),
        "关键词规则": pd.DataFrame(keywords, columns=["关键词", "主办单位", "协办单位", "领域", "正文至少出现"]),
        "地名别名": pd.DataFrame(places, columns=["属地", "别名"]),
        "分拣设置": pd.DataFrame(settings, columns=["项目", "设置"]),
    }


def corrections_table(events: Sequence[Event], people: Mapping[str, str]) -> pd.DataFrame:
    """Each 更正分类 (the labels a retraining learns from), newest first."""
    rows = [
        {"时间": fmt_time(e.at), "件": e.case_id, "更正人": people.get(e.actor, e.actor),
         "领域": f"{e.after.get('domain_before') or DASH} → {e.after['domain']}" if "domain" in e.after else DASH,
         "紧急程度": f"{e.before.get('urgency') or DASH} → {e.after['urgency']}" if "urgency" in e.after else DASH,
         "理由": e.reason or DASH}
        for e in reversed(events)
    ]
    return pd.DataFrame(rows, columns=["时间", "件", "更正人", "领域", "紧急程度", "理由"])


def retrain_function() -> Callable[..., Any] | None:
    """The understanding layer's retraining from corrections, when it offers one."""
    try:
        training = importlib.import_module("nlp.training")
    except ImportError:
        return None
    for name in RETRAIN_FUNCTIONS:
        fn = getattr(training, name, None)
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    return None
