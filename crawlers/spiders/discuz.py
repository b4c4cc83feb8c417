"""Discuz! X3 forums (the software most Chinese county forums run): board lists, then threads.

Per crawl-sources.md §2: the board list (``forumdisplay``) has one ``tbody`` per thread with id
``stickthread_<tid>`` or ``normalthread_<tid>``; its title link ``a.s.xst``, author and date in
``td.by``, reply/view counts in ``td.num``; the pager's ``a.nxt``. A thread page holds posts
``div#post_<pid>`` with the date in ``em#authorposton<pid>`` and the body in
``td.t_f#postmessage_<pid>``. One item per thread: the first post is the message, later posts
become replies (quotes, edit notes and images stripped from the text).

Threads are identified by tid, never by URL: the same thread is linked as
``forum.php?mod=viewthread&tid=…`` and ``thread-<tid>-1-1.html``, and sticky threads repeat on
every list page. Deleted threads and login gates answer HTTP 200 with a notice; they are counted
(``huiying/gate/<kind>``) and not stored.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Iterator
from copy import deepcopy
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import scrapy
from lxml import etree
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers import dates
from crawlers.gates import classify_notice
from crawlers.items import MessageItem, kind_hint, reply_dict
from crawlers.spiders.base import SourceSpider
from index.records import now_cst

_TID_IN_ID = re.compile(r"^(stick|normal)thread_(\d+)$")
_REMOVED_FROM_BODY = (
    "i.pstatus", "div.quote", "blockquote", "script", "style", "div.locked", "ignore_js_op",
    "div.attach_nopermission",
    # Page structure that broken markup (an unclosed table in a post) lets the parser nest
    # inside the post body: later posts, the reply box, pagers and the page footer.
    "div[id^=post_]", "div#postlistreply", "div.pgs", "div.pg", "div#f_pst", "div#ft", "div#hd",
)
"""Removed from a post body before its text is taken."""


def _int(text: str | None) -> int | None:
    digits = re.sub(r"[^\d]", "", text or "")
    return int(digits) if digits else None


def _inner_markup(node: Selector, remove: tuple[str, ...] = _REMOVED_FROM_BODY) -> str:
    """The node's inner HTML with unwanted descendants removed (keeping the text after them)."""
    root = deepcopy(node.root)
    for css in remove:
        for unwanted in Selector(root=root).css(css):
            element = unwanted.root
            if element is root:
                continue
            parent = element.getparent()
            if parent is None:
                continue
            tail = element.tail or ""
            previous = element.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
            parent.remove(element)
    parts = [html.escape(root.text or "", quote=False)]  # text is unescaped by the parser: re-escape
    parts.extend(etree.tostring(child, encoding="unicode", method="html", with_tail=True) for child in root)
    return "".join(parts)


