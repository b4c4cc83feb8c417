"""单位收件箱: the unit's cases, least time left first, with 签收 and 答复 on the chosen one."""

from __future__ import annotations

import streamlit as st

from dashboard import case_panel, inbox, session
from dashboard.markup import escape_markdown
from dashboard.texts import unit_name
from index.records import now_cst

user = session.require_page_user("inbox.py")
rt = session.runtime()
names = rt.unit_names

st.title("单位收件箱")
st.caption(escape_markdown(f"{unit_name(user.unit_id, names)} · 按剩余时间排序，最紧迫的在最上面"))
session.show_flash()

include_done = st.toggle("同时显示已答复、已办结的件", key="inbox_include_done")
now = now_cst()
views = rt.cases.list_for(user, inbox.inbox_filter(include_done))

states = inbox.row_states(views, now)
counts = st.columns(4)
counts[0].metric("待签收", sum(v.case.status == "assigned" for v in views))
counts[1].metric("办理中", sum(v.case.status == "acknowledged" for v in views))
counts[2].metric("临期", states.count("near"))
counts[3].metric("已超期", states.count("overdue"))

if not views:
    st.success("本单位目前没有待办的件。新交办的件会出现在这里。")
    st.stop()

case_panel.case_grid(inbox.inbox_table(views, user.unit_id, now), views, now, deadline_column="剩余时间")

st.divider()
view = case_panel.case_picker(views, names, key="inbox_case")
if view is not None:
    detail, act = st.columns([3, 2])
    with detail:
        case_panel.case_detail(view, names, now)
    with act:
        case_panel.unit_actions(user, view.case)
        case_panel.case_history(user, view.case, names)
