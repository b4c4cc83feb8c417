"""Personal data in citizens' messages (mobile numbers, ID numbers) shown only to those who need it.

Who may read a message unmasked: the duty desk (it must be able to call back or refer an
emergency) and the units the case is assigned to (they answer the citizen). County leaders,
search results and every report or export see masked text: reports leave the system.

Masking uses the understanding layer's ``nlp.pii`` when it is installed (one definition of
what counts as personal data); the local rules run after it in any case: mainland mobile numbers
(``138****5678``), 18-digit resident ID numbers (``441622********123X``) and any other run of 11
or more digits (bank cards, and the halves of numbers a search snippet cuts through).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

from index.records import Case, User
from workflow.permissions import COUNTY_DESK, UNIT_ROLES

MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
LONG_NUMBER = re.compile(r"(?<!\d)(\d{3})(\d{4,})(\d{3}[\dXx])(?![\dXx])")
"""Any other run of 11 or more digits (a bank card, or a fragment of a number a search snippet
cut in half): keep the first three and last four."""


def fallback_mask(text: str) -> str:
    """Mobile numbers keep their first three and last four digits; ID numbers their region and last four."""
    text = RESIDENT_ID.sub(lambda m: f"{m.group(1)}********{m.group(3)}", text)
    text = MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return LONG_NUMBER.sub(lambda m: f"{m.group(1)}{'*' * len(m.group(2))}{m.group(3)}", text)


def _nlp_masker() -> Callable[[str], str] | None:
    """``nlp.pii``'s masking function when the understanding layer provides one."""
    try:
        module = importlib.import_module("nlp.pii")
    except ImportError:
        return None
    for name in ("mask_pii", "mask"):
        fn = getattr(module, name, None)
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    return None


_MASKER = _nlp_masker()


def mask(text: str) -> str:
    """``text`` with personal data masked (the understanding layer's rules, else the fallback)."""
    if not text:
        return text
    if _MASKER is not None:
        masked = _MASKER(text)
        if isinstance(masked, str):
            return fallback_mask(masked)  # belt and braces: the fallback never unmasks anything
    return fallback_mask(text)


def masker_name() -> str:
    """Which rules mask (shown on the administration page)."""
    return "nlp.pii" if _MASKER is not None else "看板内置规则（手机号、18 位身份证号）"


def sees_personal_data(user: User, case: Case | None) -> bool:
    """Whether this person may read the case's message unmasked."""
    if user.role in COUNTY_DESK:
        return True
    if user.role in UNIT_ROLES and case is not None:
        return bool(user.unit_id) and user.unit_id in (case.lead_unit, *case.co_units)
    return False


def keep(text: str) -> str:
    return text


def masker_for(user: User, case: Case | None = None) -> Callable[[str], str]:
    """The function that turns text into what this person may see (lists use ``case=None``:
    the desk sees everything, units see their own cases, everyone else sees masked text)."""
    if user.role in COUNTY_DESK or (case is not None and sees_personal_data(user, case)):
        return keep
    if case is None and user.role in UNIT_ROLES:
        return keep  # a unit's lists hold only its own cases (CaseService.list_for)
    return mask


def for_user(user: User, case: Case | None, text: str) -> str:
    """The text as this person may see it."""
    return text if sees_personal_data(user, case) else mask(text)
