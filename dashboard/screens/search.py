"""搜索: full-text Chinese search over every item, with filters, highlighted results and the case behind each."""

from __future__ import annotations

import streamlit as st

from dashboard import case_panel, desk_forms, privacy, search_view, session, sources_view
from dashboard.markup import escape_markdown
from index.records import URGENCY_LEVELS, now_cst
from index.store import CaseFilter
from workflow.cases import STATUSES

user = session.require_page_user("search.py")
rt = session.runtime()
names = rt.unit_names

st.title("搜索")
session.show_flash()


def first_page() -> None:
    st.session_state["search_page"] = 1


query = st.text_input("关键词（多个词用空格分开，须同时出现）", key="search_query", placeholder="例如：燃气 泄漏",
                      on_change=first_page)
with st.expander("筛选条件", expanded=False):
    c1, c2, c3 = st.columns(3)
    date_from = c1.date_input("发布日期从", value=None, key="search_from", on_change=first_page, format="YYYY-MM-DD")
    date_to = c1.date_input("发布日期至", value=None, key="search_to", on_change=first_page, format="YYYY-MM-DD")
    recent = (v.item.source for v in rt.store.list_cases(CaseFilter(limit=200)))
    sources = c2.multiselect("来源", sources_view.known_sources(rt, recent, st.session_state.get("search_sources") or ()),
                             key="search_sources", on_change=first_page, placeholder="全部")
    units = c2.multiselect("主办单位", list(names), format_func=names.__getitem__, key="search_units", on_change=first_page,
                           placeholder="全部")
    urgencies = c3.multiselect("紧急程度", URGENCY_LEVELS, key="search_urgencies", on_change=first_page, placeholder="全部")
    statuses = c3.multiselect("状态", list(STATUSES), format_func=STATUSES.__getitem__, key="search_statuses", on_change=first_page,
                              placeholder="全部")
    places = [u.name for u in rt.store.units() if u.role == "town"]  # places are the county's towns
    place = st.selectbox("地点", ["", *places], format_func=lambda p: p or "全部", key="search_place", on_change=first_page)

if not query.strip():
    st.info("输入关键词后按回车搜索；可展开“筛选条件”按时间、来源、单位、紧急程度、状态、地点缩小范围。")
    st.stop()

flt = search_view.search_filter(sources, units, urgencies, statuses, date_from, date_to, place)
page = max(1, int(st.session_state.get("search_page") or 1))
result = rt.search.search(query, flt, limit=search_view.PAGE_SIZE, offset=(page - 1) * search_view.PAGE_SIZE)
if getattr(result, "note", ""):
    st.info(escape_markdown(result.note), icon=":material/info:")  # e.g. the search cluster is unavailable
if result.total == 0:
    st.warning("没有找到匹配的信息。可减少关键词或放宽筛选条件。")
    st.stop()

pages = search_view.page_count(result.total)
if page > pages:
    st.session_state["search_page"] = page = pages
    result = rt.search.search(query, flt, limit=search_view.PAGE_SIZE, offset=(page - 1) * search_view.PAGE_SIZE)
st.caption(f"共找到 {result.total} 条，第 {page}/{pages} 页 · 个人信息已隐去")
for hit in result.hits:
    with st.container(border=True):
        st.markdown("##### " + search_view.highlight(privacy.mask(hit.title) or "（无标题）", result.terms))
        st.caption(escape_markdown(search_view.hit_meta(hit, names)))
        st.markdown(search_view.highlight(privacy.mask(hit.snippet), result.terms))
if pages > 1:
    st.number_input("页码", min_value=1, max_value=pages, step=1, key="search_page")

cases = [h.case_id for h in result.hits if h.case_id]
if cases:
    st.divider()
    views = [rt.cases.view(user, case_id) for case_id in cases]
    view = case_panel.case_picker(views, names, key="search_case", masker=privacy.masker_for(user))
    if view is not None:
        case_panel.open_case(view, user, names, now_cst(), lambda: desk_forms.desk_actions(user, view, names, "search")
                             if user.role != "leader" else st.caption("领导可查看办理情况；处置由值班员负责。"))
