"""The board's entry point: ``streamlit run dashboard/app.py`` (``huiying board`` starts it so).

Reads the configuration once (HUIYING_* environment variables), opens the shared runtime, and
shows either the sign-in page or the pages the signed-in role may use (``dashboard.navigation``).
Every page is a thin script in ``screens/`` over tested functions in this package.
"""

from __future__ import annotations

import streamlit as st

from dashboard import session
from dashboard.navigation import NO_PAGES, SIGN_IN, pages_for, sections
from dashboard.texts import APP_TITLE
from huiying.settings import load_config

st.set_page_config(page_title=APP_TITLE, layout="wide")

runtime = session.start(load_config())
user = session.current_user(runtime)

if user is None:
    page = st.navigation([st.Page(SIGN_IN.path, title=SIGN_IN.title, icon=SIGN_IN.icon)], position="hidden")
else:
    session.sidebar(user, runtime)
    specs = pages_for(user.role)
    if not specs:
        st.error(NO_PAGES)
        st.stop()
    page = st.navigation({
        section: [st.Page(s.path, title=s.title, icon=s.icon, default=s is specs[0]) for s in group]
        for section, group in sections(specs).items()
    })
page.run()
