"""What spiders yield: one ``MessageItem`` per citizen message, and its conversion to a stored record.

``title`` and ``body`` hold the text *as the source served it*: an HTML fragment (forums) or
entity-escaped text (JSON APIs). ``CleanPipeline`` turns them into plain text exactly once
(``crawlers.text.markup_to_text``), so that a post whose text contains ``<script>`` (served
escaped as ``&lt;script&gt;``) is stored as those literal characters, never as markup, never dropped.
Spiders reading plain-text fields must therefore ``html.escape`` them (see ``as_markup``).
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

import scrapy

from index.records import Item, Reply, to_cst


class MessageItem(scrapy.Item):
    """One message from one source, as collected."""

    source = scrapy.Field()         # the configured source name, e.g. "demo-discuz"
    platform = scrapy.Field()       # "discuz", "liuyan", ...
    url = scrapy.Field()            # canonical URL of the message
    external_id = scrapy.Field()    # the site's own id (tid), as a string
    title = scrapy.Field()          # source markup (see module docstring)
    body = scrapy.Field()           # source markup (see module docstring)
    author = scrapy.Field()
    posted_at = scrapy.Field()      # datetime, timezone-aware (CST)
    fetched_at = scrapy.Field()     # datetime, timezone-aware (CST)
    reply_count = scrapy.Field()
    view_count = scrapy.Field()
    kind_hint = scrapy.Field()      # what the source says the message is (咨询/投诉/建议/求助), may be ""
    replies = scrapy.Field()        # list of dicts: author, body (markup), posted_at, organisation
    extra = scrapy.Field()          # dict of source-specific facts worth keeping (forum id, state, ...)
    content_hash = scrapy.Field()   # set by HashPipeline
    understanding = scrapy.Field()  # set by UnderstandPipeline (nlp.understand.Understanding)
    cursor = scrapy.Field()         # (watermark key, value) this item settles once stored; not stored itself


KIND_HINTS = {"建言": "建议", "建议": "建议", "投诉": "投诉", "咨询": "咨询", "求助": "求助", "举报": "举报"}
"""Source type names mapped to the product's item kinds (the 领导留言板 says 建言 for 建议)."""


def kind_hint(type_name: str | None) -> str:
    return KIND_HINTS.get((type_name or "").strip(), "")


def as_markup(text: str | None) -> str:
    """Plain text from a JSON field made safe to pass as source markup (see module docstring)."""
    return html.escape(text or "", quote=False)


def reply_dict(author: str, body: str, posted_at: datetime | None, organisation: str = "") -> dict[str, Any]:
    return {"author": author, "body": body, "posted_at": posted_at, "organisation": organisation}


def to_record(item: MessageItem) -> Item:
    """The ``index.records.Item`` to store, from a cleaned and hashed ``MessageItem``."""
    posted = item.get("posted_at")
    fetched = item.get("fetched_at")
    replies = tuple(
        Reply(
            author=r.get("author", ""),
            body=r.get("body", ""),
            posted_at=to_cst(r["posted_at"]) if r.get("posted_at") else None,
            organisation=r.get("organisation", ""),
        )
        for r in item.get("replies") or ()
    )
    return Item(
        source=item["source"],
        platform=item["platform"],
        url=item["url"],
        external_id=str(item["external_id"]),
        title=item.get("title", ""),
        body=item.get("body", ""),
        author=item.get("author", "") or "",
        posted_at=to_cst(posted) if posted else None,
        fetched_at=to_cst(fetched) if fetched else None,
        content_hash=item.get("content_hash", ""),
        reply_count=item.get("reply_count"),
        view_count=item.get("view_count"),
        kind=item.get("kind_hint", "") or "",
        replies=replies,
        extra=dict(item.get("extra") or {}),
    )


def _iso(value: Any) -> str | None:
    return to_cst(value).isoformat() if isinstance(value, datetime) else None


def to_jsonable(item: MessageItem) -> dict[str, Any]:
    """The item as plain JSON values, times as ISO 8601 with +08:00 (one-off crawl output)."""
    return {
        "platform": item.get("platform"),
        "source": item.get("source"),
        "url": item.get("url"),
        "external_id": str(item.get("external_id") or ""),
        "title": item.get("title") or "",
        "body": item.get("body") or "",
        "author": item.get("author") or "",
        "posted_at": _iso(item.get("posted_at")),
        "fetched_at": _iso(item.get("fetched_at")),
        "reply_count": item.get("reply_count"),
        "view_count": item.get("view_count"),
        "kind": item.get("kind_hint") or "",
        "replies": [
            {"author": r.get("author") or "", "organisation": r.get("organisation") or "",
             "body": r.get("body") or "", "posted_at": _iso(r.get("posted_at"))}
            for r in item.get("replies") or ()
        ],
        "content_hash": item.get("content_hash") or "",
        "extra": _plain(item.get("extra") or {}),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
