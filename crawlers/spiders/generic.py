"""The long tail of county sites: a list page and detail pages described by selectors in the source.

::

    - name: xx-county-letters
      platform: generic
      start_urls: [http://www.xx.gov.cn/hdjl/list.jsp?pageNo=1]
      list:
        item: "ul.list > li"            # one element per entry (required)
        link: "a::attr(href)"           # inside the entry (default)
        title: "a::attr(title)"         # optional
        date: "span::text"              # optional: used when the page has none
      next_page: "a.next::attr(href)"   # optional: default the "下一页" link, javascript:goPage(n) too
      page_param: pageNo                # optional: the parameter goPage(n) sets
      id_param: id                      # optional: the id parameter of detail URLs
      detail:
        title: "h1"                     # text
        body: "div.article"             # markup (required unless labels: true)
        author: ".author::text"
        date: ".pubtime::text"          # absolute or relative (昨天 08:18, 3 天前)
        views: ".views::text"
        reply: "div.reply"              # one element per official reply
        reply_body: ".content"          # inside a reply (default: the reply element)
        reply_author: ".unit::text"
        reply_date: ".time::text"
        labels: true                    # fill missing fields from 标题/留言内容/回复单位… pairs (crawlers.labels)
        gone: ["已删除", "不存在"]        # a page containing one of these is counted, not stored

A selector is CSS (with parsel's ``::text`` and ``::attr(name)``) or, prefixed with ``xpath:``,
XPath. Every selector is compiled when the sources are loaded, so a typo fails with the key's
name before any request is sent. ``list_only: true`` stores the list entries without visiting
detail pages.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import scrapy
from parsel import Selector, SelectorList
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawlers import dates
from crawlers.errors import SourceConfigError
from crawlers.gates import classify_notice
from crawlers.items import MessageItem, as_markup, kind_hint, reply_dict
from crawlers.labels import read_letter
from crawlers.paging import external_id_of, next_page_url, page_number
from crawlers.sources import Option, SourceConfig
from crawlers.spiders.base import SourceSpider
from index.records import now_cst

LIST_KEYS = ("item", "link", "title", "date", "id")
DETAIL_KEYS = ("title", "body", "author", "date", "views", "reply", "reply_body", "reply_author", "reply_date",
               "labels", "gone", "kind")
GONE_DEFAULT = ("已删除", "不存在", "已被删除", "无权访问", "页面未找到", "404 Not Found")


def select(node: Selector | SelectorList, query: str) -> SelectorList:
    """Apply a configured selector: ``xpath:…`` or CSS."""
    if query.startswith("xpath:"):
        return node.xpath(query[len("xpath:"):].strip())
    return node.css(query)


def text_of(found: SelectorList) -> str:
    """Text of what a selector found: joined text nodes/attributes, or the elements' visible text."""
    values = []
    for node in found:
        root = node.root
        values.append(root if isinstance(root, str) else node.xpath("string()").get() or "")
    return " ".join(v.strip() for v in values if v and v.strip())


def markup_of(found: SelectorList) -> str:
    """Markup of the first element found (its inner HTML), or escaped text when text was selected."""
    if not found:
        return ""
    first = found[0]
    if isinstance(first.root, str):
        return as_markup(text_of(found))
    inner = first.xpath("./node()").getall()
    return "".join(inner)


def _check_selector(source: str, key: str, query: Any) -> None:
    if not isinstance(query, str) or not query.strip():
        raise SourceConfigError(source, f"{key} must be a selector (CSS, or xpath:…)")
    try:
        select(Selector(text="<html><body><p>x</p></body></html>"), query)
    except Exception as exc:  # parsel raises several kinds for a bad expression
        raise SourceConfigError(source, f"{key} {query!r} is not a valid selector: {exc}") from exc


