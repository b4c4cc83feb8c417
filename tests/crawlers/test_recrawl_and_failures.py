"""Re-crawls add nothing new, URL aliases do not duplicate, and a storage failure is loud."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import subprocess
import sys

import pytest

from crawlers.demo_site import demo_sources
from index.store import open_store

UNDERSTANDER_AVAILABLE = importlib.util.find_spec("nlp.understand") is not None


def test_crawling_again_adds_no_new_items_and_keeps_classifications(first_crawl, crawl, tmp_path):
    copy = first_crawl.copy_to(tmp_path)
    url = f"sqlite:///{copy}"
    before = first_crawl.rows("SELECT COUNT(*) AS n FROM items")[0]["n"]
    classified_before = first_crawl.rows("SELECT item_id, model_version, classified_at FROM classifications")
    report = crawl(demo_sources(first_crawl.base_url), url, HUIYING_UNDERSTAND_ENABLED=UNDERSTANDER_AVAILABLE)
    assert report["ok"]
    assert report["items_new"] == 0
    forum = report["sources"]["demo-discuz"]
    assert forum["items_updated"] == first_crawl.source("demo-discuz")["items_new"]
    assert forum["items_duplicate"] == 1  # the repost is still recognised
    # Threads whose reply count did not change are not fetched again: their counts come from the list.
    assert forum["stats"]["huiying/items/observed_only"] >= forum["items_updated"] - 5
    if UNDERSTANDER_AVAILABLE:  # known items keep their classification and are not understood again
        assert forum["stats"]["huiying/understand/skipped_known"] == forum["items_updated"] + forum["items_duplicate"]
    board = report["sources"]["demo-liuyan"]
    assert board["items_scraped"] == 0 and board["stats"]["huiying/liuyan/below_watermark"] > 0
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == before
        after = conn.execute("SELECT item_id, model_version, classified_at FROM classifications").fetchall()
        observations = conn.execute("SELECT COUNT(DISTINCT observed_at) FROM item_observations").fetchone()[0]
    finally:
        conn.close()
    assert sorted(tuple(r) for r in after) == sorted(tuple(r) for r in classified_before)
    assert observations >= 2  # reply/view counts recorded on each visit


def test_every_new_item_is_classified_with_reasons(first_crawl):
    items = first_crawl.rows("SELECT COUNT(*) AS n FROM items")[0]["n"]
    rows = first_crawl.rows("SELECT * FROM classifications")
    assert items == len(rows) == first_crawl.report["items_new"]
    if not UNDERSTANDER_AVAILABLE:
        pytest.skip("nlp.understand is not installed: items were stored for manual triage")
    assert all(r["model_version"] != "unclassified" and r["reasons_json"] != "[]" for r in rows)
    assert all(r["urgency"] in ("特急", "紧急", "一般") and r["classified_at"] for r in rows)
    site = first_crawl.site
    gas_leak = next(m for m in site.catalog if m.key == "synthetic:gas-leak")
    if site.find("liuyan", gas_leak.tid) is not None:
        found = first_crawl.rows(
            "SELECT c.urgency FROM classifications c JOIN items i ON i.id = c.item_id "
            "WHERE i.source = 'demo-liuyan' AND i.external_id = ?", (str(gas_leak.tid),))
        assert found[0]["urgency"] in ("特急", "紧急")


def test_the_same_board_under_both_url_forms_gives_each_thread_once(serve, crawl, tmp_path):
    server, base = serve()
    site = server.site
    source = {
        "name": "alias-test", "platform": "discuz",
        "start_urls": [f"{base}/bbs/forum.php?mod=forumdisplay&fid=2", f"{base}/bbs/forum-2-1.html"],
    }
    report = crawl([source], f"sqlite:///{tmp_path / 'huiying.db'}")["sources"]["alias-test"]
    threads = [m for m in site.visible("bbs") if m.special != "deleted"]
    assert report["ok"] and report["items_scraped"] == len(threads)
    # One request per thread (plus the deleted one and two more pages of the long thread).
    assert site.hits["discuz:thread"] == len(threads) + 1 + 2
    assert report["stats"]["huiying/discuz/tid_repeated"] >= len(threads)


def test_a_storage_failure_is_counted_stops_the_source_and_keeps_the_watermark(serve, crawl, tmp_path):
    server, base = serve()
    board = next(s for s in demo_sources(base) if s["platform"] == "liuyan")
    url = f"sqlite:///{tmp_path / 'huiying.db'}"
    open_store(url).close()  # create the schema, then make one insert fail inside SQLite itself
    victim = sorted(m.tid for m in server.site.visible("liuyan") if not m.special)[len(server.site.visible("liuyan")) // 2]
    conn = sqlite3.connect(tmp_path / "huiying.db")
    conn.execute(
        f"CREATE TRIGGER refuse BEFORE INSERT ON items WHEN NEW.external_id = '{victim}' "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full (simulated by a trigger)'); END"
    )
    conn.commit()
    conn.close()
    report = crawl([board], url, fast=False)  # run defaults: only the demo source's own settings apply
    source = report["sources"]["demo-liuyan"]
    assert source["politeness"]["DOWNLOAD_DELAY"] == 0 and source["politeness"]["ROBOTSTXT_OBEY"] is True
    assert report["ok"] is False and source["ok"] is False
    assert source["errors"]["store"] >= 1 and source["finish_reason"] == "store_error"
    assert "disk is full" in report["log_tail"]
    store = open_store(url)
    try:
        assert store.get_state("watermark:demo-liuyan", "fid:9001") is None
        assert store.get_state("watermark:demo-liuyan", "fid:9002") is None
    finally:
        store.close()


def test_crawl_runs_in_process_once_and_refuses_a_second_run(serve, tmp_path):
    _, base = serve(start_visible=30)
    script = f"""
import json
from crawlers.demo_site import demo_sources
from crawlers.errors import ReactorAlreadyUsed
from crawlers.runner import crawl
sources = [s for s in demo_sources({base!r}) if s["name"] == "demo-discuz-gbk"]
options = dict(store_url={f"sqlite:///{tmp_path / 'once.db'}"!r},
               settings_overrides={{"LOG_LEVEL": "ERROR", "HUIYING_UNDERSTAND_ENABLED": False}})
report = crawl(sources, **options)
try:
    crawl(sources, **options)
    second = "ran"
except ReactorAlreadyUsed:
    second = "refused"
print(json.dumps({{"ok": report["ok"], "new": report["items_new"], "second": second}}))
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result == {"ok": True, "new": result["new"], "second": "refused"} and result["new"] >= 1
