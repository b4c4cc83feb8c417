"""Crawl settings: polite Scrapy defaults for government and county sites, plus Huiying's own settings.

Huiying's settings are declared as data (name, default, help) so the README's table can be
checked against them by a test. Everything is passed to Scrapy as settings and read by each
component in ``from_crawler``; nothing is read from module globals at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scrapy.settings import Settings

USER_AGENT = "Huiying/0.1 (+county public-opinion monitoring; contact in config)"


class Shared:
    """A value every crawler of one run uses as is: Scrapy copies settings per crawler, not this.

    The runner loads the Understander once (a few seconds) and passes it to every source's
    crawler through the ``HUIYING_UNDERSTANDER`` setting wrapped in ``Shared``.
    """

    def __init__(self, value: Any) -> None:
        self.value = value

    def __deepcopy__(self, memo: dict[int, Any]) -> Shared:
        return self

    def __copy__(self) -> Shared:
        return self

    def __repr__(self) -> str:
        return f"Shared({type(self.value).__name__})"


@dataclass(frozen=True)
class Setting:
    """One Huiying crawl setting."""

    name: str
    default: Any
    help: str


HUIYING_SETTINGS: tuple[Setting, ...] = (
    Setting("HUIYING_STORE_URL", None, "Where items go, e.g. sqlite:///data/huiying.db. Required to store anything."),
    Setting("HUIYING_MODEL_PATH", None, "Domain model file for the Understander; None uses its default."),
    Setting("HUIYING_COUNTY_DIR", None, "County configuration folder (units, routing, lexicons); None uses the default."),
    Setting("HUIYING_UNDERSTAND_ENABLED", True, "Classify items while crawling; off stores them for manual triage."),
    Setting("HUIYING_UNDERSTANDER", None,
            "A loaded Understander wrapped in Shared, used by every crawler of a run (the runner sets it); "
            "None loads one per crawler from the model path and county dir."),
    Setting("HUIYING_MAX_BODY_CHARS", 200_000, "Longer bodies are truncated with a visible mark (and counted)."),
    Setting("HUIYING_MAX_TITLE_CHARS", 500, "Longer titles are cut."),
    Setting("HUIYING_MAX_LIST_PAGES", 5, "Board list / API pages read per start URL when a source does not say."),
    Setting("HUIYING_MAX_THREAD_PAGES", 5, "Pages read per forum thread (first post plus replies)."),
    Setting("HUIYING_RETRY_BACKOFF_BASE", 2.0,
            "Seconds before the first retry of a failed request when the site gives no Retry-After; doubles per retry."),
    Setting("HUIYING_RETRY_BACKOFF_MAX", 60.0, "Longest pause before a retry (and longest slot delay set by a 429/503)."),
    Setting("HUIYING_RETRY_AFTER_MAX", 120.0,
            "A Retry-After longer than this is not waited out in the run: the request is given up and the "
            "monitor's next run of the source waits at least that long."),
    Setting("HUIYING_BLOCK_AFTER_403", 3, "This many 403 answers in a row from one site count as a block."),
    Setting("HUIYING_ONE_RUN_PER_SITE", True,
            "Runs of sources that start on the same site wait for each other (one source at a time per site)."),
    Setting("HUIYING_JSONL_PATH", None, "Also write every item as one JSON line to this file (one-off crawls)."),
)
"""Huiying's own settings. Each must be documented in crawlers/README.md (a test checks)."""


SCRAPY_DEFAULTS: dict[str, Any] = {
    "BOT_NAME": "huiying",
    "USER_AGENT": USER_AGENT,
    "ROBOTSTXT_OBEY": True,
    # Gov and county sites are small and fragile: at most two requests at a time per site,
    # adaptive delays, and backing off on the status codes their WAFs use.
    "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "DOWNLOAD_DELAY": 1.5,
    "DOWNLOAD_DELAY_JITTER": 0.5,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 2.0,
    "AUTOTHROTTLE_MAX_DELAY": 60.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "DOWNLOAD_TIMEOUT": 20,
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 3,
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 521, 522, 524, 408, 429],
    "DOWNLOADER_MIDDLEWARES": {
        # Scrapy's retry ignores Retry-After and retries at once; robots.txt 5xx would allow all.
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "crawlers.middlewares.RobotsPolicyMiddleware": 100,
        "crawlers.middlewares.PoliteRetryMiddleware": 550,
        "crawlers.middlewares.BlockDetectionMiddleware": 560,
    },
    "DOWNLOAD_MAXSIZE": 16 * 1024 * 1024,
    "DOWNLOAD_WARNSIZE": 4 * 1024 * 1024,
    "REDIRECT_MAX_TIMES": 5,
    "COOKIES_ENABLED": True,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "INFO",
    "LOG_FORMATTER": "crawlers.logformatter.ItemNamingLogFormatter",
    "EXTENSIONS": {"crawlers.storage.StoreExtension": 0},
    "ITEM_PIPELINES": {
        "crawlers.pipelines.CleanPipeline": 100,
        "crawlers.pipelines.HashPipeline": 200,
        "crawlers.pipelines.UnderstandPipeline": 300,
        "crawlers.pipelines.StorePipeline": 400,
    },
}


def build_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Scrapy settings for a Huiying crawl: defaults, Huiying defaults, then ``overrides``."""
    settings = Settings()
    settings.setdict(SCRAPY_DEFAULTS, priority="project")
    settings.setdict({s.name: s.default for s in HUIYING_SETTINGS}, priority="project")
    if overrides:
        settings.setdict(dict(overrides), priority="cmdline")
    if settings.get("HUIYING_JSONL_PATH"):  # only then: a disabled pipeline would log a warning per crawler
        pipelines = dict(settings.getdict("ITEM_PIPELINES"))
        pipelines["crawlers.pipelines.JsonLinesPipeline"] = 500
        settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
    return settings
