"""Deterministic message texts for the fixture site: the demo's real sample messages, reused."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from crawlers.demo_site.catalog import load_real_messages
from index.records import CST

BASE_TIME = datetime(2024, 5, 1, 9, 30, tzinfo=CST)
"""Fixture messages are dated from here on (absolute dates, so tests do not depend on today)."""


@lru_cache(maxsize=1)
def _pool() -> tuple[dict[str, Any], ...]:
    return tuple(m for m in load_real_messages() if len(m["body"]) >= 30)


def message(number: int) -> dict[str, Any]:
    """The number-th message: title, body, author, and a reply text when the sample has one."""
    pool = _pool()
    record = pool[number % len(pool)]
    return {"title": record["title"], "body": record["body"], "author": record["author"],
            "reply": (record.get("reply") or {}).get("body")}


def posted(number: int) -> datetime:
    """A fixed posting time for the number-th message (one every 97 minutes)."""
    return BASE_TIME + timedelta(minutes=97 * number)


BLOCKS = {"liuyan": (0, 70), "discuz": (70, 30), "tieba": (100, 75), "gov": (175, 50), "jsp": (225, 30),
          "feeds": (255, 25), "news": (280, 25), "errors": (305, 25)}
"""Each platform's own block of the sample, so two platforms never publish the same text
(the store would rightly call the second a duplicate of the first)."""


def item_text(platform: str, index: int) -> dict[str, Any]:
    """The index-th message of a platform's block."""
    start, size = BLOCKS[platform]
    return message(start + index % size)
