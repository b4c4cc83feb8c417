"""Drawing cases: the lists, the alert, one case's detail, its action forms and its history.

Shared by the duty, triage and inbox pages so a case looks the same wherever it is opened.
Text from a source reaches the screen only through ``st.text``, ``st.code``, ``st.dataframe`` or
``escape_markdown``; buttons run ``dashboard.actions`` in callbacks bound to the case *as shown*,
so a change made by someone else in between is reported, not overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboard import actions, feed, inbox, session
from dashboard.markup import escape_markdown
from dashboard.texts import (
    DASH,
    TIME_STATE_COLOURS,
    URGENCY_COLOURS,
    confidence_text,
    fmt_time,
    remaining_text,
    status_name,
    timeline_table,
    unit_name,
    units_text,
    urgency_badge,
)
from index.records import Case, CaseView, User
from workflow.cases import OPEN_STATUSES
from workflow.permissions import decide

METRIC_COLOURS = {"overdue": "red", "near": "orange"}
"""The deadline metric's colour by deadline state, matching the lists (gray while on time)."""
PICK_PLACEHOLDER = "请选择要查看的件（可输入编号或标题查找）"


# -- lists --------------------------------------------------------------------------------------


def _colour_cells(table: pd.DataFrame, colours: Mapping[str, Sequence[str | None]]) -> Styler:
    """Colour given columns row by row (red overdue / 特急, orange near / 紧急); text stays text."""

    def paint(column: pd.Series) -> list[str]:
        wanted = colours.get(str(column.name))
        if wanted is None:
            return [""] * len(column)
        return [f"color: {c}; font-weight: 600" if c else "" for c in wanted]

    return table.style.apply(paint, axis=0)


def case_grid(table: pd.DataFrame, views: Sequence[CaseView], now: datetime, deadline_column: str) -> None:
    """A list of cases as a read-only grid: urgency and deadline coloured, nothing rendered as markup."""
    urgency = [URGENCY_COLOURS.get(v.case.urgency) for v in views]
    timing = [TIME_STATE_COLOURS.get(feed.deadline_state(v.case, now)) for v in views]
    styled = _colour_cells(table, {"紧急程度": urgency, deadline_column: timing})
    st.dataframe(
        styled, hide_index=True, width="stretch",
        column_config={"编号": st.column_config.NumberColumn("编号", format="%d", width="small")},
    )


def urgent_alert(views: Sequence[CaseView], names: Mapping[str, str], now: datetime) -> None:
    """The standing alert at the top of the duty page: every open 特急 case, one line each."""
    if not views:
        return
    lines = "  \n".join(escape_markdown(line) for line in feed.urgent_lines(views, names, now))
    st.error(f"**特急件 {len(views)} 件，请立即处理**  \n{lines}", icon=":material/warning:")


def case_picker(views: Sequence[CaseView], names: Mapping[str, str], key: str) -> CaseView | None:
    """Choose one case of a list to open; ``None`` until one is chosen."""
    by_id = {v.case.id: v for v in views}
    chosen = st.selectbox(
        "查看详情", list(by_id), index=None, key=key, placeholder=PICK_PLACEHOLDER,
        format_func=lambda case_id: feed.case_label(by_id[case_id], names),
    )
    return by_id.get(chosen) if chosen is not None else None


# -- one case -----------------------------------------------------------------------------------


def case_detail(view: CaseView, names: Mapping[str, str], now: datetime) -> None:
    """Everything about one case a handler needs to decide: the message, its source and the routing."""
    case, item = view.case, view.item
    st.markdown(f"#### {escape_markdown(item.title or '（无标题）')}")
    st.caption(escape_markdown(
        f"编号 #{case.id} · 来源 {item.source or DASH} · 发布时间 {fmt_time(item.posted_at)}"
        f" · 收件时间 {fmt_time(case.received_at)} · 作者 {item.author or DASH}"
    ))
    cols = st.columns(4)
    cols[0].metric("紧急程度", urgency_badge(case.urgency))
    cols[1].metric("状态", status_name(case.status))
    cols[2].metric("主办单位", unit_name(case.lead_unit, names))
    state = feed.deadline_state(case, now)
    cols[3].metric(
        "期限", fmt_time(case.deadline), remaining_text(case.deadline, now) if state != "done" else None,
        delta_color=METRIC_COLOURS.get(state, "gray"), delta_arrow="off",
    )
    st.caption(escape_markdown(
        f"协办单位：{units_text(case.co_units, names)} · 签收期限：{fmt_time(case.ack_deadline)}"
        + (f" · {case.deadline_note}" if case.deadline_note else "")
    ))
    st.markdown("**原文**")
    with st.container(border=True):
        st.text(item.body or "（无正文）", width="stretch")
    if item.url:
        st.caption("来源链接（请复制后在浏览器中打开核对原帖）")
        st.code(item.url, language=None, wrap_lines=True)
    if case.reply_text:
        st.markdown("**答复意见**")
        with st.container(border=True):
            st.text(case.reply_text, width="stretch")
    classification_block(view, names)


