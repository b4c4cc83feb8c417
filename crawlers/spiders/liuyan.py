"""人民网 领导留言板-type message boards: a JS shell page, list APIs (legacy form or signed v1), a signed detail API.

Per crawl-sources.md §1: the list page (``/threads/list?fid=…``) is an empty JS shell, visited
only as a warm-up (the WAF's cookies, a Referer) and never scraped. Messages come from a list API,
newest first, the next page's cursor being the last row's tid:

- legacy: ``POST /threads/queryThreadsList`` (form ``fid, state, lastItem``), rows in
  ``responseData``, stop on an empty page;
- v1: ``POST /v1/threads/list/df`` (JSON ``{appCode, token, signature, param}``, ``param`` the compact
  JSON ``{fid, showUnAnswer, typeId, lastItem, position, rows, orderType}`` as a string — or as an
  object with ``param_as_object``), rows in ``resultData.data``, stop when fewer than ``rows`` come;

then ``POST /v1/threads/content`` (param ``{tid, fromTrash}``) for the full text and the replies.
The signature is the lowercase hex MD5 of api path + compact param JSON + the first 16 hex
characters of MD5(appCode). Detail blocks are recognised by their fields (``subject`` = the
message, an organisation = an official reply, otherwise a follow-up), never by position.

``api: auto`` (the default) uses the legacy list and switches a forum to v1 when the legacy API
answers with an error page, non-JSON or a failure. Saved pages are read too (``parse_start``
sniffs): the legacy server-rendered detail page (``span.context-title-text``, ``p.zoom.content``,
``div.liuyan_box05 li.reply``), the rendered SPA list (``ul.replyList > li``) and saved API JSON.

Incremental crawling keeps a per-forum watermark (``fid:<fid>``, crawlers.state): read once
before the batch, compared with every row (rows arrive out of tid order), moved only past
messages that were stored. A message at or below the watermark whose state changed since it was
stored (e.g. 待回复 → 已办理) is fetched again, so its official reply is recorded.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers import dates
from crawlers.errors import SourceConfigError
from crawlers.items import MessageItem, as_markup, kind_hint, reply_dict
from crawlers.sources import Option, SourceConfig
from crawlers.spiders.base import SourceSpider
from index.records import now_cst

PC_APP_CODE = "PC42ce3bfa4980a9"
"""The public web client's appCode (crawl-sources.md §1.3)."""
V1_LIST = "/v1/threads/list/df"
V1_DETAIL = "/v1/threads/content"
LEGACY_LIST = "/threads/queryThreadsList"
_TID = re.compile(r"[?&]tid=(\d+)")
_ORG_KEYS = ("organization", "organizationName", "orgName", "answerOrganization", "replyOrganization", "unitName")
_TIME_KEYS = ("dateline", "answerDateline", "replyTime", "createDateline", "threadsCheckTime")
_TEXT_KEYS = ("content", "answerContent", "replyContent")


def compact(param: dict[str, Any]) -> str:
    return json.dumps(param, ensure_ascii=False, separators=(",", ":"))


def sign(path: str, param: str, app_code: str = PC_APP_CODE) -> str:
    """The v1 API signature: MD5(path + compact param JSON + first 16 hex chars of MD5(appCode))."""
    salt = hashlib.md5(app_code.encode()).hexdigest()[:16]
    return hashlib.md5((path + param + salt).encode("utf-8")).hexdigest()


def _fid_of(url: str) -> int | None:
    values = parse_qs(urlsplit(url).query).get("fid")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def _int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


