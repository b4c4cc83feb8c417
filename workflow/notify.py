"""Notifications: who hears about each event of a case, and delivery with its own state per recipient.

Two steps, each safe to re-run after a crash:

1. ``enqueue_new_events`` follows the append-only event log from a watermark kept in the store,
   decides the recipients with a rules table (``RULES``, data, not branches), and writes one
   ``Notification`` per (event, channel, recipient). The store ignores a repeat of that triple, and
   the watermark advances only after the notifications are written, so a crash in between repeats
   nothing.
2. ``deliver_due`` sends what is due through the transports (``workflow.transports``). A success is
   ``sent``; a failure is ``failed`` with the reason and the next try after a growing pause; after
   ``RetryPolicy.max_attempts`` (or a failure that cannot heal) it is ``dead`` and waits for the
   administrator. Only the recipient that failed is tried again, and the case is never touched:
   delivery state is kept apart from case state (FixMyStreet's lesson).

Delivery is at least once: a message can be sent and the answer lost, so receivers get an
idempotency key to drop repeats. Run one ``deliver_due`` at a time (one scheduler job): two running
at once could both send the same due message.

The county file (``notifications.yaml``) says where messages go. With ``staging: true`` every
message goes to the duty desk instead, marked 【测试】, so a county can try the loop before units
are told.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from index.records import Case, Event, Notification, now_cst, to_cst
from index.store import RecordStore
from workflow.states import ACTIONS
from workflow.transports import (
    DeliveryFailed,
    NotificationConfig,
    NotificationConfigError,
    Recipient,
    RetryPolicy,
    Transport,
    build_transports,
    describe_recipient,
)

__all__ = [
    "RULES", "TEXTS", "Rule", "Audience", "NotificationConfig", "NotificationConfigError", "Recipient", "RetryPolicy",
    "build_transports", "audiences_for", "compose", "enqueue_new_events", "mark_all_seen", "notifications_for",
    "deliver_due", "dead_letters", "requeue",
]

log = logging.getLogger(__name__)

STATE_SCOPE = "notify"
WATERMARK_KEY = "last_event_id"
FLOOR_KEY = "first_event_id"
RECENT_KEY = "recent_event_ids"
"""Event ids handled within the re-read window, so a re-read does not notify twice."""
"""Events up to here are never notified (``mark_all_seen``)."""
CLAIM_LEASE = timedelta(minutes=5)
REREAD_WINDOW = 200
"""On PostgreSQL an event id is taken before its transaction commits, so an event can become
visible after one with a higher id: the last ids below the watermark are read again each time
(the store ignores a repeat of the same event and recipient)."""
DUTY = "duty"
FOOTER = "——回应·舆情回应协同平台（系统自动发送，请勿直接回复）"
"""Every message contains 回应, so a DingTalk robot can use it as its 自定义关键词."""


# -- who hears about what (rules as data) -----------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """An event with ``action`` (and every ``when`` value equal in its ``after``) goes to ``audiences``.

    Audiences: ``lead`` (the lead unit), ``co`` (co-handling units), ``previous_lead`` (the unit a
    case was taken from by 改派) and ``duty`` (the duty desk).
    """

    action: str
    audiences: tuple[str, ...]
    when: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, event: Event) -> bool:
        return event.action == self.action and all(event.after.get(k) == v for k, v in self.when.items())


RULES: tuple[Rule, ...] = (
    Rule("open", (DUTY,)),                                   # waits for triage
    Rule("open_assign", ("lead", "co")),
    Rule("assign", ("lead", "co", "previous_lead")),
    Rule("return", (DUTY,)),
    Rule("request_extension", (DUTY,)),
    Rule("approve_extension", ("lead",)),
    Rule("refuse_extension", ("lead",)),
    Rule("reply", ("lead",), {"signed": False}),             # a draft: the unit's leader signs it
    Rule("reply", (DUTY,), {"signed": True}),
    Rule("reply", ("lead",), {"co": True}),                  # a co-unit's input goes to the lead unit
    Rule("sign_off", (DUTY,)),
    Rule("reject_draft", ("lead",)),
    Rule("send_back", ("lead",)),
    Rule("remind", ("lead",)),
    Rule("remind", (DUTY,), {"level": 1.0}),                 # overdue: 通报
    Rule("supervise", ("lead",)),
    Rule("follow_up", ("lead",), {"satisfaction": "不满意"}),  # 重办
    Rule("publish", (DUTY,)),
    Rule("refer", (DUTY,)),
)
"""Who is told about each action. An event on a 特急 case also goes to the duty desk (``URGENT_COPY``)."""

URGENT_COPY: tuple[str, ...] = (DUTY,)

EVENT_NAMES: dict[str, str] = {**ACTIONS, "open": "受理（待值班台分拨）", "open_assign": "受理并交办"}
"""What the message says happened; intake events are the system's, not a person's action."""

TEXTS: dict[str, dict[str, str]] = {
    "open": {"headline": "新件待分拨", DUTY: "请在值班台核实分类并交办（系统建议：{lead}）。"},
    "assign": {
        "headline": "交办",
        "lead": "请于{ack_deadline}前签收，并在{deadline}前答复；如确非本单位职责，请在退单期限内退单并写明理由和依据。",
        "co": "本单位为协办单位（主办：{lead}），请签收并及时向主办单位提交协办意见。",
        DUTY: "特急件已交办{lead}，请跟踪签收和处置情况。",
    },
    "reroute": {
        "headline": "改派",
        "lead": "该件改由本单位主办，请于{ack_deadline}前签收，并在{deadline}前答复。",
        "co": "该件改由{lead}主办，本单位为协办单位，请与主办单位对接。",
        "previous_lead": "该件已改派至{lead}，本单位无需继续办理；已有材料请移交{lead}。",
        DUTY: "特急件已改派至{lead}，请跟踪签收情况。",
    },
    "return": {"headline": "退单", DUTY: "{unit}申请退单，请核实理由后改派。"},
    "request_extension": {"headline": "延期申请", DUTY: "{unit}申请延期至{until}，请审批（批准后期限才会变更）。"},
    "approve_extension": {"headline": "延期已批准", "lead": "办理期限已延长至{deadline}，请按新期限答复。"},
    "refuse_extension": {"headline": "延期未批准", "lead": "请按原期限{deadline}前答复。"},
    "reply:draft": {"headline": "答复待审签", "lead": "答复草稿已提交，请本单位负责人登录平台审签。"},
    "reply:signed": {"headline": "已答复待审核", DUTY: "{unit}已答复，请审核答复质量。"},
    "reply:co": {"headline": "协办意见", "lead": "协办单位{co_unit}已提交协办意见，请汇总后答复。"},
    "sign_off": {"headline": "已答复待审核", DUTY: "{unit}负责人已审签答复，请审核答复质量。"},
    "reject_draft": {"headline": "答复退回修改", "lead": "负责人退回了答复草稿，请按意见修改后重新提交。"},
    "send_back": {"headline": "审核退回", "lead": "答复未通过审核，请按意见补充后重新答复，期限{deadline}。"},
    "remind:scheduled": {"headline": "催办", "lead": "办理时间已过{percent}，请在{deadline}前答复。"},
    "remind:manual": {"headline": "催办", "lead": "请在{deadline}前答复。"},
    "remind:overdue": {
        "headline": "超期",
        "lead": "已超过办理期限（{deadline}），请立即答复并说明超期原因；超期件将列入通报。",
        DUTY: "{unit}办理超期，已列入通报名单，请督办。",
    },
    "supervise": {"headline": "督办", "lead": "请尽快办理并反馈进展，期限{deadline}。"},
    "follow_up": {"headline": "回访不满意·重办", "lead": "群众回访不满意，该件退回本单位重办，请重新办理并答复。"},
    "publish": {"headline": "已发布回应", DUTY: "对外回应已发布，请关注舆情变化。"},
    "refer": {"headline": "转警情", DUTY: "已转{referred}，请跟进处置情况并确认承办单位。"},
}
"""What each message says happened (``headline``) and what each audience should do next."""


@dataclass(frozen=True)
class Audience:
    """One addressee of an event: a role (lead/co/previous_lead/duty) and, for units, which unit."""

    role: str
    unit_id: str = ""


def audiences_for(event: Event, case: Case) -> list[Audience]:
    """Apply ``RULES`` to one event: who must hear about it, in a stable order, without repeats."""
    roles = [role for rule in RULES if rule.matches(event) for role in rule.audiences]
    if roles and _urgency(event, case) == "特急":
        roles.extend(URGENT_COPY)
    found: list[Audience] = []
    for role in dict.fromkeys(roles):
        found.extend(Audience(role, unit) for unit in _units_for(role, event, case))
    return list(dict.fromkeys(found))


def _units_for(role: str, event: Event, case: Case) -> list[str]:
    lead = str(event.after.get("lead_unit") or case.lead_unit)
    if role == DUTY:
        return [""]
    if role == "lead":
        return [lead]
    if role == "co":
        return [u for u in event.after.get("co_units", case.co_units) if u != lead]
    if role == "previous_lead" and _rerouted(event):
        return [str(event.before["lead_unit"])]
    return []


def _rerouted(event: Event) -> bool:
    """改派: the case was already with a unit (not waiting for triage or returned) and changed hands."""
    before = event.before.get("lead_unit")
    return (event.action == "assign" and bool(before) and before != event.after.get("lead_unit")
            and event.before.get("status") not in ("received", "returned"))


def _urgency(event: Event, case: Case) -> str:
    return str(event.after.get("urgency") or case.urgency)


def _text_key(event: Event) -> str:
    if event.action in ("assign", "open_assign"):
        return "reroute" if _rerouted(event) else "assign"
    if event.action == "reply":
        return "reply:co" if event.after.get("co") else ("reply:signed" if event.after.get("signed") else "reply:draft")
    if event.action == "remind":
        level = event.after.get("level")
        return "remind:manual" if level is None else ("remind:overdue" if float(level) >= 1.0 else "remind:scheduled")
    return event.action


# -- writing messages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What a message needs to say about the case, gathered once per event."""

    case: Case
    title: str
    names: Mapping[str, str]
    actor: str

    def unit(self, unit_id: str) -> str:
        return self.names.get(unit_id, unit_id)


