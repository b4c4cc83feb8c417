"""单位收件箱: the unit's cases, least time left first, with every step the unit takes on the chosen one."""

from __future__ import annotations

import streamlit as st

from dashboard import case_panel, inbox, session, unit_forms
from dashboard.markup import escape_markdown
from dashboard.texts import unit_name
from index.records import now_cst

user = session.require_page_user("inbox.py")
rt = session.runtime()
names = rt.unit_names

st.title("单位收件箱")
st.caption(escape_markdown(f"{unit_name(user.unit_id, names)} · 按剩余时间排序，最紧迫的在最上面；"
                           "橙色为临期，红色为已超期"))
session.show_flash()

include_done = st.toggle("同时显示已答复、已办结、已退单的件", key="inbox_include_done")
now = now_cst()
views = rt.cases.list_for(user, inbox.inbox_filter(include_done))
parts = {v.case.id: rt.store.case_units(v.case.id) for v in views if v.case.lead_unit != user.unit_id}

cols = st.columns(5)
for col, (label, value) in zip(cols, inbox.counts(views, user.unit_id, now, parts).items(), strict=True):
    col.metric(label, value)

if not views:
    st.success("本单位目前没有待办的件。新交办的件会出现在这里。")
    st.stop()

case_panel.case_grid(inbox.inbox_table(views, user.unit_id, now, parts), views, now, deadline_column="剩余时间")

st.divider()
view = case_panel.case_picker(views, names, key="inbox_case")
if view is not None:
    own = rt.store.case_units(view.case.id)
    role = session.unit_role(rt, user)
    case_panel.open_case(view, user, names, now, lambda: unit_forms.unit_actions(user, view, own, role))
