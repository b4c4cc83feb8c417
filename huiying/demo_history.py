"""The demo's past: real messages with the real replies and reply times, handled in the recent past.

Each message from ``demo_data/history.json`` is received on a day in the last ``span_days`` (a
fixed, seeded spread), routed by the real model, assigned, acknowledged within a few working
hours, and replied after exactly the time the real government took; replies due after ``now``
are still open. The leaders' page therefore shows real reply times on first start. Every step
goes through the case service with its clock set to the historical moment, so the history is
made of the same events as live work.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from huiying.runtime import Runtime
from index.records import Classification, Item, User
from nlp.normalize import content_hash
from workflow.cases import CaseService

HISTORY = Path(__file__).parent / "demo_data" / "history.json"
SOURCE = "demo-history"
DUTY = User("duty", "值班员", "coordinator")


def _handler(unit: str) -> User:
    return User(unit, f"{unit}经办人", "unit_handler", unit_id=unit)


def _leader(unit: str) -> User:
    return User(f"{unit}-leader", f"{unit}负责人", "unit_leader", unit_id=unit)


def seed_history(runtime: Runtime, understander: Any, now: datetime, span_days: int = 90, seed: int = 7) -> int:
    """Add the history once (a second call finds it there); returns the number of cases added."""
    store = runtime.store
    if store.get_state("demo", "history_seeded"):
        return 0
    messages = json.loads(HISTORY.read_text(encoding="utf-8"))["messages"]
    rng = random.Random(seed)
    service: CaseService = runtime.cases
    live_clock = service.clock
    added = 0
    try:
        for m in messages:
            received = now - timedelta(days=rng.uniform(3, span_days), hours=rng.uniform(0, 8))
            u = understander.understand(m["title"], m["body"])
            result = store.add_item(Item(
                source=SOURCE, platform="liuyan", url=f"history://{m['id']}", external_id=m["id"],
                title=m["title"], body=m["body"], author="网友", posted_at=received, fetched_at=received,
                content_hash=content_hash(m["title"], m["body"]), kind=u.kind,
            ))
            if result.status != "new":
                continue
            classification = Classification(
                item_id=result.item_id, domain=u.domain, lead_unit=u.lead_unit, co_units=tuple(u.co_units),
                urgency=u.urgency, kind=u.kind, confidences=dict(u.confidences), model_version=u.model_version,
                reasons=tuple(u.reasons), sentiment=u.sentiment, place=u.place, keywords=tuple(u.keywords),
                needs_triage=False, classified_at=received,
            )
            store.save_classification(classification)
            service.clock = lambda t=received: t
            case = service.open_case(store.get_item(result.item_id), classification, received_at=received)
            _handle(service, case.id, case.lead_unit, received, m, rng, now)
            added += 1
    finally:
        service.clock = live_clock
    store.set_state("demo", "history_seeded", str(added))
    return added


def _at(service: CaseService, moment: datetime) -> None:
    service.clock = lambda t=moment: t


def _handle(service: CaseService, case_id: int, unit: str, received: datetime, m: dict[str, Any],
            rng: random.Random, now: datetime) -> None:
    """Acknowledge, reply after the real delay, review, close and follow up — as far as ``now``."""
    reply_hours = float(m["reply_after_hours"])
    ack = received + timedelta(hours=min(rng.choice([0.5, 1, 2, 3, 5, 20, 26]), reply_hours / 3))
    replied = received + timedelta(hours=reply_hours)
    if ack >= now:
        return
    _at(service, ack)
    service.acknowledge(_handler(unit), case_id)
    if replied >= now:
        return
    _at(service, ack + (replied - ack) * 0.9)  # the handler's draft, signed off by the leader later
    service.reply(_handler(unit), case_id, m["reply"])
    _at(service, replied)
    service.sign_off(_leader(unit), case_id)
    reviewed = replied + timedelta(hours=rng.uniform(2, 30))
    if reviewed >= now:
        return
    _at(service, reviewed)
    service.review(DUTY, case_id)
    service.close(DUTY, case_id)
    followed = reviewed + timedelta(days=rng.uniform(1, 4))
    if followed < now and rng.random() < 0.6:
        _at(service, followed)
        service.follow_up(DUTY, case_id, rng.choices(["满意", "基本满意", "不满意"], [6, 3, 1])[0])
