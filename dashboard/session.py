"""What one browser session holds: the shared runtime, the signed-in user and one-off messages.

The runtime (store connection, case service, county units) is opened once per store URL and
shared by every session (``st.cache_resource``); SQLite in WAL mode lets the crawler write while
the board reads. ``app.py`` puts it in the session so pages and button callbacks reach the same
one without reading the configuration again.
"""

from __future__ import annotations

import streamlit as st

from dashboard import auth, caching
from dashboard.actions import Outcome
from dashboard.markup import escape_markdown
from dashboard.navigation import NOT_ALLOWED, page_roles
from huiying.runtime import Runtime, open_runtime
from huiying.settings import Config
from index.records import User

USER_KEY = "user"
RUNTIME_KEY = "runtime"
FLASH_KEY = "flash"
SIGN_IN_ERROR_KEY = "sign_in_error"

CANNOT_OPEN = (
    "无法打开数据（{url}）：{reason}\n\n"
    "请检查环境变量 HUIYING_STORE_URL（数据库地址）和 HUIYING_COUNTY_DIR（本县单位名录所在文件夹）是否正确，"
    "然后刷新本页面；如仍无法打开，请联系系统管理员。"
)
SIGN_IN_FIRST = "请先登录。"


@st.cache_resource(show_spinner="正在打开数据……")
def _shared_runtime(store_url: str, county_dir: str, _config: Config) -> Runtime:
    """One runtime per store (and county folder), shared by all sessions of this server."""
    return open_runtime(_config)


def start(config: Config) -> Runtime:
    """Open (or reuse) the runtime for this session; on failure say why in Chinese and stop."""
    try:
        runtime = _shared_runtime(config.store_url, str(config.county_dir), config)
    except Exception as exc:  # any reason the data cannot be opened ends here, explained
        reason = getattr(exc, "zh", "") or str(exc)
        st.error(escape_markdown(CANNOT_OPEN.format(url=config.store_url, reason=reason)))
        st.stop()
    st.session_state[RUNTIME_KEY] = runtime
    caching.case_facts(config.store_url).start()  # the leaders' figures build in the background
    return runtime


def runtime() -> Runtime:
    """The runtime ``app.py`` opened for this session (pages and callbacks run after it)."""
    rt = st.session_state.get(RUNTIME_KEY)
    if rt is None:
        raise RuntimeError("the board's pages run through dashboard/app.py; start it with `huiying board`")
    return rt  # type: ignore[no-any-return]


def current_user(rt: Runtime) -> User | None:
    """The signed-in user as stored now; signs out a session whose account was disabled."""
    user: User | None = st.session_state.get(USER_KEY)
    if user is None:
        return None
    fresh = auth.refresh(rt.store, user)
    if fresh is None:
        sign_out()
        st.session_state[SIGN_IN_ERROR_KEY] = auth.ACCOUNT_GONE
        return None
    st.session_state[USER_KEY] = fresh
    return fresh


def unit_role(rt: Runtime, user: User) -> str:
    """The role of the user's unit in the county file (``responder`` for the propaganda department)."""
    return next((u.role for u in rt.store.units() if u.id == user.unit_id), "") if user.unit_id else ""


def require_page_user(page_file: str) -> User:
    """The user, if their role may see ``screens/<page_file>``; otherwise explain and stop the page."""
    user: User | None = st.session_state.get(USER_KEY)
    if user is None:
        st.warning(SIGN_IN_FIRST)
        st.stop()
    if user.role not in page_roles(page_file):
        st.error(NOT_ALLOWED)
        st.stop()
    return user


def submit_sign_in() -> None:
    """Callback of the sign-in form: check the password, then forget it whatever the answer."""
    username = st.session_state.get("sign_in_username", "")
    password = st.session_state.get("sign_in_password", "")
    st.session_state["sign_in_password"] = ""
    result = auth.sign_in(runtime().store, username, password)
    if result.user is None:
        st.session_state[SIGN_IN_ERROR_KEY] = result.message
        return
    st.session_state.pop(SIGN_IN_ERROR_KEY, None)
    st.session_state[USER_KEY] = result.user


def sign_out() -> None:
    """Forget everything this browser held (filters, selections, drafts), keeping only the runtime."""
    for key in list(st.session_state.keys()):
        if key != RUNTIME_KEY:
            del st.session_state[key]


def sidebar(user: User, rt: Runtime) -> None:
    """Who is signed in, and the way out."""
    with st.sidebar:
        st.caption(f"{escape_markdown(rt.county)} · 当前用户")
        st.markdown(f"**{escape_markdown(auth.user_caption(user, rt.unit_names))}**")
        st.button("退出登录", key="sign_out", on_click=sign_out, icon=":material/logout:")


def flash(outcome: Outcome) -> None:
    """Keep an action's answer for the page run that follows the click."""
    st.session_state[FLASH_KEY] = outcome


def show_flash() -> None:
    """Show the last action's answer once, at the top of the page (or of the part that reran) and
    as a toast."""
    outcome: Outcome | None = st.session_state.pop(FLASH_KEY, None)
    if outcome is None:
        return
    text = escape_markdown(outcome.message)
    if outcome.ok:
        st.success(text, icon=":material/check_circle:")
        st.toast(text, icon=":material/check_circle:")
        return
    st.error(text, icon=":material/error:")
    if outcome.conflict:
        st.button("刷新", key="refresh_after_conflict", icon=":material/refresh:")
