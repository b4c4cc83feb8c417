"""The board: a Streamlit app over the case service, for duty officers, units and leaders.

``app.py`` is the entry point and ``screens/`` holds one thin script per page; what the pages show
and do lives in small tested modules here (``feed``, ``inbox``, ``leader_view``, ``actions``,
``texts``, ``markup``). Nothing else in Huiying imports this package.
"""
