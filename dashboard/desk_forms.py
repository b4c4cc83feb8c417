"""The duty desk's forms on an opened case: assign, review, close, follow up, extensions, and the
side paths (merge, emergency referral, classification correction, reminder, supervision).

Only the actions ``offers.desk_offers`` allows are drawn; the usual next step comes first and the
side paths sit in expanders, so the common case takes one or two clicks. Every button runs a
``dashboard.actions`` function in a callback bound to the case *as shown*.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from dashboard import actions, caching, offers, session
from dashboard.actions import Outcome
from dashboard.markup import escape_markdown, one_line
from dashboard.texts import fmt_time, unit_name
from index.records import URGENCY_LEVELS, Case, CaseView, User, now_cst
from index.store import SearchFilter
from workflow.states import ALLOWED, EMERGENCY_LINES, SATISFACTION

MERGE_TARGET_STATUSES = tuple(sorted(ALLOWED["merge"]))
SIDE_PATHS: dict[str, str] = {
    "merge": "并单（重复件并入主件）",
    "refer": "转警情（110/119/120/122）",
    "reclassify": "更正分类（领域、紧急程度）",
    "remind": "催办",
    "supervise": "督办",
}


def _user() -> User:
    return st.session_state[session.USER_KEY]  # type: ignore[no-any-return]


def _text(key: str) -> str:
    return str(st.session_state.get(key) or "")


def _after(outcome: Outcome, clear: tuple[str, ...] = ()) -> None:
    """Keep the answer for the next run; on success, empty the form's text fields."""
    if outcome.ok:
        for key in clear:
            st.session_state[key] = ""
    session.flash(outcome)


def _clicked(run: Callable[[], Outcome], *clear: str) -> None:
    _after(run(), clear)


def _button(label: str, key: str, run: Callable[[], Outcome], *clear: str, primary: bool = False) -> None:
    st.button(label, key=key, type="primary" if primary else "secondary", on_click=_clicked, args=(run, *clear))


def _submit(label: str, run: Callable[[], Outcome], *clear: str, primary: bool = False) -> None:
    st.form_submit_button(label, type="primary" if primary else "secondary", on_click=_clicked, args=(run, *clear))


# -- assign ------------------------------------------------------------------------------------


def _assign_clicked(case: Case, key: str) -> None:
    rt = session.runtime()
    outcome = actions.assign(
        rt.cases, _user(), case, st.session_state[f"{key}_lead"], tuple(st.session_state[f"{key}_co"]),
        _text(f"{key}_reason"), rt.unit_names,
    )
    _after(outcome, (f"{key}_reason",))


def assign_form(case: Case, names: Mapping[str, str], key_prefix: str) -> None:
    """交办 / 改派: choose the lead unit by its Chinese name, any co-handling units and a reason."""
    unit_ids = list(names)
    first = case.status in ("received", "returned")
    key = f"{key_prefix}_assign_{case.id}"
    with st.form(key):
        st.markdown("**交办**" if first else "**改派 / 调整协办单位**")
        st.selectbox(
            "主办单位", unit_ids, index=unit_ids.index(case.lead_unit) if case.lead_unit in names else None,
            format_func=lambda u: names.get(u, u), key=f"{key}_lead", placeholder="请选择主办单位",
        )
        st.multiselect(
            "协办单位（可多选，可不选）", unit_ids, default=[u for u in case.co_units if u in names],
            format_func=lambda u: names.get(u, u), key=f"{key}_co", placeholder="不需要协办可不选",
        )
        st.text_input("原因" + ("（可选）" if first else "（改派主办单位时必填）"), key=f"{key}_reason")
        st.form_submit_button(
            "交办" if first else "改派", type="primary", on_click=_assign_clicked, args=(case, key),
        )


# -- after the reply: review, close, follow up; extensions ---------------------------------------


def review_block(case: Case, allowed: list[str]) -> None:
    rt = session.runtime()
    if "review" in allowed:
        st.markdown("**审核答复**：核对答复是否回应了诉求、依据是否充分。")
        _button("审核通过", f"review_{case.id}", lambda: actions.review(rt.cases, _user(), case), primary=True)
    if "send_back" in allowed:
        key = f"send_back_{case.id}_reason"
        with st.form(f"send_back_{case.id}"):
            st.text_input("审核退回的原因（写明需要补充什么）", key=key)
            _submit("审核退回", lambda: actions.send_back(rt.cases, _user(), case, _text(key)), key)
    if "close" in allowed:
        st.markdown("**办结**：审核已通过。")
        _button("办结", f"close_{case.id}", lambda: actions.close(rt.cases, _user(), case), primary=True)
    if "follow_up" in allowed:
        key = f"follow_up_{case.id}"
        with st.form(key):
            st.markdown("**回访**：请联系诉求人，记录满意度（不满意将退回承办单位重办）。")
            st.radio("回访结果", SATISFACTION, key=f"{key}_answer", horizontal=True)
            st.text_input("回访记录（可选）", key=f"{key}_note")
            _submit("记录回访", lambda: actions.follow_up(rt.cases, _user(), case, st.session_state[f"{key}_answer"],
                                                      _text(f"{key}_note")), f"{key}_note", primary=True)


def extension_block(case: Case, allowed: list[str]) -> None:
    rt = session.runtime()
    if "approve_extension" not in allowed:
        return
    st.markdown(escape_markdown(
        f"延期申请：延至 {fmt_time(case.extension_requested_until)}（原期限 {fmt_time(case.deadline)}）。"
        f"理由：{case.extension_reason}"))
    _button("批准延期", f"approve_ext_{case.id}", lambda: actions.approve_extension(rt.cases, _user(), case),
            primary=True)
    key = f"refuse_ext_{case.id}_reason"
    with st.form(f"refuse_ext_{case.id}"):
        st.text_input("不予延期的理由", key=key)
        _submit("不予延期", lambda: actions.refuse_extension(rt.cases, _user(), case, _text(key)), key)