class DiscuzSpider(SourceSpider):
    """Reads Discuz! X boards configured by ``start_urls`` (board list URLs, any form)."""

    platform = "discuz"
    name = "discuz"

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        self.max_thread_pages = int(self.source.option("max_thread_pages")
                                    or crawler.settings.getint("HUIYING_MAX_THREAD_PAGES", 5))
        self.seen_tids: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.start_urls:
            yield scrapy.Request(url, callback=self.parse_list, errback=self.on_error, cb_kwargs={"page": 1})

    # -- board list --------------------------------------------------------------------------------

    def notice(self, page: Selector) -> str | None:
        """The gate kind when the page is a Discuz prompt (showmessage) page, else None."""
        text = " ".join(page.css("#messagetext, div.alert_error, div.alert_info").xpath("string()").getall())
        if not text.strip():
            title = page.css("title::text").get() or ""
            if not title.startswith("提示信息"):
                return None
            text = page.xpath("string(//body)").get() or ""
        return classify_notice(text)

    def parse_list(self, response: Response, page: int) -> Iterator[Any]:
        self.stat("pages/list")
        sel = self.selector(response)
        gate = self.notice(sel)
        if gate:
            self.gate(response, gate)
            return
        rows = sel.css("tbody[id^=stickthread_], tbody[id^=normalthread_]")
        if not rows:
            if not sel.css("p.emp"):
                self.stat("discuz/unrecognised_list")
                self.logger.warning("no thread rows on %s: has the board layout changed?", response.url)
            return
        for row in rows:
            request = self._thread_request(response, row)
            if request is not None:
                yield request
        next_href = sel.css("div.pg a.nxt::attr(href)").get()
        if next_href and page < self.max_pages:
            yield response.follow(next_href, callback=self.parse_list, errback=self.on_error,
                                  cb_kwargs={"page": page + 1})
        elif next_href:
            self.stat("discuz/list_page_limit")

    def _thread_request(self, response: Response, row: Selector) -> scrapy.Request | None:
        matched = _TID_IN_ID.match(row.attrib.get("id", ""))
        link = row.css("a.s.xst") or row.css("a.xst")
        if not matched or not link:
            return None
        tid = matched.group(2)
        title_text = link.xpath("string()").get() or ""
        if title_text.startswith("移动:"):
            self.stat("discuz/moved_thread")
            return None
        if tid in self.seen_tids:
            self.stat("discuz/tid_repeated")
            return None
        self.seen_tids.add(tid)
        by = row.css("td.by")
        date_span = by.css("em span[title]") if by else []
        listing = {
            "tid": tid,
            "sticky": matched.group(1) == "stick",
            "title": _inner_markup(link[0], ()),
            "author": (by.css("cite a::text").get() or by.css("cite::text").get() or "").strip() if by else "",
            "date_title": date_span[0].attrib.get("title") if date_span else None,
            "date_text": by[0].css("em").xpath("string()").get() if by else None,
            "replies": _int(row.css("td.num a.xi2::text").get()),
            "views": _int(row.css("td.num em::text").get()),
            "type": (row.css("th em a::text").get() or "").strip("[] "),
            "list_url": response.url,
        }
        url = urljoin(response.url, f"forum.php?mod=viewthread&tid={tid}")
        return scrapy.Request(url, callback=self.parse_thread, errback=self.on_error,
                              cb_kwargs={"listing": listing, "page": 1, "item": None})

    # -- thread ------------------------------------------------------------------------------------

    def parse_thread(self, response: Response, listing: dict[str, Any], page: int,
                     item: MessageItem | None) -> Iterator[Any]:
        self.stat("pages/thread")
        fetched = now_cst()
        sel = self.selector(response)
        gate = self.notice(sel)
        if gate:
            self.gate(response, gate)
            if item is not None:  # a later page vanished: keep what the first pages gave
                yield item
            return
        posts = list(self._posts(sel, fetched, response.url))
        if item is None:
            if not posts:
                self.stat("discuz/thread_without_posts")
                self.logger.warning("no posts found on %s", response.url)
                return
            item = self._item(response, sel, listing, posts[0], fetched)
            posts = posts[1:]
        for post in posts:
            if post["body"] is None:
                self.stat(f"discuz/post_{post['status']}")
                continue
            item["replies"].append(reply_dict(post["author"], post["body"], post["posted_at"]))
        next_href = sel.css("div.pg a.nxt::attr(href)").get()
        if next_href and page < self.max_thread_pages:
            yield response.follow(next_href, callback=self.parse_thread, errback=self.on_error,
                                  cb_kwargs={"listing": listing, "page": page + 1, "item": item})
            return
        if item.get("reply_count") is None:
            item["reply_count"] = len(item["replies"])
        yield item

    def _posts(self, sel: Selector, fetched: datetime, page_url: str) -> Iterator[dict[str, Any]]:
        seen: set[str] = set()
        for post in sel.css("div[id^=post_]"):
            pid = post.attrib.get("id", "")[len("post_"):]
            if not pid.isdigit() or pid in seen:
                continue
            seen.add(pid)
            posted_em = post.css(f"em#authorposton{pid}")
            date_title = posted_em.css("span::attr(title)").get() if posted_em else None
            date_text = (posted_em.xpath("string()").get() or "").replace("发表于", "") if posted_em else ""
            author = (post.css("td.pls div.authi a.xw1::text").get()
                      or post.css("div.authi a.xw1::text").get()
                      or post.css("div.pi div.authi a::text").get() or "").strip()
            body_node = post.css(f"td#postmessage_{pid}") or post.css("td.t_f")
            status = "ok"
            body: str | None = None
            if body_node:
                body = _inner_markup(body_node[0])
            else:
                status = "locked" if post.css("div.locked") else "deleted"
            images = [urljoin(page_url, src) for src in
                      body_node.css("img::attr(zoomfile), img::attr(file)").getall()] if body_node else []
            yield {
                "pid": pid, "author": author, "body": body, "status": status,
                "posted_at": dates.resolve(date_title, date_text, fetched),
                "images": list(dict.fromkeys(images)),
            }

    def _item(self, response: Response, sel: Selector, listing: dict[str, Any],
              first: dict[str, Any], fetched: datetime) -> MessageItem:
        subject = sel.css("span#thread_subject")
        title = _inner_markup(subject[0], ()) if subject else listing["title"]
        posted = first["posted_at"] or dates.resolve(listing["date_title"], listing["date_text"], fetched)
        if first["body"] is None:
            self.stat(f"discuz/first_post_{first['status']}")
        extra: dict[str, Any] = {"sticky": listing["sticky"], "list_url": listing["list_url"], "pid": first["pid"]}
        fid = parse_qs(urlsplit(listing["list_url"]).query).get("fid")
        if fid:
            extra["fid"] = fid[0]
        if listing["type"]:
            extra["type"] = listing["type"]
        if first["images"]:
            extra["images"] = first["images"]
        return MessageItem(
            source=self.source.name, platform=self.platform,
            url=urljoin(response.url, f"forum.php?mod=viewthread&tid={listing['tid']}"),
            external_id=listing["tid"], title=title, body=first["body"] or "",
            author=first["author"] or listing["author"], posted_at=posted, fetched_at=fetched,
            reply_count=listing["replies"], view_count=listing["views"],
            kind_hint=kind_hint(listing["type"]), replies=[], extra=extra,
        )

    # -- failures ------------------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        """Count a request that failed after retries (HTTP error, timeout, refused connection)."""
        self.stat(f"errors/{type(failure.value).__name__}")
        request = getattr(failure, "request", None)
        self.logger.warning("request failed: %s (%s)", getattr(request, "url", "?"), failure.getErrorMessage())
