"""Reminders before the deadline and a notice at breach (催办, 通报), sent by the system.

At each threshold of the profile (by default 50% and 75% of the time allowed) and at the
deadline itself, an open case gets one ``remind`` event; ``reminder_level`` remembers the last
one so a sweep that runs every minute sends each reminder once. Overdue cases then show in the
leaders' lists; a person can add a formal 督办 on top.
"""

from __future__ import annotations

from datetime import datetime

from index.records import Case, User
from index.store import CaseFilter
from workflow.cases import CaseService
from workflow.errors import Conflict
from workflow.states import HANDLING

SYSTEM_USER = User(username="system", display_name="系统", role="coordinator")
BREACH = 1.0


def due_level(case: Case, now: datetime, thresholds: tuple[float, ...]) -> float | None:
    """The highest reminder threshold this case has reached and not yet been reminded of."""
    total = (case.deadline - case.received_at).total_seconds()
    if total <= 0:
        return BREACH if case.reminder_level < BREACH else None
    elapsed = (now - case.received_at).total_seconds() / total
    reached = [t for t in (*thresholds, BREACH) if elapsed >= t]
    if not reached or max(reached) <= case.reminder_level:
        return None
    return max(reached)


def reminder_text(level: float) -> str:
    if level >= BREACH:
        return "已超过办理期限，请立即办理并答复（超期通报）。"
    return f"办理时间已过 {int(level * 100)}%，请抓紧办理，按期答复。"


def sweep(service: CaseService, now: datetime, batch: int = 1000) -> int:
    """Send the reminders that are due now; returns how many cases were reminded."""
    sent = 0
    offset = 0
    while True:
        views = service.store.list_cases(CaseFilter(statuses=HANDLING, order="id_asc", limit=batch, offset=offset))
        if not views:
            return sent
        offset += len(views)
        for view in views:
            level = due_level(view.case, now, service.profile.reminders)
            if level is None:
                continue
            try:
                service.remind(SYSTEM_USER, view.case.id, expected_version=view.case.version,
                               reason=reminder_text(level), level=level)
                sent += 1
            except Conflict:
                continue  # someone acted on it meanwhile; the next sweep looks again
