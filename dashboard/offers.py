"""Which buttons to show: the actions a person may take on a case now, as the service would judge.

Permission comes from ``workflow.permissions.decide`` and the state rules from
``workflow.states.ALLOWED`` (the service's own tables), plus the few conditions the service
checks on input (an extension pending, a co-handling unit's own part already signed for). The
board never offers a button the service would refuse for a reason the person could not fix;
the service still checks everything again when the button is pressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from index.records import Case, CaseUnit, User
from workflow.permissions import decide
from workflow.states import ALLOWED

UNIT_ACTIONS: tuple[str, ...] = (
    "acknowledge", "reply", "sign_off", "reject_draft", "progress", "request_extension", "return", "publish",
)
"""A unit's actions in the order its panel shows them (most common first)."""

DESK_ACTIONS: tuple[str, ...] = (
    "assign", "review", "send_back", "close", "follow_up", "approve_extension", "refuse_extension",
    "merge", "refer", "reclassify", "remind", "supervise",
)
"""The duty desk's actions in the order its panel shows them."""


def own_part(parts: Sequence[CaseUnit], unit_id: str) -> CaseUnit | None:
    return next((p for p in parts if p.unit_id == unit_id), None)


def is_co_unit(user: User, case: Case) -> bool:
    return bool(user.unit_id) and user.unit_id != case.lead_unit and user.unit_id in case.co_units


def _input_ok(user: User, case: Case, action: str, parts: Sequence[CaseUnit], now: datetime) -> bool:
    """The service's checks beyond role and state that decide whether a button makes sense."""
    co = is_co_unit(user, case)
    part = own_part(parts, user.unit_id) if co else None
    if action == "acknowledge":
        return (part is not None and part.acknowledged_at is None) if co else case.status == "assigned"
    if action == "reply":
        if co:
            return part is not None and part.acknowledged_at is not None
        if user.role == "unit_leader" and case.status == "reply_pending":
            return False  # the leader signs the draft off (and may edit it there)
        return case.status in ("acknowledged", "in_progress", "reply_pending")
    if action == "request_extension":
        return case.extension_requested_until is None and now <= case.deadline
    if action in ("approve_extension", "refuse_extension"):
        return case.extension_requested_until is not None
    if action == "follow_up":
        return not case.satisfaction
    return True


def offered(user: User, case: Case, action: str, unit_role: str = "", parts: Sequence[CaseUnit] = (),
            now: datetime | None = None) -> bool:
    """Whether to show ``action``'s button to ``user`` on ``case`` now."""
    if case.status not in ALLOWED.get(action, ()):
        return False
    if not decide(user, action, case, unit_role).allowed:
        return False
    return _input_ok(user, case, action, parts, now or case.received_at)


def unit_offers(user: User, case: Case, unit_role: str = "", parts: Sequence[CaseUnit] = (),
                now: datetime | None = None) -> list[str]:
    """The unit actions to show, in panel order."""
    return [a for a in UNIT_ACTIONS if offered(user, case, a, unit_role, parts, now)]


def desk_offers(user: User, case: Case, now: datetime | None = None) -> list[str]:
    """The duty desk's actions to show, in panel order."""
    return [a for a in DESK_ACTIONS if offered(user, case, a, now=now)]
