"""List pages of long-tail sites: letter ids from URLs, and the next page — also behind ``javascript:goPage(2)``.

County systems (``.jsp``, ``.asp``, ``.aspx``) often page with a script link instead of an href:
``<a href="javascript:goPage(2)">下一页</a>`` or ``onclick="goPage(2)"``. The next URL is then built
by setting the page parameter (``pageNo`` unless the source names another, or the current URL
already carries one of the usual names).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector

GO_PAGE = re.compile(r"(?:goPage|gotoPage|toPage|changePage|jumpPage|turnPage|page)\s*\(\s*['\"]?(\d+)", re.IGNORECASE)
NEXT_WORDS = ("下一页", "下页", "后一页", "next", "Next", "»", "›", ">")
ID_PARAMS = ("id", "letterId", "letterid", "lid", "xxid", "mailId", "mailid", "guid", "tid", "messageId", "msgId",
             "infoid", "articleId", "docid", "xh")
PAGE_PARAMS = ("pageNo", "pageno", "page", "pageIndex", "pageindex", "currentPage", "curPage", "p", "pn")


def external_id_of(url: str, param: str | None = None) -> str:
    """An item's id from its URL: ``param`` or a usual id parameter; else the page name when it holds a
    number (``post_123.html`` → ``post_123``, ``/a/2024/05/12345.html`` → ``12345``); else a hash of the URL."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    for name in ((param,) if param else ID_PARAMS):
        if name and query.get(name) and query[name][0].strip():
            return query[name][0].strip()
    stem = parts.path.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0]
    if re.search(r"\d", stem) and not query:
        return stem
    return "u" + hashlib.sha1(f"{parts.path}?{parts.query}".encode()).hexdigest()[:16]


def with_param(url: str, name: str, value: Any) -> str:
    """``url`` with one query parameter set (others kept)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    pairs = [(k, vs[-1]) for k, vs in query.items() if k != name] + [(name, str(value))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs), ""))


def page_number(url: str) -> int:
    """The page number a list URL asks for (1 when it names none)."""
    query = parse_qs(urlsplit(url).query)
    for name in PAGE_PARAMS:
        if query.get(name) and query[name][0].isdigit():
            return int(query[name][0])
    return 1


def page_param_of(url: str, configured: str | None = None) -> str:
    if configured:
        return configured
    query = parse_qs(urlsplit(url).query)
    return next((name for name in PAGE_PARAMS if name in query), "pageNo")


def next_page_url(sel: Selector, url: str, current: int, page_param: str | None = None,
                  selector: str | None = None) -> str | None:
    """The next list page: a configured selector's href, else the "下一页" link (href or script)."""
    if selector:
        found = sel.xpath(selector[len("xpath:"):]) if selector.startswith("xpath:") else sel.css(selector)
        href = (found.get() or "").strip()
        candidates = [(href, "")] if href else []
    else:
        candidates = []
        for anchor in sel.css("a"):
            text = (anchor.xpath("string()").get() or "").strip()
            if text in NEXT_WORDS or any(text.startswith(word) for word in NEXT_WORDS[:3]):
                candidates.append(((anchor.attrib.get("href") or "").strip(), anchor.attrib.get("onclick") or ""))
    for href, onclick in candidates:
        if href and not href.lower().startswith("javascript") and href != "#":
            target = urljoin(url, href)
            return None if target == url else target
        script = href if href.lower().startswith("javascript") else onclick
        found = GO_PAGE.search(script or "")
        number = int(found.group(1)) if found else current + 1
        if number <= current:
            return None
        return with_param(url, page_param_of(url, page_param), number)
    return None
