"""人民网 领导留言板 imitation (crawl-sources.md §1): a JS shell, the legacy and the signed v1 APIs.

Forums: 7001 answers only the v1 list API (its legacy API says 404, so ``api: auto`` switches);
7002 answers the legacy list API; 7009 sits behind a WAF that answers 403 to a client making more
than five API requests in three seconds. Every API call needs the ``__jsluid_s`` cookie that the list
page (the warm-up) sets. Lists are ordered by audit time (tids out of order) and the second
page repeats the cursor row. The v1 list answers ``{"resultCode": 500}`` once, for the first
request of a later page. Detail blocks vary in order and count (0–3); one tid is deleted
(``resultData`` null) and one trashed (empty ``contentList``). The v1 bad-signature answer
``{"resultCode": 4001, "resultMsg": "签名错误"}`` is our assumption (crawl-sources.md §7).
"""

from __future__ import annotations

import hashlib
import json
import time
from html import escape
from typing import Any

from crawlers.fixture_site.server import FixtureSite, Reply, Request, html_reply, json_reply
from crawlers.fixture_site.texts import item_text, posted

APP_CODE = "PC42ce3bfa4980a9"
FORUMS = {7001: ("城关县委书记", 8_100_001, 23), 7002: ("城关县县长", 8_200_001, 12), 7009: ("城关镇党委书记", 8_900_001, 30)}
"""fid → (leader, first tid, number of messages)."""
DELETED = 8_100_007
TRASHED = 8_100_013
SPECIAL_TEXT = 8_100_002
"""A message whose text has \\r\\n, an emoji and HTML entities."""
PAGE = 10


def signature(path: str, param: str, app_code: str = APP_CODE) -> str:
    salt = hashlib.md5(app_code.encode()).hexdigest()[:16]
    return hashlib.md5((path + param + salt).encode("utf-8")).hexdigest()


def tids(fid: int) -> list[int]:
    _, first, count = FORUMS[fid]
    return list(range(first, first + count))


def forum_of(tid: int) -> int | None:
    return next((fid for fid, (_, first, count) in FORUMS.items() if first <= tid < first + count), None)


def text_of(tid: int) -> dict[str, Any]:
    fid = forum_of(tid) or 7001
    offset = {7001: 0, 7002: 23, 7009: 35}[fid]
    record = item_text("liuyan", offset + tid - FORUMS[fid][1])
    body = record["body"]
    if tid == SPECIAL_TEXT:
        body = body + "\n第二段：门口写着“A&B 公司”<script>alert(1)</script> 😀"
    return {**record, "body": body}


def _served(text: str) -> str:
    return escape(text, quote=False).replace("\n", "\r\n")


def audit_order(fid: int) -> list[int]:
    """Newest first by audit time: every seventh message was approved late (out of tid order)."""
    order = sorted(tids(fid), reverse=True)
    for index in range(len(order) - 1):
        if order[index + 1] % 7 == 0:
            order[index], order[index + 1] = order[index + 1], order[index]
    return order


def state(tid: int) -> str:
    return ("待回复", "已办理", "已办理", "办理中", "已办理")[tid % 5]


def row(tid: int) -> dict[str, Any]:
    fid = forum_of(tid) or 0
    text = text_of(tid)
    moment = int(posted(tid % 1000).timestamp())
    answered = tid % 5 != 0
    data = {
        "tid": tid, "fid": fid, "userId": 3_800_000 + tid % 1000, "typeId": 1 + tid % 4, "domainId": 7, "topicId": 0,
        "nickName": text["author"][:1] + "***", "subject": _served(text["title"]),
        "content": _served(text["body"][:60]) + "...", "dateline": moment, "createDateline": moment,
        "threadsCheckTime": moment + 1800, "stateInfo": state(tid), "traceInfo": state(tid), "processInfo": "已交办",
        "forumName": FORUMS[fid][0], "typeName": ("投诉", "建言", "咨询", "求助")[tid % 4], "domainName": "城建",
        "from": " 西地省 A市", "shisiwu": False, "answerId": None, "answerContent": None, "answerDateline": None,
        "answerOrganization": None,
    }
    if answered:
        data["lastAnswerTime"] = moment + 86400 * 3
    return data


