"""A Discuz! X3.4 forum served as GB18030 bytes under a ``gbk`` label (crawl-sources.md §2).

``/bbs18030/``: a board (fid 2) of 26 threads over two list pages, with two sticky threads, an
anonymous row, a moved thread, an old-style ``viewthread.php`` link, and list pagers in the
rewrite form (``forum-2-2.html``). Thread 3001 has three pages paged in the rewrite form
(``thread-3001-2-1.html``) with a locked, a deleted, a quoting, a lazy-image and a reply-only
(回复可见) post, and relative dates with and without ``span@title``. Thread 3002's title holds
𠮷 — four bytes in GB18030, undecodable as GBK. Thread 3003 is cut in the middle of a character.
Thread 3404 answers "指定的主题不存在或已被删除" with HTTP 200, board 7 the login gate, thread 3999
is a 5 MB page of 2,000 nested ``font`` tags. Headers vary per thread (tid % 3): correct, meta
only, wrong ``utf-8``. The mobile API (``api/mobile/index.php``) says ``"Charset": "GBK"`` and
sends UTF-8 JSON, as the plugin does.
"""

from __future__ import annotations

import json
from datetime import timedelta
from html import escape
from typing import Any

from crawlers.fixture_site.server import FixtureSite, Reply, Request
from crawlers.fixture_site.texts import item_text, message, posted

FORUM = "城关在线"
FIRST_TID = 3001
THREADS = 26
PER_PAGE = 20
STICKY = (3025, 3026)
MOVED = 3024
ANONYMOUS = 3010
OLD_LINK = 3011
MISSING = 3404
HUGE = 3999
RARE_TITLE = "姓名里的“𠮷”字和“堃”字在系统里打不出来"


def tids() -> list[int]:
    return list(range(FIRST_TID, FIRST_TID + THREADS))


def title_of(tid: int) -> str:
    if tid == FIRST_TID + 1:
        return RARE_TITLE
    return item_text("discuz", tid - FIRST_TID)["title"]


def replies_of(tid: int, site: FixtureSite | None = None) -> int:
    """Replies of a thread; ``site.state["discuz_new_replies"][tid]`` more once a test makes it hot."""
    extra = site.state.get("discuz_new_replies", {}).get(tid, 0) if site is not None else 0
    return (24 if tid == FIRST_TID else tid % 4) + extra


def views_of(tid: int, site: FixtureSite | None = None) -> int:
    """Views grow with every visit to the board, as they do."""
    return 100 + tid % 97 + (site.hits["discuz:list"] if site is not None else 0)


def frame(title: str, content: str, meta: bool = True) -> str:
    charset = '<meta http-equiv="Content-Type" content="text/html; charset=gbk" />' if meta else ""
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>{charset}<title>{title} -  Powered by Discuz!</title>
<script type="text/javascript">var STYLEID = '1', STATICURL = 'static/', IMGDIR = 'static/image/common', charset = 'gbk';</script>
</head><body id="nv_forum"><div id="hd"><div class="wp"><div class="hdc cl"><h2><a href="./" title="{FORUM}">{FORUM}</a></h2></div></div></div>
<div id="wp" class="wp">{content}</div><div id="ft" class="wp cl">Powered by <strong><a href="http://www.discuz.net">Discuz!</a></strong> <em>X3.4</em></div></body></html>"""


def gbk_reply(text: str, header: str = "text/html; charset=gbk", cut: int = 0) -> Reply:
    body = text.encode("gb18030")
    if cut:
        body = body[:cut]
    return Reply(body=body, content_type=header)


def prompt(text: str) -> str:
    return frame(f"提示信息 - {FORUM}", f"""<div id="ct" class="wp cl w"><div class="nfl"><div class="f_c altw">
