"""Government mailboxes (crawl-sources.md §4): the 集约化 ``/hdjlpt/`` platform and a GB2312 county ``.jsp`` list.

``/hdjlpt/published?via=pc`` sets the ``szxx_session`` and ``XSRF-TOKEN`` cookies and carries
``var _CSRF = '…'``. ``POST /hdjlpt/letter/pubList`` needs both the latest session cookie (it
rotates on every answer; an older value is refused) and the ``X-CSRF-TOKEN`` header, else HTTP
419 (the session also expires once, at the second request, so the token must be renewed). It lists 45 letters (20/20/5, ``total`` 45); 办理中 rows have ``org_name`` null; letter 1044
reposts letter 1002 under a new id. Letter pages (``/hdjlpt/letter/detail?id=`` — a pattern we
invented, the real one was not observed) come in four layouts by ``id % 4``: a full table, an
unanswered letter, two reply blocks, and renamed (答复单位, 处理结果) and reordered labels in
``<p><strong>`` pairs. Letter 1040 answers "该信件不存在或未公开" with HTTP 200.

``/county/mailbox/list.jsp?pageNo=N`` is an older county system served as GB2312 (with 堃, which
GB2312 lacks: read as GB18030): three pages of eight letters, "下一页" as ``javascript:goPage(n)``.
"""

from __future__ import annotations

import secrets
from html import escape
from typing import Any

from crawlers.fixture_site.server import FixtureSite, Reply, Request, html_reply, json_reply
from crawlers.fixture_site.texts import item_text, posted

FIRST_ID = 1001
LETTERS = 45
REPOST, REPOSTED = 1044, 1002
GONE = 1040
SITE_ID = "759010"
JSP_PAGES, JSP_PER_PAGE, JSP_FIRST = 3, 8, 5001


def letter_ids() -> list[int]:
    return list(range(FIRST_ID + LETTERS - 1, FIRST_ID - 1, -1))  # newest first


def text_of(letter: int) -> dict[str, Any]:
    return item_text("gov", (REPOSTED if letter == REPOST else letter) - FIRST_ID)


def answered(letter: int) -> bool:
    return letter % 4 != 1


def _rotate(site: FixtureSite, old: str | None, csrf: str | None = None) -> tuple[str, str]:
    """A new session cookie value (the old one stops working) and its CSRF token."""
    with site.lock:
        sessions: dict[str, str] = site.state.setdefault("gov_sessions", {})
        token = csrf or (sessions.pop(old, None) if old else None) or secrets.token_hex(20)
        if old:
            sessions.pop(old, None)
        value = secrets.token_hex(16)
        sessions[value] = token
    return value, token


def published(site: FixtureSite, request: Request) -> Reply:
    site.hit("gov:published")
    session, token = _rotate(site, request.cookies.get("szxx_session"))
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>网民留言选登_城关县人民政府门户网站</title>
<meta name="csrf-token" content="{token}"></head><body><div id="app"></div>
<script>var _CSRF = '{token}'; var CONFIG = {{site_id: '{SITE_ID}', via: 'pc'}};</script></body></html>"""
    return html_reply(page, headers=[("Set-Cookie", f"szxx_session={session}; path=/; HttpOnly"),
                                     ("Set-Cookie", f"XSRF-TOKEN={token}; path=/")])


def pub_list(site: FixtureSite, request: Request) -> Reply:
    count = site.hit("gov:pubList")
    session = request.cookies.get("szxx_session")
    with site.lock:
        if count == 2 and not site.state.get("gov_expired"):  # the session expires once, mid-listing
            site.state["gov_expired"] = True
            site.state.get("gov_sessions", {}).pop(session or "", None)
        expected = site.state.get("gov_sessions", {}).get(session or "")
    if not expected or request.headers.get("X-CSRF-TOKEN") != expected:
        site.hit("gov:pubList:419")
        return html_reply("<html><head><title>Page Expired</title></head><body><div class='message'>Page Expired</div></body></html>", 419)
    new_session, _ = _rotate(site, session, expected)
    form = request.form
    offset, limit = int(form.get("offset") or 0), int(form.get("limit") or 20)
    rows = []
    for letter in letter_ids()[offset: offset + limit]:
        text = text_of(letter)
        rows.append({"id": letter, "title": text["title"], "nickname": text["author"][:1] + "**",
                     "org_name": "城关县住房和城乡建设局" if answered(letter) else None, "summary": text["body"][:50],
                     "time": f"{posted(letter):%Y-%m-%d %H:%M:%S}", "handle_code": 1 if answered(letter) else 2})
    return json_reply({"errcode": 0, "msg": "ok", "data": {"list": rows, "total": LETTERS}},
                      headers=[("Set-Cookie", f"szxx_session={new_session}; path=/; HttpOnly")])


def letter_page(site: FixtureSite, request: Request) -> Reply:
    letter = request.int_arg("id")
    site.hit("gov:detail")
    if letter == GONE or not FIRST_ID <= letter < FIRST_ID + LETTERS:
        return html_reply("<html><head><title>提示</title></head><body><div class='tip'>该信件不存在或未公开。</div></body></html>")
    text = text_of(letter)
    when = posted(letter)
    reply_text = escape(text["reply"] or "经核查，已责成相关单位整改，感谢您的监督。")
    layout = letter % 4
    if layout == 3:  # renamed and reordered labels, as <p><strong> pairs
        inner = f"""<div class="letter"><p><strong>信件标题：</strong>{escape(text['title'])}</p>
