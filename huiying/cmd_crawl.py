"""Commands that collect: the monitor (every source on its interval), a one-off crawl, imports, sources.

``huiying monitor`` is the long-running collector: one process, one reactor, every enabled
source on its own interval (``crawlers.monitor``). After each run of a source it opens cases for
the new items, sends the reminders that are due and, when the county has a notifications file
and ``workflow.notify`` is installed, queues and delivers notifications — the coordination loop
lives here because ``crawlers`` may not import ``workflow``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from huiying.cliutil import common_options, config_from, print_json

log = logging.getLogger("huiying.monitor")


def _variables(pairs: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--var {pair!r}: write NAME=VALUE, e.g. --var demo=http://127.0.0.1:8765")
        out[name.strip()] = value.strip()
    return out


def _options(pairs: list[str] | None) -> dict[str, Any]:
    import yaml

    out: dict[str, Any] = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--option {pair!r}: write KEY=VALUE (VALUE in YAML, e.g. max_thread_pages=3)")
        out[name.strip()] = yaml.safe_load(value) if value.strip() else ""
    return out


# -- the after-run hook: cases, reminders, notifications -----------------------------------------------

class CoordinationHook:
    """``on_source_done`` for the monitor: the coordination loop's periodic work after each run."""

    def __init__(self, runtime: Any, quiet: bool = False) -> None:
        self.runtime = runtime
        self.quiet = quiet
        self.notify, self.notify_config, self.transports = self._notifications()

    def _notifications(self) -> tuple[Any, Any, Any]:
        try:
            from workflow import notify, transports
        except ImportError:  # written in parallel: call it only once it exists
            return None, None, None
        path = Path(self.runtime.config.county_dir) / "notifications.yaml"
        if not path.exists():
            return None, None, None
        config = transports.NotificationConfig.load(path)
        if not config.duty_desk and not any(config.units.values()):
            return None, None, None  # nobody to notify yet (the demo county's file is empty)
        return notify, config, transports.build_transports(config)

    def __call__(self, source: Any, report: dict[str, Any]) -> dict[str, Any]:
        from index.records import now_cst
        from workflow import reminders

        runtime = self.runtime
        now = now_cst()
        done: dict[str, Any] = {"source": source.name}
        for step, action in (
            ("related", runtime.relate_new_items),
            ("cases_opened", lambda: runtime.cases.open_new_cases()),
            ("reminded", lambda: reminders.sweep(runtime.cases, now)),
            ("notifications", self._notify),
        ):
            try:
                done[step] = action()
            except Exception as exc:  # the monitor keeps collecting; the failure is logged and shown
                log.exception("after the run of %s: %s failed", source.name, step)
                done[step] = f"failed: {type(exc).__name__}: {exc}"
        if not self.quiet:
            status = "正常" if report.get("ok") else f"异常（{report.get('finish_reason')}）"
            print(f"[{time.strftime('%H:%M:%S')}] {source.name}：{status}，新增 {report.get('items_new', 0)} 条、"
                  f"更新 {report.get('items_updated', 0)} 条；新建案件 {done.get('cases_opened')} 件；"
                  f"催办 {done.get('reminded')} 件", flush=True)
        return done

    def _notify(self) -> Any:
        if self.notify is None:
            return None
        from index.records import now_cst

        runtime = self.runtime
        queued = self.notify.enqueue_new_events(runtime.store, self.notify_config, runtime.unit_names)
        delivered = self.notify.deliver_due(runtime.store, self.transports, now_cst(), self.notify_config.retry)
        return {"queued": queued, "sent": delivered.get("sent", 0), "failed": delivered.get("failed", 0)}


# -- commands ---------------------------------------------------------------------------------------------

def _load_sources(args: argparse.Namespace, variables: dict[str, str]) -> list[Any]:
    from crawlers.sourcefile import load_sources

    path = args.sources
    if path is None:
        import os

        path = os.environ.get("HUIYING_SOURCES") or None
    configs = load_sources(path, variables)
    if getattr(args, "only", None):
        wanted = set(args.only)
        unknown = wanted - {c.name for c in configs}
        if unknown:
            raise ValueError(f"--only: no source named {', '.join(sorted(unknown))} in the sources file")
        configs = [c for c in configs if c.name in wanted]
    return configs