<div id="messagetext" class="alert_error"><p>{text}</p><script type="text/javascript">if(history.length > (BROWSER.ie ? 0 : 1)) {{}}</script>
<p class="alert_btnleft"><a href="javascript:history.back()">[ 点击这里返回上一页 ]</a></p></div></div></div></div>""")


# -- board list -------------------------------------------------------------------------------------

def _row(site: FixtureSite, tid: int, kind: str, rewrite: bool) -> str:
    moment = posted(tid)
    if tid == MOVED:
        return (f'<tbody id="{kind}thread_{tid}"><tr><td class="icn"><img src="static/image/common/folder_common.gif" /></td>'
                f'<th class="common">移动: <a href="forum.php?mod=viewthread&amp;tid=99{tid}" class="s xst">{escape(title_of(tid))}</a></th>'
                '<td class="by"></td><td class="num"></td><td class="by"></td></tr></tbody>')
    href = f"thread-{tid}-1-1.html" if rewrite else f"forum.php?mod=viewthread&amp;tid={tid}&amp;extra=page%3D1"
    if tid == OLD_LINK:
        href = f"viewthread.php?tid={tid}&amp;extra=page%3D1"
    author = ('<cite>匿名</cite>' if tid == ANONYMOUS else
              f'<cite><a href="home.php?mod=space&amp;uid={tid}" c="1">{escape(item_text("discuz", tid - FIRST_TID)["author"])}</a></cite>')
    return f"""<tbody id="{kind}thread_{tid}">
<tr>
<td class="icn"><a href="{href}" title="新窗口打开" target="_blank"><img src="static/image/common/folder_common.gif" /></a></td>
<th class="common">
<em>[<a href="forum.php?mod=forumdisplay&amp;fid=2&amp;filter=typeid&amp;typeid=1">投诉</a>]</em> <a href="{href}"  onclick="atarget(this)" class="s xst" style="color: #EE1B2E;">{escape(title_of(tid))}</a>
</th>
<td class="by">{author}<em><span title="{moment.year}-{moment.month}-{moment.day}">{moment.year}-{moment.month}-{moment.day}</span></em></td>
<td class="num"><a href="{href}" class="xi2">{replies_of(tid, site)}</a><em>{views_of(tid, site)}</em></td>
<td class="by"><cite><a href="home.php?mod=space&username=x" c="1">x</a></cite><em><a href="forum.php?mod=redirect&tid={tid}&goto=lastpost#lastpost">{moment:%Y-%m-%d %H:%M}</a></em></td>
</tr>
</tbody>"""


def forumdisplay(site: FixtureSite, request: Request, fid: int, page: int, rewrite: bool) -> Reply:
    site.hit("discuz:list")
    if fid == 7:
        return gbk_reply(prompt("抱歉，您尚未登录，没有权限访问该版块<br/>您需要登录后才能继续本操作"))
    normal = [t for t in sorted(tids(), reverse=True) if t not in STICKY]
    pages = -(-len(normal) // PER_PAGE)
    rows = [_row(site, t, "stick", rewrite) for t in STICKY]
    rows += [_row(site, t, "normal", rewrite) for t in normal[(page - 1) * PER_PAGE: page * PER_PAGE]]
    nxt = ""
    if page < pages:
        href = f"forum-2-{page + 1}.html" if rewrite else f"forum.php?mod=forumdisplay&amp;fid=2&amp;page={page + 1}"
        nxt = f'<a href="{href}" class="nxt">下一页</a>'
    pager = f'<div class="pg"><strong>{page}</strong><label><span title="共 {pages} 页"> / {pages} 页</span></label>{nxt}</div>'
    content = f"""<div id="threadlist" class="tl bm bmw"><div class="bm_c"><form method="post" name="moderate" id="moderate">
