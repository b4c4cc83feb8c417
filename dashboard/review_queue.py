"""The duty desk's queues after the unit has answered: review, close, follow up; and extension requests.

待审核 and 待办结 are one status each (a store query). 待回访 (closed, no satisfaction yet) and
延期申请 (a request pending on a case being handled) are conditions the store cannot filter on:
they are read from the leaders' followed copy of the cases (``case_facts``) when it is ready —
exact, whatever the history's size — and otherwise from a bounded list of the newest cases.
"""

from __future__ import annotations

from typing import Any

from index.errors import NotFound
from index.records import CaseView, User
from index.store import CaseFilter
from workflow.cases import CaseService
from workflow.states import HANDLING

QUEUES: dict[str, str] = {
    "review": "待审核",
    "close": "待办结",
    "follow_up": "待回访",
    "extension": "延期申请",
}
DEFAULT = "review"
HINTS: dict[str, str] = {
    "review": "承办单位已答复（负责人已审签）的件：核对答复是否回应诉求、依据是否充分，审核通过或退回。",
    "close": "已审核通过的件：确认后办结。",
    "follow_up": "已办结、尚未回访的件（最近办结的在前）：联系诉求人并记录满意度，不满意将退回重办。",
    "extension": "承办单位在期限前提出的延期申请：批准后期限才改变；不予延期须写明理由。",
}
SHOWN = 200
SCAN_LIMIT = 500


def _filter(queue: str) -> CaseFilter:
    if queue == "review":
        return CaseFilter(statuses=("replied",), order="deadline_asc", limit=SCAN_LIMIT)
    if queue == "close":
        return CaseFilter(statuses=("reviewed",), order="deadline_asc", limit=SCAN_LIMIT)
    if queue == "follow_up":
        return CaseFilter(statuses=("closed",), order="received_desc", limit=SCAN_LIMIT)
    if queue == "extension":
        return CaseFilter(statuses=HANDLING, order="deadline_asc", limit=SCAN_LIMIT * 4)
    raise ValueError(f"unknown queue {queue!r}; use one of {list(QUEUES)}")


def _from_facts(facts: Any, queue: str) -> list[int]:
    """Case ids in the queue, most pressing first, from the followed copy of the cases."""
    rows = facts.facts()
    if queue == "follow_up":
        done = [f for f in rows if f.status == "closed" and not f.satisfaction]
        return [f.id for f in sorted(done, key=lambda f: f.closed_at or f.received_at, reverse=True)]
    asked = [f for f in rows if f.status in HANDLING and f.extension_requested_until is not None]
    return [f.id for f in sorted(asked, key=lambda f: f.deadline)]


def _views(service: CaseService, user: User, ids: list[int]) -> list[CaseView]:
    out = []
    for case_id in ids[:SHOWN]:
        try:
            out.append(service.view(user, case_id))
        except NotFound:
            continue
    return out


def cases(service: CaseService, user: User, queue: str, facts: Any = None) -> list[CaseView]:
    """The cases waiting in ``queue`` for the desk, most pressing first (at most ``SHOWN``)."""
    if queue in ("follow_up", "extension") and facts is not None and facts.ready:
        return _views(service, user, _from_facts(facts, queue))
    views = service.list_for(user, _filter(queue))
    if queue == "follow_up":
        return [v for v in views if not v.case.satisfaction]
    if queue == "extension":
        return [v for v in views if v.case.extension_requested_until is not None]
    return views


def counts(service: CaseService, user: User, facts: Any = None) -> dict[str, int]:
    """How many cases wait in each queue."""
    out = {}
    for queue in QUEUES:
        if queue in ("review", "close"):
            out[queue] = service.store.count_cases(_filter(queue))  # the desk sees every unit's cases
        elif facts is not None and facts.ready:
            out[queue] = len(_from_facts(facts, queue))
        else:
            out[queue] = len(cases(service, user, queue))
    return out
