"""``Monitor``: every enabled source crawled on its own interval, in one long-running process.

One Twisted reactor, one Scrapy ``CrawlerRunner``, one timer per source: a source's next run is
scheduled when its previous run ends — ``interval`` after that run *started*, or later when the
run failed or was blocked (the interval doubles per consecutive failure, up to
``max_backoff_s``, and never comes before a ``Retry-After`` the site asked for). Two runs of the
same source never overlap, and sources on the same site take turns (``crawlers.runner``).

After each run the source's health is in the store and ``on_source_done(config, report)`` is
called — ``huiying monitor`` opens cases and sends reminders there. SIGINT/SIGTERM stop the
timers, let running crawls close (finish reason ``shutdown``) and exit. A SIGKILL loses nothing:
items are stored one by one as they come, watermarks only move past stored items, and the next
start reads again whatever was not yet stored.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from twisted.internet.defer import Deferred

from crawlers.health import next_delay, set_next_run
from crawlers.runner import (
    SourceDone,
    SourceRunner,
    prepare_reactor,
    run_settings,
    share_understander,
    validate_sources,
)
from crawlers.sources import SourceConfig
from index.records import now_cst

logger = logging.getLogger(__name__)

DEFAULT_MAX_BACKOFF_S = 6 * 3600.0


class Monitor:
    """Runs sources on their intervals until stopped (or each once, with ``once=True``)."""

    def __init__(
        self,
        sources: Sequence[Mapping[str, Any] | SourceConfig],
        *,
        store_url: str,
        model_path: str | None = None,
        county_dir: str | None = None,
        settings_overrides: Mapping[str, Any] | None = None,
        on_source_done: SourceDone | None = None,
        once: bool = False,
        max_backoff_s: float = DEFAULT_MAX_BACKOFF_S,
        stagger_s: float = 1.0,
    ) -> None:
        self.configs = [c for c in validate_sources(sources) if c.enabled]
        self.store_url = store_url
        self.settings = run_settings(store_url, model_path, county_dir, settings_overrides)
        self.on_source_done = on_source_done
        self.once = once
        self.max_backoff_s = max_backoff_s
        self.stagger_s = stagger_s
        self.runs = 0
        self.reports: dict[str, dict[str, Any]] = {}
        self._timers: dict[str, Any] = {}
        self._running: dict[str, Deferred[Any]] = {}
        self._stopping = False
        self._runner: SourceRunner | None = None
        self._reactor: Any = None

    def run(self) -> dict[str, Any]:
        """Block until stopped (SIGINT/SIGTERM) or, with ``once``, until every source ran once."""
        share_understander(self.settings)
        reactor = self._reactor = prepare_reactor(self.settings)
        self._runner = SourceRunner(self.settings, self.store_url, self._done_hook)
        reactor.addSystemEventTrigger("before", "shutdown", self._shutdown)
        reactor.callWhenRunning(self._start)
        try:
            reactor.run(installSignalHandlers=threading.current_thread() is threading.main_thread())
        finally:
            self._runner.close()
        return {"runs": self.runs, "sources": {name: _brief(r) for name, r in self.reports.items()}}

    def _start(self) -> None:
        if not self.configs:
            logger.warning("no enabled sources: nothing to monitor")
            self._reactor.stop()
            return
        logger.info("monitoring %d source(s): %s", len(self.configs), ", ".join(c.name for c in self.configs))
        for index, config in enumerate(self.configs):
            self._schedule(config, index * self.stagger_s)

    def _schedule(self, config: SourceConfig, delay: float) -> None:
        if self._stopping:
            return
        self._timers[config.name] = self._reactor.callLater(max(0.0, delay), self._run, config)

    def _run(self, config: SourceConfig) -> None:
        self._timers.pop(config.name, None)
        if self._stopping or config.name in self._running:
            return
        assert self._runner is not None
        started = self._reactor.seconds()
        deferred = self._runner.run(config)
        self._running[config.name] = deferred
        deferred.addBoth(self._after, config, started)

    def _done_hook(self, config: SourceConfig, report: dict[str, Any]) -> None:
        if self.on_source_done is not None:
            self.on_source_done(config, report)

    def _after(self, report: Any, config: SourceConfig, started: float) -> None:
        self._running.pop(config.name, None)
        self.runs += 1
        if isinstance(report, dict):
            self.reports[config.name] = report
        if self.once:
            if len(self.reports) >= len(self.configs) and not self._running:
                self._reactor.stop()
            return
        assert self._runner is not None
        health = self._runner.last_health.get(config.name) or {}
        delay = next_delay(config, health, self.max_backoff_s) if health else config.interval_s
        delay *= random.uniform(0.97, 1.03)  # a little jitter so sources drift apart
        wait = max(0.0, started + delay - self._reactor.seconds())
        if self._runner.health_store is not None:
            set_next_run(self._runner.health_store, config.name, now_cst() + timedelta(seconds=wait))
        self._schedule(config, wait)

    def _shutdown(self) -> Deferred[Any] | None:
        """Before the reactor stops: no new runs; running crawls close (finish reason ``shutdown``)."""
        self._stopping = True
        for timer in self._timers.values():
            if timer.active():
                timer.cancel()
        self._timers.clear()
        if self._runner is not None and self._running:
            logger.info("stopping: waiting for %d running crawl(s) to close", len(self._running))
            return self._runner.stop()
        return None


def _brief(report: dict[str, Any]) -> dict[str, Any]:
    keys = ("ok", "finish_reason", "pages", "items_scraped", "items_new", "items_updated", "items_duplicate",
            "items_dropped")
    return {key: report.get(key) for key in keys}
