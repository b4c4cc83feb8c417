"""A unit's inbox: its cases, least time left first, and what the signed-in person may do next.

Listing goes through ``CaseService.list_for`` (which scopes a unit user to their own unit) and
what to offer goes through ``dashboard.offers`` (the service's own permission and state tables),
so the board never offers a button that the service would refuse. Pure functions; the page
script only draws them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import pandas as pd

from dashboard.feed import deadline_state
from dashboard.markup import one_line
from dashboard.offers import is_co_unit, own_part
from dashboard.texts import (
    TIME_STATE_MARKS,
    fmt_time,
    remaining_text,
    status_name,
    urgency_badge,
)
from index.records import Case, CaseUnit, CaseView, User
from index.store import CaseFilter
from workflow.states import HANDLING

ACTIVE_STATUSES: tuple[str, ...] = HANDLING
"""待签收, 已签收, 办理中 and 待审签: what the unit still has to do. Untriaged cases are not theirs yet."""
DONE_STATUSES: tuple[str, ...] = ("replied", "reviewed", "closed", "returned")
INBOX_LIMIT = 500

INBOX_COLUMNS = ("编号", "紧急程度", "标题", "本单位", "状态", "期限", "剩余时间")

NEXT_STEP: dict[str, str] = {
    "assigned": "请先签收；不属于本单位职责的，请在退单期限内退单并写明依据。",
    "acknowledged": "已签收，请办理并在期限前提交答复；需要更多时间的，请在期限前申请延期。",
    "in_progress": "办理中，请在期限前提交答复；可随时记录办理进展。",
    "reply_pending": "答复草稿已提交，等待本单位负责人审签。",
    "replied": "已答复，等待值班员审核办结。",
    "reviewed": "已审核通过，等待值班员办结。",
    "closed": "该件已办结。",
    "returned": "本单位已退单，等待值班员改派。",
}
LEADER_SIGN_OFF = "经办人已提交答复草稿，请审签：可修改后签发，或写明意见退回修改。"
CO_UNIT_NOTE = "本单位为协办单位：请签收本单位的协办部分，并把协办意见提交给主办单位；正式答复由主办单位负责。"
CO_UNIT_DONE = "本单位的协办意见已提交给主办单位。"


def _same(text: str) -> str:
    return text


def inbox_filter(include_done: bool = False) -> CaseFilter:
    """The unit's cases, least time left first; finished ones only when asked for."""
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


def part_status(case: Case, unit_id: str, parts: Mapping[int, Sequence[CaseUnit]]) -> str:
    """The case's state as this unit sees it: a co-handling unit sees its own part's progress."""
    if case.lead_unit == unit_id or case.id not in parts:
        return status_name(case.status)
    part = own_part(parts[case.id], unit_id)
    if part is None or part.acknowledged_at is None:
        return "协办待签收"
    return "协办意见已提交" if part.replied_at else "协办已签收"


def inbox_table(views: Sequence[CaseView], unit_id: str, now: datetime,
                parts: Mapping[int, Sequence[CaseUnit]] | None = None,
                masker: Callable[[str], str] = _same) -> pd.DataFrame:
    """One plain-text row per case, in the order the store gave (deadline first)."""
    parts = parts or {}
    rows = [
        {
            "编号": v.case.id,
            "紧急程度": urgency_badge(v.case.urgency),
            "标题": masker(one_line(v.item.title or v.item.body, 80)),
            "本单位": unit_part(v.case, unit_id),
            "状态": part_status(v.case, unit_id, parts),
            "期限": fmt_time(v.case.deadline),
            "剩余时间": remaining_cell(v.case, now),
        }
        for v in views
    ]
    return pd.DataFrame(rows, columns=list(INBOX_COLUMNS))


def row_states(views: Sequence[CaseView], now: datetime) -> list[str]:
    """Each row's deadline state, for colouring the table the same order as ``inbox_table``."""
    return [deadline_state(v.case, now) for v in views]


def counts(views: Sequence[CaseView], unit_id: str, now: datetime,
           parts: Mapping[int, Sequence[CaseUnit]] | None = None) -> dict[str, int]:
    """The headline numbers above the inbox."""
    parts = parts or {}
    states = row_states(views, now)

    def waiting_for_us(v: CaseView) -> bool:
        if v.case.lead_unit == unit_id:
            return v.case.status == "assigned"
        part = own_part(parts.get(v.case.id, ()), unit_id)
        return part is not None and part.acknowledged_at is None

    return {
        "待签收": sum(1 for v in views if waiting_for_us(v)),
        "办理中": sum(1 for v in views if v.case.status in ("acknowledged", "in_progress")),
        "待审签": sum(1 for v in views if v.case.status == "reply_pending"),
        "临期": states.count("near"),
        "已超期": states.count("overdue"),
    }


def next_step(user: User, case: Case, parts: Sequence[CaseUnit] = ()) -> str:
    """One sentence telling the person what to do with this case next."""
    if is_co_unit(user, case):
        part = own_part(parts, user.unit_id)
        return CO_UNIT_DONE if part is not None and part.replied_at else CO_UNIT_NOTE
    if case.status == "reply_pending" and user.role == "unit_leader":
        return LEADER_SIGN_OFF
    return NEXT_STEP.get(case.status, "")
