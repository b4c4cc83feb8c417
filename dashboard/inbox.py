"""A unit's inbox: its cases, least time left first, and what the signed-in person may do next.

Listing goes through ``CaseService.list_for`` (which scopes a unit user to their own unit) and
what to offer goes through ``workflow.permissions.decide``, so the board never offers a button
that the service would refuse. Pure functions; the page script only draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd

from dashboard.feed import deadline_state
from dashboard.markup import one_line
from dashboard.texts import (
    TIME_STATE_MARKS,
    fmt_time,
    remaining_text,
    status_name,
    urgency_badge,
)
from index.records import Case, CaseView, User
from index.store import CaseFilter
from workflow.permissions import decide

ACTIVE_STATUSES = ("assigned", "acknowledged")
"""待签收 and 办理中: what the unit still has to do. Untriaged cases (待交办) are not theirs yet."""
DONE_STATUSES = ("replied", "closed")
INBOX_LIMIT = 500

INBOX_COLUMNS = ("编号", "紧急程度", "标题", "本单位", "状态", "期限", "剩余时间")

ACTION_ORDER = ("acknowledge", "reply")
NEXT_STEP: dict[str, str] = {
    "assigned": "请先签收，签收后即可答复。",
    "acknowledged": "已签收，请在期限前填写答复意见并提交。",
    "replied": "已答复，等待值班员审核办结。",
    "closed": "该件已办结。",
}
CO_UNIT_NOTE = "本单位为协办单位：请配合主办单位办理，签收和答复由主办单位负责。"


def inbox_filter(include_done: bool = False) -> CaseFilter:
    """The unit's cases, least time left first; replied and closed ones only when asked for."""
    statuses = ACTIVE_STATUSES + (DONE_STATUSES if include_done else ())
    return CaseFilter(statuses=statuses, order="deadline_asc", limit=INBOX_LIMIT)


def remaining_cell(case: Case, now: datetime) -> str:
    """``剩余 2 天 3 小时`` / ``已超期 5 小时`` with a colour mark while open; the reply time once answered."""
    state = deadline_state(case, now)
    if state == "done":
        return f"已于 {fmt_time(case.replied_at)} 答复" if case.replied_at else status_name(case.status)
    return f"{TIME_STATE_MARKS[state]}{remaining_text(case.deadline, now)}"


def unit_part(case: Case, unit_id: str) -> str:
    return "主办" if case.lead_unit == unit_id else "协办"


def inbox_table(views: Sequence[CaseView], unit_id: str, now: datetime) -> pd.DataFrame:
    """One plain-text row per case, in the order the store gave (deadline first)."""
    rows = [
        {
            "编号": v.case.id,
            "紧急程度": urgency_badge(v.case.urgency),
            "标题": one_line(v.item.title or v.item.body, 80),
            "本单位": unit_part(v.case, unit_id),
            "状态": status_name(v.case.status),
            "期限": fmt_time(v.case.deadline),
            "剩余时间": remaining_cell(v.case, now),
        }
        for v in views
    ]
    return pd.DataFrame(rows, columns=list(INBOX_COLUMNS))


def row_states(views: Sequence[CaseView], now: datetime) -> list[str]:
    """Each row's deadline state, for colouring the table the same order as ``inbox_table``."""
    return [deadline_state(v.case, now) for v in views]


def allowed_actions(user: User, case: Case) -> list[str]:
    """The actions to offer now: permitted for this person and applicable in the case's state."""
    applicable = {"acknowledge": case.status == "assigned", "reply": case.status == "acknowledged"}
    return [a for a in ACTION_ORDER if applicable[a] and decide(user, a, case).allowed]


def next_step(user: User, case: Case) -> str:
    """One sentence telling the person what to do with this case next."""
    if user.unit_id and case.lead_unit != user.unit_id:
        return CO_UNIT_NOTE
    return NEXT_STEP.get(case.status, "")
