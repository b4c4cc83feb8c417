"""``huiying monitor``: one process, every source on its interval; SIGKILL mid-crawl loses and repeats nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import yaml

from crawlers.fixture_site import gov, liuyan, start_fixture_site
from crawlers.fixture_site.sources import LOCAL


def _sources_file(folder: Path, base: str) -> Path:
    settings = {**LOCAL, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    data = {"version": 1, "variables": {"site": base}, "defaults": {"interval": "1h", "settings": settings},
            "sources": [
                {"name": "mon-gov", "platform": "gov-mailbox", "start_urls": ["${site}/hdjlpt/published?via=pc"]},
                {"name": "mon-liuyan", "platform": "liuyan", "start_urls": ["${site}/threads/list?fid=7001",
                                                                            "${site}/threads/list?fid=7002"]},
            ]}
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=5)
    try:
        return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
    finally:
        conn.close()


def _monitor(folder: Path, sources: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "huiying.cli", "monitor", "--sources", str(sources), "--data-dir", str(folder),
            "--store", f"sqlite:///{folder / 'huiying.db'}", "--no-understand", *extra]


def test_a_monitor_killed_mid_crawl_resumes_with_every_item_exactly_once(tmp_path):
    servers = start_fixture_site(latency=0.08)  # slow enough to be caught in the middle
    try:
        sources = _sources_file(tmp_path, servers.base)
        db = tmp_path / "huiying.db"
        env = {**os.environ, "HUIYING_CALENDAR_WEEKDAY_FALLBACK": "1"}
        first = subprocess.Popen(_monitor(tmp_path, sources), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 60
        while _count(db, "SELECT COUNT(*) FROM items") < 8 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        _, stderr = first.communicate()
        stored_at_kill = _count(db, "SELECT COUNT(*) FROM items")
        expected_gov = {str(i) for i in gov.letter_ids()} - {str(gov.GONE)}
        expected_board = {str(t) for fid in (7001, 7002) for t in liuyan.tids(fid)} - {str(liuyan.DELETED), str(liuyan.TRASHED)}
        assert 8 <= stored_at_kill < len(expected_gov) + len(expected_board) - 1, stderr.decode()[-2000:]

        again = subprocess.run(_monitor(tmp_path, sources, "--once", "--json"), capture_output=True, text=True,
                               timeout=120, env=env)
        assert again.returncode == 0, again.stderr[-3000:]
    finally:
        servers.stop()

    conn = sqlite3.connect(db)
    try:
        per_id = conn.execute("SELECT source, external_id, COUNT(*) FROM items GROUP BY source, external_id").fetchall()
        aliases = conn.execute("SELECT source, external_id FROM item_aliases").fetchall()
        cases = conn.execute("SELECT item_id, COUNT(*) FROM cases GROUP BY item_id").fetchall()
        items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        marks = dict(conn.execute("SELECT key, value FROM state WHERE scope = 'watermark:mon-liuyan'").fetchall())
    finally:
        conn.close()
    assert all(count == 1 for _, _, count in per_id)  # no (source, id) stored twice
    seen: dict[str, list[str]] = {"mon-gov": [], "mon-liuyan": []}
    for source, external_id, _ in per_id:
        seen[source].append(external_id)
    for source, external_id in aliases:
        seen[source].append(external_id)
    assert sorted(seen["mon-gov"]) == sorted(expected_gov)  # every letter exactly once (1044 as 1002's alias)
    assert sorted(seen["mon-liuyan"]) == sorted(expected_board)
    assert len(cases) == items and all(count == 1 for _, count in cases)  # one case per item, none twice
    assert marks == {"fid:7001": str(max(liuyan.tids(7001))), "fid:7002": str(max(liuyan.tids(7002)))}


def test_the_monitor_reruns_each_source_on_its_interval_in_one_process(tmp_path):
    servers = start_fixture_site()
    try:
        data = {"sources": [{"name": "tick-rss", "platform": "rss", "interval": "2s", "settings": LOCAL,
                             "start_urls": [f"{servers.base}/feeds/polls.xml"]}]}
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(data), encoding="utf-8")
        env = {**os.environ, "HUIYING_CALENDAR_WEEKDAY_FALLBACK": "1"}
        monitor = subprocess.Popen(_monitor(tmp_path, sources), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=env)
        deadline = time.monotonic() + 60
        while servers.site.hits["feeds:polls"] < 3 and time.monotonic() < deadline and monitor.poll() is None:
            time.sleep(0.1)
        monitor.send_signal(signal.SIGTERM)  # a graceful stop
        out, err = monitor.communicate(timeout=30)
    finally:
        servers.stop()
    assert servers.site.hits["feeds:polls"] >= 3, err[-3000:]
    assert monitor.returncode == 0, err[-3000:]
    lines = [line for line in out.splitlines() if "tick-rss" in line]
    assert len(lines) >= 2 and "新建案件" in lines[0]
    db = tmp_path / "huiying.db"
    # Each poll adds one entry to the feed: each run stored what was new, and a case was opened for it.
    assert _count(db, "SELECT COUNT(*) FROM items") == _count(db, "SELECT COUNT(*) FROM cases") >= 4