def classification_block(view: CaseView, names: Mapping[str, str]) -> None:
    """What the understanding step proposed and why, so the duty officer can check it."""
    c = view.classification
    with st.expander("自动分类结果与依据", expanded=view.case.status == "received"):
        if c is None:
            st.info("该件没有自动分类结果，请人工判断主办单位。")
            return
        rows = [
            ("领域", c.domain or DASH),
            ("建议主办单位", unit_name(c.lead_unit, names)),
            ("建议协办单位", units_text(c.co_units, names)),
            ("紧急程度", urgency_badge(c.urgency)),
            ("诉求类型", c.kind or DASH),
            ("领域置信度", confidence_text(c.confidences.get("domain"))),
            ("紧急程度置信度", confidence_text(c.confidences.get("urgency"))),
            ("需人工分拣", "是" if c.needs_triage else "否"),
            ("模型版本", c.model_version or DASH),
        ]
        st.dataframe(pd.DataFrame(rows, columns=["项目", "内容"]), hide_index=True, width="stretch")
        if c.reasons:
            st.markdown("**判断依据**  \n" + "\n".join(f"- {escape_markdown(r)}" for r in c.reasons))


def case_history(user: User, case: Case, names: Mapping[str, str]) -> None:
    """The case's history (交办/签收/答复/办结: who, when, what changed) as a plain-text table."""
    rt = session.runtime()
    people = {u.username: u.display_name for u in rt.store.users()}
    st.markdown("**办理记录**")
    st.dataframe(timeline_table(rt.cases.timeline(user, case.id), names, people), hide_index=True, width="stretch")


# -- actions ------------------------------------------------------------------------------------


def _assign_clicked(case: Case, key: str) -> None:
    rt = session.runtime()
    user: User = st.session_state[session.USER_KEY]
    outcome = actions.assign(
        rt.cases, user, case, st.session_state[f"{key}_lead"], tuple(st.session_state[f"{key}_co"]),
        st.session_state.get(f"{key}_reason", ""), rt.unit_names,
    )
    if outcome.ok:
        st.session_state[f"{key}_reason"] = ""
    session.flash(outcome)


def assign_form(user: User, case: Case, names: Mapping[str, str], key_prefix: str) -> None:
    """交办 / 改派: choose the lead unit by its Chinese name, any co-handling units and a reason."""
    if not decide(user, "assign", case).allowed:
        return
    if case.status not in OPEN_STATUSES:
        st.caption("该件已答复或已办结，不能再交办。")
        return
    unit_ids = list(names)
    first = case.status == "received"
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


def _acknowledge_clicked(case: Case) -> None:
    rt = session.runtime()
    session.flash(actions.acknowledge(rt.cases, st.session_state[session.USER_KEY], case))


def _reply_clicked(case: Case, key: str) -> None:
    rt = session.runtime()
    outcome = actions.reply(rt.cases, st.session_state[session.USER_KEY], case, st.session_state.get(key, ""))
    if outcome.ok:
        st.session_state[key] = ""
    session.flash(outcome)


def unit_actions(user: User, case: Case) -> None:
    """签收 and 答复 for the lead unit, offered only when the service would accept them."""
    st.info(escape_markdown(inbox.next_step(user, case)), icon=":material/info:")
    offered = inbox.allowed_actions(user, case)
    if "acknowledge" in offered:
        st.button("签收", key=f"ack_{case.id}", type="primary", on_click=_acknowledge_clicked, args=(case,))
    if "reply" in offered:
        key = f"reply_{case.id}_text"
        with st.form(f"reply_{case.id}"):
            st.text_area("答复意见", key=key, height=160, max_chars=4000,
                         placeholder="请写明核查情况、处理结果和依据，答复将提交值班员审核。")
            st.form_submit_button("提交答复", type="primary", on_click=_reply_clicked, args=(case, key))
