"""Running crawls: sources in a Twisted reactor with Scrapy's ``CrawlerRunner``, once or repeatedly.

``SourceRunner`` runs one source's crawl inside a running reactor and turns it into a report
(``crawlers.report``), records the source's health in the store (``crawlers.health``) and calls
the ``on_source_done(config, report)`` hook — the place where the product opens cases for new
items (``huiying monitor``), since ``crawlers`` may not import the coordination loop itself.
Runs of sources that start on the same site wait for each other (``HUIYING_ONE_RUN_PER_SITE``).

``crawl()`` runs every source once and blocks until all are done. Twisted's reactor cannot be
restarted, so a process can do that only once; callers that crawl again and again either keep
one reactor running (``crawlers.monitor.Monitor``) or use ``crawl_in_subprocess()``, which runs
``python -m crawlers.run --json '<config>'`` and reads the JSON report it prints.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

from scrapy.crawler import Crawler, CrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.log import configure_logging
from twisted.internet.defer import Deferred, DeferredList, DeferredLock, inlineCallbacks

from crawlers.errors import CrawlerError, CrawlSubprocessError, ReactorAlreadyUsed
from crawlers.health import record_run
from crawlers.pipelines import load_understander
from crawlers.report import crawl_report, source_report
from crawlers.settings import Shared, build_settings
from crawlers.sourcefile import check_sources
from crawlers.sources import SourceConfig
from crawlers.spiders import spider_for
from index.records import now_cst
from index.store import open_store

logger = logging.getLogger(__name__)

SourceDone = Callable[[SourceConfig, dict[str, Any]], Any]
"""``on_source_done(config, report)``: called in the reactor thread after each run of a source."""


def validate_sources(sources: Sequence[Mapping[str, Any] | SourceConfig]) -> list[SourceConfig]:
    """Check every source before any request is sent (platform, options, unique names)."""
    return check_sources(sources)


def run_settings(store_url: str | None, model_path: str | None = None, county_dir: str | None = None,
                 overrides: Mapping[str, Any] | None = None) -> Settings:
    """The run's Scrapy settings: polite defaults, the store and model, then the overrides."""
    values: dict[str, Any] = {}
    if store_url:
        values["HUIYING_STORE_URL"] = store_url
    if model_path is not None:
        values["HUIYING_MODEL_PATH"] = str(model_path)
    if county_dir is not None:
        values["HUIYING_COUNTY_DIR"] = str(county_dir)
    values.update(overrides or {})
    return build_settings(values)


def share_understander(settings: Settings) -> None:
    """Load the Understander once for every crawler of this process (a few seconds), if enabled."""
    if settings.getbool("HUIYING_UNDERSTAND_ENABLED") and settings.get("HUIYING_UNDERSTANDER") is None:
        understander = load_understander(settings.get("HUIYING_MODEL_PATH"), settings.get("HUIYING_COUNTY_DIR"))
        settings.set("HUIYING_UNDERSTANDER", Shared(understander), priority="cmdline")


def _reactor_was_used() -> bool:
    if "twisted.internet.reactor" not in sys.modules:
        return False
    from twisted.internet import reactor

    return bool(getattr(reactor, "_startedBefore", False))


def prepare_reactor(settings: Settings) -> Any:
    """Install the configured reactor (once per process), set up logging, return the reactor."""
    if _reactor_was_used():
        raise ReactorAlreadyUsed()
    from scrapy.utils.reactor import install_reactor, verify_installed_reactor

    if "twisted.internet.reactor" not in sys.modules:
        install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
    else:
        verify_installed_reactor(settings["TWISTED_REACTOR"])
    configure_logging(settings)
    from twisted.internet import reactor

    return reactor


