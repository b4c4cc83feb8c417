"""值班台: the duty officer's live feed with the standing 特急 alert, case detail and assignment."""

from __future__ import annotations

import streamlit as st

from dashboard import case_panel, feed, session
from index.records import URGENCY_LEVELS, now_cst
from workflow.cases import STATUSES

user = session.require_page_user("duty.py")
rt = session.runtime()
names = rt.unit_names

st.title("值班台")
session.show_flash()

col_urgency, col_status, col_source = st.columns(3)
urgencies = col_urgency.multiselect("紧急程度", URGENCY_LEVELS, key="duty_urgency", placeholder="全部")
statuses = col_status.multiselect(
    "状态", list(STATUSES), format_func=STATUSES.__getitem__, key="duty_status", placeholder="全部"
)
sources = col_source.multiselect(
    "来源", feed.source_options(rt.store.counts_by("source")), key="duty_source", placeholder="全部"
)
flt = feed.feed_filter(urgencies, statuses, sources)


@st.fragment(run_every=feed.REFRESH_SECONDS)
def live_feed() -> None:
    """Re-read and redraw only the alert and the list every few seconds; the rest stays put."""
    now = now_cst()
    case_panel.urgent_alert(rt.cases.list_for(user, feed.URGENT_FILTER), names, now)
    views = rt.cases.list_for(user, flt)
    if not views:
        st.info("没有符合筛选条件的件。可清空上方筛选条件查看全部。")
        return
    case_panel.case_grid(feed.feed_table(views, names, now), views, now, deadline_column="期限")
    total = rt.store.count_cases(flt)
    shown = f"共 {total} 件" + (f"，显示最新 {len(views)} 件" if total > len(views) else "")
    st.caption(f"{shown} · 每 {feed.REFRESH_SECONDS} 秒自动刷新 · 最近刷新 {now:%H:%M:%S}")


live_feed()

st.divider()
st.subheader("详情与交办")
now = now_cst()
view = case_panel.case_picker(rt.cases.list_for(user, flt), names, key="duty_case")
if view is not None:
    detail, act = st.columns([3, 2])
    with detail:
        case_panel.case_detail(view, names, now)
    with act:
        case_panel.assign_form(user, view.case, names, key_prefix="duty")
        case_panel.case_history(user, view.case, names)
