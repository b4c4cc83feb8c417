"""RSS 2.0, RSS 1.0 and Atom feeds as they really are: mislabelled encodings, broken XML, odd dates.

- Encoding: UTF-8 is tried first (strictly), then the XML prolog's ``encoding=`` (old CMS feeds
  say ``gb2312`` there and nowhere else; it is read as GB18030), then the HTTP header's charset.
- Broken XML: a bare ``&`` (``A&B``) is escaped, HTML-only entities (``&nbsp;``, ``&ldquo;``) become
  character references, and lxml's recovering parser reads what remains.
- Dates: RFC 822 (with ``CST`` read as China Standard Time, as Chinese feeds mean it), ISO 8601,
  and the non-standard ``2024-05-01 10:00:00`` / ``2024年5月1日``; times without a zone are CST.
- Ids: ``guid`` / Atom ``id``; without one, the entry's link; without that, a hash of its text.
- Links: relative links are resolved against the feed's ``xml:base``, its site link or its URL.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from html.entities import name2codepoint
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from crawlers import dates
from crawlers.encoding import canonical_encoding
from index.records import CST

_PROLOG = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_PROLOG_TEXT = re.compile(r"^\s*<\?xml[^>]*\?>")
_BARE_AMP = re.compile(r"&(?!(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)")
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


class FeedError(ValueError):
    """The document is not a feed at all (no RSS or Atom root, even after recovery)."""


@dataclass(frozen=True)
class FeedEntry:
    """One entry; ``summary`` and ``content`` are HTML markup, ``title`` plain text."""

    id: str
    id_from: str
    """``guid``, ``link`` or ``hash``: where the id came from."""
    title: str
    link: str
    summary: str
    content: str
    author: str
    published: datetime | None
    updated: datetime | None
    comments: int | None


@dataclass(frozen=True)
class Feed:
    kind: str
    title: str
    link: str
    entries: tuple[FeedEntry, ...]
    encoding: str
    repaired: bool
    """True when the XML had to be repaired (bare ``&``, HTML entities) or recovered."""


def decode_feed(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """The feed's text and the encoding that decoded it (see the module docstring)."""
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace"), "utf-8"
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16"), "utf-16"
    candidates = ["utf-8"]
    prolog = _PROLOG.match(body)
    for declared in (prolog.group(1).decode("ascii") if prolog else None, header_charset):
        name = canonical_encoding(declared)
        if name and name not in candidates:
            candidates.append(name)
    if "gb18030" not in candidates:
        candidates.append("gb18030")
    for name in candidates:
        try:
            return body.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode(candidates[1] if len(candidates) > 1 else "utf-8", errors="replace"), candidates[0]


def _repair(text: str) -> tuple[str, bool]:
    fixed = _BARE_AMP.sub("&amp;", text)

    def entity(found: re.Match[str]) -> str:
        name = found.group(1)
        if name in _XML_ENTITIES or name not in name2codepoint:
            return found.group(0)
        return f"&#{name2codepoint[name]};"

    fixed = _ENTITY.sub(entity, fixed)
    return fixed, fixed != text


def parse_date(text: str | None) -> datetime | None:
    """A feed date in any of the forms in the module docstring, as CST; None if unreadable."""
    value = (text or "").strip()
    if not value:
        return None
    value = re.sub(r"\s(CST|GMT\+0?8:?00|UTC\+0?8:?00|北京时间)$", " +0800", value)
    try:
        parsed = parsedate_to_datetime(value)
        if parsed is not None:
            return parsed.replace(tzinfo=CST) if parsed.tzinfo is None else parsed.astimezone(CST)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.replace(tzinfo=CST) if parsed.tzinfo is None else parsed.astimezone(CST)
    except ValueError:
        pass
    found = dates.parse_absolute(value)
    return found[0] if found else None


def _local(element: Any) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _children(element: Any, *names: str) -> list[Any]:
    return [c for c in element if isinstance(c.tag, str) and _local(c) in names]


