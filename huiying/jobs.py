"""The work that follows every collection cycle, shared by ``huiying monitor`` and the demo:
relate new items to earlier ones (near-duplicates, topics), open a case for each, send the reminders that are due, and deliver notifications.

Each step is independent: a failed notification never stops cases from being opened, and every
failure is reported in the returned summary rather than swallowed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from huiying.runtime import Runtime
from index.records import now_cst
from workflow.notify import STATE_SCOPE, WATERMARK_KEY, deliver_due, enqueue_new_events, mark_all_seen
from workflow.reminders import sweep
from workflow.transports import NotificationConfig, build_transports

log = logging.getLogger(__name__)


class Notifier:
    """The county's notification settings and transports, loaded once per process."""

    def __init__(self, runtime: Runtime) -> None:
        path = runtime.config.county_dir / "notifications.yaml"
        config = NotificationConfig.load(path) if path.exists() else None
        if config is not None and not (config.duty_desk or any(config.units.values())):
            config = None  # nobody to notify: the county has not configured any recipient yet
        if config is not None:
            config.check_units([u.id for u in runtime.store.units()])
            if runtime.store.get_state(STATE_SCOPE, WATERMARK_KEY) is None:
                mark_all_seen(runtime.store)  # switching notifications on does not replay history
        self.config = config
        self.transports = build_transports(config) if config is not None else {}

    def run(self, runtime: Runtime, now: datetime) -> dict[str, Any]:
        if self.config is None:
            return {"enabled": False}
        queued = enqueue_new_events(runtime.store, self.config, runtime.unit_names, now=now)
        report = deliver_due(runtime.store, self.transports, now, policy=self.config.retry)
        return {"enabled": True, "queued": queued, **{k: v for k, v in report.items() if k != "errors"},
                "errors": [str(e) for e in report.get("errors", [])][:10]}


def after_collect(runtime: Runtime, notifier: Notifier | None, now: datetime | None = None) -> dict[str, Any]:
    """Relate new items (near-duplicates, topics), open their cases, send due reminders, deliver notifications."""
    now = now or now_cst()
    summary: dict[str, Any] = {"related": runtime.relate_new_items()}
    summary["cases_opened"] = runtime.cases.open_new_cases()
    try:
        summary["reminded"] = sweep(runtime.cases, now)
    except Exception as exc:  # reminders must not stop intake; the failure is reported
        log.exception("reminder sweep failed")
        summary["reminder_error"] = str(exc)
    if notifier is not None:
        try:
            summary["notifications"] = notifier.run(runtime, now)
        except Exception as exc:
            log.exception("notification delivery failed")
            summary["notification_error"] = str(exc)
    return summary
