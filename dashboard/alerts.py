"""The standing 特急 alert: which urgent cases no person has taken yet.

An urgent item must reach a person, not only change a label (RULES.md). The alert therefore stays
on the duty page until someone *takes* the case, and "taken" is read from the case itself, so
every officer's screen agrees and a reload does not bring a handled alert back:

* a person assigned it (交办/改派), or — for a case the system assigned — a person took it with
  接手 (recorded as a 催办 to the unit, so the unit's clock is not restarted);
* the unit signed for it (签收) or went further;
* it was referred to an emergency line (转警情).

A case the unit returned (退单) is not taken: it is back at the desk and alerts again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from index.records import Case, CaseView, Event
from workflow.cases import SYSTEM_ACTOR

WAITING = frozenset({"received", "returned", "assigned"})
"""States in which an urgent case may still be waiting for a person."""


def is_taken(case: Case, events: Sequence[Event]) -> bool:
    """Whether a person has taken this case (see the module docstring)."""
    if case.status not in WAITING or case.referred_to:
        return True
    if case.status != "assigned":
        return False
    last = max((i for i, e in enumerate(events) if e.action in ("assign", "open_assign")), default=None)
    if last is None:
        return False
    by_person = [e for e in events[last:] if e.actor != SYSTEM_ACTOR and e.action in ("assign", "remind", "supervise")]
    return bool(by_person)


def untaken(views: Sequence[CaseView], events_of: Callable[[int], Sequence[Event]]) -> list[CaseView]:
    """The urgent cases still waiting for a person, in the order given (least time left first)."""
    out = []
    for view in views:
        case = view.case
        if case.status not in WAITING or case.referred_to:
            continue
        if not is_taken(case, events_of(case.id) if case.status == "assigned" else ()):
            out.append(view)
    return out


def can_take_in_one_click(view: CaseView) -> bool:
    """接手 confirms the proposed lead unit; a case with no proposal needs the assignment form."""
    proposed = view.classification.lead_unit if view.classification else ""
    return view.case.status == "assigned" or bool(proposed) and proposed == view.case.lead_unit
