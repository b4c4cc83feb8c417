"""Documents for scripts and operators: one case with its timeline, the leaders' figures."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from huiying.runtime import Runtime
from index.records import CST, now_cst
from workflow.audit import plain
from workflow.kpi import rank_units, unit_figures
from workflow.states import ACTIONS, OPEN_STATUSES, STATUSES


def remaining_text(deadline: datetime, now: datetime) -> str:
    """剩余 2 天 3 小时 / 已超期 5 小时."""
    seconds = (deadline - now).total_seconds()
    hours = int(abs(seconds) // 3600)
    days, hours = divmod(hours, 24)
    span = (f"{days} 天 " if days else "") + f"{hours} 小时"
    return f"剩余 {span}" if seconds >= 0 else f"已超期 {span}"


def case_document(runtime: Runtime, case_id: int, now: datetime | None = None) -> dict[str, Any]:
    now = now or now_cst()
    store = runtime.store
    case = store.get_case(case_id)
    item = store.get_item(case.item_id)
    names = runtime.unit_names
    classification = store.get_classification(case.item_id)
    open_ = case.status in OPEN_STATUSES
    return {
        "id": case.id,
        "status": case.status,
        "status_name": STATUSES[case.status],
        "lead_unit": case.lead_unit,
        "lead_unit_name": names.get(case.lead_unit, case.lead_unit),
        "co_units": [{"id": u, "name": names.get(u, u)} for u in case.co_units],
        "units": [plain(p.__dict__) for p in store.case_units(case.id)],
        "urgency": case.urgency,
        "kind": case.kind,
        "received_at": plain(case.received_at),
        "deadline": plain(case.deadline),
        "original_deadline": plain(case.original_deadline),
        "remaining_seconds": int((case.deadline - now).total_seconds()) if open_ else None,
        "remaining": remaining_text(case.deadline, now) if open_ else STATUSES[case.status],
        "item": {"id": item.id, "source": item.source, "url": item.url, "title": item.title,
                 "posted_at": plain(item.posted_at)},
        "classification": None if classification is None else {
            "domain": classification.domain, "confidences": classification.confidences,
            "reasons": list(classification.reasons), "model_version": classification.model_version},
        "case": {k: plain(v) for k, v in case.__dict__.items()},
        "timeline": [
            {"at": plain(e.at), "actor": e.actor, "action": e.action, "action_name": ACTIONS.get(e.action, e.action),
             "before": e.before, "after": e.after, "reason": e.reason}
            for e in store.events(case.id)
        ],
    }


def _day(value: str | None, end: bool = False) -> datetime | None:
    if not value:
        return None
    day = date.fromisoformat(value) + (timedelta(days=1) if end else timedelta())
    return datetime.combine(day, time(), tzinfo=CST)


def kpi_document(runtime: Runtime, date_from: str | None, date_to: str | None,
                 now: datetime | None = None) -> dict[str, Any]:
    now = now or now_cst()
    rows = unit_figures(runtime.store.all_cases(), runtime.unit_names, now,
                        period_from=_day(date_from), period_to=_day(date_to, end=True))
    return {
        "from": date_from, "to": date_to, "computed_at": plain(now),
        "units": [r.as_dict() for r in rows],
        "ranking": [r.__dict__ for r in rank_units(rows)],
    }