# -- side paths --------------------------------------------------------------------------------


def _find_duplicates(view: CaseView) -> None:
    """Look for open cases on the same matter (by the item's keywords) and keep them for the form."""
    rt = session.runtime()
    c = view.classification
    queries = list(c.keywords[:3]) if c and c.keywords else [one_line(view.item.title, 8)]
    found: dict[int, str] = {}
    for query in queries:
        result = rt.search.search(query, SearchFilter(statuses=MERGE_TARGET_STATUSES), limit=5)
        for hit in result.hits:
            if hit.case_id and hit.case_id != view.case.id:
                found.setdefault(hit.case_id, f"#{hit.case_id} · {one_line(hit.title, 30)}")
    st.session_state[f"merge_{view.case.id}_found"] = found


def merge_form(view: CaseView) -> None:
    rt = session.runtime()
    case = view.case
    key = f"merge_{case.id}"
    st.button("查找可能的重复件", key=f"{key}_search", on_click=_find_duplicates, args=(view,))
    found: dict[int, str] = st.session_state.get(f"{key}_found") or {}
    if f"{key}_found" in st.session_state and not found:
        st.caption("没有找到未办结的相似件，可直接输入主件编号。")
    with st.form(key):
        st.caption(f"把本件（#{case.id}）作为重复件并入另一件；主件继续办理，并单数会提高其优先级。")
        if found:
            st.selectbox("可能的主件", list(found), index=None, format_func=found.__getitem__, key=f"{key}_pick",
                         placeholder="从查找结果中选择")
        st.number_input("或输入主件编号", min_value=1, step=1, value=None, key=f"{key}_into")
        st.text_input("并单说明（可选）", key=f"{key}_reason")

        def run() -> Outcome:
            into = st.session_state.get(f"{key}_into") or st.session_state.get(f"{key}_pick")
            return actions.merge(rt.cases, _user(), case, int(into) if into else None, _text(f"{key}_reason"))

        _submit("并单", run, f"{key}_reason")


def refer_form(case: Case) -> None:
    rt = session.runtime()
    key = f"refer_{case.id}"
    with st.form(key):
        st.caption("紧急警情立即转接相应热线；该件继续跟踪，并标为特急。")
        st.selectbox("转接热线", list(EMERGENCY_LINES), format_func=lambda x: f"{x} {EMERGENCY_LINES[x]}",
                     key=f"{key}_line")
        st.text_input("说明（可选）", key=f"{key}_reason")
        _submit("转警情", lambda: actions.refer(rt.cases, _user(), case, st.session_state[f"{key}_line"],
                                             _text(f"{key}_reason")), f"{key}_reason", primary=True)


def reclassify_form(view: CaseView) -> None:
    rt = session.runtime()
    case = view.case
    key = f"reclassify_{case.id}"
    domains = caching.domains(str(rt.config.county_dir))
    current = view.classification.domain if view.classification else ""
    if current and current not in domains:
        domains = [current, *domains]
    with st.form(key):
        st.caption("更正会记为模型训练样本（管理 → 规则与模型 可查看并重新训练）。")
        st.selectbox("领域", domains, index=domains.index(current) if current in domains else None,
                     key=f"{key}_domain", placeholder="请选择领域")
        st.selectbox("紧急程度", URGENCY_LEVELS, index=URGENCY_LEVELS.index(case.urgency)
                     if case.urgency in URGENCY_LEVELS else None, key=f"{key}_urgency")
        st.text_input("更正理由", key=f"{key}_reason")
        _submit("更正分类", lambda: actions.reclassify(
            rt.cases, _user(), case, st.session_state.get(f"{key}_domain") or "",
            st.session_state.get(f"{key}_urgency") or "", _text(f"{key}_reason")), f"{key}_reason")


def remind_form(case: Case, names: Mapping[str, str]) -> None:
    rt = session.runtime()
    key = f"remind_{case.id}"
    with st.form(key):
        st.caption(escape_markdown(f"提醒 {unit_name(case.lead_unit, names)} 抓紧办理（系统已在时限过半、75% 时自动催办）。"))
        st.text_input("催办内容（可选）", key=f"{key}_note")
        _submit("催办", lambda: actions.remind(rt.cases, _user(), case, _text(f"{key}_note")), f"{key}_note")


def supervise_form(case: Case) -> None:
    rt = session.runtime()
    key = f"supervise_{case.id}"
    with st.form(key):
        st.text_input("督办意见", key=f"{key}_reason")
        _submit("督办", lambda: actions.supervise(rt.cases, _user(), case, _text(f"{key}_reason")), f"{key}_reason")


def desk_actions(user: User, view: CaseView, names: Mapping[str, str], key_prefix: str) -> None:
    """Every desk action that applies to the case now: the next step first, side paths below."""
    case = view.case
    allowed = offers.desk_offers(user, case, now_cst())
    if not allowed:
        st.caption("该件当前没有需要值班台处理的操作。")
        return
    if "assign" in allowed:
        assign_form(case, names, key_prefix)
    review_block(case, allowed)
    extension_block(case, allowed)
    drawers: dict[str, Callable[[], Any]] = {
        "merge": lambda: merge_form(view),
        "refer": lambda: refer_form(case),
        "reclassify": lambda: reclassify_form(view),
        "remind": lambda: remind_form(case, names),
        "supervise": lambda: supervise_form(case),
    }
    for action, label in SIDE_PATHS.items():
        if action in allowed:
            with st.expander(label):
                drawers[action]()
