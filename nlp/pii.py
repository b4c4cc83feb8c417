"""Personal data in citizens' messages: found, and masked for display and export.

Citizens write their mobile number, ID card number, bank card and plate into public messages
(例："本人电话13812345678，身份证号…"). The board shows messages to many officers and reports are
exported, so personal data is masked there (个人信息保护法; the stored original stays for the
handling unit). Numbers are only reported when they are what they claim to be: ID card numbers
must carry a valid birth date and the GB 11643 check digit, bank card numbers must pass the Luhn
check, mobile numbers must start with a mobile prefix — a 18-digit order number or a 16-digit
invoice number is left alone.

``find_pii(text)`` returns spans; ``mask_pii(text)`` keeps just enough to recognise a number
(138****5678, 440102********123X, ****1234, 粤A****5) or, with ``style="label"``, replaces it with
its kind (【手机号】).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

KINDS = {
    "id_card": "身份证号",
    "bank_card": "银行卡号",
    "mobile": "手机号",
    "landline": "固定电话",
    "plate": "车牌号",
}
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# Digit runs are matched whole (no digit or letter on either side), with optional single spaces
# or hyphens between groups as people type them ("6222 0212 3456 7890", "138-1234-5678").
_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3})([0-9Xx])(?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{6})(\d{3})(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{4}(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?)(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![0-9A-Za-z])")
_LANDLINE = re.compile(
    r"(?<![0-9A-Za-z])[(（]?(0\d{2,3})[)）]?[ -]?([2-9]\d{6,7})(?:(?:转|-|ext\.?)(\d{1,5}))?(?![0-9A-Za-z])"
)
_PLATE = re.compile(
    rf"(?<![A-Za-z0-9])([{_PROVINCES}][A-HJ-NP-Z])[·•.\- ]?"
    r"((?:[DF][A-HJ-NP-Z0-9]\d{4})|(?:\d{5}[DF])|(?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]))(?![A-Za-z0-9])"
)


@dataclass(frozen=True)
class Span:
    """One piece of personal data: where it is, what kind, and the text found."""

    start: int
    end: int
    kind: str  # id_card / bank_card / mobile / landline / plate
    text: str

    @property
    def label(self) -> str:
        return KINDS[self.kind]


def find_pii(text: str, kinds: Iterable[str] | None = None) -> list[Span]:
    """Personal data in a text, in order; overlapping candidates go to the most specific kind.

    ``kinds`` limits the result (e.g. ``("mobile", "id_card")``); all kinds by default.
    """
    wanted = set(KINDS) if kinds is None else set(kinds)
    if unknown := wanted - set(KINDS):
        raise ValueError(f"unknown kind(s) {sorted(unknown)}; use {', '.join(KINDS)}")
    if not text:
        return []
    found: list[Span] = []
    taken = bytearray(len(text))

    def claim(start: int, end: int, kind: str) -> None:
        if not any(taken[start:end]):
            taken[start:end] = b"\x01" * (end - start)
            found.append(Span(start, end, kind, text[start:end]))

    for m in _ID18.finditer(text):
        if _valid_id18(m.group(0)):
            claim(m.start(), m.end(), "id_card")
    for m in _ID15.finditer(text):
        if _valid_date("19" + m.group(2)):
            claim(m.start(), m.end(), "id_card")
    for m in _CARD.finditer(text):
        digits = re.sub(r"[ -]", "", m.group(1))
        if 16 <= len(digits) <= 19 and _luhn(digits):
            claim(m.start(), m.end(), "bank_card")
    for m in _MOBILE.finditer(text):
        claim(m.start(), m.end(), "mobile")
    for m in _LANDLINE.finditer(text):
        claim(m.start(), m.end(), "landline")
    for m in _PLATE.finditer(text):
        claim(m.start(), m.end(), "plate")
    return sorted((s for s in found if s.kind in wanted), key=lambda s: s.start)


def mask_pii(text: str, style: str = "partial", kinds: Iterable[str] | None = None) -> str:
    """The text with personal data masked: ``partial`` keeps a recognisable part, ``label`` names the kind."""
    if style not in ("partial", "label"):
        raise ValueError("style must be 'partial' or 'label'")
    spans = find_pii(text, kinds)
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for span in spans:
        out.append(text[pos : span.start])
        out.append(f"【{span.label}】" if style == "label" else _partial(span))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def _partial(span: Span) -> str:
    """Mask the middle: enough left to tell two numbers apart, not enough to use one."""
    chars = [c for c in span.text if c.isalnum() or c in "·"]
    raw = "".join(chars)
    if span.kind == "mobile":
        digits = re.sub(r"\D", "", raw)[-11:]
        return digits[:3] + "****" + digits[-4:]
    if span.kind == "id_card":
        return raw[:6] + "*" * (len(raw) - 10) + raw[-4:]
    if span.kind == "bank_card":
        return "*" * (len(raw) - 4) + raw[-4:]
    if span.kind == "landline":
        match = _LANDLINE.fullmatch(span.text.strip())
        area = match.group(1) if match else raw[:4]
        return f"{area}-****" + (raw[-2:] if len(raw) > 6 else "")
    return raw[:2] + "*" * max(len(raw) - 3, 1) + raw[-1:]  # plate


def _valid_id18(number: str) -> bool:
    """GB 11643-1999: a plausible birth date and the ISO 7064 MOD 11-2 check character."""
    if not _valid_date(number[6:14]):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _valid_date(yyyymmdd: str) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def _luhn(digits: str) -> bool:
    """The Luhn checksum bank cards carry."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