def compose(event: Event, audience: Audience, facts: Facts) -> tuple[str, str]:
    """The subject and the plain-text body for one audience (transports add their own markup)."""
    key = _text_key(event)
    texts = TEXTS.get(key, {"headline": EVENT_NAMES.get(event.action, event.action)})
    case = facts.case
    values = _values(event, facts)
    todo = texts.get(audience.role, "请知悉。").format_map(values)
    urgent = "【特急】" if _urgency(event, case) == "特急" else ""
    subject = f"{urgent}【{texts['headline']}】#{case.id} {_short(facts.title, 30)}"
    addressed = facts.unit(audience.unit_id) if audience.unit_id else "值班台"
    co = "、".join(facts.unit(u) for u in event.after.get("co_units", case.co_units))
    lines = [
        f"{texts['headline']}（致：{addressed}）",
        f"编号：#{case.id}",
        f"标题：{_short(facts.title, 80)}",
        f"主办单位：{values['lead']}" + (f"；协办：{co}" if co else ""),
        f"紧急程度：{_urgency(event, case)}",
        f"办理期限：{values['deadline']}",
        f"情况：{facts.actor}于{_when(event.at)}{EVENT_NAMES.get(event.action, '处理')}"
        + (f"。说明：{_short(event.reason, 200)}" if event.reason else "。"),
        f"请办理：{todo}",
        FOOTER,
    ]
    return subject, "\n".join(lines)


