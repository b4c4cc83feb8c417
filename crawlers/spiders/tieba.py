"""百度贴吧: a forum's thread list (often hidden in an HTML comment), thread pages with floors, 楼中楼.

Per crawl-sources.md §3: ``/f?kw=<吧名>&pn=<0,50,…>`` puts its thread list inside
``<code class="pagelet_html" …><!-- … --></code>`` — or, in newer layouts, in the visible page; both
are read. Each thread is an ``li`` whose class contains ``j_thread_list`` (the class attribute
starts with a space: ``class=" j_thread_list clearfix"``, matched by class token, never by the
exact string) with a ``data-field`` JSON (``id``, ``author_name``, ``reply_num``, ``is_top``…);
``li`` without it are ads and skipped. A thread ``/p/<tid>?pn=<n>`` has floors
``div.l_post[data-field]`` (``author.user_name``, ``content.post_id``, ``content.post_no`` and, on
old posts only, ``content.date``), the text in ``div.d_post_content``, and the time in the last
``span.tail-info`` of newer floors. Ad floors (``.ad_bottom_view``, ``is_ad``) and floors without
a body (deleted) are skipped. 楼中楼 replies come from ``/p/totalComment?tid=&fid=&pn=`` whose
``comment_list`` is ``{}`` — or ``[]`` when empty (a PHP quirk).

Baidu answers crawlers it distrusts with a 302 to ``wappass.baidu.com/static/captcha/…`` or a
200 page titled 百度安全验证: the run stops and the block is reported (``crawlers.blocks``).
Note that tieba.baidu.com's robots.txt disallows general crawlers: with ``ROBOTSTXT_OBEY`` on (the
default) a real Tieba source fetches nothing and its health says ``robots_forbidden``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import scrapy
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawlers import dates
from crawlers.items import MessageItem, reply_dict
from crawlers.sources import Option
from crawlers.spiders.base import SourceSpider
from index.records import CST, now_cst

_TID_IN_HREF = re.compile(r"/p/(\d+)")
_FID = re.compile(r"""(?:"forum_id"|'forum_id'|\bfid|forum_id)\s*[:=]\s*['"]?(\d+)""")
_TAIL_TIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}")
_CLOSED = ("本吧暂不开放", "该吧被合并", "抱歉，根据相关法律法规")
PAGE_SIZE = 50


def field_json(raw: str | None) -> dict[str, Any] | None:
    """A ``data-field`` attribute as a dict (entities are decoded by the parser; decode again if doubled)."""
    if not raw:
        return None
    for text in (raw, html.unescape(raw)):
        try:
            value = json.loads(text)
        except ValueError:
            continue
        return value if isinstance(value, dict) else None
    return None


def list_time(text: str | None, now: datetime) -> datetime | None:
    """A list time: ``HH:mm`` today, ``M-D`` this year, ``YYYY-MM`` (or a full date) older."""
    text = (text or "").strip()
    if not text:
        return None
    full = dates.parse_absolute(text)
    if full:
        return full[0]
    if m := re.fullmatch(r"(\d{1,2}):(\d{2})", text):
        return now.replace(hour=int(m[1]), minute=int(m[2]), second=0, microsecond=0)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        return datetime(int(m[1]), int(m[2]), 1, tzinfo=CST)
    if m := re.fullmatch(r"(\d{1,2})-(\d{1,2})", text):
        try:
            return datetime(now.year, int(m[1]), int(m[2]), tzinfo=CST)
        except ValueError:
            return None
    return dates.parse_relative(text, now)


def _with_query(url: str, **params: Any) -> str:
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    query.update({k: str(v) for k, v in params.items()})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


