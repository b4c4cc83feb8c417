"""登录: the only page a visitor sees before signing in."""

from __future__ import annotations

import streamlit as st

from dashboard import session
from dashboard.markup import escape_markdown
from dashboard.texts import APP_TITLE

rt = session.runtime()

st.title(APP_TITLE)
st.caption(escape_markdown(f"{rt.county} 政务舆情监测与回应协同平台"))

left, _ = st.columns([1, 1])
with left, st.form("sign_in"):
    st.text_input("用户名", key="sign_in_username", autocomplete="username")
    st.text_input("密码", type="password", key="sign_in_password", autocomplete="current-password")
    st.form_submit_button("登录", type="primary", on_click=session.submit_sign_in)

error = st.session_state.get(session.SIGN_IN_ERROR_KEY)
if error:
    left.error(escape_markdown(error), icon=":material/error:")
left.caption("账号由系统管理员开设；忘记密码请联系系统管理员重置。")
