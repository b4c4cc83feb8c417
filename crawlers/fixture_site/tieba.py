"""百度贴吧 imitation (crawl-sources.md §3): commented and visible thread lists, floors, 楼中楼, captcha.

``/f?kw=龙川`` hides its list in ``<code class="pagelet_html"><!-- … --></code>``: 50 rows on page
``pn=0`` (two top threads and one ad row without ``data-field``) and 20 on ``pn=50``. ``kw=visible``
serves a short list in the visible page, ``kw=closed`` the "本吧暂不开放" notice, and ``kw=captcha``
a 302 to ``/wappass/static/captcha/tuxing.html``, which redirects back to the list (a loop).
Thread 6000001 has two pages: an old floor dated only in ``data-field`` (``content.date``), floors
with two or three ``tail-info`` spans, an ad floor and a deleted floor without body; its 楼中楼
come from ``/p/totalComment`` — which for every other thread answers ``"comment_list": []``.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import quote

from crawlers.fixture_site.server import FixtureSite, Reply, Request, html_reply, json_reply
from crawlers.fixture_site.texts import item_text, message, posted

FIRST_TID = 6_000_001
FORUM_ID = 52_431
TOP = (6_000_049, 6_000_050)
LONG = FIRST_TID


def thread_ids() -> list[int]:
    return list(range(FIRST_TID, FIRST_TID + 70))


def reply_num(tid: int) -> int:
    return 13 if tid == LONG else tid % 3


def _cookie(request: Request) -> list[tuple[str, str]]:
    return [] if "BAIDUID" in request.cookies else [("Set-Cookie", "BAIDUID=FIXTURE0123:FG=1; path=/; domain=127.0.0.1")]


def _field(data: dict[str, Any]) -> str:
    return escape(json.dumps(data, ensure_ascii=False, separators=(",", ":")), quote=True)


def _row(tid: int, index: int) -> str:
    text = item_text("tieba", tid - FIRST_TID)
    times = ("12:30", "5-3", "2023-11")
    data = {"id": tid, "author_name": text["author"], "author_nickname": None, "first_post_id": tid * 10 + 1,
            "reply_num": reply_num(tid), "is_bakan": None, "vid": "", "is_good": 1 if tid % 11 == 0 else None,
            "is_top": 1 if tid in TOP else None, "is_protal": None, "is_membertop": None, "frs_tpoint": None}
    title = escape(text["title"] + (" A&B" if tid == FIRST_TID + 3 else ""))
    quote_char = '"' if index % 2 else "'"
    return f"""<li class=" j_thread_list clearfix thread_item_box" data-field={quote_char}{_field(data)}{quote_char} data-tid="{tid}">
<div class="t_con cleafix"><div class="col2_left j_threadlist_li_left"><span class="threadlist_rep_num center_text" title="回复">{reply_num(tid)}</span></div>
<div class="col2_right j_threadlist_li_right "><div class="threadlist_lz clearfix">
<div class="threadlist_title pull_left j_th_tit "><a rel="noreferrer" href="/p/{tid}" title="{title}" target="_blank" class="j_th_tit ">{title}</a></div>
<div class="threadlist_author pull_right"><span class="tb_icon_author " title="主题作者: {escape(text['author'])}"><span class="frs-author-name-wrap"><a class="frs-author-name j_user_card " href="/home/main/?un=x">{escape(text['author'])}</a></span></span>
<span class="pull-right is_show_create_time" title="创建时间">{times[tid % 3]}</span></div></div>
<div class="threadlist_detail clearfix"><div class="threadlist_text pull_left"><div class="threadlist_abs threadlist_abs_onlyline ">{escape(text['body'][:40])}</div></div>
<div class="threadlist_author pull_right"><span class="threadlist_reply_date pull_right j_reply_data" title="最后回复时间">18:33</span></div></div></div></div></li>"""


AD_ROW = """<li class=" j_thread_list clearfix"><div class="t_con"><a href="https://e.baidu.com/?id=1" class="j_th_tit">【推广】装修就找某某公司</a></div></li>"""


def forum_page(site: FixtureSite, request: Request) -> Reply:
    kw = request.arg("kw")
    pn = request.int_arg("pn")
    site.hit(f"tieba:list:{kw}")
    if kw == "captcha":
        back = quote(f"http://127.0.0.1/f?kw={kw}", safe="")
        return Reply(status=302, headers=[("Location", f"/wappass/static/captcha/tuxing.html?ak=abc&backurl={back}&timestamp=1&signature=x")])
    if kw == "closed":
        return html_reply("<html><head><title>贴吧</title></head><body><div class='page404'>抱歉，根据相关法律法规和政策，本吧暂不开放。</div></body></html>",
                          headers=_cookie(request))
    if kw == "visible":
        rows = "".join(_row(t, i) for i, t in enumerate(thread_ids()[:10]))
        return html_reply(f"""<html><head><meta charset="UTF-8"><title>visible吧-百度贴吧</title></head><body>
