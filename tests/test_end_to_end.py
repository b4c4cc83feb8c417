"""The whole loop with real parts: the bundled demo site served on a free port, a real Scrapy
crawl, the shipped model, a real SQLite file, the case loop and the leaders' figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from huiying.county import load_units
from huiying.runtime import open_runtime
from huiying.settings import load_config
from index.store import CaseFilter
from workflow.accounts import authenticate
from workflow.kpi import unit_figures

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def headless(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    data_dir = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "HUIYING_DATA_DIR": str(data_dir)}
    run = subprocess.run([sys.executable, "-m", "huiying.cli", "demo", "--headless"], env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1]), data_dir


def test_headless_demo_reports_every_item_classified_routed_and_given_a_deadline(headless):
    summary, data_dir = headless
    assert summary["items"] >= 100
    assert summary["related"]["related"] == summary["items"]  # crawled and history items alike
    assert "城南花园" in summary["hot_events"][0]["title"]
    assert summary["classified"] == summary["items"]
    assert Path(summary["database"]).exists()
    units = {u.id for u in load_units(load_config(environ={}).county_dir)}
    assert set(summary["by_unit"]) <= units
    assert sum(summary["by_urgency"].values()) == summary["items"]
    runtime = open_runtime(load_config({"data_dir": str(data_dir)}, environ={}))
    try:
        cases = list(runtime.store.all_cases())
        assert len(cases) == summary["items"]
        assert all(c.lead_unit in units and c.deadline > c.received_at for c in cases)
        sources = {v.item.source for v in runtime.store.list_cases(CaseFilter(limit=10_000))}
        assert any("discuz" in s or "bbs" in s for s in sources) and any("liuyan" in s or "board" in s for s in sources)
    finally:
        runtime.close()


def test_a_unit_acknowledges_and_replies_and_the_leader_sees_the_time(headless):
    _, data_dir = headless
    config = load_config({"data_dir": str(data_dir)}, environ={"HUIYING_CALENDAR_WEEKDAY_FALLBACK": "1"})
    runtime = open_runtime(config)
    try:
        store, cases = runtime.store, runtime.cases
        case = next(c for c in store.all_cases() if c.status == "assigned")
        handler = authenticate(store, case.lead_unit, config.demo_password)
        start = case.assigned_at
        cases.clock = lambda: start + timedelta(hours=2)
        cases.acknowledge(handler, case.id)
        cases.clock = lambda: start + timedelta(hours=26)
        cases.reply(handler, case.id, "经核实，已安排专人处理，将于三个工作日内答复。")
        rows = {r.unit_id: r for r in unit_figures(store.all_cases(), runtime.unit_names, now=start + timedelta(days=1))}
        row = rows[case.lead_unit]
        assert row.replied >= 1 and row.acknowledged >= 1
        assert row.median_reply_hours is not None and row.median_ack_hours is not None
        assert [e.action for e in store.events(case.id)][-2:] == ["acknowledge", "reply"]
    finally:
        runtime.close()


def _cli(data_dir: Path, *args: str) -> dict:
    env = {**os.environ, "HUIYING_DATA_DIR": str(data_dir)}
    run = subprocess.run([sys.executable, "-m", "huiying.cli", *args], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def test_the_demo_history_gives_the_leaders_real_reply_times(headless):
    summary, data_dir = headless
    assert summary["history_cases"] >= 200
    doc = _cli(data_dir, "kpi", "--json")
    medians = [u["median_reply_hours"] for u in doc["units"] if u["median_reply_hours"] is not None]
    assert len(medians) >= 5 and 48 < sorted(medians)[len(medians) // 2] < 24 * 30
    assert any(r["rank"] == 1 for r in doc["ranking"])


def test_case_show_gives_status_units_deadline_remaining_time_and_timeline(headless):
    _, data_dir = headless
    doc = _cli(data_dir, "case", "show", "1", "--json")
    assert {"status", "lead_unit", "co_units", "deadline", "remaining", "timeline"} <= set(doc)
    assert doc["timeline"][0]["action"] in ("open", "open_assign")
    assert all(e["at"] and e["actor"] for e in doc["timeline"])


def test_search_answers_from_the_same_store(headless):
    _, data_dir = headless
    doc = _cli(data_dir, "search", "噪音", "--json")
    assert doc["total"] >= 1
    assert all({"id", "title", "unit", "urgency", "status", "posted_at"} <= set(h) for h in doc["hits"])
    assert any("噪音" in h["title"] or "噪音" in h["snippet"] for h in doc["hits"])


def test_reposts_of_one_matter_become_the_hottest_event_and_their_burst_raises_urgency(headless):
    _, data_dir = headless
    runtime = open_runtime(load_config({"data_dir": str(data_dir)}, environ={}))
    try:
        store = runtime.store
        hottest = store.hot_topics(limit=1)[0]
        assert "城南花园" in hottest.title and hottest.size == 6
        items = [store.get_item(i) for i in store.topic_items(hottest.id)]
        assert {i.source for i in items} == {"demo-discuz", "demo-liuyan"}  # one matter across two sites
        first, last = items[0], items[-1]
        assert first.id in [i for i, _ in store.near_duplicates(last.id)]
        raised = store.get_classification(last.id)
        assert raised.urgency == "紧急" and any("相似留言" in r and "上调" in r for r in raised.reasons)
        assert store.case_for_item(last.id).urgency == "紧急"  # raised before its case opened
        assert store.get_classification(first.id).urgency == "一般"
    finally:
        runtime.close()
