"""Drawing cases: the lists, the alert, one case's detail with its related items, and its history.

Shared by every page that lists or opens cases, so a case looks the same wherever it is opened.
Text from a source reaches the screen only through ``st.text``, ``st.code``, ``st.dataframe`` or
``escape_markdown``, after ``privacy`` has masked what this reader should not see. The action
forms live in ``desk_forms`` (duty desk) and ``unit_forms`` (handling units).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboard import feed, privacy, related, session
from dashboard.markup import escape_markdown, one_line
from dashboard.texts import (
    DASH,
    TIME_STATE_COLOURS,
    URGENCY_COLOURS,
    confidence_text,
    fmt_span,
    fmt_time,
    status_name,
    timeline_table,
    unit_name,
    units_text,
    urgency_badge,
)
from index.records import Case, CaseView, User
from workflow.states import EMERGENCY_LINES

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


def case_grid(table: pd.DataFrame, views: Sequence[CaseView], now: datetime, deadline_column: str,
              height: int | None = None) -> None:
    """A list of cases as a read-only grid: urgency and deadline coloured, nothing rendered as markup."""
    urgency = [URGENCY_COLOURS.get(v.case.urgency) for v in views]
    timing = [TIME_STATE_COLOURS.get(feed.deadline_state(v.case, now)) for v in views]
    styled = _colour_cells(table, {"紧急程度": urgency, deadline_column: timing})
    st.dataframe(
        styled, hide_index=True, width="stretch", height=height or "auto",
        column_config={"编号": st.column_config.NumberColumn("编号", format="%d", width="small")},
    )


def urgent_alert(views: Sequence[CaseView], names: Mapping[str, str], now: datetime) -> None:
    """The standing alert at the top of the duty page: every 特急 case no person has taken yet."""
    if not views:
        return
    lines = "  \n".join(escape_markdown(line) for line in feed.urgent_lines(views, names, now))
    st.error(f"**特急件 {len(views)} 件待接手，请立即处理**  \n{lines}", icon=":material/warning:")


def case_picker(views: Sequence[CaseView], names: Mapping[str, str], key: str,
                masker: Callable[[str], str] = privacy.keep) -> CaseView | None:
    """Choose one case of a list to open; ``None`` until one is chosen."""
    by_id = {v.case.id: v for v in views}
    if st.session_state.get(key) is not None and st.session_state[key] not in by_id:
        st.session_state[key] = None  # the chosen case left the list (merged, filtered out)
    chosen = st.selectbox(
        "查看详情", list(by_id), index=None, key=key, placeholder=PICK_PLACEHOLDER,
        format_func=lambda case_id: feed.case_label(by_id[case_id], names, masker),
    )
    return by_id.get(chosen) if chosen is not None else None


# -- one case -----------------------------------------------------------------------------------


def case_detail(view: CaseView, names: Mapping[str, str], now: datetime, user: User) -> None:
    """Everything about one case a handler needs to decide: the message, its source, the routing."""
    case, item = view.case, view.item
    shown = (lambda text: privacy.for_user(user, case, text))  # noqa: E731
    st.markdown(f"#### {escape_markdown(shown(item.title) or '（无标题）')}")
    st.caption(escape_markdown(
        f"编号 #{case.id} · 来源 {item.source or DASH} · 发布时间 {fmt_time(item.posted_at)}"
        f" · 收件时间 {fmt_time(case.received_at)} · 作者 {shown(item.author) or DASH}"
    ))
    cols = st.columns(3)
    cols[0].metric("紧急程度", urgency_badge(case.urgency))
    cols[1].metric("状态", status_name(case.status))
    state = feed.deadline_state(case, now)
    left = (case.deadline - now).total_seconds()
    cols[2].metric(
        "剩余时间" if left >= 0 else "已超期", DASH if state == "done" else fmt_span(abs(left)), f"期限 {fmt_time(case.deadline)}",
        delta_color=METRIC_COLOURS.get(state, "gray"), delta_arrow="off",
    )
    st.markdown(escape_markdown(f"主办单位：{unit_name(case.lead_unit, names)}"))
    st.caption(escape_markdown(" · ".join(_facts_line(case, names))))
    st.markdown("**原文**")
    with st.container(border=True):
        st.text(shown(item.body) or "（无正文）", width="stretch")
    if not privacy.sees_personal_data(user, case):
        st.caption("手机号、身份证号等个人信息已隐去。")
    if item.url:
        st.caption("来源链接（请复制后在浏览器中打开核对原帖）")
        st.code(item.url, language=None, wrap_lines=True)
    _case_texts(case)
    classification_block(view, names)


def _facts_line(case: Case, names: Mapping[str, str]) -> list[str]:
    parts = [f"协办单位：{units_text(case.co_units, names)}", f"签收期限：{fmt_time(case.ack_deadline)}"]
    if case.original_deadline and case.original_deadline != case.deadline:
        parts.append(f"原期限：{fmt_time(case.original_deadline)}（已延期 {case.extension_count} 次）")
    if case.deadline_note:
        parts.append(case.deadline_note)
    if case.merged_count:
        parts.append(f"已并单 {case.merged_count} 件")
    if case.merged_into:
        parts.append(f"已并入 #{case.merged_into}")
    if case.referred_to:
        lines = [x for x in case.referred_to.split(",") if x]
        parts.append("已转警情：" + "、".join(f"{x}（{EMERGENCY_LINES.get(x, x)}）" for x in lines))
    if case.supervised:
        parts.append(f"督办 {case.supervised} 次")
    if case.return_count:
        parts.append(f"退单 {case.return_count} 次")
    if case.redo_count:
        parts.append(f"重办 {case.redo_count} 次")
    if case.satisfaction:
        parts.append(f"回访：{case.satisfaction}")
    return parts


def _case_texts(case: Case) -> None:
    """What people wrote on the case: the reply, a draft, a return reason, a pending extension."""
    if case.extension_requested_until is not None:
        st.warning(escape_markdown(
            f"延期申请待审批：申请延至 {fmt_time(case.extension_requested_until)}；理由：{case.extension_reason}"),
            icon=":material/schedule:")
    if case.status == "returned" and case.return_reason:
        st.warning(escape_markdown(f"承办单位退单理由：{case.return_reason}"), icon=":material/undo:")
    for label, text in (("答复意见", case.reply_text), ("答复草稿（待审签）", case.reply_draft),
                        ("对外发布的回应", case.public_response)):
        if text:
            st.markdown(f"**{label}**")
            with st.container(border=True):
                st.text(text, width="stretch")


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
            ("涉及地点", c.place or DASH),
            ("关键词", "、".join(c.keywords) or DASH),
            ("领域置信度", confidence_text(c.confidences.get("domain"))),
            ("紧急程度置信度", confidence_text(c.confidences.get("urgency"))),
            ("需人工分拣", "是" if c.needs_triage else "否"),
            ("模型版本", c.model_version or DASH),
        ]
        st.dataframe(pd.DataFrame(rows, columns=["项目", "内容"]), hide_index=True, width="stretch")
        if c.reasons:
            st.markdown("**判断依据**（领域、主办单位、紧急程度）  \n"
                        + "\n".join(f"- {escape_markdown(r)}" for r in c.reasons))


NEAR_SHOWN = 10


def _near_label(store: Any, item_id: int, similarity: float | None) -> str:
    """'案件 #12（相似度 86%）' — officers work by case number; an item without a case says so."""
    case = store.case_for_item(item_id) if callable(getattr(store, "case_for_item", None)) else None
    label = f"案件 #{case.id}" if case is not None else f"信息 {item_id}（未立案）"
    return label + (f"（相似度 {similarity:.0%}）" if similarity is not None else "")


def related_block(view: CaseView, names: Mapping[str, str], user: User) -> None:
    """Reposts, near-duplicates, merged cases and the event: what the store knows, no more."""
    rt = session.runtime()
    found = related.related(rt.store, view.case, view.item, rt.cases.timeline(user, view.case.id))
    with st.expander("相关信息（转发、相似件、并单、所属事件）"):
        lines = []
        if found.reposts:
            lines.append(f"同一内容在其他来源出现 {len(found.reposts)} 次：")
            lines.extend(f"  {source} · {url or external_id}" for source, external_id, url in found.reposts)
        if found.near_duplicates_available:
            near = "，".join(_near_label(rt.store, i, s) for i, s in found.near_duplicates[:NEAR_SHOWN])
            more = f" 等 {len(found.near_duplicates)} 条" if len(found.near_duplicates) > NEAR_SHOWN else ""
            lines.append(f"相似留言（可并单）：{near + more if near else '未发现'}")
        else:
            lines.append("相似留言：系统尚未启用相似件识别，可用“搜索”页按关键词查找。")
        if found.merged_cases:
            lines.append("已并入本件的重复件：" + "、".join(f"#{c}" for c in found.merged_cases))
        if found.merged_into:
            lines.append(f"本件已作为重复件并入 #{found.merged_into}")
        if found.event_available and found.event:
            ev = found.event
            lines.append(f"所属事件：{ev.get('title') or ev.get('id')}" + (f"（{ev['size']} 条）" if ev.get("size") else ""))
        elif not found.event_available:
            lines.append("所属事件：系统尚未启用事件聚合。")
        if found.spread:
            last = found.spread[-1]
            lines.append(f"传播情况：最近一次采集 {last[0][:16].replace('T', ' ')}，回复 {last[1] if last[1] is not None else DASH}，"
                         f"浏览 {last[2] if last[2] is not None else DASH}（共采集 {len(found.spread)} 次）")
        st.text("\n".join(privacy.for_user(user, view.case, line) for line in lines))


def case_history(user: User, case: Case, names: Mapping[str, str]) -> None:
    """The case's history (交办/签收/答复/办结: who, when, what changed) as a plain-text table."""
    rt = session.runtime()
    people = {u.username: u.display_name for u in rt.store.users()}
    st.markdown("**办理记录**")
    table = timeline_table(rt.cases.timeline(user, case.id), names, people)
    if not privacy.sees_personal_data(user, case):
        table["说明"] = table["说明"].map(privacy.mask)
    st.dataframe(table, hide_index=True, width="stretch")


def units_parts(case: Case, names: Mapping[str, str]) -> None:
    """Each unit's part in a co-handled case: signed for when, its input (协办意见)."""
    if not case.co_units:
        return
    rt = session.runtime()
    rows = [
        {"单位": unit_name(p.unit_id, names), "角色": "主办" if p.role == "lead" else "协办",
         "签收时间": fmt_time(p.acknowledged_at), "答复/意见时间": fmt_time(p.replied_at),
         "意见": one_line(p.reply_text, 200) or DASH}
        for p in rt.store.case_units(case.id)
    ]
    st.markdown("**各单位办理情况**")
    st.dataframe(pd.DataFrame(rows, columns=["单位", "角色", "签收时间", "答复/意见时间", "意见"]),
                 hide_index=True, width="stretch")


def open_case(view: CaseView, user: User, names: Mapping[str, str], now: datetime,
              actions: Callable[[], None]) -> None:
    """The opened case: detail on the left, the person's actions and the history on the right."""
    detail, act = st.columns([3, 2])
    with detail:
        case_detail(view, names, now, user)
        related_block(view, names, user)
    with act:
        actions()
        units_parts(view.case, names)
        case_history(user, view.case, names)
