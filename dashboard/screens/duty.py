"""值班台: the live feed with the standing 特急 alert, case detail and every desk action."""

from __future__ import annotations

import streamlit as st

from dashboard import actions, alerts, caching, case_panel, desk_forms, feed, session, sources_view
from dashboard.markup import escape_markdown
from index.records import URGENCY_LEVELS, CaseView, now_cst
from index.store import CaseFilter
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
recent = rt.store.list_cases(CaseFilter(limit=feed.FEED_LIMIT))
sources = col_source.multiselect(
    "来源", feed.source_options(sources_view.known_sources(rt), (v.item.source for v in recent),
                              st.session_state.get("duty_source") or ()),
    key="duty_source", placeholder="全部",
)
flt = feed.feed_filter(urgencies, statuses, sources)


def waiting_urgent() -> list[CaseView]:
    return alerts.untaken(rt.cases.list_for(user, feed.URGENT_FILTER), rt.store.events)


shown: dict[str, list[CaseView]] = {}  # what the live feed read in this run, for the case picker below


def _take(view: CaseView) -> None:
    session.flash(actions.take_urgent(rt.cases, user, view.case, names))


def _open(case_id: int) -> None:
    st.session_state["duty_case"] = case_id
    st.session_state["duty_rerun"] = True


@st.fragment(run_every=feed.REFRESH_SECONDS)
def live_feed() -> None:
    """Re-read and redraw only the alert and the list every few seconds; the rest stays put."""
    if st.session_state.pop("duty_rerun", False):
        st.rerun()  # 查看 was clicked in the alert: open the case below
    session.show_flash()
    now = now_cst()
    urgent = shown["urgent"] = waiting_urgent()
    case_panel.urgent_alert(urgent, names, now)
    for view in urgent[:5]:
        cols = st.columns([4, 1, 1], vertical_alignment="center")
        cols[0].caption(escape_markdown(f"#{view.case.id} 建议主办：{names.get(view.case.lead_unit, view.case.lead_unit)}"))
        if alerts.can_take_in_one_click(view):
            cols[1].button("接手", key=f"take_{view.case.id}", type="primary", on_click=_take, args=(view,),
                           help="交办给建议的主办单位（已自动交办的则催促其立即签收），警报随即解除")
        cols[2].button("查看", key=f"open_{view.case.id}", on_click=_open, args=(view.case.id,))
    views = shown["views"] = rt.cases.list_for(user, flt)
    if not views:
        st.info("没有符合筛选条件的件。可清空上方筛选条件查看全部。")
        return
    case_panel.case_grid(feed.feed_table(views, names, now), views, now, deadline_column="期限", height=420)
    total = len(views) if len(views) < flt.limit else caching.case_count(rt.config.store_url, repr(flt), rt.store, flt)
    summary = f"共 {total} 件" + (f"，显示最新 {len(views)} 件" if total > len(views) else "")
    st.caption(f"{summary} · 每 {feed.REFRESH_SECONDS} 秒自动刷新 · 最近刷新 {now:%H:%M:%S}")


live_feed()

st.divider()
st.subheader("详情与处置")
now = now_cst()
listed = {v.case.id: v for v in [*shown.get("urgent", []), *shown.get("views", [])]}
view = case_panel.case_picker(list(listed.values()), names, key="duty_case")
if view is not None:
    case_panel.open_case(view, user, names, now, lambda: desk_forms.desk_actions(user, view, names, "duty"))