<p><strong>来信人：</strong>{escape(text['author'][:1])}**</p><p><strong>信件内容：</strong>{escape(text['body'])}</p>
<p><strong>办理状态：</strong>已办结</p><p><strong>答复单位：</strong>城关县交通运输局</p>
<p><strong>处理结果：</strong>{reply_text}</p><p><strong>答复时间：</strong>{when:%Y年%m月%d日}</p>
<p><strong>来信时间：</strong>{when:%Y/%m/%d %H:%M}</p></div>"""
        return html_reply(_page(text["title"], inner))
    rows = [("标　　题", escape(text["title"])), ("留言编号", f"GD{letter}"), ("留言人", escape(text["author"][:1]) + "**"),
            ("留言时间", f"{when:%Y-%m-%d %H:%M:%S}"), ("留言类型", "投诉"),
            ("留言内容", escape(text["body"]).replace("\n", "<br/>"))]
    if layout == 0:
        rows += [("回复单位", "城关县住房和城乡建设局"), ("回复时间", f"{when:%Y-%m-%d} 16:00:00"), ("回复内容", reply_text)]
    elif layout == 2:
        rows += [("回复单位", "城关县人民政府办公室"), ("回复时间", f"{when:%Y-%m-%d} 11:00:00"),
                 ("回复内容", "此件已转交城关县住房和城乡建设局办理。"),
                 ("回复单位", "城关县住房和城乡建设局"), ("回复时间", f"{when:%Y-%m-%d} 17:30:00"), ("回复内容", reply_text)]
    table = "".join(f'<tr><th class="label">{label}：</th><td class="value">{value}</td></tr>' for label, value in rows)
    inner = f'<table class="letter-detail" border="1"><tbody>{table}<tr><th>浏览量</th><td>{letter % 50 + 3}</td></tr></tbody></table>'
    return html_reply(_page(text["title"], inner))


def _page(title: str, inner: str, charset: str = "utf-8") -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>{escape(title)}_网民留言</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/hdjlpt/published?via=pc">网民留言</a> <a href="/login">登录</a></div>
<div class="main">{inner}</div><div class="footer">主办：城关县人民政府办公室 联系我们</div></body></html>"""


# -- the county .jsp system (GB2312) -------------------------------------------------------------------

def jsp_ids(page: int) -> list[int]:
    start = JSP_FIRST + (page - 1) * JSP_PER_PAGE
    return list(range(start, start + JSP_PER_PAGE))


def jsp_list(site: FixtureSite, request: Request) -> Reply:
    page = max(1, request.int_arg("pageNo", 1))
    site.hit("gov:jsp_list")
    items = "".join(
        f'<li><a href="detail.jsp?id={i}" target="_blank" title="{escape(item_text("jsp", i - JSP_FIRST)["title"])}">{escape(item_text("jsp", i - JSP_FIRST)["title"][:18])}</a>'
        f'<span class="date">{posted(i):%Y-%m-%d}</span></li>' for i in jsp_ids(page))
    nxt = f'<a href="javascript:goPage({page + 1})">下一页</a>' if page < JSP_PAGES else "<span>下一页</span>"
    text = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>县长信箱 - 堃城县</title>
<script>function goPage(n){{document.forms[0].pageNo.value=n;document.forms[0].submit();}}</script></head><body>
<div class="top"><a href="/county/index.jsp">首页</a> | <a href="/county/mailbox/write.jsp">我要写信</a></div>
<ul class="mail-list">{items}</ul>
<div class="pager"><a href="javascript:goPage(1)">首页</a> <span>第{page}页/共{JSP_PAGES}页</span> {nxt}</div>
<form method="get" action="list.jsp"><input type="hidden" name="pageNo" value="{page}"></form></body></html>"""
    return Reply(body=text.encode("gb18030"), content_type="text/html; charset=gb2312")


def jsp_detail(site: FixtureSite, request: Request) -> Reply:
    letter = request.int_arg("id")
    site.hit("gov:jsp_detail")
    text = item_text("jsp", letter - JSP_FIRST)
    when = posted(letter)
    reply = escape(text["reply"] or "已交有关部门处理。")
    body = f"""<table width="100%" class="detail"><tr><td class="t">来信标题</td><td colspan="3">{escape(text['title'])}</td></tr>
<tr><td class="t">来信人</td><td>{escape(text['author'][:1])}**</td><td class="t">来信时间</td><td>{when:%Y-%m-%d}</td></tr>
<tr><td class="t">来信内容</td><td colspan="3">{escape(text['body'])}</td></tr>
<tr><td class="t">办理单位</td><td>堃城县信访局</td><td class="t">办结时间</td><td>{when:%Y-%m-%d}</td></tr>
<tr><td class="t">办理结果</td><td colspan="3">{reply}</td></tr></table>"""
    return Reply(body=_page(text["title"], body, "gb2312").encode("gb18030"), content_type="text/html; charset=gb2312")


ROUTES = [
    ("GET", r"/hdjlpt/published", published),
    ("POST", r"/hdjlpt/letter/pubList", pub_list),
    ("GET", r"/hdjlpt/letter/detail", letter_page),
    ("GET", r"/county/mailbox/list\.jsp", jsp_list),
    ("GET", r"/county/mailbox/detail\.jsp", jsp_detail),
]
