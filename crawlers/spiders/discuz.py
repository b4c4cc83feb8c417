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

A start URL may be a board list (any form), a thread page (a saved page, say) or the mobile
JSON API (``api/mobile/index.php?module=forumdisplay|viewthread``): ``parse_start`` looks at what
came back. On a re-crawl a known thread whose listed reply count has not changed is not fetched
again: its new view and reply counts are recorded from the list (``items/observed_only``);
threads with new replies (the hot ones) are read again. ``revisit: always`` reads every thread.
"""

from __future__ import annotations

import html
import json
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
from crawlers.errors import SourceConfigError
from crawlers.gates import classify_notice
from crawlers.items import MessageItem, kind_hint, reply_dict
from crawlers.sources import Option, SourceConfig
from crawlers.spiders.base import SourceSpider
from index.records import now_cst

_TID_IN_ID = re.compile(r"^(stick|normal)thread_(\d+)$")
_TID_IN_URL = re.compile(r"(?:[?&;]tid=|thread-)(\d+)")
_OLD_THREAD_LINK = re.compile(r"viewthread\.php\?(?:.*&)?tid=\d+")
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
    OPTIONS = {
        "max_thread_pages": Option(int, "pages read per thread (default HUIYING_MAX_THREAD_PAGES)"),
        "revisit": Option(str, "changed (default): re-read known threads only when their reply count changed; always"),
    }

    @classmethod
    def check_source(cls, source: SourceConfig) -> None:
        if source.option("revisit", "changed") not in ("changed", "always"):
            raise SourceConfigError(source.name, "option revisit must be changed or always")

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        self.max_thread_pages = int(self.source.option("max_thread_pages")
                                    or crawler.settings.getint("HUIYING_MAX_THREAD_PAGES", 5))
        self.revisit_always = self.source.option("revisit", "changed") == "always"
        self.seen_tids: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.start_urls:
            yield scrapy.Request(url, callback=self.parse_start, errback=self.on_error, dont_filter=True)

    def parse_start(self, response: Response) -> Iterator[Any]:
        """A board list (the usual case), a thread page, or the mobile API."""
        if response.body.lstrip()[:1] == b"{":
            yield from self.parse_mobile(response)
            return
        sel = self.selector(response)
        if sel.css("div#postlist, span#thread_subject") and not sel.css("tbody[id^=normalthread_]"):
            tid = self._tid_of_thread_page(response.url, sel)
            if tid is None:
                self.stat("discuz/thread_without_tid")
                self.logger.warning("thread page %s: no tid found in its URL or links", response.url)
                return
            self.seen_tids.add(tid)
            listing = self._listing_from_thread(response.url, sel, tid)
            yield from self.parse_thread(response, listing, page=1, item=None, sel=sel)
            return
        yield from self.parse_list(response, page=1, sel=sel)

    def _tid_of_thread_page(self, url: str, sel: Selector) -> str | None:
        found = _TID_IN_URL.search(url)
        if found:
            return found.group(1)
        for href in sel.css("form#fastpostform::attr(action), a[href*='action=printable']::attr(href), "
                            "link[rel=canonical]::attr(href), a[id^=postnum]::attr(href), "
                            "a[href*='tid=']::attr(href)").getall():
            found = re.search(r"(?:ptid|tid)=(\d+)", href) or _TID_IN_URL.search(href)
            if found:
                return found.group(1)
        return None

    def _listing_from_thread(self, url: str, sel: Selector, tid: str) -> dict[str, Any]:
        counts = [_int(t) for t in sel.css("div.hm span.xi1::text").getall()]
        type_name = (sel.css("h1.ts a[href*=typeid]::text").get() or "").strip("[] ")
        return {"tid": tid, "sticky": False, "title": "", "author": "", "date_title": None, "date_text": None,
                "replies": counts[1] if len(counts) > 1 else None, "views": counts[0] if counts else None,
                "type": type_name, "list_url": url, "thread_url": url}

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

    def _gate_of(self, response: Response, sel: Selector) -> str:
        """'blocked', a notice page's kind (login, missing, …) or '' — recorded as a gate when found."""
        gate = "blocked" if self.block_page(sel) else (self.notice(sel) or "")
        if gate:
            self.gate(response, gate)
        return gate

    def parse_list(self, response: Response, page: int, sel: Selector | None = None) -> Iterator[Any]:
        self.stat("pages/list")
        sel = sel or self.selector(response)
        if self._gate_of(response, sel):
            return
        rows = sel.css("tbody[id^=stickthread_], tbody[id^=normalthread_]")
        if not rows:
            if not sel.css("p.emp"):
                self.stat("discuz/unrecognised_list")
                self.logger.warning("no thread rows on %s: has the board layout changed?", response.url)
            return
        for row in rows:
            yield from self._thread_request(response, row)
        next_href = sel.css("div.pg a.nxt::attr(href)").get()
        if next_href and page < self.max_pages:
            yield response.follow(next_href, callback=self.parse_list, errback=self.on_error,
                                  cb_kwargs={"page": page + 1})
        elif next_href:
            self.stat("discuz/list_page_limit")

    def _thread_request(self, response: Response, row: Selector) -> Iterator[Any]:
        matched = _TID_IN_ID.match(row.attrib.get("id", "").strip())
        link = row.css("a.s.xst") or row.css("a.xst") or row.css("th a[href*='tid='], th a[href*='thread-']")
        if not matched or not link:
            return
        tid = matched.group(2)
        title_text = (link.xpath("string()").get() or "").strip()
        row_text = row.css("th").xpath("string()").get() or ""
        if title_text.startswith("移动:") or row_text.strip().startswith("移动:"):
            self.stat("discuz/moved_thread")
            return
        if tid in self.seen_tids:
            self.stat("discuz/tid_repeated")
            return
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
        href = link[0].attrib.get("href", "")
        old_style = _OLD_THREAD_LINK.search(href)
        url = urljoin(response.url, href if old_style else f"forum.php?mod=viewthread&tid={tid}")
        listing["thread_url"] = url
        stored = None if self.revisit_always else self.known(tid)
        if stored is not None and listing["replies"] is not None and stored.reply_count == listing["replies"]:
            # Nothing new in the thread: record the counts seen on the list, do not fetch it again.
            yield self.observation(stored, url, listing["replies"], listing["views"], external_id=tid)
            return
        yield scrapy.Request(url, callback=self.parse_thread, errback=self.thread_failed,
                             cb_kwargs={"listing": listing, "page": 1, "item": None})

    # -- thread ------------------------------------------------------------------------------------

    def parse_thread(self, response: Response, listing: dict[str, Any], page: int,
                     item: MessageItem | None, sel: Selector | None = None) -> Iterator[Any]:
        self.stat("pages/thread")
        fetched = now_cst()
        sel = sel or self.selector(response)
        gate = self._gate_of(response, sel)
        if gate:
            if gate != "blocked" and item is not None:  # a later page vanished: keep what the first pages gave
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
            yield response.follow(next_href, callback=self.parse_thread, errback=self.thread_failed,
                                  cb_kwargs={"listing": listing, "page": page + 1, "item": item})
            return
        if item.get("reply_count") is None:
            item["reply_count"] = len(item["replies"])
        yield item

    def thread_failed(self, failure: Failure) -> Iterator[Any]:
        """A thread page failed after retries: keep what earlier pages gave; from a saved list page
        (``file:``), whose threads were not saved with it, keep what the list row says."""
        self.on_error(failure)
        kwargs = getattr(getattr(failure, "request", None), "cb_kwargs", {}) or {}
        item, listing = kwargs.get("item"), kwargs.get("listing") or {}
        if item is not None:
            self.stat("discuz/thread_partial")
            if item.get("reply_count") is None:
                item["reply_count"] = len(item["replies"])
            yield item
        elif str(listing.get("list_url", "")).startswith("file:") and listing.get("title"):
            self.stat("discuz/list_row_only")
            yield MessageItem(
                source=self.source.name, platform=self.platform, url=listing["thread_url"], external_id=listing["tid"],
                title=listing["title"], body="", author=listing["author"],
                posted_at=dates.resolve(listing["date_title"], listing["date_text"], now_cst()), fetched_at=now_cst(),
                reply_count=listing["replies"], view_count=listing["views"], kind_hint=kind_hint(listing["type"]),
                replies=[], extra={"from_list": True, "list_url": listing["list_url"]},
            )

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
            quoted = False
            if body_node:
                quoted = bool(body_node.css("div.quote, blockquote"))
                if quoted:
                    self.stat("discuz/quote_stripped")
                body = _inner_markup(body_node[0])
                if not Selector(text=f"<div>{body}</div>").xpath("string()").get("").strip() \
                        and body_node.css("div.locked"):
                    body, status = None, "hidden"  # 回复可见 / paid content: nothing readable
            else:
                status = "locked" if post.css("div.locked") else "deleted"
            images = [urljoin(page_url, src) for src in
                      body_node.css("img::attr(zoomfile), img::attr(file)").getall()] if body_node else []
            yield {
                "pid": pid, "author": author, "body": body, "status": status, "quoted": quoted,
                "posted_at": dates.resolve(date_title, date_text, fetched),
                "images": list(dict.fromkeys(images)),
            }

    def _item(self, response: Response, sel: Selector, listing: dict[str, Any],
              first: dict[str, Any], fetched: datetime) -> MessageItem:
        subject = sel.css("span#thread_subject")
        title = _inner_markup(subject[0], ()) if subject else listing["title"]
        if not title:  # an unusual template: the page title reads "标题 - 版块 - 站名 - Powered by Discuz!"
            title = html.escape((sel.css("title::text").get() or "").split(" - ")[0].strip(), quote=False)
        posted = first["posted_at"] or dates.resolve(listing["date_title"], listing["date_text"], fetched)
        if first["body"] is None:
            self.stat(f"discuz/first_post_{first['status']}")
        extra: dict[str, Any] = {"sticky": listing["sticky"], "list_url": listing["list_url"], "pid": first["pid"]}
        if first["quoted"]:
            extra["quote_stripped"] = True
        fid = parse_qs(urlsplit(listing["list_url"]).query).get("fid")
        if fid:
            extra["fid"] = fid[0]
        if listing["type"]:
            extra["type"] = listing["type"]
        if first["images"]:
            extra["images"] = first["images"]
        thread_url = listing.get("thread_url") or ""
        canonical = thread_url if _OLD_THREAD_LINK.search(thread_url) or thread_url.startswith("file:") \
            else urljoin(response.url, f"forum.php?mod=viewthread&tid={listing['tid']}")
        return MessageItem(
            source=self.source.name, platform=self.platform,
            url=canonical,
            external_id=listing["tid"], title=title, body=first["body"] or "",
            author=first["author"] or listing["author"], posted_at=posted, fetched_at=fetched,
            reply_count=listing["replies"], view_count=listing["views"],
            kind_hint=kind_hint(listing["type"]), replies=[], extra=extra,
        )

    # -- the mobile JSON API -----------------------------------------------------------------------

    def _mobile_json(self, response: Response) -> dict[str, Any] | None:
        """The mobile plugin's JSON: UTF-8 even when its ``Charset`` says GBK (read GB18030 otherwise)."""
        for encoding in ("utf-8", "gb18030"):
            try:
                data = json.loads(response.body.decode(encoding))
            except (UnicodeDecodeError, ValueError):
                continue
            return data if isinstance(data, dict) else None
        self.stat("discuz/bad_json")
        return None

    def parse_mobile(self, response: Response, page: int = 1) -> Iterator[Any]:
        self.stat("pages/api")
        data = self._mobile_json(response)
        if data is None:
            return
        variables = data.get("Variables") or {}
        message = data.get("Message") or {}
        if isinstance(message, dict) and message.get("messageval") and not variables.get("postlist") \
                and not variables.get("forum_threadlist"):
            self.gate(response, classify_notice(str(message.get("messagestr", ""))) if message.get("messagestr")
                      else "notice")
            return
        if isinstance(variables.get("forum_threadlist"), list):
            yield from self._mobile_list(response, variables, page)
        elif isinstance(variables.get("postlist"), list):
            yield from self._mobile_thread(response, variables)
        else:
            self.stat("discuz/unrecognised_api")

    def _mobile_list(self, response: Response, variables: dict[str, Any], page: int) -> Iterator[Any]:
        threads = [t for t in variables["forum_threadlist"] if isinstance(t, dict)]
        fid = str((variables.get("forum") or {}).get("fid") or "")
        for thread in threads:
            tid = str(thread.get("tid") or "")
            if not tid.isdigit() or tid in self.seen_tids:
                self.stat("discuz/tid_repeated" if tid else "discuz/row_without_tid")
                continue
            self.seen_tids.add(tid)
            replies, views = _int(str(thread.get("replies", ""))), _int(str(thread.get("views", "")))
            url = urljoin(response.url, f"../../forum.php?mod=viewthread&tid={tid}")
            stored = None if self.revisit_always else self.known(tid)
            if stored is not None and replies is not None and stored.reply_count == replies:
                yield self.observation(stored, url, replies, views, external_id=tid)
                continue
            api = urljoin(response.url, f"index.php?module=viewthread&version=4&tid={tid}&page=1")
            listing = {"tid": tid, "sticky": str(thread.get("displayorder", "0")) not in ("0", ""),
                       "title": html.escape(str(thread.get("subject") or ""), quote=False),
                       "author": str(thread.get("author") or ""), "replies": replies, "views": views,
                       "dbdateline": thread.get("dbdateline"), "fid": fid, "thread_url": url}
            yield scrapy.Request(api, callback=self.parse_mobile_thread, errback=self.on_error,
                                 cb_kwargs={"listing": listing})
        per_page = _int(parse_qs(urlsplit(response.url).query).get("tpp", [""])[0]) or len(threads)
        if threads and len(threads) >= per_page and page < self.max_pages:
            parts = urlsplit(response.url)
            query = re.sub(r"(^|&)page=\d+", "", parts.query).strip("&")
            yield response.follow(f"{parts.path}?{query}&page={page + 1}", callback=self.parse_mobile,
                                  errback=self.on_error, cb_kwargs={"page": page + 1})

    def parse_mobile_thread(self, response: Response, listing: dict[str, Any]) -> Iterator[Any]:
        data = self._mobile_json(response)
        variables = (data or {}).get("Variables") or {}
        if not isinstance(variables.get("postlist"), list):
            self.gate(response, "missing")
            return
        yield from self._mobile_thread(response, variables, listing)

    def _mobile_thread(self, response: Response, variables: dict[str, Any],
                       listing: dict[str, Any] | None = None) -> Iterator[Any]:
        self.stat("pages/thread")
        thread = variables.get("thread") or {}
        posts = [p for p in variables["postlist"] if isinstance(p, dict)]
        if not posts:
            self.gate(response, "missing")
            return
        first = next((p for p in posts if str(p.get("first")) == "1"), posts[0])
        tid = str(thread.get("tid") or (listing or {}).get("tid") or first.get("tid") or "")
        if not tid:
            return
        replies = [reply_dict(str(p.get("author") or ""), str(p.get("message") or ""),
                              dates.from_unix(p.get("dbdateline")) or dates.resolve(None, str(p.get("dateline") or ""), now_cst()))
                   for p in posts if p is not first and p.get("message")]
        listing = listing or {}
        yield MessageItem(
            source=self.source.name, platform=self.platform,
            url=listing.get("thread_url") or urljoin(response.url, f"../../forum.php?mod=viewthread&tid={tid}"),
            external_id=tid, title=html.escape(str(thread.get("subject") or ""), quote=False) or listing.get("title", ""),
            body=str(first.get("message") or ""), author=str(first.get("author") or listing.get("author") or ""),
            posted_at=dates.from_unix(first.get("dbdateline") or listing.get("dbdateline")), fetched_at=now_cst(),
            reply_count=_int(str(thread.get("replies", ""))) if thread.get("replies") is not None else listing.get("replies"),
            view_count=_int(str(thread.get("views", ""))) if thread.get("views") is not None else listing.get("views"),
            kind_hint="", replies=replies, extra={"fid": listing.get("fid") or str(thread.get("fid") or ""), "api": "mobile"},
        )
