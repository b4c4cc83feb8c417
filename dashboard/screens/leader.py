"""领导看板: per-unit response times for a period, overdue by unit, and the table as CSV."""

from __future__ import annotations

import streamlit as st

from dashboard import leader_view, session
from index.records import now_cst
from workflow.kpi import unit_figures

session.require_page_user("leader.py")
rt = session.runtime()

st.title("领导看板")
period = st.radio(
    "统计时段", leader_view.PERIODS, index=leader_view.PERIODS.index(leader_view.DEFAULT_PERIOD),
    horizontal=True, key="leader_period",
)
now = now_cst()
figures = unit_figures(rt.store.all_cases(), rt.unit_names, now, period_from=leader_view.period_start(period, now))
if not figures:
    st.info("所选时段内没有交办的件。可选择“全部”查看全部历史数据。")
    st.stop()

totals = leader_view.totals(figures)
cols = st.columns(len(totals))
for col, (label, value) in zip(cols, totals.items(), strict=True):
    col.metric(label, value)

table = leader_view.figures_table(figures)
st.dataframe(table, hide_index=True, width="stretch")
st.caption("按交办时间统计；签收、答复用时自交办时起计算，超过 48 小时按天显示。“当前超期”“临期”为尚未答复的件。")
st.download_button(
    "下载表格（CSV，可用 Excel 打开）", leader_view.table_csv(table),
    file_name=leader_view.csv_filename(period, now), mime="text/csv", icon=":material/download:",
)

st.subheader("各单位当前超期件数")
chart = leader_view.overdue_chart(figures)
if chart is None:
    st.success("目前没有超期未答复的件。")
else:
    st.altair_chart(chart, width="stretch")