<div id="content"><ul id="thread_list" class="threadlist_bright j_threadlist_bright">{rows}</ul></div></body></html>""", headers=_cookie(request))
    ids = [t for t in thread_ids() if t not in TOP]
    chunk = ids[:47] if pn == 0 else ids[47:]
    rows = [_row(t, i) for i, t in enumerate(chunk)]
    if pn == 0:  # 50 rows: two top threads, an ad row without data-field, 47 threads
        rows = [_row(t, 0) for t in TOP] + rows[:2] + [AD_ROW] + rows[2:]
    nxt = f'<a href="/f?kw={quote(kw)}&amp;ie=utf-8&amp;pn=50" class="next pagination-item " >下一页&gt;</a>' if pn == 0 else ""
    page = f"""<!DOCTYPE html><html><head><meta charset="UTF-8"><title>{escape(kw)}吧-百度贴吧</title></head><body>
<script>PageData.forum = {{"forum_id": {FORUM_ID}, "forum_name": "{escape(kw)}"}};</script>
<div id="pagelet_frs-header/pagelet/head" class="pagelet"></div>
<code class="pagelet_html" id="pagelet_html_frs-header/pagelet/head" style="display:none;"><!--<div class="card_title"><a class="card_title_fname" href="/f?kw={quote(kw)}">{escape(kw)}吧</a><span class="card_menNum">1234</span></div>--></code>
<code class="pagelet_html" id="pagelet_html_frs-list/pagelet/thread_list" style="display:none;"><!--<ul id="thread_list" class="threadlist_bright j_threadlist_bright">{''.join(rows)}</ul><div class="thread_list_bottom clearfix"><div id="frs_list_pager" class="pagination-default clearfix"><span class="pagination-current pagination-item ">{pn // 50 + 1}</span>{nxt}</div></div>--></code>
</body></html>"""
    return html_reply(page, headers=_cookie(request))


def captcha(site: FixtureSite, request: Request) -> Reply:
    site.hit("tieba:captcha")
    return Reply(status=302, headers=[("Location", "/f?kw=captcha")])  # loops back


def _floor(tid: int, pid: int, number: int, author: str, body: str, date: str, style: str) -> str:
    content: dict[str, Any] = {"post_id": pid, "is_anonym": False, "post_no": number, "type": "0", "comment_num": 2 if number == 2 else 0}
    if style == "old":
        content["date"] = date
    data: dict[str, Any] = {"author": {"user_id": pid, "user_name": author, "props": None}, "content": content}
    if style == "ad":
        data = {"author": {"user_name": "广告"}, "content": {"post_no": 0}}
        return f"""<div class="l_post l_post_bright j_l_post clearfix  " data-field='{_field(data)}'><div class="ad_bottom_view">广告</div></div>"""
    tails = ""
    if style == "three":
        tails = f'<span class="tail-info">来自<a href="#">Android客户端</a></span><span class="tail-info">{number}楼</span><span class="tail-info">{date}</span>'
    elif style != "old":
        tails = f'<span class="tail-info">{number}楼</span><span class="tail-info">{date}</span>'
    body_html = "" if style == "deleted" else \
        f'<cc><div class="d_post_content j_d_post_content " id="post_content_{pid}" style="display:;">            {escape(body)}</div><br></cc>'
    return f"""<div class="l_post l_post_bright j_l_post clearfix  " data-field='{_field(data)}'>
<div class="d_author"><ul class="p_author"><li class="d_name"><a class="p_author_name j_user_card" href="#">{escape(author)}</a></li></ul></div>
<div class="d_post_content_main "><div class="p_content  ">{body_html}</div>
<div class="core_reply j_lzl_wrapper"><div class="core_reply_tail clearfix"><div class="post-tail-wrap">{tails}</div></div></div></div></div>"""


def thread_page(site: FixtureSite, request: Request) -> Reply:
    tid = int(request.path.rsplit("/", 1)[1])
    page = max(1, request.int_arg("pn", 1))
    site.hit("tieba:thread")
    if tid not in thread_ids():
        return html_reply("<html><head><title>贴吧404</title></head><body><div class='page404'>很抱歉，该贴已被删除。</div></body></html>",
                          headers=_cookie(request))
    first = item_text("tieba", tid - FIRST_TID)
    moment = posted(tid - FIRST_TID)
    floors: list[str] = []
    pages = 2 if tid == LONG else 1
    if page == 1:
        floors.append(_floor(tid, tid * 10 + 1, 1, first["author"], first["body"], f"{moment:%Y-%m-%d %H:%M}",
                             "old" if tid == LONG else "two"))
    count = 9 if tid == LONG and page == 1 else (4 if tid == LONG else reply_num(tid))
    start = 2 if page == 1 else 11
    for offset in range(count):
        number = start + offset
        reply = message(tid * 7 + number)
        style = "three" if number % 2 else "two"
        if tid == LONG and number == 4:
            floors.append(_floor(tid, 0, 0, "", "", "", "ad"))
        if tid == LONG and number == 6:
            style = "deleted"
        when = posted(tid - FIRST_TID + number)
        floors.append(_floor(tid, tid * 10 + number, number, reply["author"], reply["body"][:100], f"{when:%Y-%m-%d %H:%M}", style))
    page_html = f"""<!DOCTYPE html><html><head><meta charset="UTF-8"><title>{escape(first['title'])}_龙川吧_百度贴吧</title></head><body>
<script>var PageData = {{"thread": {{"thread_id": {tid}}}, "forum": {{"forum_id": {FORUM_ID}, "name": "龙川"}}}};</script>
<div class="core_title_wrap_bright clearfix"><h3 class="core_title_txt pull-left text-overflow  " title="{escape(first['title'])}" style="width: 396px">{escape(first['title'])}</h3></div>
<div class="p_thread thread_theme_5"><div class="l_thread_info"><ul class="l_posts_num"><li class="l_pager pager_theme_4 pb_list_pager" max-page="{pages}"></li>
<li class="l_reply_num"><span class="red">{reply_num(tid)}</span>回复贴，共<span class="red">{pages}</span>页</li></ul></div></div>
<div class="p_postlist" id="j_p_postlist">{''.join(floors)}</div></body></html>"""
    return html_reply(page_html, headers=_cookie(request))


def total_comment(site: FixtureSite, request: Request) -> Reply:
    tid = request.int_arg("tid")
    site.hit("tieba:comments")
    if tid == LONG and request.int_arg("pn", 1) == 1:
        pid = tid * 10 + 2
        comments = [{"thread_id": tid, "post_id": pid, "comment_id": pid * 100 + i, "username": f"楼中楼用户{i}",
                     "user_id": i, "now_time": int(posted(i).timestamp()), "content": f"同意楼上，第{i}条楼中楼", "ptype": 0}
                    for i in (1, 2)]
        data: Any = {str(pid): {"comment_num": 2, "comment_list_num": 2, "comment_info": comments}}
    else:
        data = []  # PHP's empty array, not {}
    return json_reply({"errno": 0, "errmsg": "success", "data": {"comment_list": data, "user_list": []}})


ROUTES = [
    ("GET", r"/f", forum_page),
    ("GET", r"/wappass/static/captcha/tuxing\.html", captcha),
    ("GET", r"/p/totalComment", total_comment),
    ("GET", r"/p/\d+", thread_page),
]
