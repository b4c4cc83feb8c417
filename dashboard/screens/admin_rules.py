"""规则与模型: the routing table, the deadline profile, personal-data masking, and retraining from corrections."""

from __future__ import annotations

import streamlit as st

from dashboard import admin_view, caching, privacy, session
from dashboard.actions import Outcome
from dashboard.markup import escape_markdown

session.require_page_user("admin_rules.py")
rt = session.runtime()
names = rt.unit_names
county_dir = str(rt.config.county_dir)

st.title("规则与模型")
session.show_flash()

st.subheader("分派规则（routing.yaml）")
raw, text = caching.county_yaml(county_dir, "routing.yaml")
if not raw:
    st.warning(escape_markdown(f"没有找到分派规则文件：{rt.config.county_dir / 'routing.yaml'}。"))
else:
    tabs = st.tabs(list(admin_view.routing_tables(raw, names)))
    for tab, table in zip(tabs, admin_view.routing_tables(raw, names).values(), strict=True):
        with tab:
            st.dataframe(table, hide_index=True, width="stretch")
    with st.expander("原始文件"):
        st.code(text, language="yaml")
    st.caption("分派规则由县里在文件中维护；修改后重启采集程序生效（文件有误时会指出哪一条）。")

st.subheader("办理时限")
profile = rt.cases.profile
st.caption(escape_markdown(f"当前时限配置：{profile.label or profile.name}（工作日按国家法定节假日和调休计算）"))
st.dataframe(admin_view.profile_table(profile), hide_index=True, width="stretch")

st.subheader("个人信息保护")
st.text(f"手机号、身份证号对县领导、搜索结果和报告隐去；值班员和承办单位可见本单位的件。识别规则：{privacy.masker_name()}")

st.subheader("分类更正与模型再训练")
events = caching.corrections(rt.config.store_url, rt.store)
people = {u.username: u.display_name for u in rt.store.users()}
st.metric("值班员更正分类（训练样本）", len(events))
if events:
    st.dataframe(admin_view.corrections_table(events, people), hide_index=True, width="stretch")
retrain = admin_view.retrain_function()


def _retrain() -> None:
    assert retrain is not None
    try:
        retrain(rt.config, rt.store)
    except Exception as exc:  # training problems are explained, not hidden
        session.flash(Outcome(False, f"重新训练失败：{getattr(exc, 'zh', '') or exc}"))
        return
    session.flash(Outcome(True, "已按更正重新训练分类模型；新模型在采集程序下次启动时使用。"))


if retrain is not None:
    st.button("按更正重新训练模型", on_click=_retrain, disabled=not events, type="primary")
else:
    st.text("在服务器上运行以下命令，按更正重新训练分类模型：")
    st.code(admin_view.RETRAIN_COMMAND, language="bash")