def _first(block: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if block.get(key) not in (None, ""):
            return block[key]
    return None


class LiuyanSpider(SourceSpider):
    """Reads the forums named by ``start_urls`` (``…/threads/list?fid=<fid>``) through the APIs."""

    platform = "liuyan"
    name = "liuyan"
    OPTIONS = {
        "api": Option(str, "which list API: auto (legacy, then v1 if it fails), legacy or v1"),
        "list_api": Option(str, "path of the legacy form list API (default /threads/queryThreadsList)"),
        "v1_list_api": Option(str, "path of the signed v1 list API (default /v1/threads/list/df)"),
        "detail_api": Option(str, "path of the signed detail API (default /v1/threads/content)"),
        "app_code": Option(str, "appCode of the signed APIs (default the public PC client's)"),
        "state": Option(int, "legacy list tab: 1 all, 2 待回复, 3 办理中, 4 已办理"),
        "type_id": Option(int, "v1 list typeId (observed 1, 2, 5)"),
        "rows": Option(int, "v1 list page size (default 10)"),
        "param_as_object": Option(bool, "send the v1 param as a JSON object instead of a string"),
        "catch_up_pages": Option(int, "pages read to catch up with a known watermark (default 10 × max_pages)"),
    }

    @classmethod
    def check_source(cls, source: SourceConfig) -> None:
        if source.option("api", "auto") not in ("auto", "legacy", "v1"):
            raise SourceConfigError(source.name, "option api must be auto, legacy or v1")

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        option = self.source.option
        self.api = str(option("api", "auto"))
        self.list_api = str(option("list_api", LEGACY_LIST))
        self.v1_list_api = str(option("v1_list_api", V1_LIST))
        self.detail_api = str(option("detail_api", V1_DETAIL))
        self.app_code = str(option("app_code", PC_APP_CODE))
        self.state_tab = int(option("state", 1))
        self.type_id = int(option("type_id", 5))
        self.rows = int(option("rows", 10))
        self.param_as_object = bool(option("param_as_object", False))
        self.seen: dict[int, set[int]] = {}
        self.forum_api: dict[int, str] = {}

    def mark_key(self, fid: int) -> str:
        return f"fid:{fid}"

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.start_urls:
            yield scrapy.Request(url, callback=self.parse_start, errback=self.on_error, dont_filter=True)

    # -- what the start URL is ---------------------------------------------------------------------

    def parse_start(self, response: Response) -> Iterator[Any]:
        """A list shell (the usual case), or a saved detail page, rendered list or API answer."""
        fid = _fid_of(response.url)
        body = response.body.lstrip()
        if body[:1] in (b"{", b"["):
            yield from self._saved_json(response)
            return
        sel = self.selector(response)
        if self.block_page(sel):
            self.gate(response, "blocked")
            return
        if sel.css("span.context-title-text, p.zoom.content, div.liuyan_box03"):
            yield from self.parse_legacy_detail(response, sel)
            return
        if sel.css("ul.replyList > li"):
            yield from self.parse_rendered_list(response, sel)
            return
        tid = _TID.search(response.url)
        if tid and response.url.startswith("http"):
            self.stat("pages/shell")
            yield self._detail_request(response.url, _fid_of(response.url) or 0, int(tid.group(1)), {})
            return
        if fid is None:
            self.stat("liuyan/start_url_without_fid")
            self.logger.error("start URL %s has no fid=…; expected …/threads/list?fid=<forum id>", response.url)
            return
        self.stat("pages/shell")  # the JS shell: a warm-up only, its markup holds no messages
        if fid in self.forum_api:
            return
        self.watermark(self.mark_key(fid))
        self.forum_api[fid] = "v1" if self.api == "v1" else "legacy"
        yield self._list_request(response.url, fid, last_item=0, page=1)

    # -- list APIs ---------------------------------------------------------------------------------

    def _headers(self, referer: str, json_body: bool = False) -> dict[str, str]:
        parts = urlsplit(referer)
        headers = {"Referer": referer, "Origin": f"{parts.scheme}://{parts.netloc}", "X-Requested-With": "XMLHttpRequest"}
        if json_body:
            headers.update({"Content-Type": "application/json;charset=UTF-8", "token": ""})
        return headers

    def _signed_body(self, path: str, param: dict[str, Any]) -> str:
        text = compact(param)
        body = {"appCode": self.app_code, "token": "", "signature": sign(path, text, self.app_code),
                "param": param if self.param_as_object else text}
        return json.dumps(body, ensure_ascii=False)

    def _list_request(self, referer: str, fid: int, last_item: int, page: int, attempt: int = 0) -> scrapy.Request:
        kwargs = {"fid": fid, "page": page, "referer": referer, "last_item": last_item, "attempt": attempt}
        if self.forum_api.get(fid) == "v1":
            param = {"fid": str(fid), "showUnAnswer": 1, "typeId": self.type_id,
                     "lastItem": str(last_item) if last_item else "", "position": "0", "rows": self.rows, "orderType": 2}
            return scrapy.Request(
                urljoin(referer, self.v1_list_api), method="POST", body=self._signed_body(self.v1_list_api, param),
                headers=self._headers(referer, json_body=True), callback=self.parse_list, errback=self.list_failed,
                cb_kwargs=kwargs, dont_filter=True)
        return scrapy.FormRequest(
            urljoin(referer, self.list_api),
            formdata={"fid": str(fid), "state": str(self.state_tab), "lastItem": str(last_item)},
            headers=self._headers(referer), callback=self.parse_list, errback=self.list_failed,
            cb_kwargs=kwargs, dont_filter=True)

    def _json(self, response: Response) -> Any:
        try:
            return json.loads(response.text)
        except (ValueError, AttributeError):
            self.stat("liuyan/bad_json")
            self.logger.warning("not JSON from %s: %.200r", response.url, response.body)
            return None

    def _rows(self, data: Any) -> list[dict[str, Any]] | None:
        """The rows of either list API's answer; None when the answer is a failure."""
        if not isinstance(data, dict):
            return None
        if "responseData" in data or "result" in data or "success" in data:
            if data.get("result") not in (None, "success") or data.get("success") is False:
                return None
            rows = data.get("responseData") or []
        else:
            if str(data.get("resultCode", 200)) not in ("200", "0"):
                return None
            result = data.get("resultData") or {}
            rows = result.get("data") if isinstance(result, dict) else result
            rows = rows or []
        return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else None

    def list_failed(self, failure: Failure) -> Iterator[Any]:
        self.on_error(failure)
        kwargs = getattr(getattr(failure, "request", None), "cb_kwargs", {}) or {}
        yield from self._list_fallback(kwargs)

    def _list_fallback(self, kwargs: dict[str, Any]) -> Iterator[Any]:
        """On the first page, ``api: auto`` switches a forum whose legacy API fails to v1."""
        fid = kwargs.get("fid")
        if fid is not None and self.api == "auto" and self.forum_api.get(fid) == "legacy" and kwargs.get("page") == 1:
            self.forum_api[fid] = "v1"
            self.stat("liuyan/switched_to_v1")
            self.logger.info("forum %s: the legacy list API failed; using the v1 API", fid)
            yield self._list_request(kwargs["referer"], fid, 0, 1)

    def parse_list(self, response: Response, fid: int, page: int, referer: str, last_item: int,
                   attempt: int) -> Iterator[Any]:
        self.stat("pages/api")
        rows = self._rows(self._json(response))
        kwargs = {"fid": fid, "page": page, "referer": referer, "last_item": last_item}
        if rows is None:
            if attempt < 2:  # the board answers {"result":"fail"} now and then: ask again, later
                self.stat("liuyan/api_fail_retried")
                yield self._list_request(referer, fid, last_item, page, attempt + 1)
                return
            self.gate(response, "api_fail")
            yield from self._list_fallback(kwargs)
            return
        mark = self.watermark(self.mark_key(fid))
        if not rows:
            mark.covered = True  # the end of the list
            return
        seen = self.seen.setdefault(fid, set())
        fresh = above = 0
        for row in rows:
            tid = _int(row.get("tid"))
            if tid <= 0:
                self.stat("liuyan/row_without_tid")
                continue
            if tid in seen:
                self.stat("liuyan/cursor_overlap")
                continue
            seen.add(tid)
            fresh += 1
            if tid <= mark.before:
                self.stat("liuyan/below_watermark")
                if self._changed_since_stored(tid, row):
                    self.stat("liuyan/revisit")
                    yield self._detail_request(referer, fid, tid, row)
                continue
            above += 1
            mark.expect(tid)
            yield self._detail_request(referer, fid, tid, row)
        short_page = self.forum_api.get(fid) == "v1" and len(rows) < self.rows
        if not fresh or short_page or (mark.before and not above):
            mark.covered = True  # the end, or a whole page at or below the watermark: the rest is known
            if not fresh:
                self.stat("liuyan/page_without_new_rows")
            return
        if page >= self.page_limit(mark.before):
            mark.covered = True
            self.stat("liuyan/list_page_limit")
            if mark.before:
                self.stat("liuyan/gap_possible")
                self.logger.warning(
                    "forum %s: %d pages read without reaching the watermark %d; messages may be missed, "
                    "raise max_pages or crawl more often", fid, page, mark.before)
            return
        yield self._list_request(referer, fid, last_item=_int(rows[-1].get("tid")), page=page + 1)

    def _changed_since_stored(self, tid: int, row: dict[str, Any]) -> bool:
        state = row.get("stateInfo") or row.get("traceInfo")
        if not state:
            return False
        stored = self.known(tid)
        return stored is not None and str(stored.extra.get("state") or "") != str(state)

    def page_limit(self, watermark: int) -> int:
        """Pages to read: ``max_pages`` on a first crawl (how far back to start), more when catching
        up to a known watermark (``catch_up_pages``, default 10 × max_pages) so a busy day between
        two crawls is not skipped."""
        if not watermark:
            return self.max_pages
        return int(self.source.option("catch_up_pages") or self.max_pages * 10)

    # -- detail API --------------------------------------------------------------------------------

    def _detail_request(self, referer: str, fid: int, tid: int, row: dict[str, Any]) -> scrapy.Request:
        param = {"tid": str(tid), "fromTrash": 0}
        return scrapy.Request(
            urljoin(referer, self.detail_api), method="POST", body=self._signed_body(self.detail_api, param),
            headers=self._headers(referer, json_body=True), callback=self.parse_detail, errback=self.on_error,
            cb_kwargs={"fid": fid, "tid": tid, "row": row, "referer": referer}, dont_filter=True,
        )

    def parse_detail(self, response: Response, fid: int, tid: int, row: dict[str, Any],
                     referer: str) -> Iterator[Any]:
        self.stat("pages/api")
        data = self._json(response)
        if not isinstance(data, dict):
            return  # left pending: the watermark stays below this tid
        if str(data.get("resultCode", 200)) not in ("200", "0") or data.get("success") is False:
            self.gate(response, "api_error")
            self.logger.warning("detail API refused tid %s: %s", tid, data.get("resultMsg") or data.get("result"))
            return
        result = data.get("resultData")
        blocks = [b for b in ((result or {}).get("contentList") or []) if isinstance(b, dict)] \
            if isinstance(result, dict) else []
        if not blocks:
            self.gate(response, "missing")  # trashed or withdrawn after it was listed
            if fid:
                self.watermark(self.mark_key(fid)).settle(tid)
            return
        yield self._item(referer, fid, tid, row, blocks)

    def _item(self, referer: str, fid: int, tid: int, row: dict[str, Any], blocks: list[dict[str, Any]]) -> MessageItem:
        original = next((b for b in blocks if "subject" in b and not _first(b, _ORG_KEYS)), None)
        if original is None:
            self.stat("liuyan/detail_without_message_block")
            original = row  # the list row has the subject and a shortened body
        replies = []
        for block in blocks:
            text = _first(block, _TEXT_KEYS)
            if block is original or not text:
                continue
            organisation = str(_first(block, _ORG_KEYS) or "")
            author = organisation or str(block.get("nickName") or "")
            replies.append(reply_dict(author, str(text), dates.from_unix(_first(block, _TIME_KEYS)), organisation))
        replies.sort(key=lambda r: (r["posted_at"] is None, r["posted_at"] or 0))
        parts = urlsplit(referer)
        merged = {**row, **{k: v for k, v in original.items() if v not in (None, "")}}
        extra = {key: merged.get(name) for key, name in (
            ("fid", "fid"), ("forum", "forumName"), ("state", "stateInfo"), ("domain", "domainName"),
            ("type", "typeName"), ("process", "processInfo"),
        ) if merged.get(name) not in (None, "")}
        if fid and "fid" not in extra:
            extra["fid"] = fid
        return MessageItem(
            source=self.source.name, platform=self.platform,
            url=f"{parts.scheme}://{parts.netloc}/threads/content?tid={tid}",
            external_id=str(tid),
            title=str(original.get("subject") or row.get("subject") or ""),
            body=str(original.get("content") or ""),
            author=str(original.get("nickName") or row.get("nickName") or ""),
            posted_at=dates.from_unix(original.get("dateline") or original.get("createDateline")
                                      or row.get("dateline") or row.get("createDateline")),
            fetched_at=now_cst(),
            reply_count=sum(1 for r in replies if r["organisation"]),
            view_count=None,
            kind_hint=kind_hint(str(original.get("typeName") or row.get("typeName") or "")),
            replies=replies, extra=extra, cursor=(self.mark_key(fid), tid) if fid else None,
        )

    # -- saved pages and saved API answers ---------------------------------------------------------

    def _saved_json(self, response: Response) -> Iterator[Any]:
        data = self._json(response)
        if isinstance(data, dict) and isinstance(data.get("resultData"), dict) and "contentList" in data["resultData"]:
            tid = _TID.search(response.url)
            blocks = [b for b in data["resultData"]["contentList"] or [] if isinstance(b, dict)]
            original = next((b for b in blocks if "subject" in b), {})
            tid_value = _int(original.get("tid")) or (int(tid.group(1)) if tid else 0)
            if blocks and tid_value:
                yield self._item(response.url, _int(original.get("fid")), tid_value, {}, blocks)
            return
        rows = self._rows(data)
        for row in rows or []:
            tid = _int(row.get("tid"))
            if tid:  # a saved list answer: the list text only (shortened by the board)
                yield self._item(response.url, _int(row.get("fid")), tid, row, [])

    def parse_legacy_detail(self, response: Response, sel: Selector) -> Iterator[Any]:
        """The server-rendered detail page (2018–2021, crawl-sources.md §1.4)."""
        self.stat("pages/detail_html")
        tid_match = _TID.search(response.url)
        tid = int(tid_match.group(1)) if tid_match else 0
        title = sel.css("span.context-title-text").xpath("string()").get() or sel.css("h2 b").xpath("string()").get() or ""
        ems = [e.strip() for e in sel.css("div.liuyan_box03 h2 b em").xpath("string()").getall() if e.strip()]
        state = next((e for e in ems if e in ("已办理", "待回复", "办理中", "已回复")), "")
        types = sel.css("em.domainType").xpath("string()").getall()
        header = " ".join(sel.css("h3.grey2 span, h3.fl span").xpath("string()").getall())
        when = dates.parse_absolute(header)
        author = re.sub(r"\d{4}-\d{1,2}-\d{1,2}.*$", "", header).strip()
        body_node = sel.css("p.zoom.content") or sel.css("div.liuyan_box03 p.zoom") or sel.css("p.zoom")
        body = body_node[0].get() if body_node else ""
        replies = []
        for reply in sel.css("div.liuyan_box05 li.reply, li.reply"):
            text_node = reply.css("p.zoom")
            if not text_node:
                continue
            stamp = dates.parse_absolute(reply.css("h3 em").xpath("string()").get())
            heading = reply.css("h3").xpath("string()").get() or ""
            heading = re.sub(r"\d{4}-\d{1,2}-\d{1,2}[\d: ]*", "", heading)
            organisation = re.sub(r"(的)?(回复|答复)[:：]?\s*$", "", heading.strip()).strip(" ：:")
            replies.append(reply_dict(organisation, text_node[0].get(), stamp[0] if stamp else None, organisation))
        if not tid:
            tid = _int(hashlib.sha1(f"{title}|{header}".encode()).hexdigest()[:12]) or 0
        breadcrumb = sel.css("div.path_2j a").xpath("string()").getall()
        extra: dict[str, Any] = {"state": state} if state else {}
        if breadcrumb:
            extra["forum"] = breadcrumb[-1].strip()
        if len(types) >= 1:
            extra["type"] = types[0].strip()
        if len(types) >= 2:
            extra["domain"] = types[1].strip()
        yield MessageItem(
            source=self.source.name, platform=self.platform, url=response.url, external_id=str(tid),
            title=title, body=body, author=author, posted_at=when[0] if when else None, fetched_at=now_cst(),
            reply_count=len(replies), view_count=None, kind_hint=kind_hint(extra.get("type")), replies=replies,
            extra=extra,
        )

    def parse_rendered_list(self, response: Response, sel: Selector) -> Iterator[Any]:
        """The SPA list as a browser renders it (``ul.replyList > li``), saved to a file."""
        self.stat("pages/list_html")
        for li in sel.css("ul.replyList > li"):
            title = li.css("div.tabList h1, h1").xpath("string()").get() or ""
            stamp = dates.parse_absolute(li.css("div.headMainS p, p").xpath("string()").get())
            body = li.css("p.replyContent span, p.replyContent").xpath("string()").get() or ""
            href = li.css("a::attr(href)").re_first(r"tid=(\d+)")
            tid = href or hashlib.sha1(f"{title}|{stamp}".encode()).hexdigest()[:12]
            if not title.strip() and not body.strip():
                continue
            yield MessageItem(
                source=self.source.name, platform=self.platform,
                url=urljoin(response.url, f"/threads/content?tid={tid}") if href else response.url,
                external_id=str(tid), title=as_markup(title.strip()), body=as_markup(body.strip()), author="",
                posted_at=stamp[0] if stamp else None, fetched_at=now_cst(), reply_count=None, view_count=None,
                kind_hint="", replies=[], extra={"from_list": True},
            )
