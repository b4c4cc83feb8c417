"""``python -m crawlers.run --json '<config>'``: one crawl in a fresh process, report on stdout.

The config is ``{"sources": [...], "store_url": "...", "model_path": null, "county_dir": null,
"settings_overrides": {}}``. The last line of stdout is the JSON report; logs go to stderr.
Exit status: 0 all sources ok, 1 the crawl ran but a source failed, 2 bad configuration (sources,
model or county files); then the last line is ``{"ok": false, "error": "..."}``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from crawlers.errors import CrawlerError
from crawlers.runner import crawl
from nlp.errors import NlpError


def _load(args: argparse.Namespace) -> dict[str, Any]:
    text = args.json if args.json is not None else Path(args.config).read_text(encoding="utf-8")
    config = json.loads(text)
    if not isinstance(config, dict) or "sources" not in config or "store_url" not in config:
        raise ValueError('config must be a JSON object with "sources" and "store_url"')
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one Huiying crawl and print its JSON report.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--json", help="the crawl config as a JSON string")
    group.add_argument("--config", help="path of a JSON file holding the crawl config")
    args = parser.parse_args(argv)
    stdout = sys.stdout
    try:
        config = _load(args)
        # Anything a library prints must not corrupt the report: stdout carries only the report.
        with contextlib.redirect_stdout(sys.stderr):
            report = crawl(
                config["sources"], store_url=config["store_url"], model_path=config.get("model_path"),
                county_dir=config.get("county_dir"), settings_overrides=config.get("settings_overrides") or {},
            )
    except (CrawlerError, NlpError, ValueError, OSError) as exc:
        print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}, ensure_ascii=False),
              file=stdout, flush=True)
        return 2
    print(json.dumps(report, ensure_ascii=False, default=str), file=stdout, flush=True)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