class SourceRunner:
    """Runs sources' crawls in the running reactor: reports, health, the done hook, one run per site."""

    def __init__(self, settings: Settings, store_url: str | None, on_source_done: SourceDone | None = None) -> None:
        self.settings = settings
        self.runner = CrawlerRunner(settings)
        self.on_source_done = on_source_done
        self.health_store: Any = open_store(store_url) if store_url else None
        self.site_locks: dict[str, DeferredLock] = {}
        self.one_per_site = settings.getbool("HUIYING_ONE_RUN_PER_SITE", True)
        self.last_health: dict[str, dict[str, Any]] = {}

    def crawler_for(self, config: SourceConfig) -> Crawler:
        """A crawler for one source: its own settings (and limits) above the defaults, below the run's overrides."""
        own = self.settings.copy()
        values = config.crawl_settings()
        if values:
            own.setdict(values, priority="spider")
        return Crawler(spider_for(config), own)

    def _locks(self, config: SourceConfig) -> list[DeferredLock]:
        if not self.one_per_site or config.settings.get("HUIYING_ONE_RUN_PER_SITE") is False:
            return []
        return [self.site_locks.setdefault(site, DeferredLock()) for site in config.netlocs]

    @inlineCallbacks
    def run(self, config: SourceConfig) -> Generator[Deferred[Any], Any, dict[str, Any]]:
        """Crawl one source once; the Deferred fires with its report (never with a failure)."""
        locks = self._locks(config)
        for lock in locks:
            yield lock.acquire()
        try:
            started = now_cst()
            crawler = self.crawler_for(config)
            error = None
            try:
                yield self.runner.crawl(crawler, source=config.to_dict())
            except Exception as exc:  # a crawler that failed to start: reported, not raised
                error = f"{type(exc).__name__}: {exc}"
                logger.error("source %s could not run: %s", config.name, error)
            finished = now_cst()
            report = source_report(config, _stats_of(crawler), error, crawler.settings)
            report["started_at"], report["finished_at"] = started.isoformat(), finished.isoformat()
            if self.health_store is not None:
                try:
                    self.last_health[config.name] = record_run(self.health_store, config, report,
                                                               started=started, finished=finished)
                except Exception:  # health is for the board; the items are already stored
                    logger.exception("could not record the health of source %s", config.name)
        finally:
            for lock in reversed(locks):
                lock.release()
        if self.on_source_done is not None:
            try:
                self.on_source_done(config, report)
            except Exception:
                logger.exception("the after-run hook failed for source %s", config.name)
        return report

    def stop(self) -> Deferred[Any]:
        """Ask every running crawl to stop (finish reason ``shutdown``)."""
        return self.runner.stop()

    def close(self) -> None:
        if self.health_store is not None:
            self.health_store.close()
            self.health_store = None


def crawl(
    sources: Sequence[Mapping[str, Any] | SourceConfig],
    *,
    store_url: str | None,
    model_path: str | None = None,
    county_dir: str | None = None,
    settings_overrides: Mapping[str, Any] | None = None,
    on_source_done: SourceDone | None = None,
) -> dict[str, Any]:
    """Crawl every source once in this process (blocking) and return the report (see crawlers.report).

    ``store_url`` None crawls without storing (a one-off crawl writing JSON lines). Raises
    ``SourceConfigError`` for a bad source before crawling, ``ReactorAlreadyUsed`` if this process
    already crawled once, and the understanding layer's errors (``nlp.errors``) if the model or
    county files cannot be loaded. Failures during the crawl are reported, not raised.
    """
    configs = validate_sources(sources)
    if _reactor_was_used():
        raise ReactorAlreadyUsed()
    settings = run_settings(store_url, model_path, county_dir, settings_overrides)
    if store_url:
        share_understander(settings)
    else:
        settings.set("HUIYING_UNDERSTAND_ENABLED", False, priority="cmdline")
    reactor = prepare_reactor(settings)
    runner = SourceRunner(settings, store_url, on_source_done)
    started = now_cst()
    reports: list[dict[str, Any]] = []

    def finish(results: list[tuple[bool, Any]]) -> None:
        reports.extend(value for success, value in results if success)
        reactor.stop()

    def begin() -> None:
        DeferredList([runner.run(config) for config in configs], consumeErrors=True).addBoth(finish)

    reactor.callWhenRunning(begin)
    try:
        reactor.run(installSignalHandlers=threading.current_thread() is threading.main_thread())
    finally:
        runner.close()
    return crawl_report(reports, started, now_cst(), store_url or "")


def _stats_of(crawler: Any) -> dict[str, Any]:
    """A crawler's stats; empty when it failed before its stats collector existed."""
    try:
        return dict(crawler.stats.get_stats())
    except (RuntimeError, AttributeError):
        return {}


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