def blocks(tid: int) -> list[dict[str, Any]] | None:
    if tid == DELETED:
        return None
    if tid == TRASHED:
        return []
    text = text_of(tid)
    moment = int(posted(tid % 1000).timestamp())
    original = {"tid": tid, "fid": forum_of(tid), "subject": _served(text["title"]), "content": _served(text["body"]),
                "nickName": text["author"][:1] + "***", "dateline": moment, "typeName": ("投诉", "建言", "咨询", "求助")[tid % 4],
                "stateInfo": state(tid), "forumName": FORUMS[forum_of(tid) or 7001][0]}
    answer = _served(text["reply"] or "您反映的问题已转相关部门核实处理，感谢您的监督。")
    kind = tid % 5
    if kind == 0:
        return [original]
    official = {"organization": "城关县住房和城乡建设局", "content": answer, "dateline": moment + 86400 * 3, "replyType": 2}
    if kind in (1, 4):
        return [original, official] if kind == 1 else [official, original]
    if kind == 2:
        follow = {"nickName": original["nickName"], "content": "问题还没有解决，请再核实。", "stateInfo": "追问",
                  "tags": ["不满意"], "dateline": moment + 86400 * 5}
        return [original, official, follow]
    ack = {"organization": "城关县人民政府办公室", "content": "您好！您的留言已收悉，已转交相关部门办理。",
           "dateline": moment + 3600 * 5, "replyType": 1}
    return [official, ack, original]


def _waf(site: FixtureSite, request: Request, fid: int | None) -> Reply | None:
    if "__jsluid_s" not in request.cookies:
        site.hit("liuyan:no_cookie")
        return html_reply("<html><head><title>403 Forbidden</title></head><body>403 Forbidden</body></html>", 403)
    if fid == 7009:
        now = time.monotonic()
        with site.lock:
            recent = [t for t in site.state.setdefault("waf_times", []) if now - t < 3.0]
            recent.append(now)
            site.state["waf_times"] = recent
        if len(recent) > 5:
            site.hit("liuyan:waf_403")
            return html_reply("<html><head><title>403 Forbidden</title></head><body><h1>访问过于频繁</h1>"
                              "<p>您的访问频率过高，请稍后再试。</p></body></html>", 403)
    return None


def shell(site: FixtureSite, request: Request) -> Reply:
    site.hit("liuyan:shell")
    fid = request.int_arg("fid")
    name = FORUMS.get(fid, ("留言板",))[0]
    headers = [] if "__jsluid_s" in request.cookies else [("Set-Cookie", "__jsluid_s=3f1d7c9a0b; Path=/; HttpOnly")]
    return html_reply(f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name} - 领导留言板</title></head>
<body><div id="app"></div><noscript>请开启浏览器的JavaScript功能后继续访问。</noscript>
<script src="/static/js/app.js"></script></body></html>""", headers=headers)


def legacy_list(site: FixtureSite, request: Request) -> Reply:
    form = request.form
    fid = int(form.get("fid") or 0)
    site.hit(f"liuyan:legacy_list:{fid}")
    blocked = _waf(site, request, fid)
    if blocked:
        return blocked
    if fid not in FORUMS or fid == 7001:
        return html_reply("<html><body><h1>404 Not Found</h1></body></html>", 404)
    return json_reply({"result": "success", "success": True, "responseData": _page(fid, int(form.get("lastItem") or 0))})


def _page(fid: int, last_item: int) -> list[dict[str, Any]]:
    order = audit_order(fid)
    if last_item:
        index = order.index(last_item) if last_item in order else None
        order = order[index:] if index is not None else [t for t in order if t < last_item]  # repeats the cursor row
    return [row(t) for t in order[:PAGE]]


def _signed(request: Request, path: str) -> tuple[dict[str, Any] | None, Reply | None]:
    try:
        data = json.loads(request.body.decode("utf-8"))
        raw = data["param"]
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
        param = json.loads(text) if isinstance(raw, str) else raw
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None, json_reply({"resultCode": 4000, "resultMsg": "参数错误", "resultData": None}, 400)
    if data.get("signature") != signature(path, text, data.get("appCode", "")):
        return None, json_reply({"resultCode": 4001, "resultMsg": "签名错误", "resultData": None})
    return param, None


def v1_list(site: FixtureSite, request: Request) -> Reply:
    param, error = _signed(request, "/v1/threads/list/df")
    if error is not None:
        site.hit("liuyan:v1_list:refused")
        return error
    assert param is not None
    fid = int(param.get("fid") or 0)
    count = site.hit(f"liuyan:v1_list:{fid}")
    blocked = _waf(site, request, fid)
    if blocked:
        return blocked
    last_item = int(param.get("lastItem") or 0)
    if last_item and not site.state.get(f"v1_busy:{fid}"):
        site.state[f"v1_busy:{fid}"] = count  # once: "系统繁忙"
        return json_reply({"resultCode": 500, "resultMsg": "系统繁忙，请稍后再试", "resultData": None})
    rows = int(param.get("rows") or PAGE)
    return json_reply({"resultCode": 200, "resultMsg": "success",
                       "resultData": {"data": _page(fid, last_item)[:rows], "total": len(tids(fid))}})


def v1_content(site: FixtureSite, request: Request) -> Reply:
    param, error = _signed(request, "/v1/threads/content")
    if error is not None:
        site.hit("liuyan:detail:refused")
        return error
    assert param is not None
    tid = int(param.get("tid") or 0)
    site.hit("liuyan:detail")
    blocked = _waf(site, request, forum_of(tid))
    if blocked:
        return blocked
    found = blocks(tid) if forum_of(tid) else None
    if found is None:
        return json_reply({"resultCode": 200, "resultMsg": "success", "resultData": None})
    return json_reply({"resultCode": 200, "resultMsg": "success", "resultData": {"contentList": found}})


def legacy_detail_page(site: FixtureSite, request: Request) -> Reply:
    """The 2018–2021 server-rendered detail page (crawl-sources.md §1.4), for saved-page parsing."""
    tid = request.int_arg("tid")
    site.hit("liuyan:detail_page")
    text = text_of(tid)
    moment = posted(tid % 1000)
    kind = tid % 3  # 0 answered, 1 unanswered (no box), 2 办理中 with an empty box
    status = ("已办理", "待回复", "办理中")[kind]
    colour = ("green", "red", "orange")[kind]
    reply_box = ""
    if kind == 0:
        reply_box = f"""<div class="clearfix liuyan_box05 w1200"><ul><li class="reply">
