"""The domain model in one place: what Huiying stores about items, units, cases and their history.

Every other layer speaks in these records. They are plain frozen dataclasses so that they can
cross process boundaries (Scrapy, Streamlit, the command line) and be compared in tests.
Times are timezone-aware datetimes in China Standard Time (``CST``); the store keeps them as
ISO 8601 strings with ``+08:00`` so that string order is time order.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

CST = ZoneInfo("Asia/Shanghai")

URGENCY_LEVELS: tuple[str, ...] = ("特急", "紧急", "一般")
"""Urgency from most to least pressing, as defined in the county's handling rules."""

ITEM_KINDS: tuple[str, ...] = ("咨询", "求助", "建议", "投诉", "举报", "舆情")
"""What the citizen is doing; the kind chooses the default deadline."""


def now_cst() -> datetime:
    """The current time in China Standard Time, the clock every deadline runs on."""
    return datetime.now(CST)


def to_cst(value: datetime) -> datetime:
    """Attach or convert to China Standard Time; naive times are taken as local county time."""
    if value.tzinfo is None:
        return value.replace(tzinfo=CST)
    return value.astimezone(CST)


@dataclass(frozen=True)
class Reply:
    """An official or follow-up answer published under a message on its source."""

    author: str
    body: str
    posted_at: datetime | None = None
    organisation: str = ""


@dataclass(frozen=True)
class Item:
    """One citizen message as published on a source, before any handling.

    ``source`` names the configured site (``demo-discuz``), ``platform`` the kind of software it
    runs (``discuz``), and ``external_id`` the site's own id, so that (source, external_id) is
    the identity a re-crawl recognises. ``content_hash`` identifies the normalised text, so that a
    repost under a new id is recognised as well.
    """

    source: str
    platform: str
    url: str
    external_id: str
    title: str
    body: str
    author: str = ""
    posted_at: datetime | None = None
    fetched_at: datetime | None = None
    content_hash: str = ""
    reply_count: int | None = None
    view_count: int | None = None
    kind: str = ""
    replies: tuple[Reply, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    def with_id(self, item_id: int) -> Item:
        return dataclasses.replace(self, id=item_id)


@dataclass(frozen=True)
class Unit:
    """A government unit that receives, handles or coordinates items (主办/协办单位, 镇)."""

    id: str
    name: str
    role: str
    note: str = ""


@dataclass(frozen=True)
class Classification:
    """What the understanding step decided about an item, and why.

    ``reasons`` are short human-readable Chinese strings (the terms or rules that decided);
    ``confidences`` maps each decision (``domain``, ``urgency``) to a probability in [0, 1].
    """

    item_id: int
    domain: str
    lead_unit: str
    co_units: tuple[str, ...]
    urgency: str
    kind: str
    confidences: dict[str, float]
    model_version: str
    reasons: tuple[str, ...] = ()
    sentiment: str = ""
    place: str = ""
    keywords: tuple[str, ...] = ()
    needs_triage: bool = False
    classified_at: datetime | None = None


@dataclass(frozen=True)
class Case:
    """The handling of one item by the government: who must act, by when, and how far they got.

    ``version`` increases with every change, so that two people acting on the same case at the
    same time are detected rather than one silently overwriting the other.
    """

    id: int
    item_id: int
    status: str
    lead_unit: str
    co_units: tuple[str, ...]
    urgency: str
    kind: str
    received_at: datetime
    deadline: datetime
    ack_deadline: datetime
    assigned_at: datetime | None = None
    acknowledged_at: datetime | None = None
    replied_at: datetime | None = None
    reviewed_at: datetime | None = None
    closed_at: datetime | None = None
    returned_at: datetime | None = None
    original_deadline: datetime | None = None
    """The deadline set at receipt; ``deadline`` differs only after an approved extension."""
    reply_text: str = ""
    reply_draft: str = ""
    deadline_note: str = ""
    return_reason: str = ""
    return_count: int = 0
    extension_count: int = 0
    extension_requested_until: datetime | None = None
    extension_reason: str = ""
    redo_count: int = 0
    merged_count: int = 0
    merged_into: int | None = None
    supervised: int = 0
    reminder_level: float = 0.0
    satisfaction: str = ""
    referred_to: str = ""
    public_response: str = ""
    public_response_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True)
class CaseUnit:
    """One unit's part in a case: the lead unit or a co-handling unit, each with its own
    acknowledgement and reply (a co-handling unit's reply goes to the lead unit)."""

    case_id: int
    unit_id: str
    role: str
    assigned_at: datetime | None = None
    acknowledged_at: datetime | None = None
    replied_at: datetime | None = None
    reply_text: str = ""


@dataclass(frozen=True)
class Notification:
    """A message to one recipient about one event, with its own delivery state.

    Delivery is kept apart from the case: a failed webhook does not change the case, and only
    the recipients that failed are tried again.
    """

    case_id: int
    event_id: int
    channel: str
    recipient: str
    subject: str
    body: str
    unit_id: str = ""
    status: str = "pending"
    attempts: int = 0
    last_error: str = ""
    created_at: datetime | None = None
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class Event:
    """One appended line of a case's history: who did what, when, and what changed."""

    case_id: int
    actor: str
    action: str
    at: datetime
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Topic:
    """Items about one matter (an event / hot topic), grouped after intake.

    ``heat`` is the topic's attention at ``heat_at``: every item counts 1 plus its engagement,
    halved every few days since it was posted, so a matter that stopped drawing posts cools down.
    """

    id: int
    title: str
    terms: tuple[str, ...] = ()
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    size: int = 0
    heat: float = 0.0
    heat_at: datetime | None = None


@dataclass(frozen=True)
class User:
    """A person who signs in to the board; ``unit_id`` is empty for county-wide roles."""

    username: str
    display_name: str
    role: str
    unit_id: str = ""
    password_hash: str = ""
    active: bool = True


@dataclass(frozen=True)
class SearchHit:
    """One search result with the fields the board and the command line show."""

    item_id: int
    title: str
    snippet: str
    source: str
    posted_at: datetime | None
    lead_unit: str
    urgency: str
    status: str
    case_id: int | None
    score: float = 0.0


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, the total that matched, and the query words to highlight."""

    total: int
    hits: tuple[SearchHit, ...]
    terms: tuple[str, ...] = ()
    note: str = ""
    """Set when the answer did not come from the configured search backend (shown to the user, in Chinese)."""


@dataclass(frozen=True)
class CaseView:
    """A case with the item and classification it belongs to: one row of a feed or an inbox."""

    case: Case
    item: Item
    classification: Classification | None


@dataclass(frozen=True)
class AddResult:
    """What storing an item did: ``new``, ``updated`` (same id seen again) or ``duplicate``.

    A duplicate is the same normalised text under another id; ``item_id`` then names the item
    it duplicates, and the new id is kept as an alias so that nothing is lost.
    """

    item_id: int
    status: str