def _values(event: Event, facts: Facts) -> dict[str, str]:
    case, after = facts.case, event.after
    lead = str(after.get("lead_unit") or case.lead_unit)
    level = after.get("level")
    return {
        "lead": facts.unit(lead),
        "unit": facts.unit(str(after.get("unit") or lead)),
        "co_unit": facts.unit(str(after.get("unit") or "")),
        "deadline": _when(_time(after.get("deadline")) or case.deadline),
        "ack_deadline": _when(_time(after.get("ack_deadline")) or case.ack_deadline),
        "until": _when(_time(after.get("extension_requested_until")) or case.extension_requested_until),
        "percent": f"{float(level):.0%}" if level is not None else "",
        "referred": str(after.get("referred_to") or case.referred_to).replace(",", "、"),
    }


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return to_cst(value)
    if isinstance(value, str) and value:
        return to_cst(datetime.fromisoformat(value))
    return None


def _when(value: datetime | None) -> str:
    if value is None:
        return "（未定）"
    v = to_cst(value)
    return f"{v.year}年{v.month}月{v.day}日 {v:%H:%M}"


def _short(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- enqueue ------------------------------------------------------------------------------------


def enqueue_new_events(store: RecordStore, config: NotificationConfig, unit_names: Mapping[str, str],
                       now: datetime | None = None, batch: int = 500) -> int:
    """Turn every event not yet seen into notifications; returns how many were new.

    The watermark moves only after a batch's notifications are written; a repeat of the same
    (event, channel, recipient) is ignored by the store, so re-running after a crash is safe.
    The ids just below the watermark are read again (see ``REREAD_WINDOW``), skipping those
    already handled, so an event that became visible late is not missed.
    """
    created = now or now_cst()
    watermark = int(store.get_state(STATE_SCOPE, WATERMARK_KEY) or 0)
    floor = int(store.get_state(STATE_SCOPE, FLOOR_KEY) or 0)
    handled = {int(x) for x in json.loads(store.get_state(STATE_SCOPE, RECENT_KEY) or "[]")}
    start = max(floor, watermark - REREAD_WINDOW)
    added = 0
    cache: dict[int, Facts] = {}
    while events := store.events_since(start, batch):
        fresh = [e for e in events if int(e.id or 0) > watermark or int(e.id or 0) not in handled]
        notes = [n for event in fresh for n in notifications_for(store, config, unit_names, event, created, cache)]
        added += store.add_notifications(notes)
        handled.update(int(e.id or 0) for e in fresh)
        start = max(int(e.id or 0) for e in events)
        watermark = max(watermark, start)
        recent = sorted(i for i in handled if i > watermark - REREAD_WINDOW)
        store.set_state(STATE_SCOPE, RECENT_KEY, json.dumps(recent))
        store.set_state(STATE_SCOPE, WATERMARK_KEY, str(watermark))
    return added


def mark_all_seen(store: RecordStore) -> int:
    """Start notifying from now on (a county switching notifications on should not replay history)."""
    last = int(store.get_state(STATE_SCOPE, WATERMARK_KEY) or 0)
    while events := store.events_since(last, 1000):
        last = max(int(e.id or 0) for e in events)
    store.set_state(STATE_SCOPE, WATERMARK_KEY, str(last))
    store.set_state(STATE_SCOPE, FLOOR_KEY, str(last))
    return last


def notifications_for(store: RecordStore, config: NotificationConfig, unit_names: Mapping[str, str], event: Event,
                      created: datetime, cache: dict[int, Facts] | None = None) -> list[Notification]:
    """The notifications one event causes: one per (channel, recipient), messages to the same
    recipient merged (a duty desk standing in for several units gets one message)."""
    facts = _facts(store, unit_names, event, {} if cache is None else cache)
    audiences = audiences_for(event, facts.case)
    merged: dict[tuple[str, str], tuple[str, str, list[str]]] = {}
    for audience in audiences:
        subject, body = compose(event, audience, facts)
        recipients, note = route(config, audience, facts)
        if config.staging:
            subject = "【测试】" + subject
        for r in recipients:
            key = (r.channel, r.address)
            if key not in merged:
                merged[key] = (subject, audience.unit_id, [])
            merged[key][2].append(note + body)
    if audiences and not merged:
        log.warning("event %s (%s) has no configured recipient; nobody was notified", event.id, event.action)
    assert event.id is not None
    return [
        Notification(case_id=event.case_id, event_id=event.id, channel=channel, recipient=address, subject=subject,
                     body="\n\n".join(dict.fromkeys(bodies)), unit_id=unit_id, created_at=created)
        for (channel, address), (subject, unit_id, bodies) in merged.items()
    ]


def route(config: NotificationConfig, audience: Audience, facts: Facts) -> tuple[tuple[Recipient, ...], str]:
    """Where one audience's message goes, and a note when the duty desk receives it on a unit's behalf."""
    if not audience.unit_id:
        return config.duty_desk, ""
    unit = facts.unit(audience.unit_id)
    if config.staging:
        return config.duty_desk, f"【测试模式】本消息原应发送至：{unit}\n"
    own = config.units.get(audience.unit_id, ())
    if own:
        return own, ""
    return config.duty_desk, f"【代收】{unit}未配置通知渠道，请值班台转告该单位。\n"


def _facts(store: RecordStore, unit_names: Mapping[str, str], event: Event, cache: dict[int, Facts]) -> Facts:
    if event.case_id not in cache:
        case = store.get_case(event.case_id)
        item = store.get_item(case.item_id)
        cache[event.case_id] = Facts(case, item.title or _short(item.body, 30), unit_names, "")
    cached = cache[event.case_id]
    return Facts(cached.case, cached.title, cached.names, _actor(store, event.actor))


def _actor(store: RecordStore, username: str) -> str:
    if username in ("", "system"):
        return "系统"
    user = store.get_user(username)
    return user.display_name if user is not None and user.display_name else username


# -- delivery -----------------------------------------------------------------------------------


def deliver_due(store: RecordStore, transports: Mapping[str, Transport], now: datetime, policy: RetryPolicy | None = None,
                limit: int = 100) -> dict[str, Any]:
    """Send every notification that is due at ``now``; returns counts and the failures of this run.

    A recipient that fails is not tried again in the same run: its other due messages wait for the
    same retry time (one timeout per dead server, and messages stay in order per recipient).
    """
    policy = policy or RetryPolicy()
    report: dict[str, Any] = {"sent": 0, "failed": 0, "dead": 0, "deferred": 0, "errors": []}
    down: dict[tuple[str, str], datetime | None] = {}
    # Claiming sets a lease on the rows, so two deliverers running at once never send the same one;
    # a deliverer that dies mid-way leaves its rows to be tried again when the lease ends.
    while batch := store.claim_due_notifications(now, limit, lease_until=now + CLAIM_LEASE):
        for note in batch:
            assert note.id is not None
            key = (note.channel, note.recipient)
            if key in down:
                store.update_notification(note.id, {"next_attempt_at": down[key] or now + policy.delay(1)})
                report["deferred"] += 1
                continue
            error = _attempt(note, transports)
            if error is None:
                store.update_notification(note.id, {"status": "sent", "sent_at": now, "attempts": note.attempts + 1})
                report["sent"] += 1
            else:
                down[key] = _record_failure(store, note, error, now, policy, report)
    return report


def _attempt(note: Notification, transports: Mapping[str, Transport]) -> DeliveryFailed | None:
    transport = transports.get(note.channel)
    if transport is None:
        return DeliveryFailed(f"没有 {note.channel} 的发送方式：请在 notifications.yaml 中配置（邮件需 smtp）")
    try:
        transport.send(note)
    except DeliveryFailed as exc:
        return exc
    except Exception as exc:  # a transport bug must not stop the other messages; it is recorded, not hidden
        log.exception("transport %s failed unexpectedly on notification %s", note.channel, note.id)
        return DeliveryFailed(f"内部错误 {type(exc).__name__}: {exc}"[:200])
    return None


def _record_failure(store: RecordStore, note: Notification, error: DeliveryFailed, now: datetime, policy: RetryPolicy,
                    report: dict[str, Any]) -> datetime | None:
    assert note.id is not None
    attempts = note.attempts + 1
    dead = error.permanent or attempts >= policy.max_attempts
    retry_at = None if dead else now + policy.delay(attempts)
    store.update_notification(note.id, {"status": "dead" if dead else "failed", "attempts": attempts,
                                        "last_error": error.reason[:300], "next_attempt_at": retry_at})
    report["dead" if dead else "failed"] += 1
    report["errors"].append({"id": note.id, "channel": note.channel, "status": "dead" if dead else "failed",
                             "recipient": describe_recipient(note.channel, note.recipient), "error": error.reason})
    log.warning("notification %s to %s failed (attempt %s): %s", note.id,
                describe_recipient(note.channel, note.recipient), attempts, error.reason)
    return retry_at


def dead_letters(store: RecordStore, case_ids: Sequence[int] | None = None) -> list[Notification]:
    """Messages that gave up, for the administrator to fix the address and re-queue."""
    dead = store.notifications(status="dead")
    return [n for n in dead if case_ids is None or n.case_id in case_ids]


def requeue(store: RecordStore, notification_id: int, now: datetime | None = None) -> None:
    """Give a dead (or failed) message a fresh start once its receiver works again.

    The stored recipient does not change: this helps when the receiver was repaired or the webhook
    lives in an environment variable (``env:NAME``) that now holds the right URL.
    """
    store.update_notification(notification_id, {"status": "pending", "attempts": 0, "next_attempt_at": now,
                                                "last_error": ""})