<h3>城关县住房和城乡建设局回复：<em>{(moment.replace(day=moment.day) ).strftime('%Y-%m-%d %H:%M')}</em></h3>
<p class="zoom">您好！<br/>{escape(text['reply'] or '已处理。')}</p></li></ul></div>"""
    elif kind == 2:
        reply_box = '<div class="clearfix liuyan_box05 w1200"><ul></ul></div>'
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(text['title'])}_领导留言板_人民网</title></head>
<body><div class="path_2j w1200 grey2"><a href="/">首页</a> &gt; <a href="/forum/list?fid=1">西地省</a> &gt; <a href="/threads/list?fid=7001">城关县</a> <i>城关县委书记</i></div>
<div class="liuyan_box03 w1200 clearfix"><h2><b><span class="context-title-text">{escape(text['title'])}</span>
<em class="{colour}">{status}</em><em class="domainType">投诉</em><em class="domainType">城建</em></b></h2>
<h3 class="fl grey2 clearfix"><span>{escape(text['author'][:1])}*** {moment.strftime('%Y-%m-%d %H:%M')}</span></h3>
<p class="zoom content">{escape(text['body']).replace(chr(10), '<br/>')}</p></div>
{reply_box}</body></html>"""
    return html_reply(page)


def rendered_list(site: FixtureSite, request: Request) -> Reply:
    """The SPA list as a browser renders it (what a saved page holds)."""
    site.hit("liuyan:rendered")
    items = []
    for tid in audit_order(7002)[:5]:
        text = text_of(tid)
        items.append(f"""<li><div class="tabList fl"><h1><a href="/threads/content?tid={tid}">{escape(text['title'])}</a></h1></div>
<div class="headMainS fl"><p>{posted(tid % 1000).strftime('%Y-%m-%d %H:%M')}</p></div>
<p class="replyContent"><span>{escape(text['body'][:80])}</span></p></li>""")
    return html_reply(f"""<html><head><meta charset="utf-8"><title>城关县县长_领导留言板</title></head><body>
<ul class="replyList">{''.join(items)}</ul><div class="mordList">加载更多</div></body></html>""")


ROUTES = [
    ("GET", r"/threads/list", shell),
    ("GET", r"/threads/content", legacy_detail_page),
    ("GET", r"/liuyan/rendered\.html", rendered_list),
    ("POST", r"/threads/queryThreadsList", legacy_list),
    ("POST", r"/v1/threads/list/df", v1_list),
    ("POST", r"/v1/threads/content", v1_content),
]
