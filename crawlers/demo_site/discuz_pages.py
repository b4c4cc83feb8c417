"""Discuz! X3 pages (board list, thread, prompt pages) shaped like the official default templates.

The markup follows Discuz-X template/default/forum (forumdisplay_list.htm, viewthread_node.htm)
as described in crawl-sources.md §2: ``table#threadlisttableid`` with one ``tbody`` per thread,
``a.s.xst`` titles, ``td.by``/``td.num`` columns, ``div.pg a.nxt`` pagers, ``div#post_<pid>`` posts
with ``em#authorposton<pid>`` dates and ``td.t_f#postmessage_<pid>`` bodies. Dates use Discuz's
``dgmdate(..., 'u')`` rules, so recent ones are relative ("昨天 08:18", "3 天前", "半小时前").
Text is HTML-escaped exactly once, as Discuz does, so a post containing ``<script>`` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from crawlers.demo_site.catalog import DISCUZ_FID, LOGIN_FID, DemoMessage, Floor
from crawlers.demo_site.site import DemoSite

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 10
NBSP = "&nbsp;"


@dataclass(frozen=True)
class Forum:
    """One demo forum: where it lives and how it encodes its pages."""

    channel: str
    name: str
    charset: str  # as declared in the page: "utf-8" or "gbk"


FORUMS = {
    "bbs": Forum("bbs", "城关论坛", "utf-8"),
    "bbs-gbk": Forum("bbs-gbk", "城关在线", "gbk"),
}


# -- dates ----------------------------------------------------------------------------------------

def absolute(moment: datetime, with_time: bool = True, seconds: bool = False) -> str:
    """Discuz's ``Y-n-j H:i`` form: no zero padding on month and day."""
    day = f"{moment.year}-{moment.month}-{moment.day}"
    if not with_time:
        return day
    return f"{day} {moment:%H:%M:%S}" if seconds else f"{day} {moment:%H:%M}"


def relative(moment: datetime, now: datetime) -> str | None:
    """Discuz's relative form for the last seven days, or None when it shows the date instead."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    diff = int((now - moment).total_seconds())
    if moment >= today:
        if diff > 3600:
            return f"{diff // 3600}{NBSP}小时前"
        if diff > 1800:
            return "半小时前"
        if diff > 60:
            return f"{diff // 60}{NBSP}分钟前"
        return f"{diff}{NBSP}秒前" if diff > 0 else "刚刚"
    days = (today - moment) // timedelta(days=1)
    if 0 <= days < 7:
        if days == 0:
            return f"昨天{NBSP}{moment:%H:%M}"
        if days == 1:
            return f"前天{NBSP}{moment:%H:%M}"
        return f"{days + 1}{NBSP}天前"
    return None


def list_date(moment: datetime, now: datetime) -> str:
    rel = relative(moment, now)
    if rel is None:
        return f'<span>{absolute(moment, with_time=False)}</span>'
    return f'<span><span title="{absolute(moment, with_time=False)}">{rel}</span></span>'


def post_date(moment: datetime, now: datetime, plain_relative: bool = False) -> str:
    rel = relative(moment, now)
    if rel is None:
        return f"发表于 {absolute(moment)}"
    if plain_relative:  # some templates and plugins print the relative form without a title
        return f"发表于 {rel}"
    return f'发表于 <span title="{absolute(moment, seconds=True)}">{rel}</span>'


# -- page frame -----------------------------------------------------------------------------------

def frame(forum: Forum, title: str, content: str) -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={forum.charset}" />
<title>{title} - Powered by Discuz!</title>
<meta name="generator" content="Discuz! X3.4" />
<base href="./" />
</head>
<body id="nv_forum" class="pg_forumdisplay">
<div id="hd"><div class="wp"><h2><a href="forum.php" title="{forum.name}">{forum.name}</a></h2></div></div>
<div id="wp" class="wp">
{content}
</div>
<div id="ft" class="wp cl">Powered by <strong>Discuz!</strong> <em>X3.4</em> &copy; 2001-2017 Comsenz Inc. （演示站点）</div>
</body>
</html>
"""


def prompt_page(forum: Forum, message: str) -> str:
    """Discuz's ``showmessage`` page: HTTP 200 with the notice in ``div#messagetext``."""
    content = f"""<div id="ct" class="wp cl w">
<div class="nfl"><div class="f_c altw">
<div id="messagetext" class="alert_error">
<p>{message}</p>
<script type="text/javascript">if(history.length > (BROWSER.ie ? 0 : 1)) {{ document.write('<p class="alert_btnleft"><a href="javascript:history.back()">[ 点击这里返回上一页 ]</a></p>'); }}</script>
</div></div></div></div>"""
    return frame(forum, f"提示信息 - {forum.name}", content)