<table summary="forum_2" cellspacing="0" cellpadding="0" id="threadlisttableid">
<tbody><tr><td class="icn"></td><th><strong class="xst">公告: <a href="forum.php?mod=announcement&id=1">文明发帖</a></strong></th></tr></tbody>
{''.join(rows[:2])}<tbody id="separatorline" class="emptb"><tr class="ts"><td>&nbsp;</td><th>版块主题</th></tr></tbody>
{''.join(rows[2:])}</table></form></div></div><div class="bm bw0 pgs cl"><span id="fd_page_bottom">{pager}</span></div>"""
    return gbk_reply(frame(f"民生投诉 - {FORUM}", content))


# -- threads -----------------------------------------------------------------------------------------

def _post(pid: int, tid: int, number: int, author: str, body_html: str, date_html: str, style: str = "") -> str:
    if style == "deleted":
        content = '<div class="pct">此帖已被删除</div>'
    elif style == "locked":
        content = '<div class="pct"><div class="pcb"><div class="locked">提示: <em>作者被禁止或删除 内容自动屏蔽</em></div></div></div>'
    else:
        inner = body_html
        if style == "hidden":
            inner = '<div class="locked">本帖内容需回复后可见</div>'
        content = (f'<div class="pct"><div class="pcb"><div class="t_fsz"><table cellspacing="0" cellpadding="0"><tr>'
                   f'<td class="t_f" id="postmessage_{pid}">\r\n{inner}</td></tr></table></div></div></div>')
    floor = {1: "楼主", 2: "沙发", 3: "板凳", 4: "地板"}.get(number, f"<em>{number}</em><sup>#</sup>")
    return f"""<div id="post_{pid}" ><table id="pid{pid}" class="plhin" summary="pid{pid}" cellspacing="0" cellpadding="0">
<tr><td class="pls" rowspan="2"><div id="favatar{pid}" class="pls favatar"><div class="pi"><div class="authi"><a href="home.php?mod=space&amp;uid={pid}" target="_blank" class="xw1">{escape(author)}</a></div></div></div></td>
<td class="plc"><div class="pi"><strong><a href="forum.php?mod=redirect&goto=findpost&ptid={tid}&pid={pid}" id="postnum{pid}">{floor}</a></strong>
<div class="pti"><div class="pdbt"></div><div class="authi"><img class="authicn vm" id="authicon{pid}" src="static/image/common/online_member.gif" />
<em id="authorposton{pid}">{date_html}</em><span class="pipe">|</span><a href="forum.php?mod=viewthread&amp;tid={tid}&amp;page=1&amp;authorid={pid}" rel="nofollow">只看该作者</a></div></div></div>
{content}</td></tr></table></div>"""


def _thread_posts(site: FixtureSite, tid: int) -> list[str]:
    first = item_text("discuz", tid - FIRST_TID)
    moment = posted(tid)
    stamp = f"{moment.year}-{moment.month}-{moment.day} {moment:%H:%M:%S}"
    edit = f'<i class="pstatus"> 本帖最后由 {escape(first["author"])} 于 {stamp} 编辑 </i><br />\r\n' if tid == FIRST_TID else ""
    posts = [_post(tid * 100 + 1, tid, 1, first["author"], edit + escape(first["body"]).replace("\n", "<br />\r\n"),
                   f"发表于 {stamp}")]
    for number in range(2, replies_of(tid, site) + 2):
        reply = message(tid * 31 + number)
        when = moment + timedelta(hours=number)
        style = {3: "locked", 6: "deleted", 9: "hidden"}.get(number, "") if tid == FIRST_TID else ""
        body = escape(reply["body"][:120])
        if tid == FIRST_TID and number == 4:
            body = (f'<div class="quote"><blockquote><font size="2"><font color="#999999">{escape(first["author"])} 发表于 {stamp}</font></font><br />'
                    f'{escape(first["body"][:40])}</blockquote></div><br />\r\n' + body)
        if tid == FIRST_TID and number == 5:
            body += ('<br /><ignore_js_op><img id="aimg_7" aid="7" src="static/image/common/none.gif" zoomfile="data/attachment/forum/202405/a.jpg" '
                     'file="data/attachment/forum/202405/a.jpg" class="zoom" alt="a.jpg" /></ignore_js_op>')
        date_html = f'发表于 <span title="{when.year}-{when.month}-{when.day} {when:%H:%M:%S}">3&nbsp;天前</span>' if number % 2 \
            else f"发表于 {when.year}-{when.month}-{when.day} {when:%H:%M}"
        posts.append(_post(tid * 100 + number, tid, number, reply["author"], body, date_html, style))
    return posts


def viewthread(site: FixtureSite, request: Request, tid: int, page: int, rewrite: bool) -> Reply:
    site.hit("discuz:thread")
    site.hit(f"discuz:thread:{tid}")
    if tid == HUGE:
        return _huge(tid)
    if tid not in tids() or tid == MOVED:
        return gbk_reply(prompt("抱歉，指定的主题不存在或已被删除或正在被审核"))
    posts = _thread_posts(site, tid)
    pages = -(-len(posts) // 10)
    page = min(max(page, 1), pages)
    shown = posts[(page - 1) * 10: page * 10]
    nxt = ""
    if page < pages:
        href = f"thread-{tid}-{page + 1}-1.html" if (rewrite or tid == FIRST_TID) else \
            f"forum.php?mod=viewthread&amp;tid={tid}&amp;extra=page%3D1&amp;page={page + 1}"
        nxt = f'<a href="{href}" class="nxt">下一页</a>'
    pager = f'<div class="pgs mtm mbm cl"><div class="pg"><strong>{page}</strong><label><span title="共 {pages} 页"> / {pages} 页</span></label>{nxt}</div></div>' if pages > 1 else ""
    title = title_of(tid)
    content = f"""<div id="ct" class="wp cl">{pager}<div id="postlist" class="pl bm"><table cellspacing="0" cellpadding="0"><tr>
