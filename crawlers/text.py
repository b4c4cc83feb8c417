"""Source markup → the text a reader sees, normalised, with literal ``<``, ``>`` and ``&`` kept.

``nlp.normalize.normalize_text`` treats its input as possibly (even doubly) escaped HTML and
strips tags until the text is stable, which is right for arbitrary input but would delete what a
citizen literally typed, such as ``<script>alert(1)</script>`` shown escaped on a forum. Here the
markup is turned into visible text exactly once (``strip_html``); the characters that could look
like markup are then shielded while ``normalize_text`` does the rest (spaces, full-width forms,
traditional → simplified), and restored afterwards. The result is stored and shown as text.
"""

from __future__ import annotations

from nlp.normalize import normalize_text, strip_html

_SHIELD = {ord("<"): "\ue000", ord(">"): "\ue001", ord("&"): "\ue002"}
_UNSHIELD = {ord(v): chr(k) for k, v in _SHIELD.items()}
"""Private-use characters stand in for ``< > &`` while normalising (no real text contains them)."""


def markup_to_text(markup: str) -> str:
    """The normalised visible text of an HTML fragment or entity-escaped text."""
    if not markup:
        return ""
    visible = strip_html(markup)
    return normalize_text(visible.translate(_SHIELD)).translate(_UNSHIELD)