MISSING_THREAD = "抱歉，指定的主题不存在或已被删除或正在被审核"
LOGIN_REQUIRED = "您需要登录后才能继续本操作"


# -- board list -----------------------------------------------------------------------------------

def thread_href(tid: int, rewrite: bool) -> str:
    return f"thread-{tid}-1-1.html" if rewrite else f"forum.php?mod=viewthread&amp;tid={tid}&amp;extra=page%3D1"


def list_href(fid: int, page: int, rewrite: bool) -> str:
    return f"forum-{fid}-{page}.html" if rewrite else f"forum.php?mod=forumdisplay&amp;fid={fid}&amp;page={page}"


def reply_floors(site: DemoSite, message: DemoMessage) -> list[Floor]:
    """The later posts of a thread that are visible now (the official reply counts as one)."""
    now = site.now()
    posted = site.posted_at(message)
    floors = [f for f in message.floors if posted + f.offset <= now]
    if message.reply is not None and site.reply_visible(message):
        floors.append(Floor(author=message.reply.organisation, body=message.reply.body,
                            offset=message.reply.delay, organisation=message.reply.organisation))
    return floors


def _row(site: DemoSite, message: DemoMessage, kind: str, rewrite: bool) -> str:
    now = site.now()
    posted = site.posted_at(message)
    floors = reply_floors(site, message)
    last = posted + floors[-1].offset if floors else posted
    last_poster = floors[-1].author if floors else message.author
    author = (f'<cite><a href="home.php?mod=space&amp;uid={message.tid % 9000 + 10}" c="1">{escape(message.author)}</a></cite>'
              if message.author else "<cite>匿名</cite>")
    title_style = ' style="color: #EC1282;"' if kind == "stick" else ""
    return f"""<tbody id="{kind}thread_{message.tid}">
<tr>
<td class="icn"><a href="{thread_href(message.tid, False)}" title="新窗口打开" target="_blank"><img src="static/image/common/folder_common.gif" /></a></td>
<th class="common">
<a href="javascript:;" id="content_{message.tid}" class="showcontent y" title="更多操作"></a>
<em>[<a href="forum.php?mod=forumdisplay&amp;fid={DISCUZ_FID}&amp;filter=typeid&amp;typeid=3">民生</a>]</em>
<a href="{thread_href(message.tid, rewrite)}" onclick="atarget(this)" class="s xst"{title_style}>{escape(message.title)}</a>
</th>
<td class="by">
{author}
<em>{list_date(posted, now)}</em>
</td>
<td class="num"><a href="{thread_href(message.tid, False)}" class="xi2">{len(floors)}</a><em>{message.views}</em></td>
<td class="by">
<cite><a href="home.php?mod=space&amp;username={escape(last_poster)}" c="1">{escape(last_poster)}</a></cite>
<em><a href="forum.php?mod=redirect&amp;tid={message.tid}&amp;goto=lastpost#lastpost">{list_date(last, now)}</a></em>
</td>
</tr>
</tbody>
"""


