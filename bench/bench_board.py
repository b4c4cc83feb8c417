"""Time to first render and to refresh of the board's three main pages on a large store.

Run: ``python bench/bench_board.py [--cases 100000] [--items 1000000] [--keep DIR]``.

1. **Generation (not timed).** A SQLite file in a temporary folder gets the schema from the real
   store (``open_store``), the demo county's units and three accounts, then ``--items`` items with
   a classification each and ``--cases`` cases spread over the past year (most closed, about 3 %
   open, some overdue, a few 特急 waiting at the duty desk), one ``case_units`` row and one to four
   events per case, all written with bulk SQL (``executemany`` / ``INSERT … SELECT``). Titles
   and bodies are real messages from the shared data when it is there, synthetic otherwise. The
   full-text copy is not built (search is not one of the timed pages).
2. **Timing.** Each page runs through Streamlit's ``AppTest`` (the same script runner the server
   uses, without a browser or network) against that file, signed in as the role that lands on
   it: 值班台 as the duty officer, 单位收件箱 as a handler of the unit with the most open cases,
   领导看板 as the county leader. Opening the store and loading the county once per server process
   is start-up, reported apart (``startup_s_not_a_render``). For each page:

   * ``cold_first_s`` — a new session right after the board's data caches were cleared (the first
     person after a restart). For 领导看板 this also drops the leaders' followed copy of the cases
     (``dashboard/case_facts.py``): the cold page shows the overdue and near-deadline lists and a
     note while the copy builds in the background; how long that build takes is reported as
     ``leader_figures_build_s_background``;
   * ``first_s`` — a new session while the caches are warm (the next person to open the page);
   * ``refresh_s`` — a rerun of the same session (the live feed's refresh, a click).

   Each figure is the median of ``--repeat`` runs, compared with the 1.5 s target. The machine's
   load average at the start and end is printed too: other work on the machine slows every
   figure. The JSON line also names the storage backend (``sqlite``) and the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import SHARED_DATA, machine, peak_rss_mb  # noqa: E402
from huiying.county import load_units  # noqa: E402
from huiying.settings import DEFAULT_COUNTY_DIR  # noqa: E402
from index.records import CST, User, now_cst  # noqa: E402
from index.store import open_store  # noqa: E402
from workflow.accounts import hash_password  # noqa: E402

TARGET_S = 1.5
PASSWORD = "bench-password"
SOURCES = ("longchuan-bbs", "heyuan-liuyan", "gd-12345", "weibo-county", "douyin-county", "tieba-longchuan")
URGENCY = ("一般",) * 90 + ("紧急",) * 8 + ("特急",) * 2
KINDS = ("咨询", "求助", "建议", "投诉", "举报")
DOMAINS = ("劳动和社会保障", "城乡建设", "教育文体", "卫生计生", "交通运输", "商贸旅游", "环境保护")
KEYWORDS = ("拖欠工资", "路灯", "噪音", "学位", "停水", "燃气", "垃圾", "医保", "违建", "公交")
PAGES = (("值班台", "duty", "duty.py"), ("单位收件箱", "handler", "inbox.py"), ("领导看板", "leader", "leader.py"))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _texts(n: int) -> list[tuple[str, str]]:
    """Real (title, body) pairs when the shared data is present; synthetic ones otherwise."""
    path = SHARED_DATA / "unlabeled_messages_2801.csv"
    if path.exists():
        import csv

        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = [(r.get("留言主题", ""), r.get("留言详情", "")[:400]) for r in csv.DictReader(f)]
        if rows:
            return rows[:n]
    return [(f"{KEYWORDS[i % len(KEYWORDS)]}问题反映 {i}", f"第 {i} 条留言：{KEYWORDS[i % len(KEYWORDS)]}，请有关部门处理。")
            for i in range(n)]


def generate(path: Path, n_cases: int, n_items: int, seed: int = 0) -> dict[str, Any]:
    """Write a store with ``n_items`` items and ``n_cases`` cases; returns what the timing needs."""
    rng = random.Random(seed)
    url = f"sqlite:///{path}"
    store = open_store(url)
    units = load_units(DEFAULT_COUNTY_DIR)
    store.upsert_units(units)
    handler_units = [u.id for u in units if u.role in ("handler", "town")]
    store.close()

    now = now_cst()
    start = now - timedelta(days=365)
    texts = _texts(3000)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    span = (now - start).total_seconds()

    def items() -> Any:
        for i in range(1, n_items + 1):
            title, body = texts[i % len(texts)]
            posted = start + timedelta(seconds=span * i / n_items)
            yield (i, SOURCES[i % len(SOURCES)], "bench", f"https://bbs.example.cn/t/{i}", str(i), title, body,
                   f"网友{i % 9973}", posted.isoformat(), posted.isoformat(), f"h{i}")

    conn.executemany(
        """INSERT INTO items (id, source, platform, url, external_id, title, body, author, posted_at,
           fetched_at, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", items())
    conn.execute(
        """INSERT INTO classifications (item_id, domain, lead_unit, co_units_json, urgency, kind,
               confidences_json, model_version, reasons_json, keywords_json, needs_triage, classified_at)
            SELECT id, ?, ?, '[]', '一般', '投诉', '{"domain":0.8,"urgency":0.9}', 'bench-1',
                   '["关键词规则"]', '[]', 0, posted_at FROM items""",
        (DOMAINS[0], handler_units[0]),
    )
    # Spread domains, units and keywords without a Python loop over a million rows.
    conn.execute(f"UPDATE classifications SET domain = CASE item_id % 7 {' '.join(f'WHEN {k} THEN ?' for k in range(7))} END",
                 DOMAINS)
    conn.execute(f"UPDATE classifications SET keywords_json = CASE item_id % 10 "
                 f"{' '.join(f'WHEN {k} THEN ?' for k in range(len(KEYWORDS)))} END",
                 [f'["{kw}"]' for kw in KEYWORDS])

    # Cases: one per (n_items / n_cases)-th item, newest last; units weighted so a few are big.
    step = max(1, n_items // n_cases)
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(handler_units))]
    case_rows, unit_rows, event_rows = [], [], []
    open_counts: dict[str, int] = {}
    for case_id in range(1, n_cases + 1):
        item_id = min(n_items, case_id * step)
        received = start + timedelta(seconds=span * item_id / n_items, minutes=5)
        age_days = (now - received).total_seconds() / 86400
        unit = rng.choices(handler_units, weights)[0]
        urgency = rng.choice(URGENCY)
        kind = rng.choice(KINDS)
        days = 1 if urgency == "特急" else 3 if urgency == "紧急" else {"咨询": 3, "求助": 14, "建议": 14}.get(kind, 21)
        deadline = received + timedelta(days=days)
        assigned = received + timedelta(minutes=rng.randint(1, 240))
        ack = assigned + timedelta(hours=rng.expovariate(1 / 6))
        replied = assigned + timedelta(days=rng.uniform(0.2, days * 1.3))
        roll = rng.random()
        status = "closed"
        if age_days < 40 and roll < 0.5 or age_days >= 40 and roll < 0.006:
            status = rng.choice(("assigned", "acknowledged", "in_progress", "reply_pending", "replied", "reviewed"))
        if age_days < 2 and roll < 0.05:
            status = "received"
        values: dict[str, Any] = {
            "id": case_id, "item_id": item_id, "status": status, "lead_unit": unit, "co_units_json": "[]",
            "urgency": urgency, "kind": kind, "received_at": received, "deadline": deadline,
            "original_deadline": deadline, "ack_deadline": assigned + timedelta(hours=8),
            "assigned_at": None if status == "received" else assigned,
            "acknowledged_at": ack if status not in ("received", "assigned") else None,
            "replied_at": replied if status in ("replied", "reviewed", "closed") else None,
            "reviewed_at": replied + timedelta(hours=4) if status in ("reviewed", "closed") else None,
            "closed_at": replied + timedelta(hours=8) if status == "closed" else None,
            "return_count": 1 if roll > 0.97 else 0, "extension_count": 1 if 0.9 < roll < 0.93 else 0,
            "satisfaction": rng.choice(("满意", "满意", "基本满意", "不满意", "")) if status == "closed" else "",
            "version": 4 if status == "closed" else 2,
        }
        if status in ("assigned", "acknowledged", "in_progress", "reply_pending"):
            open_counts[unit] = open_counts.get(unit, 0) + 1
        case_rows.append({k: _iso(v) if isinstance(v, datetime) else v for k, v in values.items()})
        if status != "received":
            unit_rows.append((case_id, unit, "lead", _iso(assigned), _iso(values["acknowledged_at"]),
                              _iso(values["replied_at"])))
        event_rows.append((case_id, "system", "open_assign" if status != "received" else "open", _iso(received)))
        if values["acknowledged_at"]:
            event_rows.append((case_id, f"{unit}-handler", "acknowledge", _iso(values["acknowledged_at"])))
        if values["replied_at"]:
            event_rows.append((case_id, f"{unit}-leader", "reply", _iso(values["replied_at"])))
        if values["closed_at"]:
            event_rows.append((case_id, "duty", "close", _iso(values["closed_at"])))
    cols = list(case_rows[0])
    conn.executemany(f"INSERT INTO cases ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                     [tuple(r[c] for c in cols) for r in case_rows])
    conn.executemany("""INSERT INTO case_units (case_id, unit_id, role, assigned_at, acknowledged_at, replied_at)
                        VALUES (?, ?, ?, ?, ?, ?)""", unit_rows)
    conn.executemany("INSERT INTO events (case_id, actor, action, at) VALUES (?, ?, ?, ?)", event_rows)
    # A few urgent items wait at the duty desk, as the alert expects in real life.
    conn.execute("""UPDATE classifications SET urgency = '特急', needs_triage = 1
                    WHERE item_id IN (SELECT item_id FROM cases WHERE status = 'received' LIMIT 5)""")
    conn.execute("UPDATE cases SET urgency = '特急' WHERE id IN (SELECT id FROM cases WHERE status = 'received' LIMIT 5)")
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()

    busiest = max(open_counts, key=open_counts.__getitem__)
    store = open_store(url)
    password_hash = hash_password(PASSWORD)
    for user in (User("duty", "值班员", "coordinator", password_hash=password_hash),
                 User("leader", "县领导", "leader", password_hash=password_hash),
                 User("handler", "经办人", "unit_handler", unit_id=busiest, password_hash=password_hash)):
        store.upsert_user(user)
    store.close()
    return {"busiest_unit": busiest, "busiest_unit_open_cases": open_counts[busiest],
            "open_cases": sum(open_counts.values())}


def _render(app: Path, user: User) -> tuple[float, Any]:
    """One new session of the page the user lands on; returns the seconds its first run took."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app), default_timeout=300)
    at.session_state["user"] = user
    began = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - began
    if at.exception:
        raise RuntimeError(f"the page failed: {[e.value for e in at.exception]}")
    return elapsed, at


def _facts_ready(store_url: str, timeout: float = 300) -> float:
    """Wait for the leaders' background copy of the cases; returns how long its build took."""
    from dashboard import caching

    facts = caching.case_facts(store_url)
    if not facts.wait(timeout):
        raise RuntimeError(f"the case figures were not ready after {timeout} s: {facts.error}")
    return facts.build_seconds or 0.0


def _time_page(app: Path, user: User, store_url: str, repeat: int, facts: bool) -> dict[str, float]:
    """``facts``: whether the page reads the leaders' copy of the cases (its cold start rebuilds it)."""
    from dashboard import caching

    cold, first, refresh = [], [], []
    for _ in range(repeat):
        caching.clear_data(facts=facts)  # the board's data caches, not the open runtime (that is start-up)
        cold.append(_render(app, user)[0])
        _facts_ready(store_url)  # let a background build finish before the next measurement
    for _ in range(repeat):
        first.append(_render(app, user)[0])
    _, at = _render(app, user)
    for _ in range(repeat):
        began = time.perf_counter()
        at.run()
        refresh.append(time.perf_counter() - began)
    return {"cold_first_s": round(statistics.median(cold), 3), "first_s": round(statistics.median(first), 3),
            "refresh_s": round(statistics.median(refresh), 3)}


def _described(db: Path) -> dict[str, Any]:
    """What ``generate`` reports, read back from a database it made earlier (``--database``)."""
    with sqlite3.connect(db) as conn:
        handler = conn.execute("SELECT unit_id FROM users WHERE username = 'handler'").fetchone()[0]
        count = conn.execute("SELECT COUNT(*) FROM cases WHERE status IN "
                             "('assigned', 'acknowledged', 'in_progress', 'reply_pending') AND lead_unit = ?",
                             (handler,)).fetchone()[0]
        open_cases = conn.execute("SELECT COUNT(*) FROM cases WHERE status IN "
                                  "('assigned', 'acknowledged', 'in_progress', 'reply_pending')").fetchone()[0]
    return {"busiest_unit": handler, "busiest_unit_open_cases": count, "open_cases": open_cases}


def run(n_cases: int, n_items: int, repeat: int, keep: Path | None, database: Path | None = None) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="huiying-bench-board-"))
    db = database or tmp / "huiying.db"
    try:
        began = time.perf_counter()
        facts = _described(db) if database else generate(db, n_cases, n_items)
        generation_s = time.perf_counter() - began
        os.environ.update({"HUIYING_STORE_URL": f"sqlite:///{db}", "HUIYING_DATA_DIR": str(tmp),
                           "HUIYING_CALENDAR_WEEKDAY_FALLBACK": "1"})
        store_url = f"sqlite:///{db}"
        store = open_store(store_url)
        users = {name: store.get_user(name) for name in ("duty", "handler", "leader")}
        store.close()
        app = REPO / "dashboard" / "app.py"
        with sqlite3.connect(db) as conn:
            n_cases = conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
            n_items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        figures: dict[str, Any] = {
            "backend": "sqlite", "cases": n_cases, "items": n_items,
            "database_mb": round(db.stat().st_size / 2**20, 1),
            "generation_s_not_timed": None if database else round(generation_s, 1),
            **facts, "target_s": TARGET_S, "repeat": repeat, "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
        }
        duty = users["duty"]
        assert duty is not None
        began = time.perf_counter()
        _render(app, duty)  # start-up: opens the store and loads the county (not a page render)
        figures["startup_s_not_a_render"] = round(time.perf_counter() - began, 3)
        figures["leader_figures_build_s_background"] = round(_facts_ready(store_url), 3)
        for title, username, script in PAGES:
            user = users[username]
            assert user is not None
            times = _time_page(app, user, store_url, repeat, facts=script == "leader.py")
            for key, value in times.items():
                figures[f"{script[:-3]}_{key}"] = value
            worst = max(times.values())
            figures[f"{script[:-3]}_meets_target"] = worst <= TARGET_S
            print(f"  {title:<8} " + "  ".join(f"{k}={v:.3f}s" for k, v in times.items())
                  + f"  {'≤' if worst <= TARGET_S else '>'} {TARGET_S}s", flush=True)
        figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
        figures["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)  # other work on the machine skews timings
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(db, keep / "huiying.db")
        return figures
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="copy the generated database into this folder")
    parser.add_argument("--database", type=Path, help="time a database generated earlier (--keep) instead of a new one")
    args = parser.parse_args()
    figures = run(args.cases, args.items, args.repeat, args.keep, args.database)
    import json

    print("== board: time to first render and to refresh (AppTest, no browser)")
    for key, value in figures.items():
        print(f"  {key:<34} {value}")
    print("JSON " + json.dumps({"benchmark": "board", **figures, **machine(), "at": datetime.now(CST).isoformat()},
                               ensure_ascii=False))


if __name__ == "__main__":
    main()
