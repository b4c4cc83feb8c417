"""The crawl report: what each source's run did, distilled from Scrapy's stats into plain JSON.

The monitor, the command line and the board read this report, so its keys are a contract:
per source ``pages``, ``items_new``, ``items_updated``, ``items_duplicate``, ``items_dropped``
with ``dropped_reasons``, ``gates`` and ``errors``, plus ``ok`` and the raw ``stats``.
A source is ``ok`` when it finished normally (or at one of its limits, ``closespider_*``) and
nothing failed to be stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawlers.sources import SourceConfig


def jsonable(value: Any) -> Any:
    """Stats values as JSON values (datetimes become ISO strings)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return str(value)


def _suffixes(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {key[len(prefix):]: value for key, value in stats.items() if key.startswith(prefix)}


def _merged(*counts: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in counts:
        for key, value in part.items():
            out[key] = out.get(key, 0) + value
    return out


POLITENESS = ("DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "CONCURRENT_REQUESTS_PER_DOMAIN", "ROBOTSTXT_OBEY",
              "USER_AGENT")
"""Settings each source report repeats, so an operator sees how hard a site was asked."""


def source_report(source: SourceConfig, stats: dict[str, Any], startup_error: str | None = None,
                  settings: Any = None) -> dict[str, Any]:
    """One source's report from its crawler's stats (and the settings it ran with)."""
    get = stats.get
    finish_reason = get("finish_reason") or ("startup_error" if startup_error else "not_run")
    errors: dict[str, Any] = {
        "store": get("huiying/store/errors", 0),
        "understand": get("huiying/understand/errors", 0),
        "log_errors": get("log_count/ERROR", 0),
        "spider_exceptions": _suffixes(stats, "spider_exceptions/"),
        "download_exceptions": _suffixes(stats, "downloader/exception_type_count/"),
        "http_status": _merged(_suffixes(stats, "httperror/response_ignored_status_count/"),
                               _suffixes(stats, "huiying/http_status/")),
        "requests_failed": _suffixes(stats, "huiying/errors/"),
        "retries_exhausted": get("retry/max_reached", 0),
    }
    if startup_error:
        errors["startup"] = startup_error
    ok = (finish_reason == "finished" or finish_reason.startswith("closespider_")) and not errors["store"] \
        and not startup_error
    return {
        "source": source.name,
        "platform": source.platform,
        "ok": ok,
        "finish_reason": finish_reason,
        "pages": get("response_received_count", 0),
        "items_scraped": get("item_scraped_count", 0),
        "items_new": get("huiying/items/new", 0),
        "items_updated": get("huiying/items/updated", 0),
        "items_duplicate": get("huiying/items/duplicate", 0),
        "items_dropped": get("item_dropped_count", 0),
        "dropped_reasons": _suffixes(stats, "item_dropped_reasons_count/"),
        "items_truncated": get("huiying/items/truncated", 0),
        "items_empty_body": get("huiying/items/empty_body", 0),
        "gates": _suffixes(stats, "huiying/gate/"),
        "errors": errors,
        "elapsed_s": get("elapsed_time_seconds"),
        "politeness": {name: jsonable(settings.get(name)) for name in POLITENESS} if settings is not None else {},
        "stats": jsonable(stats),
    }


TOTALS = ("pages", "items_scraped", "items_new", "items_updated", "items_duplicate", "items_dropped")
"""Per-source counts that are also summed over the whole run."""


def crawl_report(per_source: list[dict[str, Any]], started: datetime, finished: datetime, store_url: str) -> dict[str, Any]:
    """The whole run: ``ok`` only if every source is ok; totals; sources keyed by name."""
    totals = {key: sum(s[key] or 0 for s in per_source) for key in TOTALS}
    return {
        "ok": all(s["ok"] for s in per_source),
        **totals,
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "duration_s": round((finished - started).total_seconds(), 3),
        "store_url": store_url,
        "sources": {s["source"]: s for s in per_source},
    }
