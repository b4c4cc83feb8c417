"""Full-text Chinese search as the board shows it: filters, safe highlighting, result lines.

Searching goes through ``runtime.search`` (the SQLite store today, Elasticsearch when it is
swapped in there), so this module only builds the ``SearchFilter`` and draws the hits.

Highlighting is safe by construction: the text is masked (personal data), cut into pieces at
the query's terms, every piece is escaped with ``escape_markdown`` (so nothing in it is
Markdown, HTML or a Streamlit directive), and only then are the matching pieces wrapped in
the board's own highlight directive. A term that is not plain letters, digits or Chinese is
left unmarked rather than risk a directive that could be broken open.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from dashboard.markup import escape_inline, one_line
from dashboard.texts import DASH, fmt_time, status_name, unit_name
from index.records import CST, SearchHit
from index.store import SearchFilter

PAGE_SIZE = 20
_MARKABLE = re.compile(r"^[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]+$")
HIGHLIGHT = ":orange-background[{}]"


def day_start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=CST)


def search_filter(
    sources: Sequence[str] = (), units: Sequence[str] = (), urgencies: Sequence[str] = (),
    statuses: Sequence[str] = (), date_from: date | None = None, date_to: date | None = None, place: str = "",
) -> SearchFilter:
    """The filter from the page's widgets; ``date_to`` is inclusive (the whole day)."""
    return SearchFilter(
        sources=tuple(sources), units=tuple(units), urgencies=tuple(urgencies), statuses=tuple(statuses),
        posted_from=day_start(date_from),
        posted_to=day_start(date_to + timedelta(days=1)) if date_to else None,
        extra={"place": place} if place else {},
    )


def _marked_terms(terms: Iterable[str]) -> list[str]:
    """Terms that can be marked safely, longest first (so 燃气泄漏 wins over 燃气)."""
    return sorted({t for t in terms if t and _MARKABLE.match(t)}, key=len, reverse=True)


def highlight(text: str, terms: Iterable[str]) -> str:
    """Markdown that shows ``text`` (on one line) exactly, with each occurrence of a term highlighted."""
    text = one_line(text, 10_000)
    marked = _marked_terms(terms)
    if not marked or not text:
        return escape_inline(text)
    pattern = re.compile("|".join(re.escape(t) for t in marked), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for found in pattern.finditer(text):
        out.append(escape_inline(text[last:found.start()]))
        out.append(HIGHLIGHT.format(found.group(0)))  # letters, digits and Chinese only: nothing to escape
        last = found.end()
    out.append(escape_inline(text[last:]))
    return "".join(out)


def hit_meta(hit: SearchHit, names: dict[str, str]) -> str:
    """The line under a hit's title: where and when, who handles it, how far it got (plain text)."""
    parts = [hit.source or DASH, fmt_time(hit.posted_at), unit_name(hit.lead_unit, names) if hit.lead_unit else "未分派"]
    if hit.urgency:
        parts.append(hit.urgency)
    parts.append(f"#{hit.case_id} {status_name(hit.status)}" if hit.case_id else "未立案")
    return " · ".join(parts)


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))
