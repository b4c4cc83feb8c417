"""领导看板: per-unit figures for a period, a ranking fair to small units, trends, and what is late now."""

from __future__ import annotations

import streamlit as st

from dashboard import caching, case_panel, deadline_lists, desk_forms, leader_view, privacy, session
from index.records import now_cst
from workflow.kpi import rank_units, unit_figures

user = session.require_page_user("leader.py")
rt = session.runtime()
names = rt.unit_names
now = now_cst()

st.title("领导看板")
session.show_flash()
facts = caching.case_facts(rt.config.store_url)

if not facts.wait(timeout=0.5):
    if facts.error:
        st.error(f"统计数据暂时无法汇总：{facts.error}。请稍后刷新；如反复出现，请联系系统管理员。")
    else:
        st.info("正在汇总全部历史办理数据（服务启动后只需一次，十万件约需数秒），完成后本页自动显示统计；"
                "下方的超期、临期清单已是最新。", icon=":material/hourglass_top:")

        @st.fragment(run_every=2)
        def wait_for_figures() -> None:
            if facts.ready or facts.error:
                st.rerun()

        wait_for_figures()
else:
    facts.follow(rt.store)
    period = st.radio(
        "统计时段（按交办时间）", leader_view.PERIODS, index=leader_view.PERIODS.index(leader_view.DEFAULT_PERIOD),
        horizontal=True, key="leader_period",
    )
    start, end = leader_view.period_range(period, now)
    figures = facts.memo(("figures", period, now.strftime("%Y%m%d%H%M")),
                         lambda cases: unit_figures(cases, names, now, period_from=start, period_to=end))
    if not figures:
        st.info("所选时段内没有交办的件。可选择“全部”查看全部历史数据。")
    else:
        county = facts.memo(("county", period, now.strftime("%Y%m%d%H%M")),
                            lambda cases: leader_view.county_figures(cases, now, start, end))
        headline = {**leader_view.totals(figures), **leader_view.county_times(county)}
        cols = st.columns(len(headline))
        for col, (label, value) in zip(cols, headline.items(), strict=True):
            col.metric(label, value)
        table = leader_view.figures_table(figures)
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption("签收、答复用时自交办时起计算（P90：九成的件在此时间内完成），超过 48 小时按天显示；"
                   "按时答复率 = 按时答复数 ÷ 已到期件数；“当前超期”“临期”为尚未答复的件。")
        st.download_button(
            "下载表格（CSV，可用 Excel 打开）", leader_view.table_csv(table),
            file_name=leader_view.csv_filename(period, now), mime="text/csv", icon=":material/download:",
        )
        ranking, overdue = st.columns([3, 2])
        with ranking:
            st.subheader("按时答复排名")
            st.dataframe(leader_view.ranking_table(rank_units(figures)), hide_index=True, width="stretch")
            st.caption("得分按全县水平对小单位作修正（相当于另加 10 件全县平均水平的件），到期件少于 5 件的单位不参与排名。")
        with overdue:
            st.subheader("各单位当前超期件数")
            chart = leader_view.overdue_chart(figures)
            if chart is None:
                st.success("目前没有超期未答复的件。")
            else:
                st.altair_chart(chart, width="stretch")

    st.subheader("趋势")
    trend_cols = st.columns(2)
    granularity = trend_cols[0].segmented_control(
        "周期", list(leader_view.GRANULARITIES), default="week", format_func=leader_view.GRANULARITIES.__getitem__,
        key="leader_granularity") or "week"
    unit = trend_cols[1].selectbox("单位", ["", *names], format_func=lambda u: names.get(u, "全县"), key="leader_unit")
    trend = facts.memo(("trend", granularity, unit, now.strftime("%Y%m%d%H")),
                       lambda cases: leader_view.trend_rows(cases, now, granularity, unit))
    left, right = st.columns(2)
    left.altair_chart(leader_view.trend_chart(trend), width="stretch")
    right.altair_chart(leader_view.reply_time_chart(trend), width="stretch")

st.subheader("超期与临期")
lists = deadline_lists.load(rt.store, now)
tabs = st.tabs([f"当前超期（{len(lists.overdue)}）", f"临期（{len(lists.near)}）"])
masker = privacy.masker_for(user)
for tab, views, empty in ((tabs[0], lists.overdue, "目前没有超期未答复的件。"), (tabs[1], lists.near, "目前没有临期的件。")):
    with tab:
        if views:
            case_panel.case_grid(deadline_lists.table(views, names, now, masker), views, now, deadline_column="期限")
        else:
            st.success(empty)
view = case_panel.case_picker([*lists.overdue, *lists.near], names, key="leader_case", masker=masker)
if view is not None:
    case_panel.open_case(view, user, names, now, lambda: desk_forms.desk_actions(user, view, names, "leader")
                         if user.role != "leader" else st.caption("如需督办，请联系值班员（舆情协调）。"))