def forumdisplay(site: DemoSite, forum: Forum, fid: int, page: int, rewrite: bool = False) -> str:
    """A board list page (or the login gate for the members-only board)."""
    if fid == LOGIN_FID:
        return prompt_page(forum, LOGIN_REQUIRED)
    if fid != DISCUZ_FID:
        return prompt_page(forum, "抱歉，指定的版块不存在")
    messages = site.visible(forum.channel)
    sticks = [m for m in messages if m.special == "stick"]
    normal = sorted((m for m in messages if m.special != "stick"), key=site.posted_at, reverse=True)
    pages = max(1, -(-len(normal) // THREADS_PER_PAGE))
    page = min(max(1, page), pages)
    shown = normal[(page - 1) * THREADS_PER_PAGE: page * THREADS_PER_PAGE]
    rows = [_row(site, m, "stick", False) for m in sticks]
    # Every third row links with the rewrite form: the same thread under two URLs.
    rows += [_row(site, m, "normal", rewrite or i % 3 == 2) for i, m in enumerate(shown)]
    stray = "</tbody>\n" if forum.channel == "bbs-gbk" else ""  # real pages carry such leftovers
    pager = _pager(fid, page, pages, rewrite)
    empty = "" if normal or sticks else '<tbody class="bw0_all"><tr><th colspan="5"><p class="emp">本版块或指定的范围内尚无主题</p></th></tr></tbody>'
    content = f"""<div id="pt" class="bm cl"><div class="z"><a href="./" class="nvhm">{forum.name}</a> <em>&rsaquo;</em> <a href="forum.php?mod=forumdisplay&amp;fid={fid}">民生投诉</a></div></div>
<div class="bm bw0 pgs cl"><span id="fd_page_top">{pager}</span></div>
<div id="threadlist" class="tl bm bmw">
<div class="bm_c">
<form method="post" autocomplete="off" name="moderate" id="moderate" action="forum.php?mod=topicadmin&amp;action=moderate&amp;fid={fid}&amp;infloat=yes&amp;nopost=yes">
<table summary="forum_{fid}" cellspacing="0" cellpadding="0" id="threadlisttableid">
<tbody><tr><td class="icn"><img src="static/image/common/ann_icon.gif" alt="公告" /></td><th><strong class="xst">公告: <a href="forum.php?mod=announcement&amp;id=1" target="_blank">演示站点，内容含真实留言样本与标注为合成的演示帖</a></strong></th><td class="by"></td><td class="num"></td><td class="by"></td></tr></tbody>
{empty}{''.join(rows[:len(sticks)])}<tbody id="separatorline" class="emptb"><tr class="ts"><td>&nbsp;</td><th>版块主题</th><td>&nbsp;</td><td>&nbsp;</td><td>&nbsp;</td></tr></tbody>
{stray}{''.join(rows[len(sticks):])}</table>
</form>
</div></div>
<div class="bm bw0 pgs cl"><span id="fd_page_bottom">{pager}</span></div>"""
    return frame(forum, f"民生投诉 - {forum.name}", content)


def _pager(fid: int, page: int, pages: int, rewrite: bool) -> str:
    if pages <= 1:
        return ""
    links = [f"<strong>{n}</strong>" if n == page else f'<a href="{list_href(fid, n, rewrite)}">{n}</a>'
             for n in range(1, pages + 1)]
    nxt = f'<a href="{list_href(fid, page + 1, rewrite)}" class="nxt">下一页</a>' if page < pages else ""
    return (f'<div class="pg">{"".join(links)}<label><input type="text" name="custompage" class="px" size="2" '
            f'value="{page}" /><span title="共 {pages} 页"> / {pages} 页</span></label>{nxt}</div>')


# -- thread ---------------------------------------------------------------------------------------

def _body_html(text: str) -> str:
    return escape(text).replace("\n", "<br />\r\n")


def _post(pid: int, tid: int, number: int, author: str, moment: datetime, now: datetime,
          body: str, style: str = "", quote: str = "", edited: bool = False) -> str:
    floor_name = {1: "楼主", 2: "沙发", 3: "板凳", 4: "地板"}.get(number, f"<em>{number}</em>#")
    if style == "deleted":
        content = '<div class="pct">此帖已被删除</div>'
    elif style == "locked":
        content = '<div class="pct"><div class="pcb"><div class="locked">提示: <em>作者被禁止或删除 内容自动屏蔽</em></div></div></div>'
    else:
        inner = _body_html(body)
        if edited:
            inner = f'<i class="pstatus"> 本帖最后由 {escape(author)} 于 {absolute(moment + timedelta(minutes=5))} 编辑 </i><br />\r\n' + inner
        if style == "quote":
            inner = (f'<div class="quote"><blockquote><font size="2"><font color="#999999">引用 发表于 {absolute(moment)}</font>'
                     f'</font><br />\r\n{escape(quote)}</blockquote></div><br />\r\n') + inner
        if style == "images":
            inner += ('<br />\r\n<ignore_js_op><img id="aimg_1" aid="1" src="static/image/common/none.gif" '
                      'zoomfile="data/attachment/forum/demo.jpg" file="data/attachment/forum/demo.jpg" '
                      'class="zoom" width="600" alt="demo.jpg" title="demo.jpg" /></ignore_js_op>')
        if style == "broken_html":  # an unclosed table and stray closing tags, as some pasted posts produce
            inner = f'<table><tr><td><font color="red">{inner}</font></td></tr><tr><td>附表：</tbody></div><table><tr><td>'
        content = (f'<div class="pct"><div class="pcb"><div class="t_fsz"><table cellspacing="0" cellpadding="0"><tr>'
                   f'<td class="t_f" id="postmessage_{pid}">\r\n{inner}</td></tr></table></div></div></div>')
    return f"""<div id="post_{pid}" >
<table id="pid{pid}" class="plhin" summary="pid{pid}" cellspacing="0" cellpadding="0">
<tr>
<td class="pls" rowspan="2">
<div class="pi"><div class="authi"><a href="home.php?mod=space&amp;uid={pid % 977}" target="_blank" class="xw1">{escape(author) or '匿名'}</a></div></div>
</td>
<td class="plc">
<div class="pi">
<strong><a href="forum.php?mod=redirect&amp;goto=findpost&amp;ptid={tid}&amp;pid={pid}" id="postnum{pid}">{floor_name}</a></strong>
<div class="pti"><div class="authi">
<img class="authicn vm" id="authicon{pid}" src="static/image/common/online_member.gif" />
<em id="authorposton{pid}">{post_date(moment, now, plain_relative=style == "relative_plain")}</em>
<span class="pipe">|</span><a href="forum.php?mod=viewthread&amp;tid={tid}&amp;page=1&amp;authorid={pid % 977}" rel="nofollow">只看该作者</a>
</div></div>
</div>
{content}
</td></tr></table>
</div>
"""


def viewthread(site: DemoSite, forum: Forum, tid: int, page: int) -> str:
    """A thread page, or the HTTP-200 "thread does not exist" prompt for unknown/deleted tids."""
    message = site.find(forum.channel, tid)
    if message is None or message.special == "deleted":
        return prompt_page(forum, MISSING_THREAD)
    now = site.now()
    posted = site.posted_at(message)
    posts: list[tuple[str, datetime, str, str, str, bool]] = [
        (message.author, posted, message.full_body, "broken_html" if message.special == "broken_html" else "",
         "", message.special == "long_thread")
    ]
    for floor in reply_floors(site, message):
        posts.append((floor.author, posted + floor.offset, floor.body, floor.style, floor.quote, False))
    pages = max(1, -(-len(posts) // POSTS_PER_PAGE))
    page = min(max(1, page), pages)
    start = (page - 1) * POSTS_PER_PAGE
    rendered = [
        _post(tid * 100 + start + i + 1, tid, start + i + 1, author, moment, now, body, style, quote, edited)
        for i, (author, moment, body, style, quote, edited) in enumerate(posts[start: start + POSTS_PER_PAGE])
    ]
    pager = ""
    if pages > 1:
        links = [f"<strong>{n}</strong>" if n == page else
                 f'<a href="forum.php?mod=viewthread&amp;tid={tid}&amp;extra=page%3D1&amp;page={n}">{n}</a>'
                 for n in range(1, pages + 1)]
        nxt = (f'<a href="forum.php?mod=viewthread&amp;tid={tid}&amp;extra=page%3D1&amp;page={page + 1}" class="nxt">下一页</a>'
               if page < pages else "")
        pager = (f'<div class="pgs mtm mbm cl"><div class="pg">{"".join(links)}<label><input type="text" class="px" size="2" '
                 f'value="{page}" /><span title="共 {pages} 页"> / {pages} 页</span></label>{nxt}</div></div>')
    content = f"""<div id="pt" class="bm cl"><div class="z"><a href="./" class="nvhm">{forum.name}</a> <em>&rsaquo;</em> <a href="forum.php?mod=forumdisplay&amp;fid={message.fid}">民生投诉</a></div></div>
<div id="ct" class="wp cl">
{pager}
<div id="postlist" class="pl bm">
<table cellspacing="0" cellpadding="0"><tr>
<td class="pls ptn pbn"><div class="hm ptn"><span class="xg1">查看:</span> <span class="xi1">{message.views}</span><span class="pipe">|</span><span class="xg1">回复:</span> <span class="xi1">{len(posts) - 1}</span></div></td>
<td class="plc ptm pbn vwthd"><h1 class="ts"><a href="forum.php?mod=forumdisplay&amp;fid={message.fid}&amp;filter=typeid&amp;typeid=3">[民生]</a> <span id="thread_subject">{escape(message.title)}</span></h1></td>
</tr></table>
{''.join(rendered)}
<div id="postlistreply" class="pl"><div id="post_new" class="viewthread_table" style="display: none"></div></div>
</div>
{pager}
</div>"""
    return frame(forum, f"{escape(message.title)} - 民生投诉 - {forum.name}", content)
