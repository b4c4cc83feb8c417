"""Showing text from sources safely: what a citizen wrote is data, never markup.

Streamlit renders ``st.markdown``, ``st.caption``, alert boxes (``st.error`` …) and expander
labels as Markdown with its own extensions (``:red[...]`` colour directives, ``$LaTeX$``,
autolinks) and would strip or mangle raw HTML. Everything the board shows from a source therefore
goes either to an element that does no parsing at all (``st.text``, ``st.dataframe``,
``st.code``) or through ``escape_markdown`` first. No page ever passes source text with
``unsafe_allow_html``.
"""

from __future__ import annotations

import string

_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})
"""CommonMark lets every ASCII punctuation character be backslash-escaped; escaping all of them
switches off emphasis, links, headings, lists, tables, raw HTML (``<``), entities (``&``),
Streamlit's directives (``:``) and maths (``$``) in one rule that is easy to check."""


def escape_markdown(text: str) -> str:
    """Markdown that renders exactly ``text``, keeping its line breaks.

    Leading spaces are dropped from each line because four of them would start a code block;
    single line breaks become Markdown hard breaks so the writer's lines stay lines.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "  \n".join(line.strip().translate(_ESCAPES) for line in lines)


def escape_inline(text: str) -> str:
    """Markdown for a piece of one line (no line breaks, spaces kept): every punctuation escaped."""
    return " ".join(text.split("\n")).translate(_ESCAPES)


def one_line(text: str, limit: int = 60) -> str:
    """A single-line, shortened copy for lists and alerts (titles can carry line breaks)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
