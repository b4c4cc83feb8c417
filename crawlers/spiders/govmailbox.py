"""Government mailboxes (政府信箱, 网民留言, 领导信箱选登): the provincial 集约化 platform and county list pages.

Two kinds of list, chosen per start URL (``list_mode: auto`` looks at the URL):

- ``hdjlpt`` — the Guangdong-style 集约化 interaction platform (crawl-sources.md §4.1). A GET of
  ``/hdjlpt/published?via=pc`` gives the page's ``var _CSRF = '…'`` and the ``szxx_session``
  cookie (it rotates on every answer; Scrapy's cookie jar keeps the latest). Then
  ``POST /hdjlpt/letter/pubList`` (form ``offset, limit, site_id``) with ``X-CSRF-TOKEN`` answers
  ``{"errcode": 0, "data": {"list": [...], "total": N}}``. An expired token answers HTTP 419
  (Laravel's "page expired"): the page is fetched again once for a new token. Letters are then
  read from ``detail_url`` (default ``/hdjlpt/letter/detail?id={id}``: the real pattern was not
  observed; set ``detail_url: ""`` to store the list rows as they are).
- ``html`` — an older county system's list page (often GB2312 ``.jsp``/``.asp`` with
  ``?pageNo=``): links to letters, and a "下一页" link that may be ``javascript:goPage(2)``, in
  which case the next URL is built by setting the page parameter.

Letter pages are read by label text (``crawlers.labels``), whatever their order or wording.
A letter already stored is read again only when its list row shows a change (a reply arrived).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawlers import dates
from crawlers.encoding import decode_page
from crawlers.errors import SourceConfigError
from crawlers.items import MessageItem, as_markup, kind_hint, reply_dict
from crawlers.labels import read_letter
from crawlers.paging import external_id_of, next_page_url
from crawlers.paging import page_number as page_number_of
from crawlers.sources import Option, SourceConfig
from crawlers.spiders.base import SourceSpider
from index.records import now_cst

_CSRF = re.compile(r"""_CSRF\s*=\s*['"]([^'"]+)['"]|name=["']csrf-token["']\s+content=["']([^"']+)""")
_SITE_ID = re.compile(r"""site_?id['"]?\s*[:=]\s*['"]?(\d+)""", re.IGNORECASE)
_SKIP_WORDS = ("首页", "尾页", "末页", "上一页", "下一页", "上页", "下页", "更多", "返回", "登录", "注册", "我要写信")
_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


class GovMailboxSpider(SourceSpider):
    """Reads letter lists (集约化 ``hdjlpt`` API or county HTML lists) and letter pages by label."""

    platform = "gov-mailbox"
    name = "gov-mailbox"
    OPTIONS = {
        "list_mode": Option(str, "auto (default: hdjlpt when the URL contains /hdjlpt/), hdjlpt or html"),
        "site_id": Option((int, str), "hdjlpt site_id (default: found in the page)"),
        "page_size": Option(int, "hdjlpt rows per list request (default 20)"),
        "list_api": Option(str, "hdjlpt list API path (default /hdjlpt/letter/pubList)"),
        "detail_url": Option(str, "letter page URL with {id} (default /hdjlpt/letter/detail?id={id}; \"\" = list rows only)"),
        "days": Option(int, "hdjlpt: only letters of the last N days (time_from/time_to)"),
        "item_links": Option(str, "html lists: CSS selector of the letter links (default: links in list rows)"),
        "page_param": Option(str, "html lists: the page parameter for javascript:goPage(n) links (default pageNo)"),
    }

    @classmethod
    def check_source(cls, source: SourceConfig) -> None:
        if source.option("list_mode", "auto") not in ("auto", "hdjlpt", "html"):
            raise SourceConfigError(source.name, "option list_mode must be auto, hdjlpt or html")
        links = source.option("item_links")
        if links:
            try:
                Selector(text="<p></p>").css(links)
            except Exception as exc:
                raise SourceConfigError(source.name, f"item_links {links!r} is not a valid CSS selector: {exc}") from exc
        detail = source.option("detail_url")
        if detail and "{id}" not in detail:
            raise SourceConfigError(source.name, "detail_url must contain {id}")

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        option = self.source.option
        self.list_mode = str(option("list_mode", "auto"))
        self.page_size = int(option("page_size", 20))
        self.list_api = str(option("list_api", "/hdjlpt/letter/pubList"))
        self.detail_url = option("detail_url", "/hdjlpt/letter/detail?id={id}")
        self.item_links = option("item_links")
        self.page_param = option("page_param")
        self.seen_ids: set[str] = set()

    def mode_of(self, url: str) -> str:
        if self.list_mode != "auto":
            return self.list_mode
        return "hdjlpt" if "/hdjlpt/" in urlsplit(url).path else "html"

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.start_urls:
            if self.mode_of(url) == "hdjlpt":
                yield self._warm_up(url, offset=0, page=1)
            else:
                yield scrapy.Request(url, callback=self.parse_html_list, errback=self.on_error, dont_filter=True,
                                     cb_kwargs={"page": 1, "page_number": page_number_of(url)})

    # -- the 集约化 platform -------------------------------------------------------------------------

    def _warm_up(self, url: str, offset: int, page: int, renewals: int = 0) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_published, errback=self.on_error, dont_filter=True,
                              cb_kwargs={"offset": offset, "page": page, "renewals": renewals})

    def parse_published(self, response: Response, offset: int, page: int, renewals: int) -> Iterator[Any]:
        """The public letters page: a token for the list API, and (once) the site id."""
        self.stat("pages/shell")
        text = decode_page(response, self.source.encoding).text
        token = _CSRF.search(text)
        if token is None:
            self.gate(response, "no_token")
            self.logger.warning("no _CSRF token on %s: has the platform changed?", response.url)
            return
        site_id = self.source.option("site_id") or (_SITE_ID.search(text).group(1) if _SITE_ID.search(text) else "")
        yield self._list_request(response.url, token.group(1) or token.group(2), str(site_id), offset, page, renewals)

    def _list_request(self, page_url: str, token: str, site_id: str, offset: int, page: int,
                      renewals: int) -> scrapy.Request:
        form = {"offset": str(offset), "limit": str(self.page_size), "site_id": site_id}
        days = self.source.option("days")
        if days:
            now = int(now_cst().timestamp())
            form.update({"time_from": str(now - int(days) * 86400), "time_to": str(now)})
        return scrapy.FormRequest(
            urljoin(page_url, self.list_api), formdata=form, callback=self.parse_pub_list, errback=self.on_error,
            headers={"X-CSRF-TOKEN": token, "X-Requested-With": "XMLHttpRequest", "Referer": page_url},
            meta={"handle_httpstatus_list": [419]}, dont_filter=True,
            cb_kwargs={"page_url": page_url, "token": token, "site_id": site_id, "offset": offset, "page": page,
                       "renewals": renewals})

    def parse_pub_list(self, response: Response, page_url: str, token: str, site_id: str, offset: int, page: int,
                       renewals: int) -> Iterator[Any]:
        self.stat("pages/api")
        if response.status == 419:  # the token expired (or the session cookie was lost): renew once
            self.stat("gov/token_renewed")
            if renewals < 1:
                yield self._warm_up(page_url, offset, page, renewals + 1)
            else:
                self.gate(response, "token_refused")
            return
        try:
            data = json.loads(response.text)
        except ValueError:
            self.stat("gov/bad_json")
            return
        if not isinstance(data, dict) or str(data.get("errcode", 0)) not in ("0", "None"):
            self.gate(response, "api_error")
            self.logger.warning("letter list refused: %.200s", response.text)
            return
        payload = data.get("data") or {}
        rows = [r for r in (payload.get("list") or []) if isinstance(r, dict)]
        total = int(payload.get("total") or 0)
        known = 0
        for row in rows:
            letter_id = str(row.get("id") or "").strip()
            if not letter_id or letter_id in self.seen_ids:
                self.stat("gov/row_repeated" if letter_id else "gov/row_without_id")
                continue
            self.seen_ids.add(letter_id)
            stored = self.known(letter_id)
            if stored is not None and not self._changed(stored, row):
                known += 1
                self.stat("gov/known_unchanged")
                continue
            if not self.detail_url:
                yield self._row_item(response.url, letter_id, row)
                continue
            url = urljoin(page_url, str(self.detail_url).format(id=letter_id))
            yield scrapy.Request(url, callback=self.parse_letter, errback=self.on_error,
                                 cb_kwargs={"row": row, "letter_id": letter_id, "list_date": row.get("time")})
        offset += len(rows)
        if not rows or offset >= total:
            return
        if rows and known == len(rows):
            self.stat("gov/caught_up")
            return  # a whole page already stored and unchanged: the rest is older
        if page >= self.max_pages:
            self.stat("gov/list_page_limit")
            return
        yield self._list_request(page_url, token, site_id, offset, page + 1, renewals)

    def _changed(self, stored: Any, row: dict[str, Any]) -> bool:
        """A stored letter whose row now shows a reply or another state is read again."""
        org = row.get("org_name") or ""
        state = str(row.get("handle_code") if row.get("handle_code") is not None else "")
        return (bool(org) and not stored.replies) or state != str(stored.extra.get("handle_code", state))

    def _row_item(self, url: str, letter_id: str, row: dict[str, Any]) -> MessageItem:
        stamp = self._date(row.get("time"))
        return MessageItem(
            source=self.source.name, platform=self.platform, url=url, external_id=letter_id,
            title=as_markup(str(row.get("title") or "")), body=as_markup(str(row.get("summary") or row.get("content") or "")),
            author=str(row.get("nickname") or ""), posted_at=stamp, fetched_at=now_cst(), reply_count=None,
            view_count=None, kind_hint="", replies=[], extra=self._row_extra(row),
        )

    def _row_extra(self, row: dict[str, Any]) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if row.get("handle_code") is not None:
            extra["handle_code"] = row["handle_code"]
        if row.get("org_name"):
            extra["org_name"] = row["org_name"]
        return extra

    @staticmethod
    def _date(value: Any) -> Any:
        if value in (None, ""):
            return None
        if str(value).strip().isdigit() and len(str(value).strip()) >= 9:
            return dates.from_unix(value)
        found = dates.parse_absolute(str(value))
        return found[0] if found else None

    # -- county HTML lists ---------------------------------------------------------------------------

    def parse_html_list(self, response: Response, page: int, page_number: int) -> Iterator[Any]:
        self.stat("pages/list")
        sel = self.selector(response)
        if self.block_page(sel):
            self.gate(response, "blocked")
            return
        if page == 1:
            fields = read_letter(sel).fields
            if fields.get("content") and (fields.get("title") or fields.get("created_at")):
                # a letter page given as the start URL (a saved page, say)
                yield from self.parse_letter(response, row={}, letter_id=None, list_date=None, sel=sel)
                return
        links = self._links(sel, response)
        known = 0
        for url, title, list_date in links:
            letter_id = external_id_of(url)
            if letter_id in self.seen_ids:
                continue
            self.seen_ids.add(letter_id)
            if self.known(letter_id) is not None:
                known += 1
                self.stat("gov/known_unchanged")
                continue
            yield scrapy.Request(url, callback=self.parse_letter, errback=self.on_error,
                                 cb_kwargs={"row": {"title": title}, "letter_id": letter_id, "list_date": list_date})
        if not links:
            self.stat("gov/unrecognised_list")
            self.logger.warning("no letter links on %s: set item_links for this source", response.url)
            return
        if known == len(links) and page > 1:
            self.stat("gov/caught_up")
            return
        next_url = next_page_url(sel, response.url, page_number, self.page_param)
        if next_url and page < self.max_pages:
            yield scrapy.Request(next_url, callback=self.parse_html_list, errback=self.on_error,
                                 cb_kwargs={"page": page + 1, "page_number": page_number + 1})
        elif next_url:
            self.stat("gov/list_page_limit")

    def _links(self, sel: Selector, response: Response) -> list[tuple[str, str, Any]]:
        anchors = sel.css(self.item_links) if self.item_links else sel.css("ul li a[href], table tr td a[href], dl dt a[href]")
        found: dict[str, tuple[str, str, Any]] = {}
        for anchor in anchors:
            href = (anchor.attrib.get("href") or "").strip()
            text = (anchor.attrib.get("title") or anchor.xpath("string()").get() or "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")) or len(text) < 4 and not self.item_links:
                continue
            if any(word == text or text.startswith(word) for word in _SKIP_WORDS) and not self.item_links:
                continue
            url = response.urljoin(href)
            if url == response.url or url in found:
                continue
            row = anchor.xpath("ancestor::tr[1] | ancestor::li[1]")
            row_text = row[-1].xpath("string()").get() if row else ""
            stamp = _DATE.search(row_text or "")
            found[url] = (url, text, stamp.group(0) if stamp else None)
        return list(found.values())

    # -- letter pages --------------------------------------------------------------------------------

    def parse_letter(self, response: Response, row: dict[str, Any], letter_id: str | None, list_date: Any,
                     sel: Selector | None = None) -> Iterator[Any]:
        self.stat("pages/detail")
        sel = sel or self.selector(response)
        if self.block_page(sel):
            self.gate(response, "blocked")
            return
        letter = read_letter(sel)
        title = letter.fields.get("title") or as_markup(str(row.get("title") or ""))
        body = letter.fields.get("content", "")
        if not body and not letter.fields.get("title"):
            text = sel.xpath("string(//body)").get() or ""
            kind = "missing" if any(w in text for w in ("不存在", "已删除", "已被删除", "未公开", "不公开")) else "no_letter"
            if "登录" in text and len(text) < 2000:
                kind = "login"
            self.gate(response, kind)
            return
        created = letter.text("created_at")
        posted = self._date(created) or self._date(row.get("time")) or self._date(list_date)
        replies = [
            reply_dict(self._plain(r.get("organisation", "")), r.get("reply", ""), self._date(self._plain(r.get("replied_at", ""))),
                       self._plain(r.get("organisation", "")))
            for r in letter.replies
        ]
        extra = self._row_extra(row)
        for key in ("letter_no", "status", "satisfaction"):
            if letter.fields.get(key):
                extra[key] = letter.text(key)
        views = re.sub(r"\D", "", letter.text("views")) if letter.fields.get("views") else ""
        kind = letter.text("kind") if letter.fields.get("kind") else ""
        if kind:
            extra["type"] = kind
        yield MessageItem(
            source=self.source.name, platform=self.platform, url=response.url,
            external_id=letter_id or (letter.text("letter_no") or external_id_of(response.url)),
            title=title, body=body, author=letter.text("author") if letter.fields.get("author") else str(row.get("nickname") or ""),
            posted_at=posted, fetched_at=now_cst(), reply_count=len(replies), view_count=int(views) if views else None,
            kind_hint=kind_hint(kind), replies=replies, extra=extra,
        )

    @staticmethod
    def _plain(markup: str) -> str:
        return Selector(text=f"<div>{markup}</div>").xpath("string()").get("").strip() if markup else ""
