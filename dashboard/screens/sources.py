"""采集状态: each source's health (last success, blocked, failing) and its configuration."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import session, sources_view
from dashboard.markup import escape_markdown
from index.records import now_cst

session.require_page_user("sources.py")
rt = session.runtime()

st.title("采集状态")
rows = sources_view.health_rows(sources_view.health_states(rt.store), now_cst())
if not rows:
    st.info("还没有采集运行记录。采集程序每次运行后会在此报告各来源的状态。")
else:
    troubled = [r for r in rows if r["问题"] != "—"]
    if troubled:
        st.warning(escape_markdown(f"{len(troubled)} 个来源需要关注：" + "；".join(f"{r['来源']} {r['问题']}" for r in troubled)),
                   icon=":material/report:")
    else:
        st.success(f"{len(rows)} 个来源运行正常。")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption("被拦截：网站返回验证码或拒绝访问，采集程序会自动降低频率并稍后重试；长期失败请联系系统管理员检查来源地址。")

st.subheader("来源配置")
configured, path, error = sources_view.configured(str(rt.config.county_dir))
if error:
    st.error(escape_markdown(error))
elif configured:
    st.dataframe(pd.DataFrame(configured), hide_index=True, width="stretch")
    st.caption(escape_markdown(f"配置文件：{path}。启用、采集间隔等在该文件中修改（每个来源一段），保存后由采集程序读取；"
                               "文件有误时采集程序会指出是哪个来源、哪一项。"))
else:
    st.info(escape_markdown(f"尚未配置采集来源：没有找到 {path}。"))
