"""报告: 舆情日报、周报 and the monthly response-time report, as Excel and as a printable page."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboard import caching, export, privacy, reports_doc, session
from dashboard.markup import escape_markdown
from index.records import now_cst

session.require_page_user("reports.py")
rt = session.runtime()
names = rt.unit_names
now = now_cst()

st.title("报告")
cols = st.columns([2, 2, 3])
kind = cols[0].selectbox("报告类型", list(reports_doc.KINDS), format_func=reports_doc.KINDS.__getitem__,
                         key="report_kind")
default_day = now.date() - timedelta(days=1) if kind == "daily" else now.date()
day = cols[1].date_input("日期（周报、月报选其中任意一天）", value=default_day, max_value=now.date(), key="report_day",
                         format="YYYY-MM-DD")

if kind == "monthly":
    facts = caching.case_facts(rt.config.store_url)
    if not facts.wait(timeout=10):
        st.info("统计数据正在汇总，请稍后刷新本页。")
        st.stop()
    facts.follow(rt.store)
    report = reports_doc.response_report(facts.facts(), names, rt.county, day, now)
else:
    report = reports_doc.opinion_report(rt.store, rt.search, names, rt.county, kind, day, now, privacy.mask)

downloads = st.columns(2)
downloads[0].download_button("下载 Excel", export.to_xlsx(report), file_name=f"{report.filename}.xlsx",
                             mime=export.XLSX_MIME, icon=":material/table_view:", type="primary")
downloads[1].download_button("下载打印版（网页，可另存为 PDF）", export.to_html(report).encode("utf-8"),
                             file_name=f"{report.filename}.html", mime="text/html", icon=":material/print:")

st.header(escape_markdown(report.title))
st.caption(escape_markdown(f"统计时段：{report.period_text} · 个人信息已隐去"))
for section in report.sections:
    st.subheader(escape_markdown(section.title))
    for paragraph in section.paragraphs:
        st.text(paragraph)
    if section.table is not None and not section.table.empty:
        st.dataframe(section.table, hide_index=True, width="stretch")
