"""The board's caches in one place, each with how stale it may be and why that is acceptable.

* ``case_facts`` — the leaders' compact copy of every case, followed through the event log, so
  it is never stale (``dashboard.case_facts``); one per store per server process.
* county files (routing table, reply templates, configured sources) — read at most once a
  minute; an administrator's edit shows within a minute without a restart.
* ``corrections`` — the count of classification corrections on the administration page scans
  the event log; five minutes old is fine for deciding when to retrain.
* ``hot`` — the hot-topics page (counts over the window's items, keywords of its cases): a
  minute old is fine for a page about trends.
* ``case_count`` — the feed's total (共 N 件): thirty seconds old; the rows themselves are live.

``clear_data`` empties all of them (the benchmark's cold start; an administrator's 刷新).
"""

from __future__ import annotations

import importlib
from datetime import datetime
from pathlib import Path
from typing import Any

import streamlit as st
import yaml

from dashboard import hot_topics
from dashboard.case_facts import CaseFacts
from index.records import Event
from index.store import open_store

COUNTY_TTL = 60
CORRECTIONS_TTL = 300
COUNT_TTL = 30
HOT_TTL = 60


@st.cache_resource(show_spinner=False)
def case_facts(store_url: str) -> CaseFacts:
    """The followed copy of the cases of the store at ``store_url`` (built in the background)."""
    return CaseFacts(lambda: open_store(store_url))


@st.cache_data(ttl=COUNTY_TTL, show_spinner=False)
def county_yaml(county_dir: str, name: str) -> tuple[dict[str, Any], str]:
    """A county file parsed, with its text: ``({}, "")`` when absent."""
    path = Path(county_dir) / name
    if not path.is_file():
        return {}, ""
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}, text


def domains(county_dir: str) -> list[str]:
    """The domains of the county's routing table, for 更正分类."""
    raw, _ = county_yaml(county_dir, "routing.yaml")
    return [str(row["domain"]) for row in raw.get("domains") or [] if isinstance(row, dict) and row.get("domain")]


@st.cache_resource(ttl=COUNTY_TTL, show_spinner=False)
def reply_templates(county_dir: str) -> Any | None:
    """The reply templates (defaults plus the county's ``reply_templates.yaml``), or ``None`` while
    ``workflow.replies`` is not installed."""
    try:
        replies = importlib.import_module("workflow.replies")
    except ImportError:
        return None
    county_file = Path(county_dir) / "reply_templates.yaml"
    return replies.ReplyTemplates.load(county_file if county_file.is_file() else None)


@st.cache_data(ttl=CORRECTIONS_TTL, show_spinner=False)
def corrections(store_url: str, _store: Any) -> list[Event]:
    """Every 更正分类 event (the labels a retraining learns from), oldest first."""
    found: list[Event] = []
    last = 0
    while batch := _store.events_since(last, limit=5000):
        found.extend(e for e in batch if e.action == "reclassify")
        last = batch[-1].id or last
    return found


def clear_data(facts: bool = True) -> None:
    """Forget every cached value (the open runtime stays); ``facts=False`` keeps the case figures."""
    st.cache_data.clear()
    reply_templates.clear()
    if facts:
        case_facts.clear()


@st.cache_data(ttl=HOT_TTL, show_spinner=False, max_entries=20)
def hot(store_url: str, window: str, minute: str, _store: Any, _search: Any) -> hot_topics.HotTopics:
    """The hot-topics page's data for a window (``minute`` keys it to the clock)."""
    return hot_topics.collect(_store, _search, window, datetime.fromisoformat(minute))


@st.cache_data(ttl=COUNT_TTL, show_spinner=False, max_entries=200)
def case_count(store_url: str, key: str, _store: Any, _flt: Any) -> int:
    """How many cases a filter matches, for the feed's 共 N 件: half a minute old is fine, and a
    count over every case on each refresh is not (0.4 s at 100,000 cases)."""
    return int(_store.count_cases(_flt))
