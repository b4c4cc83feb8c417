"""Turning records into database values and back: ISO times with +08:00 and compact JSON.

Kept apart from the SQL so that every backend encodes the same way and a round trip is exact.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from index.records import (
    Case,
    CaseUnit,
    Classification,
    Event,
    Item,
    Notification,
    Reply,
    Unit,
    User,
    to_cst,
)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in China Standard Time, so that text order is time order."""
    return None if value is None else to_cst(value).isoformat(timespec="seconds")


def parse_time(value: str | None) -> datetime | None:
    return None if not value else to_cst(datetime.fromisoformat(value))


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def loads(value: str | None) -> Any:
    return json.loads(value) if value else None


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


def replies_to_json(replies: tuple[Reply, ...]) -> str:
    return dumps(
        [
            {"author": r.author, "body": r.body, "posted_at": iso(r.posted_at), "organisation": r.organisation}
            for r in replies
        ]
    )


def replies_from_json(value: str | None) -> tuple[Reply, ...]:
    return tuple(
        Reply(
            author=r.get("author", ""),
            body=r.get("body", ""),
            posted_at=parse_time(r.get("posted_at")),
            organisation=r.get("organisation", ""),
        )
        for r in (loads(value) or [])
    )


def item_from_row(row: Mapping[str, Any]) -> Item:
    return Item(
        id=row["id"],
        source=row["source"],
        platform=row["platform"],
        url=row["url"],
        external_id=row["external_id"],
        title=row["title"],
        body=row["body"],
        author=row["author"],
        posted_at=parse_time(row["posted_at"]),
        fetched_at=parse_time(row["fetched_at"]),
        content_hash=row["content_hash"],
        reply_count=row["reply_count"],
        view_count=row["view_count"],
        kind=row["kind"],
        replies=replies_from_json(row["replies_json"]),
        extra=loads(row["extra_json"]) or {},
    )


def classification_from_row(row: Mapping[str, Any]) -> Classification:
    return Classification(
        item_id=row["item_id"],
        domain=row["domain"],
        lead_unit=row["lead_unit"],
        co_units=tuple(loads(row["co_units_json"]) or ()),
        urgency=row["urgency"],
        kind=row["kind"],
        confidences=loads(row["confidences_json"]) or {},
        model_version=row["model_version"],
        reasons=tuple(loads(row["reasons_json"]) or ()),
        sentiment=row["sentiment"],
        place=row["place"],
        keywords=tuple(loads(row["keywords_json"]) or ()),
        needs_triage=bool(row["needs_triage"]),
        classified_at=parse_time(row["classified_at"]),
    )


def classification_values(c: Classification) -> dict[str, Any]:
    return {
        "item_id": c.item_id,
        "domain": c.domain,
        "lead_unit": c.lead_unit,
        "co_units_json": dumps(list(c.co_units)),
        "urgency": c.urgency,
        "kind": c.kind,
        "confidences_json": dumps(c.confidences),
        "model_version": c.model_version,
        "reasons_json": dumps(list(c.reasons)),
        "sentiment": c.sentiment,
        "place": c.place,
        "keywords_json": dumps(list(c.keywords)),
        "needs_triage": int(c.needs_triage),
        "classified_at": iso(c.classified_at),
    }


CASE_TIME_FIELDS = tuple(
    f.name for f in dataclasses.fields(Case) if "datetime" in str(f.type)
)
CASE_COLUMNS = tuple(
    "co_units_json" if f.name == "co_units" else f.name for f in dataclasses.fields(Case) if f.name != "id"
)
"""Case fields as stored: times as ISO text, the co-handling units as JSON, the rest as they are."""


def case_values(case: Case) -> dict[str, Any]:
    return case_change_values({f.name: getattr(case, f.name) for f in dataclasses.fields(Case) if f.name != "id"},
                              allow_fixed=True)


def case_change_values(changes: Mapping[str, Any], allow_fixed: bool = False) -> dict[str, Any]:
    """Encode a (partial) case; refuses fields that are not case columns or may not change."""
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "co_units":
            values["co_units_json"] = dumps(list(value))
        elif name in CASE_TIME_FIELDS:
            values[name] = iso(value)
        elif name in CASE_COLUMNS and (allow_fixed or name not in ("item_id", "version")):
            values[name] = value
        else:
            raise ValueError(f"{name!r} is not a field of a case that can be changed")
    return values


def case_from_row(row: Mapping[str, Any]) -> Case:
    values: dict[str, Any] = {"id": row["id"]}
    for f in dataclasses.fields(Case):
        if f.name == "id":
            continue
        if f.name == "co_units":
            values["co_units"] = tuple(loads(row["co_units_json"]) or ())
        elif f.name in CASE_TIME_FIELDS:
            values[f.name] = parse_time(row[f.name])
        else:
            values[f.name] = row[f.name]
    values["reminder_level"] = float(values["reminder_level"] or 0)
    return Case(**values)


def case_unit_from_row(row: Mapping[str, Any]) -> CaseUnit:
    return CaseUnit(
        case_id=row["case_id"], unit_id=row["unit_id"], role=row["role"],
        assigned_at=parse_time(row["assigned_at"]), acknowledged_at=parse_time(row["acknowledged_at"]),
        replied_at=parse_time(row["replied_at"]), reply_text=row["reply_text"],
    )


def notification_values(n: Notification) -> dict[str, Any]:
    return {
        "case_id": n.case_id, "event_id": n.event_id, "channel": n.channel, "recipient": n.recipient,
        "subject": n.subject, "body": n.body, "unit_id": n.unit_id, "status": n.status,
        "attempts": n.attempts, "last_error": n.last_error, "created_at": iso(n.created_at),
        "next_attempt_at": iso(n.next_attempt_at), "sent_at": iso(n.sent_at),
    }


def notification_from_row(row: Mapping[str, Any]) -> Notification:
    return Notification(
        id=row["id"], case_id=row["case_id"], event_id=row["event_id"], channel=row["channel"],
        recipient=row["recipient"], subject=row["subject"], body=row["body"], unit_id=row["unit_id"],
        status=row["status"], attempts=row["attempts"], last_error=row["last_error"],
        created_at=parse_time(row["created_at"]), next_attempt_at=parse_time(row["next_attempt_at"]),
        sent_at=parse_time(row["sent_at"]),
    )


def event_from_row(row: Mapping[str, Any]) -> Event:
    at = parse_time(row["at"])
    assert at is not None
    return Event(
        id=row["id"],
        case_id=row["case_id"],
        actor=row["actor"],
        action=row["action"],
        at=at,
        before=loads(row["before_json"]) or {},
        after=loads(row["after_json"]) or {},
        reason=row["reason"],
    )


def unit_from_row(row: Mapping[str, Any]) -> Unit:
    return Unit(id=row["id"], name=row["name"], role=row["role"], note=row["note"])


def user_from_row(row: Mapping[str, Any]) -> User:
    return User(
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        unit_id=row["unit_id"],
        password_hash=row["password_hash"],
        active=bool(row["active"]),
    )
