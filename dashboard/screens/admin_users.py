"""用户与单位: accounts (create, disable, enable, reset password) and the county's units."""

from __future__ import annotations

import dataclasses

import streamlit as st

from dashboard import admin_view, session
from dashboard.actions import Outcome
from dashboard.markup import escape_markdown
from workflow.accounts import create_user, hash_password
from workflow.permissions import ROLES, UNIT_ROLES

admin = session.require_page_user("admin_users.py")
rt = session.runtime()
names = rt.unit_names

st.title("用户与单位")
session.show_flash()


def _create() -> None:
    get = st.session_state.get
    username, display = str(get("new_user_name") or "").strip(), str(get("new_user_display") or "").strip()
    role, unit = str(get("new_user_role") or ""), str(get("new_user_unit") or "")
    unit = unit if role in UNIT_ROLES else ""
    password, repeat = str(get("new_user_pw") or ""), str(get("new_user_pw2") or "")
    st.session_state["new_user_pw"] = st.session_state["new_user_pw2"] = ""  # never kept in the session
    problem = admin_view.check_new_user(rt.store.get_user(username), username, display, role, unit, password, repeat)
    if problem:
        session.flash(Outcome(False, problem))
        return
    create_user(rt.store, username, password, role, display, unit)
    st.session_state["new_user_name"] = st.session_state["new_user_display"] = ""
    session.flash(Outcome(True, f"已创建账号 {username}（{ROLES[role]}）。请把初始密码当面交给本人，并提醒其尽快修改。"))


def _set_active(username: str, active: bool) -> None:
    user = rt.store.get_user(username)
    if user is None:
        session.flash(Outcome(False, "找不到该账号，请刷新页面。"))
        return
    if username == admin.username and not active:
        session.flash(Outcome(False, "不能停用自己正在使用的账号。"))
        return
    rt.store.upsert_user(dataclasses.replace(user, active=active))
    session.flash(Outcome(True, f"已{'启用' if active else '停用'}账号 {username}。" + ("" if active else "该账号将立即退出登录。")))


def _reset(username: str) -> None:
    user = rt.store.get_user(username)
    password = str(st.session_state.get("reset_pw") or "")
    st.session_state["reset_pw"] = ""
    if user is None:
        session.flash(Outcome(False, "找不到该账号，请刷新页面。"))
        return
    try:
        rt.store.upsert_user(dataclasses.replace(user, password_hash=hash_password(password)))
    except ValueError:
        session.flash(Outcome(False, "新密码至少 8 位。"))
        return
    session.flash(Outcome(True, f"已重置 {username} 的密码。"))


users = rt.store.users()
st.subheader(f"账号（{len(users)}）")
st.dataframe(admin_view.users_table(users, names), hide_index=True, width="stretch")

left, right = st.columns(2)
with left, st.form("new_user", clear_on_submit=False):
    st.markdown("**新建账号**")
    st.text_input("用户名（登录用，字母数字）", key="new_user_name")
    st.text_input("姓名", key="new_user_display")
    st.selectbox("角色", list(ROLES), format_func=ROLES.__getitem__, key="new_user_role", index=None,
                 placeholder="请选择角色")
    st.selectbox("所属单位（承办单位账号必选）", list(names), format_func=names.__getitem__, index=None,
                 key="new_user_unit", placeholder="县级角色不选")
    st.text_input("初始密码（至少 8 位）", type="password", key="new_user_pw")
    st.text_input("再次输入密码", type="password", key="new_user_pw2")
    st.form_submit_button("创建账号", type="primary", on_click=_create)
with right:
    st.markdown("**停用、启用、重置密码**")
    chosen = st.selectbox("选择账号", [u.username for u in users], index=None, key="manage_user",
                          placeholder="请选择账号")
    if chosen:
        user = next(u for u in users if u.username == chosen)
        st.caption(escape_markdown(f"{user.display_name} · {ROLES.get(user.role, user.role)} · "
                                   f"{'启用' if user.active else '已停用'}"))
        if user.active:
            st.button("停用账号", key="deactivate", on_click=_set_active, args=(chosen, False))
        else:
            st.button("启用账号", key="activate", on_click=_set_active, args=(chosen, True))
        with st.form("reset"):
            st.text_input("新密码（至少 8 位）", type="password", key="reset_pw")
            st.form_submit_button("重置密码", on_click=_reset, args=(chosen,))

st.subheader("单位")
st.dataframe(admin_view.units_table(rt.store.units()), hide_index=True, width="stretch")
st.caption(escape_markdown(f"单位名录来自 {rt.config.county_dir / 'units.yaml'}，修改该文件后重启看板生效。"))
