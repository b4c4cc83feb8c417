"""Source health: how each source's last runs went, kept in the store for the board's source page.

After every run of a source the runner writes one JSON document with
``store.set_state("source_health", <source name>, json)``; its shape is documented in
crawlers/README.md ("Source health") and is a contract with the board.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from crawlers.sources import SourceConfig

HEALTH_SCOPE = "source_health"
SCHEMA_VERSION = 1

_EXCEPTION_KINDS = (
    ("timeout", ("Timeout", "TimeoutError")),
    ("dns", ("DNSLookupError", "CannotResolveHost")),
    ("connection", ("ConnectionRefused", "ConnectError", "ConnectionLost", "ConnectionDone",
                    "ResponseNeverReceived", "DownloadConnectionRefused", "ConnectionAborted")),
    ("dataloss", ("DataLoss", "PotentialDataLoss", "ResponseFailed")),
    ("size_limit", ("Cancelled", "DownloadCancelled", "MaxSize")),
    ("tls", ("SSLError", "TLSError", "CertificateError")),
)


def _exception_kind(name: str) -> str:
    for kind, markers in _EXCEPTION_KINDS:
        if any(marker in name for marker in markers):
            return kind
    return "download_other"


def errors_by_kind(report: dict[str, Any]) -> dict[str, int]:
    """The run's problems counted by kind (the keys the board shows), zero counts left out."""
    stats = report.get("stats") or {}
    errors = report.get("errors") or {}
    kinds: dict[str, int] = {}

    def add(kind: str, count: Any) -> None:
        if isinstance(count, (int, float)) and count:
            kinds[kind] = kinds.get(kind, 0) + int(count)

    for status, count in (errors.get("http_status") or {}).items():
        add(f"http_{status}", count)
    for name, count in (errors.get("download_exceptions") or {}).items():
        add(_exception_kind(name.rsplit(".", 1)[-1]), count)
    for kind, count in (report.get("gates") or {}).items():
        add(f"gate_{kind}", count)
    add("robots_forbidden", stats.get("huiying/robots/forbidden"))
    add("robots_unavailable", stats.get("huiying/robots/unavailable"))
    for key, count in stats.items():
        if key.startswith("huiying/blocked/"):
            add(f"blocked_{key.rsplit('/', 1)[-1]}", count)
    add("store", errors.get("store"))
    add("understand", errors.get("understand"))
    add("parse", sum((errors.get("spider_exceptions") or {}).values()))
    add("bad_json", sum(v for k, v in stats.items() if k.endswith("/bad_json") and isinstance(v, int)))
    add("decode_replaced", stats.get("huiying/decode/replaced"))
    add("retries_exhausted", errors.get("retries_exhausted"))
    if errors.get("startup"):
        add("startup", 1)
    return dict(sorted(kinds.items()))


def status_of(report: dict[str, Any], blocked: bool) -> str:
    """``blocked``, ``failing`` (the run did not finish properly), ``warning`` (finished with problems) or ``ok``."""
    if blocked:
        return "blocked"
    if not report.get("ok"):
        return "failing"
    errors = report.get("errors") or {}
    troubled = (errors.get("retries_exhausted") or errors.get("http_status") or errors.get("requests_failed")
                or errors.get("understand"))
    return "warning" if troubled else "ok"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def read_health(store: Any, source: str) -> dict[str, Any] | None:
    raw = store.get_state(HEALTH_SCOPE, source)
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def record_run(store: Any, config: SourceConfig, report: dict[str, Any], *, started: datetime,
               finished: datetime, next_run_at: datetime | None = None) -> dict[str, Any]:
    """Write the source's health after a run and return it (see crawlers/README.md for the shape)."""
    previous = read_health(store, config.name) or {}
    stats = report.get("stats") or {}
    blocked_kind = stats.get("huiying/blocked_kind")
    gates = report.get("gates") or {}
    if not blocked_kind and gates.get("login") and not report.get("items_scraped"):
        blocked_kind = "login"  # every page asked for a login: the source is gated, not just empty
    blocked = bool(blocked_kind)
    ok = bool(report.get("ok"))
    failures = 0 if ok and not blocked else int(previous.get("consecutive_failures") or 0) + 1
    backoff_s = stats.get("huiying/backoff_s")
    health = {
        "schema": SCHEMA_VERSION,
        "source": config.name,
        "platform": config.platform,
        "title": config.title,
        "enabled": config.enabled,
        "start_urls": list(config.start_urls),
        "interval_s": config.interval_s,
        "status": status_of(report, blocked),
        "last_run_at": _iso(started),
        "last_finished_at": _iso(finished),
        "last_duration_s": round((finished - started).total_seconds(), 3),
        "last_finish_reason": report.get("finish_reason"),
        "last_run_ok": ok,
        "last_success_at": _iso(finished) if ok and not blocked else previous.get("last_success_at"),
        "items_found": int(report.get("items_scraped") or 0),
        "items_new": int(report.get("items_new") or 0),
        "items_updated": int(report.get("items_updated") or 0),
        "items_duplicate": int(report.get("items_duplicate") or 0),
        "items_dropped": int(report.get("items_dropped") or 0),
        "items_total_new": int(previous.get("items_total_new") or 0) + int(report.get("items_new") or 0),
        "pages": int(report.get("pages") or 0),
        "errors": errors_by_kind(report),
        "consecutive_failures": failures,
        "blocked_since": (previous.get("blocked_since") or _iso(finished)) if blocked else None,
        "blocked_kind": blocked_kind if blocked else None,
        "blocked_url": (stats.get("huiying/blocked_url") or (config.start_urls[0] if blocked else None)) if blocked else None,
        "backoff_until": _iso(finished + timedelta(seconds=float(backoff_s))) if backoff_s else None,
        "next_run_at": _iso(next_run_at),
        "runs": int(previous.get("runs") or 0) + 1,
    }
    store.set_state(HEALTH_SCOPE, config.name, json.dumps(health, ensure_ascii=False, sort_keys=True))
    return health


def next_delay(config: SourceConfig, health: dict[str, Any], max_backoff_s: float) -> float:
    """Seconds until the source's next run: its interval; doubled per consecutive failure when it
    fails or is blocked (up to ``max_backoff_s``); never before a ``Retry-After`` the site asked for."""
    delay = config.interval_s
    failures = int(health.get("consecutive_failures") or 0)
    if failures:
        delay = min(max(max_backoff_s, config.interval_s), config.interval_s * (2 ** failures))
    backoff = health.get("backoff_until")
    if backoff and health.get("last_finished_at"):
        until = datetime.fromisoformat(str(backoff))
        finished = datetime.fromisoformat(str(health["last_finished_at"]))
        delay = max(delay, (until - finished).total_seconds())
    return delay


def set_next_run(store: Any, source: str, when: datetime | None) -> None:
    """Record when the monitor will run the source next (the board shows it)."""
    health = read_health(store, source)
    if health is not None:
        health["next_run_at"] = _iso(when)
        store.set_state(HEALTH_SCOPE, source, json.dumps(health, ensure_ascii=False, sort_keys=True))