def _text(element: Any, *names: str) -> str:
    for child in _children(element, *names):
        value = "".join(child.itertext()).strip()
        if value:
            return value
    return ""


def _markup(element: Any, *names: str) -> str:
    """An element's content as HTML markup (Atom ``type`` respected; RSS descriptions are HTML)."""
    for child in _children(element, *names):
        kind = (child.get("type") or "").lower()
        if kind == "xhtml":
            return "".join(etree.tostring(c, encoding="unicode", method="html") for c in child if isinstance(c.tag, str))
        value = "".join(child.itertext())
        if kind == "text":
            return html.escape(value, quote=False)
        if value.strip():
            return value
    return ""


def _link(element: Any, base: str) -> str:
    for child in _children(element, "link"):
        href = child.get("href")
        if href is not None:
            if (child.get("rel") or "alternate") == "alternate":
                return urljoin(base, href.strip())
            continue
        text = "".join(child.itertext()).strip()
        if text:
            return urljoin(base, text)
    about = element.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
    return urljoin(base, about) if about else ""


def _title(item: Any) -> str:
    """Plain text: Atom ``type="html"`` titles lose their markup; RSS titles are text as they are."""
    for child in _children(item, "title"):
        kind = (child.get("type") or "").lower()
        value = "".join(child.itertext()).strip()
        if kind in ("html", "xhtml"):
            fragment = etree.HTML(f"<div>{value}</div>") if value else None
            return " ".join("".join(fragment.itertext()).split()) if fragment is not None else ""
        return html.unescape(value)
    return ""


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def parse_feed(body: bytes, url: str, header_charset: str | None = None) -> Feed:
    """Parse a feed (RSS 2.0, RSS 1.0/RDF, Atom). Raises ``FeedError`` when it is not one."""
    text, encoding = decode_feed(body, header_charset)
    text = _PROLOG_TEXT.sub("", text.lstrip("\ufeff"), count=1)
    fixed, repaired = _repair(text)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(fixed.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not a feed: {exc}") from exc
    if root is None:
        raise FeedError("not a feed: no XML element found")
    repaired = repaired or bool(parser.error_log)
    kind = _local(root)
    if kind == "rss":
        channel = next(iter(_children(root, "channel")), root)
        items = _children(channel, "item")
    elif kind == "rdf":
        channel = next(iter(_children(root, "channel")), root)
        items = _children(root, "item")
    elif kind == "feed":
        channel, items = root, _children(root, "entry")
    else:
        raise FeedError(f"not a feed: the document's root is <{root.tag}>")
    base = root.get("{http://www.w3.org/XML/1998/namespace}base") or url
    site = _link(channel, base) or url
    link_base = urljoin(url, site) if kind != "feed" else base
    entries = tuple(_entry(item, link_base, kind) for item in items)
    return Feed(kind=kind if kind != "rdf" else "rss1", title=_text(channel, "title"), link=site,
                entries=entries, encoding=encoding, repaired=repaired)


def _entry(item: Any, base: str, kind: str) -> FeedEntry:
    item_base = urljoin(base, item.get("{http://www.w3.org/XML/1998/namespace}base") or "")
    link = _link(item, item_base)
    title = _title(item)
    summary = _markup(item, "description", "summary")
    content = _markup(item, "encoded", "content")
    published = parse_date(_text(item, "pubdate", "published", "issued", "date", "created"))
    updated = parse_date(_text(item, "updated", "modified"))
    guid = _text(item, "guid", "id")
    if guid:
        entry_id, origin = guid, "guid"
    elif link:
        entry_id, origin = link, "link"
    else:
        digest = hashlib.sha1(f"{title}|{published}|{summary[:500]}".encode()).hexdigest()[:20]
        entry_id, origin = f"hash:{digest}", "hash"
    author = _text(item, "creator", "author")
    for person in _children(item, "author"):
        name = _text(person, "name")
        if name:
            author = name
    return FeedEntry(id=entry_id, id_from=origin, title=title, link=link, summary=summary, content=content,
                     author=author, published=published, updated=updated,
                     comments=_int(_text(item, "comments")) if kind != "feed" else None)