def cmd_monitor(args: argparse.Namespace) -> int:
    from crawlers.monitor import Monitor
    from huiying.runtime import open_runtime

    config = config_from(args)
    variables = _variables(args.var)
    server = None
    if args.serve_demo:
        from crawlers.demo_site import start_demo_site

        server, base_url = start_demo_site()
        variables.setdefault("demo", base_url)
        print(f"演示站点 demo site: {base_url}", flush=True)
    configs = _load_sources(args, variables)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    runtime = open_runtime(config)
    hook = CoordinationHook(runtime, quiet=args.quiet)
    overrides: dict[str, Any] = {"LOG_LEVEL": "INFO" if args.verbose else "WARNING"}
    if args.no_understand:
        overrides["HUIYING_UNDERSTAND_ENABLED"] = False
    try:
        monitor = Monitor(configs, store_url=config.store_url, model_path=str(config.model_path),
                          county_dir=str(config.county_dir), settings_overrides=overrides, on_source_done=hook,
                          once=args.once)
        if not args.quiet:
            print(f"监测 {len(monitor.configs)} 个信息源 / monitoring {len(monitor.configs)} source(s)"
                  f"{'（各运行一次）' if args.once else '；按 Ctrl+C 停止'}", flush=True)
        summary = monitor.run()
        # A run stopped by SIGTERM/Ctrl+C may have stored items after its last hook: open their cases now.
        summary["related_at_exit"] = runtime.relate_new_items()
        summary["cases_opened_at_exit"] = runtime.cases.open_new_cases()
    finally:
        runtime.close()
        if server is not None:
            server.shutdown()
            server.server_close()
    if args.json:
        print_json(summary)
    failed = [name for name, s in summary["sources"].items() if not s.get("ok")]
    return 1 if args.once and failed else 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawlers.runner import crawl
    from crawlers.sourcefile import check_sources, load_sources

    url = args.url
    if "://" not in url and Path(url).exists():
        url = Path(url).resolve().as_uri()  # a saved page on disk
    source: dict[str, Any] = {"name": f"oneoff-{args.platform}", "platform": args.platform}
    if args.source_file:
        found = [c for c in load_sources(args.source_file) if c.name == args.source]
        if not found:
            raise ValueError(f"--source {args.source!r} is not in {args.source_file}")
        source = {**found[0].to_dict(), "name": source["name"], "platform": found[0].platform}
    source["start_urls"] = [url]
    source.update(_options(args.option))
    if args.max_pages:
        source["max_pages"] = args.max_pages
    if args.encoding:
        source["encoding"] = args.encoding
    check_sources([source])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("", encoding="utf-8")
    overrides: dict[str, Any] = {"HUIYING_JSONL_PATH": str(out), "LOG_LEVEL": "INFO" if args.verbose else "WARNING"}
    if url.startswith("file:") or args.fast:
        overrides.update({"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False})
    report = crawl([source], store_url=None, settings_overrides=overrides)
    result = report["sources"][source["name"]]
    lines = sum(1 for line in out.read_text(encoding="utf-8").splitlines() if line.strip())
    summary = {"ok": result["ok"], "items": lines, "out": str(out), "pages": result["pages"],
               "finish_reason": result["finish_reason"], "gates": result["gates"],
               "errors": {k: v for k, v in result["errors"].items() if v}}
    print(json.dumps(summary, ensure_ascii=False), file=sys.stderr if not args.json else sys.stdout)
    return 0 if result["ok"] else 1


def cmd_ingest(args: argparse.Namespace) -> int:
    from crawlers.ingest import ingest_file
    from crawlers.pipelines import load_understander
    from crawlers.processing import ItemProcessor
    from huiying.runtime import open_runtime

    config = config_from(args)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    runtime = open_runtime(config)
    try:
        understander = None if args.no_understand else load_understander(str(config.model_path), str(config.county_dir))
        processor = ItemProcessor(runtime.store, understander)
        report = ingest_file(args.file, processor, source=args.source, platform=args.platform, sheet=args.sheet)
        related = runtime.relate_new_items() if not args.no_understand else "off"
        opened = runtime.cases.open_new_cases() if not args.no_cases else 0
    finally:
        runtime.close()
    data = report.as_dict()
    data["related"] = related
    data["cases_opened"] = opened
    if args.json:
        print_json(data)
    else:
        counts = report.counts()
        print(f"{report.file}（{report.sheet}，表头在第 {report.header_row} 行）→ 信息源 {report.source}")
        print("  列：" + "，".join(f"{h}→{f}" for h, f in report.columns.items())
              + (f"；未使用：{'，'.join(report.ignored_columns)}" if report.ignored_columns else ""))
        for row in report.rows:
            if row.status in ("error", "blank") or row.warnings:
                note = row.message or "；".join(row.warnings)
                print(f"  第 {row.row} 行 {row.status}：{note}")
        print(f"  新增 {counts.get('new', 0)}，更新 {counts.get('updated', 0)}，重复 {counts.get('duplicate', 0)}，"
              f"出错 {counts.get('error', 0)}，空行 {counts.get('blank', 0)}；新建案件 {opened} 件")
    return 0 if report.ok else 1


def cmd_sources(args: argparse.Namespace) -> int:
    from crawlers.health import read_health

    configs = _load_sources(args, _variables(args.var))
    rows: list[dict[str, Any]] = [c.to_dict() for c in configs]
    if args.health:
        from huiying.runtime import open_runtime

        runtime = open_runtime(config_from(args), load_county=False)
        try:
            for row in rows:
                row["health"] = read_health(runtime.store, row["name"])
        finally:
            runtime.close()
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        health = row.get("health") or {}
        state = f" · {health.get('status')} · 上次成功 {health.get('last_success_at') or '—'}" if args.health else ""
        print(f"{row['name']:<28} {row['platform']:<12} {'启用' if row.get('enabled', True) else '停用'} "
              f"每 {row.get('interval', 900):.0f} 秒{state}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("monitor", help="collect from every enabled source on its interval; open cases, remind, notify")
    common_options(p)
    p.add_argument("--sources", help="sources file (YAML; default $HUIYING_SOURCES, else the bundled demo sources)")
    p.add_argument("--var", action="append", metavar="NAME=VALUE", help="a ${NAME} in the sources file")
    p.add_argument("--only", action="append", metavar="NAME", help="monitor only this source (repeatable)")
    p.add_argument("--once", action="store_true", help="run every source once, then exit (1 if one failed)")
    p.add_argument("--serve-demo", action="store_true", help="also serve the bundled demo site (sets ${demo})")
    p.add_argument("--no-understand", action="store_true", help="store items unclassified, for manual triage")
    p.add_argument("--quiet", action="store_true", help="no line per run on stdout")
    p.add_argument("--verbose", action="store_true", help="Scrapy's INFO log on stderr")
    p.add_argument("--json", action="store_true", help="print a JSON summary at exit")
    p.set_defaults(func=cmd_monitor)

    p = sub.add_parser("crawl", help="crawl one URL once with a platform spider and write JSON lines (no database)")
    p.add_argument("--platform", required=True, choices=("liuyan", "discuz", "tieba", "gov-mailbox", "rss", "generic"))
    p.add_argument("--url", required=True, help="start URL, or a saved page's path")
    p.add_argument("--out", required=True, help="JSON lines file to write (one object per item)")
    p.add_argument("--max-pages", type=int, help="list pages to read (default 5)")
    p.add_argument("--encoding", help="force the page encoding (gbk, utf-8, ...)")
    p.add_argument("--option", action="append", metavar="KEY=VALUE", help="a platform option (VALUE in YAML)")
    p.add_argument("--source-file", help="take the options of a source from this sources file ...")
    p.add_argument("--source", help="... with this name")
    p.add_argument("--fast", action="store_true", help="no politeness delay (only for your own or saved pages)")
    p.add_argument("--verbose", action="store_true", help="Scrapy's INFO log on stderr")
    p.add_argument("--json", action="store_true", help="print the summary on stdout instead of stderr")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("ingest", help="import an Excel/CSV export of hotline or petition items")
    common_options(p)
    p.add_argument("file", help=".xlsx or .csv file")
    p.add_argument("--source", default="hotline", help="source name stored with the items (default hotline)")
    p.add_argument("--platform", help="platform stored with the items (default: the source name)")
    p.add_argument("--sheet", help="sheet name (default the first)")
    p.add_argument("--no-understand", action="store_true", help="store items unclassified, for manual triage")
    p.add_argument("--no-cases", action="store_true", help="do not open cases for the new items")
    p.add_argument("--json", action="store_true", help="print the row-by-row report as JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("sources", help="check the sources file and list its sources (with --health: how they are doing)")
    common_options(p)
    p.add_argument("--sources", help="sources file (default $HUIYING_SOURCES, else the bundled demo sources)")
    p.add_argument("--var", action="append", metavar="NAME=VALUE", help="a ${NAME} in the sources file")
    p.add_argument("--health", action="store_true", help="add each source's recorded health")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sources)
