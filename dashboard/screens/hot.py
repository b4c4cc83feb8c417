"""热点话题: what people are writing about, how fast it grows, where and to whom it goes."""

from __future__ import annotations

import streamlit as st

from dashboard import caching, hot_topics, session
from index.records import now_cst

session.require_page_user("hot.py")
rt = session.runtime()
names = rt.unit_names
now = now_cst()

st.title("热点话题")
window = st.segmented_control("时间范围", list(hot_topics.WINDOWS), default=hot_topics.DEFAULT_WINDOW,
                              key="hot_window") or hot_topics.DEFAULT_WINDOW
data = caching.hot(rt.config.store_url, window, now.replace(second=0, microsecond=0).isoformat(), rt.store, rt.search)

left, right = st.columns([3, 2])
with left:
    st.subheader("热点话题")
    if data.events:
        st.caption("同一件事的留言自动归为一个事件；热度＝条数加上回复、浏览、点赞带来的关注，每3天减半；"
                   "每次采集后更新。")
        st.dataframe(hot_topics.events_table(data.events, names), hide_index=True, width="stretch")
        st.altair_chart(hot_topics.heat_chart(data.event_heat), width="stretch")
        with st.expander("按关键词看"):
            if data.topics:
                st.dataframe(hot_topics.topics_table(data.topics, names), hide_index=True, width="stretch")
            else:
                st.info("所选时间范围内没有带关键词的件。")
    elif data.topics:
        st.caption("所选时间范围内还没有两条以上留言的事件，暂按自动提取的关键词归并；热度为每天涉及该话题的件数；每分钟更新。")
        st.dataframe(hot_topics.topics_table(data.topics, names), hide_index=True, width="stretch")
        st.altair_chart(hot_topics.heat_chart(data.heat), width="stretch")
    else:
        st.info("所选时间范围内没有带关键词的件。")
with right:
    st.subheader("新增信息量")
    if data.volume.empty:
        st.info("所选时间范围内没有新增信息。")
    else:
        st.altair_chart(hot_topics.volume_chart(data.volume), width="stretch")
        st.metric("合计", int(data.volume["条数"].sum()))
    st.dataframe(data.domains, hide_index=True, width="stretch")
    st.dataframe(data.places, hide_index=True, width="stretch")
if data.scanned >= hot_topics.SCAN_LIMIT:
    st.caption(f"话题统计基于最新的 {hot_topics.SCAN_LIMIT} 件。")
