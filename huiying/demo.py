"""``huiying demo``: the whole loop on the embedded default, with the bundled demo sites.

It serves the demo forum and message board on 127.0.0.1, crawls them with the real spiders,
understands and routes every item, opens a case with a deadline for each, and (unless headless)
opens the board and keeps crawling on an interval until stopped.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from crawlers.demo_site import demo_sources, start_demo_site
from crawlers.runner import crawl_in_subprocess
from huiying.board import start_board
from huiying.jobs import Notifier, after_collect
from huiying.runtime import Runtime, open_runtime
from huiying.settings import Config
from index.records import User, now_cst
from workflow.accounts import hash_password

COUNTY_ACCOUNTS = (
    ("admin", "系统管理员", "admin", ""),
    ("duty", "值班员", "coordinator", ""),
    ("leader", "县领导", "leader", ""),
)
"""Demo accounts for county-wide roles; every unit also gets ``<unit id>`` (经办人) and
``<unit id>-leader`` (负责人)."""


def seed_demo_accounts(runtime: Runtime) -> list[User]:
    """Create the demo accounts, all with the demo password (hashed once, stored per account)."""
    password_hash = hash_password(runtime.config.demo_password)
    users = [User(username=u, display_name=n, role=r, unit_id=unit, password_hash=password_hash)
             for u, n, r, unit in COUNTY_ACCOUNTS]
    for unit in runtime.store.units():
        users.append(User(username=unit.id, display_name=f"{unit.name}经办人", role="unit_handler",
                          unit_id=unit.id, password_hash=password_hash))
        users.append(User(username=f"{unit.id}-leader", display_name=f"{unit.name}负责人", role="unit_leader",
                          unit_id=unit.id, password_hash=password_hash))
    for user in users:
        runtime.store.upsert_user(user)
    return users


def run_cycle(runtime: Runtime, sources: list[dict[str, Any]], notifier: Notifier | None = None) -> dict[str, Any]:
    """One crawl of every demo source, then cases, reminders and notifications."""
    config = runtime.config
    report = crawl_in_subprocess(
        sources, store_url=config.store_url, model_path=str(config.model_path), county_dir=str(config.county_dir),
    )
    return {"crawl": report, **after_collect(runtime, notifier)}


def summary(runtime: Runtime) -> dict[str, Any]:
    store = runtime.store
    by_unit = store.counts_by("unit")
    by_urgency = store.counts_by("urgency")
    classified = sum(n for k, n in store.counts_by("domain").items() if k)
    assigned = sum(n for k, n in store.counts_by("status").items() if k and k != "received")
    return {
        "items": store.count_items(),
        "classified": classified,
        "assigned": assigned,
        "by_unit": by_unit,
        "by_urgency": by_urgency,
        "database": str(getattr(store, "path", store.url)),
    }


def seed_demo(runtime: Runtime) -> int:
    """Demo accounts and the demo's handling history (once per database)."""
    from huiying.demo_history import seed_history
    from nlp.understand import Understander

    seed_demo_accounts(runtime)
    if runtime.store.get_state("demo", "history_seeded"):
        return 0
    understander = Understander.load(runtime.config.model_path, runtime.config.county_dir)
    return seed_history(runtime, understander, now=now_cst())


def run_headless(config: Config) -> dict[str, Any]:
    runtime = open_runtime(config)
    server, base_url = start_demo_site(release_every=0)
    try:
        history = seed_demo(runtime)
        cycle = run_cycle(runtime, demo_sources(base_url))
        out = summary(runtime)
        out["history_cases"] = history
        out["cases_opened"] = cycle["cases_opened"]
        out["related"] = cycle["related"]
        out["hot_events"] = [{"id": t.id, "title": t.title, "items": t.size, "heat": round(t.heat, 2)}
                             for t in runtime.store.hot_topics(limit=3)]
        out["crawl"] = cycle["crawl"]
        return out
    finally:
        server.shutdown()
        runtime.close()


def _print_welcome(runtime: Runtime, base_url: str, board_url: str) -> None:
    config = runtime.config
    lines = [
        "",
        "回应 Huiying 演示已启动 / demo running",
        f"  看板 board:        {board_url}",
        f"  演示站点 demo site: {base_url}",
        f"  数据 data:          {config.store_url}",
        f"  演示密码 password:  {config.demo_password}",
        "  登录名 sign-in names:",
        "    duty    值班员 (duty officer: live feed, triage, assignment)",
        "    leader  县领导 (leader: response times per unit)",
        "    admin   系统管理员",
        "    <单位代码> 经办人 / <单位代码>-leader 负责人, e.g. hrss, housing, education, health, transport",
        "  按 Ctrl+C 停止 / press Ctrl+C to stop",
        "",
    ]
    print("\n".join(lines), flush=True)


def run_demo(config: Config) -> int:
    runtime = open_runtime(config)
    seed_demo(runtime)
    server, base_url = start_demo_site()
    board: subprocess.Popen[bytes] | None = None
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    try:
        board, board_url = start_board(config)
        _print_welcome(runtime, base_url, board_url)
        sources = demo_sources(base_url)
        notifier = Notifier(runtime)
        while not stop:
            started = time.monotonic()
            cycle = run_cycle(runtime, sources, notifier)
            crawl = cycle["crawl"]
            print(
                f"[{time.strftime('%H:%M:%S')}] 采集 {crawl.get('items_new', 0)} 条新信息，"
                f"新建案件 {cycle['cases_opened']} 件；库中共 {runtime.store.count_items()} 条",
                flush=True,
            )
            if board.poll() is not None:
                print("看板进程已退出，请查看上面的错误信息。/ the board exited; see the messages above.", file=sys.stderr)
                return 1
            while not stop and time.monotonic() - started < config.demo_interval:
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        if board is not None and board.poll() is None:
            board.terminate()
            try:
                board.wait(timeout=10)
            except subprocess.TimeoutExpired:
                board.kill()
        server.shutdown()
        runtime.close()
    print("演示已停止 / demo stopped")
    return 0
