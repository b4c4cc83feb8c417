"""Running crawls: all configured sources at once, in this process or in a fresh subprocess.

``crawl()`` runs every source concurrently with Scrapy's ``CrawlerProcess`` and blocks until
all are done. Twisted's reactor cannot be restarted, so a process can do that only once; the
monitor and the demo, which crawl again and again, use ``crawl_in_subprocess()``, which runs
``python -m crawlers.run --json '<config>'`` and reads the JSON report it prints.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawlers.errors import CrawlerError, CrawlSubprocessError, ReactorAlreadyUsed, SourceConfigError
from crawlers.pipelines import load_understander
from crawlers.report import crawl_report, source_report
from crawlers.settings import Shared, build_settings
from crawlers.sources import SourceConfig
from crawlers.spiders import spider_for
from index.records import now_cst

logger = logging.getLogger(__name__)


def validate_sources(sources: Sequence[Mapping[str, Any] | SourceConfig]) -> list[SourceConfig]:
    """Check every source before any request is sent; names must be unique."""
    configs = [SourceConfig.from_dict(s) for s in sources]
    names = [c.name for c in configs]
    for name in names:
        if names.count(name) > 1:
            raise SourceConfigError(name, "two sources have this name; names identify stored items and must be unique")
    for config in configs:
        spider_for(config)
    return configs


def _settings_for(store_url: str, model_path: str | None, county_dir: str | None,
                  overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    values: dict[str, Any] = {"HUIYING_STORE_URL": store_url}
    if model_path is not None:
        values["HUIYING_MODEL_PATH"] = str(model_path)
    if county_dir is not None:
        values["HUIYING_COUNTY_DIR"] = str(county_dir)
    values.update(overrides or {})
    return values


def _reactor_was_used() -> bool:
    if "twisted.internet.reactor" not in sys.modules:
        return False
    from twisted.internet import reactor

    return bool(getattr(reactor, "_startedBefore", False))


def crawl(
    sources: Sequence[Mapping[str, Any] | SourceConfig],
    *,
    store_url: str,
    model_path: str | None = None,
    county_dir: str | None = None,
    settings_overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Crawl every source in this process (blocking) and return the report (see crawlers.report).

    Raises ``SourceConfigError`` for a bad source before crawling, ``ReactorAlreadyUsed`` if this
    process already crawled once, and the understanding layer's errors (``nlp.errors``) if the
    model or county files cannot be loaded. Failures during the crawl are reported, not raised.
    """
    configs = validate_sources(sources)
    if _reactor_was_used():
        raise ReactorAlreadyUsed()
    settings = build_settings(_settings_for(store_url, model_path, county_dir, settings_overrides))
    if settings.getbool("HUIYING_UNDERSTAND_ENABLED") and settings.get("HUIYING_UNDERSTANDER") is None:
        # One Understander for every source of this run instead of one per crawler.
        understander = load_understander(settings.get("HUIYING_MODEL_PATH"), settings.get("HUIYING_COUNTY_DIR"))
        settings.set("HUIYING_UNDERSTANDER", Shared(understander), priority="cmdline")
    process = CrawlerProcess(settings)
    started = now_cst()
    runs: list[tuple[SourceConfig, Any, dict[str, str]]] = []
    for number, config in enumerate(configs):
        crawler = _crawler_for(config, settings, first=number == 0)
        failure_box: dict[str, str] = {}
        deferred = process.crawl(crawler, source=config.to_dict())
        deferred.addErrback(_remember_failure, failure_box, config.name)
        runs.append((config, crawler, failure_box))
    process.start(install_signal_handlers=threading.current_thread() is threading.main_thread())
    reports = []
    for config, crawler, failure_box in runs:
        reports.append(source_report(config, _stats_of(crawler), failure_box.get("error"), crawler.settings))
    return crawl_report(reports, started, now_cst(), store_url)


def _crawler_for(config: SourceConfig, settings: Settings, first: bool) -> Crawler:
    """A crawler for one source, with the source's own settings above the run's defaults.

    Per-source settings take ``spider`` priority: above the defaults, below the run's
    ``settings_overrides``. The first crawler installs the reactor (as CrawlerProcess would).
    """
    own = settings.copy()
    if config.settings:
        own.setdict(config.settings, priority="spider")
    return Crawler(spider_for(config), own, init_reactor=first)


def _stats_of(crawler: Any) -> dict[str, Any]:
    """A crawler's stats; empty when it failed before its stats collector existed."""
    try:
        return dict(crawler.stats.get_stats())
    except RuntimeError:
        return {}


def _remember_failure(failure: Any, box: dict[str, str], name: str) -> None:
    """A crawler that failed to start (e.g. the model would not load): keep the reason for the report."""
    box["error"] = f"{type(failure.value).__name__}: {failure.value}"
    logger.error("source %s could not run: %s", name, box["error"])


def crawl_in_subprocess(
    sources: Sequence[Mapping[str, Any] | SourceConfig],
    *,
    store_url: str,
    model_path: str | None = None,
    county_dir: str | None = None,
    settings_overrides: Mapping[str, Any] | None = None,
    timeout: float | None = None,
    python: str | None = None,
) -> dict[str, Any]:
    """Run ``crawl()`` in a fresh ``python -m crawlers.run`` process and return its report.

    Raises ``SourceConfigError`` before starting for a bad source, and ``CrawlSubprocessError``
    when the subprocess dies, times out or prints no report (with the tail of its log).
    """
    configs = validate_sources(sources)
    config = {
        "sources": [c.to_dict() for c in configs],
        "store_url": store_url,
        "model_path": None if model_path is None else str(model_path),
        "county_dir": None if county_dir is None else str(county_dir),
        "settings_overrides": dict(settings_overrides or {}),
    }
    command = [python or sys.executable, "-m", "crawlers.run", "--json", json.dumps(config, ensure_ascii=False)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        raise CrawlSubprocessError(-1, f"timed out after {timeout} s\n" + _tail(stderr)) from exc
    report = _last_json_object(done.stdout)
    if report is None:
        raise CrawlSubprocessError(done.returncode, _tail(done.stderr))
    if "error" in report and "sources" not in report:
        raise CrawlerError(str(report["error"]))
    if not report.get("ok"):
        report["log_tail"] = _tail(done.stderr)
    return report


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _last_json_object(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None