<td class="pls ptn pbn"><div class="hm ptn"><span class="xg1">查看:</span> <span class="xi1">{views_of(tid, site)}</span><span class="pipe">|</span><span class="xg1">回复:</span> <span class="xi1">{replies_of(tid, site)}</span></div></td>
<td class="plc ptm pbn vwthd"><h1 class="ts"><a href="forum.php?mod=forumdisplay&fid=2&filter=typeid&typeid=1">[投诉]</a> <span id="thread_subject">{escape(title)}</span></h1></td></tr></table>
{''.join(shown)}<div id="postlistreply" class="pl"></div></div>{pager}
<form method="post" autocomplete="off" id="fastpostform" action="forum.php?mod=post&amp;action=reply&amp;fid=2&amp;tid={tid}&amp;extra=page%3D1&amp;replysubmit=yes"></form></div>"""
    text = frame(f"{escape(title)} - 民生投诉 - {FORUM}", content)
    if tid == FIRST_TID + 2:  # the body ends in the middle of a two-byte character of the first post
        encoded = text.encode("gb18030")
        cut = encoded.index(b"postmessage_") + 80
        while encoded[cut] < 0x81:
            cut += 1
        return Reply(body=encoded[:cut + 1], content_type="text/html; charset=gbk")
    header = ("text/html; charset=gbk", "text/html", "text/html; charset=utf-8")[tid % 3]
    return gbk_reply(text, header)


def _huge(tid: int) -> Reply:
    text = item_text("discuz", 29)["body"]
    nested = "".join(f'<font color="#{i % 9}{i % 7}{i % 5}">' for i in range(2000))
    filler = (escape(text) + "<br />\r\n") * (5_000_000 // (len(text.encode("gb18030")) + 8))
    body = nested + filler + "</font>" * 2000
    content = f"""<div id="postlist" class="pl bm"><h1 class="ts"><span id="thread_subject">一个五兆的帖子</span></h1>
{_post(tid * 100 + 1, tid, 1, "大段文字", body, "发表于 2024-5-1 10:00")}</div>"""
    return gbk_reply(frame(f"一个五兆的帖子 - {FORUM}", content))


# -- the mobile API ---------------------------------------------------------------------------------------

def mobile(site: FixtureSite, request: Request) -> Reply:
    module = request.arg("module")
    site.hit(f"discuz:mobile:{module}")
    if module == "forumdisplay":
        page = request.int_arg("page", 1)
        per = request.int_arg("tpp", 20)
        ordered = sorted((t for t in tids() if t != MOVED), reverse=True)
        chunk = ordered[(page - 1) * per: page * per]
        threads = [{"tid": str(t), "author": item_text("discuz", t - FIRST_TID)["author"], "authorid": str(t), "subject": title_of(t),
                    "dateline": "昨天&nbsp;22:14", "dbdateline": str(int(posted(t).timestamp())), "lastpost": "2024-5-2",
                    "dblastpost": str(int(posted(t).timestamp()) + 3600), "views": str(views_of(t)),
                    "replies": str(replies_of(t)), "displayorder": "1" if t in STICKY else "0", "digest": "0"}
                   for t in chunk]
        payload: dict[str, Any] = {"Version": "4", "Charset": "GBK", "Variables": {
            "forum": {"fid": "2", "name": "民生投诉", "threads": str(len(ordered))}, "forum_threadlist": threads}}
    elif module == "viewthread":
        tid = request.int_arg("tid")
        if tid not in tids() or tid == MOVED:
            payload = {"Version": "4", "Charset": "GBK", "Message": {"messageval": "thread_nonexistence",
                                                                     "messagestr": "抱歉，指定的主题不存在或已被删除或正在被审核"}}
        else:
            first = item_text("discuz", tid - FIRST_TID)
            posts = [{"pid": str(tid * 100 + 1), "tid": str(tid), "first": "1", "author": first["author"],
                      "dbdateline": str(int(posted(tid).timestamp())), "dateline": "2024-5-1 10:00",
                      "message": escape(first["body"]).replace("\n", "<br />")}]
            for number in range(2, min(replies_of(tid), 8) + 2):
                reply = message(tid * 31 + number)
                posts.append({"pid": str(tid * 100 + number), "tid": str(tid), "first": "0", "author": reply["author"],
                              "dbdateline": str(int(posted(tid).timestamp()) + 3600 * number), "dateline": "3&nbsp;天前",
                              "message": escape(reply["body"][:120])})
            payload = {"Version": "4", "Charset": "GBK", "Variables": {
                "thread": {"tid": str(tid), "subject": title_of(tid), "views": str(views_of(tid)),
                           "replies": str(replies_of(tid)), "fid": "2"}, "postlist": posts}}
    else:
        payload = {"Version": "4", "Message": {"messageval": "module_not_exists", "messagestr": "模块不存在"}}
    return Reply(body=json.dumps(payload, ensure_ascii=False).encode("utf-8"), content_type="application/json; charset=gbk")


def route_forum(site: FixtureSite, request: Request) -> Reply:
    mod = request.arg("mod")
    if mod == "forumdisplay":
        return forumdisplay(site, request, request.int_arg("fid"), request.int_arg("page", 1), rewrite=False)
    if mod == "viewthread":
        return viewthread(site, request, request.int_arg("tid"), request.int_arg("page", 1), rewrite=False)
    return gbk_reply(prompt("请选择版块"))


def route_rewrite_list(site: FixtureSite, request: Request) -> Reply:
    _, fid, page = request.path.rsplit("/", 1)[1][:-5].split("-")
    return forumdisplay(site, request, int(fid), int(page), rewrite=True)


def route_rewrite_thread(site: FixtureSite, request: Request) -> Reply:
    _, tid, page, _ = request.path.rsplit("/", 1)[1][:-5].split("-")
    return viewthread(site, request, int(tid), int(page), rewrite=True)


def route_old_thread(site: FixtureSite, request: Request) -> Reply:
    return viewthread(site, request, request.int_arg("tid"), request.int_arg("page", 1), rewrite=False)


ROUTES = [
    ("GET", r"/bbs18030/forum\.php", route_forum),
    ("GET", r"/bbs18030/forum-\d+-\d+\.html", route_rewrite_list),
    ("GET", r"/bbs18030/thread-\d+-\d+-\d+\.html", route_rewrite_thread),
    ("GET", r"/bbs18030/viewthread\.php", route_old_thread),
    ("GET", r"/bbs18030/api/mobile/index\.php", mobile),
]
