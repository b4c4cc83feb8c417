"""待交办: items the classifier could not route with confidence, and cases a unit returned."""

from __future__ import annotations

import streamlit as st

from dashboard import case_panel, desk_forms, feed, session
from index.records import now_cst

user = session.require_page_user("triage.py")
rt = session.runtime()
names = rt.unit_names

st.title("待交办")
st.caption("自动分类无法确定主办单位的件、承办单位退回的件在此等待人工交办。办理期限自收件时起计算，请尽快核对后交办。")
session.show_flash()

now = now_cst()
views = rt.cases.list_for(user, feed.TRIAGE_FILTER)
if not views:
    st.success("目前没有待交办的件。新的待交办件会出现在这里，也会出现在值班台。")
    st.stop()

case_panel.case_grid(feed.feed_table(views, names, now), views, now, deadline_column="期限")
returned = sum(1 for v in views if v.case.status == "returned")
st.caption(f"待交办 {len(views)} 件" + (f"（其中退单 {returned} 件）" if returned else "") + "，最新的在最上面。")

st.divider()
view = case_panel.case_picker(views, names, key="triage_case")
if view is not None:
    case_panel.open_case(view, user, names, now, lambda: desk_forms.desk_actions(user, view, names, "triage"))
