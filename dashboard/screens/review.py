"""审核办结: replies to review, reviewed cases to close, closed cases to follow up, extensions to decide."""

from __future__ import annotations

import streamlit as st

from dashboard import caching, case_panel, desk_forms, feed, review_queue, session
from index.records import now_cst

user = session.require_page_user("review.py")
rt = session.runtime()
names = rt.unit_names

st.title("审核办结")
session.show_flash()

facts = caching.case_facts(rt.config.store_url)
if facts.ready:
    facts.follow(rt.store)
counts = review_queue.counts(rt.cases, user, facts)
queue = st.segmented_control(
    "队列", list(review_queue.QUEUES), default=review_queue.DEFAULT, key="review_queue",
    format_func=lambda q: f"{review_queue.QUEUES[q]}（{counts[q]}）",
) or review_queue.DEFAULT
st.caption(review_queue.HINTS[queue])

now = now_cst()
views = review_queue.cases(rt.cases, user, queue, facts)
if not views:
    st.success("该队列目前没有待处理的件。")
    st.stop()
case_panel.case_grid(feed.feed_table(views, names, now), views, now, deadline_column="期限")

st.divider()
view = case_panel.case_picker(views, names, key="review_case")
if view is not None:
    case_panel.open_case(view, user, names, now, lambda: desk_forms.desk_actions(user, view, names, "review"))
