"""Pages per second and memory of a Huiying crawl, next to a bare Scrapy spider fetching the same pages.

Run: ``python bench/bench_crawl.py [--pages 2000] [--understand]``. The fixture site
(``crawlers.fixture_site``) serves ``--pages`` article pages behind list pages of 50 links, on
127.0.0.1 in this process. Each crawl runs in its own subprocess, one after the other, with the
same politeness settings (no delay, 16 requests at a time, robots.txt obeyed):

- ``huiying``: the generic platform spider configured by selectors, through the real pipelines
  (clean → hash → [understand with ``--understand``] → store into a fresh SQLite file), with the
  retry, block-detection and robots middlewares and the source-health record;
- ``bare``: a plain ``scrapy.Spider`` that follows the same links and yields nothing.

Printed: pages, seconds and pages/s of each, the ratio, each subprocess's peak resident memory
(``wait4``), and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # python bench/bench_crawl.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import report  # noqa: E402

SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False,
}


def child_huiying(base: str, pages: int, db: str, understand: bool) -> dict[str, Any]:
    from crawlers.fixture_site.sources import bench_source
    from crawlers.runner import crawl

    source = bench_source(base, pages)
    source["settings"] = {**source["settings"], **{k: v for k, v in SETTINGS.items() if k != "LOG_LEVEL"}}
    overrides = {"LOG_LEVEL": "ERROR", "HUIYING_UNDERSTAND_ENABLED": understand}
    result = crawl([source], store_url=f"sqlite:///{db}", settings_overrides=overrides)["sources"][source["name"]]
    return {"pages": result["pages"], "seconds": result["elapsed_s"], "items": result["items_new"], "ok": result["ok"]}


def child_bare(base: str) -> dict[str, Any]:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class BareSpider(scrapy.Spider):
        name = "bare"
        start_urls = [f"{base}/bench/list_1.html"]

        def parse(self, response: Any) -> Any:
            yield from response.follow_all(css="ul.items a", callback=self.page)
            yield from response.follow_all(css="a.next", callback=self.parse)

        def page(self, response: Any) -> Any:
            return None

    process = CrawlerProcess({**SETTINGS, "USER_AGENT": "Huiying-bench"})
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    return {"pages": stats.get("response_received_count", 0), "seconds": stats.get("elapsed_time_seconds"), "items": 0,
            "ok": stats.get("finish_reason") == "finished"}


def run_child(args: list[str]) -> dict[str, Any]:
    """Run one crawl in a subprocess; its figures plus wall time and peak RSS from ``wait4``."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = process.stdout.read() if process.stdout else b""
    err = process.stderr.read() if process.stderr else b""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"benchmark crawl {args[1]} failed:\n{err.decode('utf-8', 'replace')[-3000:]}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages to crawl (plus one list page per 50)")
    parser.add_argument("--understand", action="store_true", help="also classify every item (loads the model)")
    parser.add_argument("--child", choices=("huiying", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "huiying":
        print(json.dumps(child_huiying(args.base, args.pages, args.db, args.understand)))
        return 0
    if args.child == "bare":
        print(json.dumps(child_bare(args.base)))
        return 0

    from crawlers.fixture_site import start_fixture_site

    servers = start_fixture_site(bench_pages=args.pages)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            huiying_args = ["--child", "huiying", "--base", servers.base, "--pages", str(args.pages),
                            "--db", str(Path(tmp) / "bench.db")] + (["--understand"] if args.understand else [])
            bare = run_child(["--child", "bare", "--base", servers.base, "--pages", str(args.pages)])
            ours = run_child(huiying_args)
    finally:
        servers.stop()
    rate = ours["pages"] / ours["seconds"] if ours["seconds"] else 0.0
    bare_rate = bare["pages"] / bare["seconds"] if bare["seconds"] else 0.0
    report("crawl", {
        "pages_requested": args.pages + -(-args.pages // 50),
        "understand": args.understand,
        "huiying_pages": ours["pages"],
        "huiying_items_stored": ours["items"],
        "huiying_crawl_s": round(ours["seconds"], 2),
        "huiying_pages_per_s": round(rate, 1),
        "huiying_wall_s": round(ours["wall_s"], 2),
        "huiying_peak_rss_mb": round(ours["peak_rss_mb"], 1),
        "bare_pages": bare["pages"],
        "bare_crawl_s": round(bare["seconds"], 2),
        "bare_pages_per_s": round(bare_rate, 1),
        "bare_wall_s": round(bare["wall_s"], 2),
        "bare_peak_rss_mb": round(bare["peak_rss_mb"], 1),
        "speed_ratio_huiying_to_bare": round(rate / bare_rate, 3) if bare_rate else None,
        "memory_ratio_huiying_to_bare": round(ours["peak_rss_mb"] / bare["peak_rss_mb"], 2) if bare["peak_rss_mb"] else None,
    })
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