class GenericSpider(SourceSpider):
    """List → detail pages driven by the selectors in the source (see the module docstring)."""

    platform = "generic"
    name = "generic"
    OPTIONS = {
        "list": Option(dict, "selectors of the list page: item (required), link, title, date"),
        "detail": Option(dict, "selectors of a detail page: title, body, author, date, views, reply…, labels, gone"),
        "next_page": Option(str, "selector of the next list page's link (default: the 下一页 link)"),
        "page_param": Option(str, "query parameter for javascript:goPage(n) links (default pageNo)"),
        "id_param": Option(str, "query parameter holding the item id in detail URLs"),
        "list_only": Option(bool, "store list entries without visiting detail pages"),
    }

    @classmethod
    def check_source(cls, source: SourceConfig) -> None:
        listing = source.option("list")
        if not isinstance(listing, Mapping) or not listing.get("item"):
            raise SourceConfigError(source.name, "generic sources need list: {item: <selector of one entry>, ...}")
        for key, query in listing.items():
            if key not in LIST_KEYS:
                raise SourceConfigError(source.name, f"unknown key list.{key} (allowed: {', '.join(LIST_KEYS)})")
            _check_selector(source.name, f"list.{key}", query)
        detail = source.option("detail") or {}
        if not isinstance(detail, Mapping):
            raise SourceConfigError(source.name, "detail must be a mapping of selectors")
        for key, query in detail.items():
            if key not in DETAIL_KEYS:
                raise SourceConfigError(source.name, f"unknown key detail.{key} (allowed: {', '.join(DETAIL_KEYS)})")
            if key == "labels":
                if not isinstance(query, bool):
                    raise SourceConfigError(source.name, "detail.labels must be true or false")
            elif key == "gone":
                if not isinstance(query, list) or not all(isinstance(q, str) for q in query):
                    raise SourceConfigError(source.name, "detail.gone must be a list of texts")
            else:
                _check_selector(source.name, f"detail.{key}", query)
        if not source.option("list_only") and not detail.get("body") and not detail.get("labels"):
            raise SourceConfigError(source.name, "detail needs body: <selector> (or labels: true, or list_only: true)")
        if source.option("next_page"):
            _check_selector(source.name, "next_page", source.option("next_page"))

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        self.list_sel: dict[str, str] = dict(self.source.option("list") or {})
        self.detail_sel: dict[str, Any] = dict(self.source.option("detail") or {})
        self.list_only = bool(self.source.option("list_only", False))
        self.gone = tuple(self.detail_sel.get("gone") or GONE_DEFAULT)
        self.seen_ids: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.start_urls:
            yield scrapy.Request(url, callback=self.parse_list, errback=self.on_error, dont_filter=True,
                                 cb_kwargs={"page": 1, "number": page_number(url)})

    def _id(self, url: str) -> str:
        return external_id_of(url, self.source.option("id_param"))

    def parse_list(self, response: Response, page: int, number: int) -> Iterator[Any]:
        self.stat("pages/list")
        sel = self.selector(response)
        if self.block_page(sel):
            self.gate(response, "blocked")
            return
        rows = select(sel, self.list_sel["item"])
        if not rows:
            if page == 1 and self.detail_sel.get("body") and select(sel, self.detail_sel["body"]):
                yield from self.parse_detail(response, listing={}, sel=sel)  # a detail page as the start URL
                return
            self.stat("generic/empty_list")
            self.logger.warning("list.item %r found nothing on %s", self.list_sel["item"], response.url)
            return
        known = 0
        for row in rows:
            href = text_of(select(row, self.list_sel.get("link", "a::attr(href)")))
            if not href or href.lower().startswith(("javascript", "#", "mailto:")):
                self.stat("generic/row_without_link")
                continue
            url = response.urljoin(href.split()[0])
            item_id = text_of(select(row, self.list_sel["id"])) if self.list_sel.get("id") else self._id(url)
            if item_id in self.seen_ids:
                self.stat("generic/repeated")
                continue
            self.seen_ids.add(item_id)
            listing = {
                "id": item_id, "url": url,
                "title": text_of(select(row, self.list_sel["title"])) if self.list_sel.get("title")
                else (row.css("a::attr(title)").get() or text_of(row.css("a"))),
                "date": text_of(select(row, self.list_sel["date"])) if self.list_sel.get("date") else "",
            }
            if self.known(item_id) is not None:
                known += 1
                self.stat("generic/known")
                continue
            if self.list_only:
                yield self._list_item(response, listing)
                continue
            yield scrapy.Request(url, callback=self.parse_detail, errback=self.on_error, cb_kwargs={"listing": listing})
        if page > 1 and known == len(rows):
            self.stat("generic/caught_up")
            return
        following = next_page_url(sel, response.url, number, self.source.option("page_param"),
                                  self.source.option("next_page"))
        if following and page < self.max_pages:
            yield scrapy.Request(following, callback=self.parse_list, errback=self.on_error,
                                 cb_kwargs={"page": page + 1, "number": number + 1})
        elif following:
            self.stat("generic/list_page_limit")

    def _list_item(self, response: Response, listing: dict[str, Any]) -> MessageItem:
        return MessageItem(
            source=self.source.name, platform=self.platform, url=listing["url"], external_id=listing["id"],
            title=as_markup(listing["title"]), body="", author="", posted_at=self._date(listing["date"]),
            fetched_at=now_cst(), reply_count=None, view_count=None, kind_hint="", replies=[],
            extra={"list_url": response.url},
        )

    @staticmethod
    def _date(text: str | None) -> Any:
        return dates.resolve(None, text, now_cst()) if text else None

    def _field(self, sel: Selector, key: str) -> str:
        query = self.detail_sel.get(key)
        return text_of(select(sel, query)) if query else ""

    def parse_detail(self, response: Response, listing: dict[str, Any], sel: Selector | None = None) -> Iterator[Any]:
        self.stat("pages/detail")
        sel = sel or self.selector(response)
        if self.block_page(sel):
            self.gate(response, "blocked")
            return
        found = select(sel, self.detail_sel["body"]) if self.detail_sel.get("body") else SelectorList([])
        body = markup_of(found)
        letter = read_letter(sel) if self.detail_sel.get("labels") else None
        if letter is not None and not body:
            body = letter.fields.get("content", "")
        page_text = sel.xpath("string(//body)").get() or ""
        if any(phrase in page_text for phrase in self.gone) and not found:
            self.gate(response, "missing")
            return
        if not found and not (letter and letter.fields.get("content")):
            # Not an article page: a login gate, an error notice, a changed layout. Counted, not stored.
            self.gate(response, classify_notice(page_text))
            return
        title = self._field(sel, "title") or listing.get("title", "")
        if letter is not None:
            title = title or letter.text("title")
        posted = self._date(self._field(sel, "date")) or (self._date(letter.text("created_at")) if letter else None) \
            or self._date(listing.get("date"))
        author = self._field(sel, "author") or (letter.text("author") if letter and letter.fields.get("author") else "")
        replies = self._replies(sel, letter)
        views = re.sub(r"\D", "", self._field(sel, "views"))
        kind = self._field(sel, "kind") or (letter.text("kind") if letter and letter.fields.get("kind") else "")
        yield MessageItem(
            source=self.source.name, platform=self.platform, url=response.url,
            external_id=listing.get("id") or self._id(response.url), title=html.escape(title.strip(), quote=False),
            body=body, author=html.escape(author, quote=False), posted_at=posted, fetched_at=now_cst(),
            reply_count=len(replies) if replies or self.detail_sel.get("reply") or letter else None,
            view_count=int(views) if views else None, kind_hint=kind_hint(kind), replies=replies,
            extra={"type": kind} if kind else {},
        )

    def _replies(self, sel: Selector, letter: Any) -> list[dict[str, Any]]:
        replies = []
        if self.detail_sel.get("reply"):
            for block in select(sel, self.detail_sel["reply"]):
                body = markup_of(select(block, self.detail_sel["reply_body"])) if self.detail_sel.get("reply_body") \
                    else "".join(block.xpath("./node()").getall())
                author = text_of(select(block, self.detail_sel["reply_author"])) if self.detail_sel.get("reply_author") else ""
                stamp = text_of(select(block, self.detail_sel["reply_date"])) if self.detail_sel.get("reply_date") else ""
                replies.append(reply_dict(author, body, self._date(stamp), author))
        elif letter is not None:
            for reply in letter.replies:
                org = Selector(text=f"<div>{reply.get('organisation', '')}</div>").xpath("string()").get("").strip()
                stamp = Selector(text=f"<div>{reply.get('replied_at', '')}</div>").xpath("string()").get("")
                replies.append(reply_dict(org, reply.get("reply", ""), self._date(stamp), org))
        return replies