class TiebaSpider(SourceSpider):
    """Reads 贴吧 forums (``/f?kw=…`` start URLs) or single threads (``/p/<tid>``)."""

    platform = "tieba"
    name = "tieba"
    OPTIONS = {
        "max_thread_pages": Option(int, "pages read per thread (default HUIYING_MAX_THREAD_PAGES)"),
        "comments": Option(bool, "also read 楼中楼 replies from /p/totalComment (default true)"),
        "revisit": Option(str, "changed (default): re-read known threads only when their reply count changed; always"),
    }

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        self.max_thread_pages = int(self.source.option("max_thread_pages")
                                    or crawler.settings.getint("HUIYING_MAX_THREAD_PAGES", 5))
        self.comments = bool(self.source.option("comments", True))
        self.revisit_always = self.source.option("revisit", "changed") == "always"
        self.seen_tids: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.start_urls:
            yield scrapy.Request(url, callback=self.parse_start, errback=self.on_error, dont_filter=True)

    def parse_start(self, response: Response) -> Iterator[Any]:
        sel = self.selector(response)
        if self.block_page(sel):
            self.gate(response, "blocked")
            return
        if sel.css("div.l_post, .core_title_txt") and not self._list_rows(sel):
            tid = _TID_IN_HREF.search(response.url) or re.search(r"thread_id\D{0,5}(\d+)", response.text or "")
            if tid is None:
                self.stat("tieba/thread_without_tid")
                return
            self.seen_tids.add(tid.group(1))
            yield from self.parse_thread(response, listing={"tid": tid.group(1), "thread_url": response.url},
                                         page=1, item=None, sel=sel)
            return
        yield from self.parse_list(response, page=1, sel=sel)

    # -- the forum's thread list -----------------------------------------------------------------

    def _fragments(self, sel: Selector) -> list[Selector]:
        """The page itself and every commented-out pagelet holding the thread list, parsed."""
        fragments = [sel]
        for comment in sel.xpath("//comment()").getall():
            if "j_thread_list" not in comment and "pagination" not in comment:
                continue
            inner = comment[4:-3] if comment.startswith("<!--") else comment
            fragments.append(Selector(text=inner))
            if "j_thread_list" in comment:
                self.stat("tieba/commented_list")
        return fragments

    def _list_rows(self, sel: Selector) -> list[Selector]:
        """Thread rows from the visible page and from every commented-out pagelet."""
        return [row for fragment in self._fragments(sel) for row in fragment.css("li.j_thread_list")]

    def parse_list(self, response: Response, page: int, sel: Selector | None = None) -> Iterator[Any]:
        self.stat("pages/list")
        sel = sel or self.selector(response)
        if self.block_page(sel):
            self.gate(response, "blocked")
            return
        fragments = self._fragments(sel)
        rows = [row for fragment in fragments for row in fragment.css("li.j_thread_list")]
        if not rows:
            text = sel.xpath("string(//body)").get() or ""
            if any(phrase in text for phrase in _CLOSED):
                self.gate(response, "closed")
            else:
                self.stat("tieba/unrecognised_list")
                self.logger.warning("no threads found on %s: has the page layout changed?", response.url)
            return
        now = now_cst()
        unchanged = listed = 0
        for row in rows:
            data = field_json(row.attrib.get("data-field"))
            if data is None or not str(data.get("id") or "").isdigit():
                self.stat("tieba/ad_skipped")
                continue
            tid = str(data["id"])
            if tid in self.seen_tids:
                self.stat("tieba/tid_repeated")
                continue
            self.seen_tids.add(tid)
            listed += 1
            link = row.css("a.j_th_tit")
            title = (link.attrib.get("title") if link else None) or (link.xpath("string()").get() if link else "") or ""
            replies = data.get("reply_num")
            replies = int(replies) if str(replies).isdigit() else None
            url = urljoin(response.url, f"/p/{tid}")
            listing = {
                "tid": tid, "title": html.escape(title.strip(), quote=False), "thread_url": url,
                "author": str(data.get("author_name") or data.get("author_nickname") or ""),
                "replies": replies, "top": bool(data.get("is_top")), "good": bool(data.get("is_good")),
                "created": list_time(row.css("span.is_show_create_time::text").get(), now),
                "abstract": (row.css("div.threadlist_abs").xpath("string()").get() or "").strip(),
                "list_url": response.url,
            }
            stored = None if self.revisit_always else self.known(tid)
            if stored is not None and replies is not None and stored.reply_count == replies:
                unchanged += 1
                yield self.observation(stored, url, replies, None, external_id=tid)
                continue
            yield scrapy.Request(url, callback=self.parse_thread, errback=self.thread_failed,
                                 cb_kwargs={"listing": listing, "page": 1, "item": None})
        if listed and unchanged == listed and page > 1:
            self.stat("tieba/caught_up")
            return  # a whole page of known, unchanged threads: the rest is older
        next_href = next((href for fragment in fragments for href in
                          fragment.css("a.next.pagination-item::attr(href), a.next::attr(href)").getall()), None)
        if page >= self.max_pages:
            if next_href or len(rows) >= PAGE_SIZE:
                self.stat("tieba/list_page_limit")
            return
        if next_href:
            yield response.follow(next_href, callback=self.parse_list, errback=self.on_error,
                                  cb_kwargs={"page": page + 1})

    # -- thread pages --------------------------------------------------------------------------------

    def parse_thread(self, response: Response, listing: dict[str, Any], page: int, item: MessageItem | None,
                     sel: Selector | None = None) -> Iterator[Any]:
        self.stat("pages/thread")
        sel = sel or self.selector(response)
        if self.block_page(sel):
            self.gate(response, "blocked")
            return
        floors = list(self._floors(sel))
        if item is None:
            if not floors:
                text = sel.xpath("string(//body)").get() or ""
                self.gate(response, "missing" if "删除" in text or "不存在" in text else "notice")
                return
            item = self._item(response, sel, listing, floors[0])
            floors = floors[1:] if floors[0]["number"] in (1, None) else floors
        for floor in floors:
            item["replies"].append(reply_dict(floor["author"], floor["body"], floor["posted_at"]))
        item["extra"].setdefault("post_ids", []).extend(str(f["pid"]) for f in floors if f["pid"])
        max_page = self._max_page(sel)
        next_page = page + 1 if page < min(max_page, self.max_thread_pages) else None
        if self.comments and item["extra"].get("fid") and response.url.startswith("http"):
            comments = _with_query(urljoin(response.url, "/p/totalComment"), tid=listing["tid"],
                                   fid=item["extra"]["fid"], pn=page)
            yield scrapy.Request(comments, callback=self.parse_comments, errback=self.comments_failed,
                                 cb_kwargs={"listing": listing, "page": page, "item": item, "next_page": next_page})
            return
        yield from self._continue(response.url, listing, item, next_page)

    def _continue(self, url: str, listing: dict[str, Any], item: MessageItem, next_page: int | None) -> Iterator[Any]:
        if next_page is not None:
            yield scrapy.Request(_with_query(listing.get("thread_url") or url, pn=next_page), callback=self.parse_thread,
                                 errback=self.thread_failed, cb_kwargs={"listing": listing, "page": next_page, "item": item})
            return
        if item.get("reply_count") is None:
            item["reply_count"] = len(item["replies"])
        item["replies"].sort(key=lambda r: (r["posted_at"] is None, r["posted_at"] or 0))
        item["extra"].pop("post_ids", None)
        yield item

    def thread_failed(self, failure: Any) -> Iterator[Any]:
        """A thread page failed: keep what earlier pages gave; from a saved list (``file:``), the row."""
        self.on_error(failure)
        kwargs = getattr(getattr(failure, "request", None), "cb_kwargs", {}) or {}
        item, listing = kwargs.get("item"), kwargs.get("listing") or {}
        if item is not None:
            self.stat("tieba/thread_partial")
            yield from self._continue(failure.request.url, listing, item, None)
        elif str(listing.get("list_url", "")).startswith("file:") and listing.get("title"):
            self.stat("tieba/list_row_only")
            yield MessageItem(
                source=self.source.name, platform=self.platform, url=listing["thread_url"], external_id=listing["tid"],
                title=listing["title"], body=html.escape(listing.get("abstract", ""), quote=False),
                author=listing.get("author", ""), posted_at=listing.get("created"), fetched_at=now_cst(),
                reply_count=listing.get("replies"), view_count=None, kind_hint="", replies=[],
                extra={"from_list": True, "top": listing.get("top", False)},
            )

    def _max_page(self, sel: Selector) -> int:
        found = sel.css("[max-page]::attr(max-page)").get()
        if found and found.isdigit():
            return int(found)
        numbers = sel.css("li.l_reply_num span.red::text").getall()
        if len(numbers) >= 2 and numbers[1].strip().isdigit():
            return int(numbers[1])
        return 1

    def _floors(self, sel: Selector) -> Iterator[dict[str, Any]]:
        for floor in sel.css("div.l_post"):
            data = field_json(floor.attrib.get("data-field")) or {}
            content = data.get("content") if isinstance(data.get("content"), dict) else {}
            author = data.get("author") if isinstance(data.get("author"), dict) else {}
            helper = data.get("helper") if isinstance(data.get("helper"), dict) else {}
            if floor.css(".ad_bottom_view") or helper.get("is_ad") or data.get("is_ad"):
                self.stat("tieba/ad_floor_skipped")
                continue
            pid = content.get("post_id") or content.get("id")
            if not pid:
                self.stat("tieba/ad_floor_skipped")
                continue
            body = floor.css(f"div#post_content_{pid}") or floor.css("div.d_post_content")
            if not body or not (body.xpath("string()").get() or "").strip() and not body.css("img"):
                self.stat("tieba/floor_without_body")
                continue
            tails = [t.strip() for t in floor.css("span.tail-info").xpath("string()").getall()]
            stamp = content.get("date") or next((t for t in reversed(tails) if _TAIL_TIME.search(t)), None)
            number = content.get("post_no") or next((int(t[:-1]) for t in tails if t.endswith("楼") and t[:-1].isdigit()), None)
            parsed = dates.parse_absolute(stamp) if stamp else None
            yield {
                "pid": str(pid), "number": int(number) if str(number).isdigit() else None,
                "author": str(author.get("user_name") or author.get("name_show") or author.get("name") or
                              (floor.css("a.p_author_name::text").get() or "")).strip(),
                "body": body[0].get(), "posted_at": parsed[0] if parsed else None,
                "comments": int(content.get("comment_num") or 0),
            }

    def _item(self, response: Response, sel: Selector, listing: dict[str, Any], first: dict[str, Any]) -> MessageItem:
        title = (sel.css(".core_title_txt::attr(title)").get() or sel.css(".core_title_txt").xpath("string()").get()
                 or "").strip()
        fid = _FID.search(response.text or "")
        extra: dict[str, Any] = {"top": listing.get("top", False), "post_id": first["pid"]}
        if fid:
            extra["fid"] = fid.group(1)
        if listing.get("good"):
            extra["good"] = True
        forum = (sel.css("a.card_title_fname::text").get() or "").strip()
        if forum:
            extra["forum"] = forum
        return MessageItem(
            source=self.source.name, platform=self.platform, url=listing.get("thread_url") or response.url,
            external_id=listing["tid"], title=html.escape(title, quote=False) if title else listing.get("title", ""),
            body=first["body"], author=first["author"] or listing.get("author", ""),
            posted_at=first["posted_at"] or listing.get("created"), fetched_at=now_cst(),
            reply_count=listing.get("replies"), view_count=None, kind_hint="", replies=[], extra=extra,
        )

    # -- 楼中楼 ---------------------------------------------------------------------------------------

    def parse_comments(self, response: Response, listing: dict[str, Any], page: int, item: MessageItem,
                       next_page: int | None) -> Iterator[Any]:
        self.stat("pages/api")
        try:
            data = json.loads(response.text)
        except ValueError:
            self.stat("tieba/bad_json")
            data = {}
        comment_list = ((data or {}).get("data") or {}).get("comment_list") if isinstance(data, dict) else None
        if isinstance(comment_list, dict):  # [] when there are none (PHP's empty array)
            for entry in comment_list.values():
                for comment in (entry or {}).get("comment_info") or []:
                    if not isinstance(comment, dict) or not comment.get("content"):
                        continue
                    item["replies"].append(reply_dict(str(comment.get("username") or comment.get("show_nickname") or ""),
                                                      str(comment["content"]), dates.from_unix(comment.get("now_time"))))
                    self.stat("tieba/comments")
        yield from self._continue(response.url, listing, item, next_page)

    def comments_failed(self, failure: Any) -> Iterator[Any]:
        self.on_error(failure)
        kwargs = failure.request.cb_kwargs
        yield from self._continue(failure.request.url, kwargs["listing"], kwargs["item"], kwargs["next_page"])
