"""Decoding pages whose declared encoding cannot be trusted (GBK forums, old county sites).

Chinese sites declare ``gb2312`` or ``gbk`` but use characters outside them (堃, 喆, 镕), send a
``utf-8`` header over GBK bytes, or declare the charset only in a ``<meta>`` tag. The rule here:
a forced per-source encoding wins; otherwise UTF-8 is tried strictly first (GBK text is almost
never valid UTF-8, while GB18030 happily "decodes" UTF-8 bytes into nonsense), then every declared
candidate (BOM, HTTP header, meta), with the GB family always read as GB18030 (a superset).
Only when nothing decodes cleanly are replacement characters accepted, and the caller is told so
it can count it.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "x-gbk", "gb_2312-80", "euc-cn", "hz-gb-2312", "ms936", "936"}


def canonical_encoding(name: str | None) -> str | None:
    """Python's codec name for ``name``, with the GB family mapped to GB18030; None if unknown."""
    if not name:
        return None
    cleaned = name.strip().strip("\"'").lower()
    if cleaned in _GB_FAMILY:
        return "gb18030"
    try:
        found = codecs.lookup(cleaned).name
    except LookupError:
        return None
    return "gb18030" if found in _GB_FAMILY else found


@dataclass(frozen=True)
class DecodedPage:
    """A page's text and how it was obtained."""

    text: str
    encoding: str
    clean: bool
    """False when no candidate decoded without errors and replacement characters were used."""


def _candidates(response: Response, forced: str | None) -> list[str]:
    if forced:
        forced_name = canonical_encoding(forced)
        return [forced_name] if forced_name else []
    declared: list[str | None] = []
    bom, _ = read_bom(response.body)
    declared.append(bom)
    content_type = response.headers.get(b"Content-Type")
    if content_type:
        declared.append(http_content_type_encoding(content_type.decode("latin-1")))
    declared.append(html_body_declared_encoding(response.body))
    names: list[str] = []
    for name in declared:
        canonical = canonical_encoding(name)
        if canonical and canonical not in names:
            names.append(canonical)
    if "utf-8" in names:
        names.remove("utf-8")
    return ["utf-8", *names]


def decode_page(response: Response, forced: str | None = None) -> DecodedPage:
    """Decode a page's body by the rule in the module docstring."""
    body = response.body
    candidates = _candidates(response, forced)
    fallbacks = [name for name in ("utf-8", "gb18030") if name not in candidates]
    for name in [*candidates, *([] if forced else fallbacks)]:
        try:
            text = body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        return DecodedPage(text=text.lstrip("\ufeff"), encoding=name, clean=True)
    # Nothing decodes cleanly (a truncated or corrupted page): take the candidate that needs the
    # fewest replacement characters.
    names = candidates or [response.encoding if isinstance(response, TextResponse) else "utf-8"]
    decoded = [(body.decode(name, errors="replace"), name) for name in names]
    text, name = min(decoded, key=lambda pair: pair[0].count("\ufffd"))
    return DecodedPage(text=text, encoding=name, clean=False)
