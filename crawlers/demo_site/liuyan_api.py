"""The 领导留言板-like message board: an empty JS shell page plus the JSON APIs that hold the data.

Shapes follow crawl-sources.md §1: the legacy form list API ``POST /threads/queryThreadsList``
(``fid, state, lastItem``; newest first, 10 per page, ``lastItem`` = last tid seen) and the v1
detail API ``POST /v1/threads/content`` (signed JSON ``param``), whose ``contentList`` blocks are
told apart by their fields, not their positions. Realistic quirks on purpose: the list is ordered
by audit time, so tids are out of order; the page after the first repeats the cursor row (an
overlap); text is HTML-escaped with ``\\r\\n`` line ends; a trashed message answers with an empty
``contentList``. The bad-signature error body was not observed on the real site: it is our guess.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from html import escape
from typing import Any

from crawlers.demo_site.catalog import LIUYAN_FORUMS, DemoMessage
from crawlers.demo_site.site import DemoSite

PAGE_SIZE = 10
APP_CODE = "PC42ce3bfa4980a9"
DETAIL_PATH = "/v1/threads/content"
_TYPE_IDS = {"投诉": 1, "咨询": 2, "建言": 3, "求助": 4}
_DOMAIN_IDS = {"城建": 1, "交通": 2, "教育": 3, "医疗": 4, "环保": 5, "劳动": 6, "三农": 7, "其他": 99}
ACK_ORGANISATION = "城关县人民政府办公室"


def signature(path: str, param: str, app_code: str = APP_CODE) -> str:
    """MD5 of path + compact param JSON + the first 16 hex chars of MD5(appCode), as clients sign."""
    salt = hashlib.md5(app_code.encode()).hexdigest()[:16]
    return hashlib.md5((path + param + salt).encode("utf-8")).hexdigest()


def shell_page(fid: int) -> str:
    """What a browser gets for the list page: a script-driven shell with no messages in it."""
    name = LIUYAN_FORUMS.get(fid, "留言板")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{name} - 领导留言板（演示）</title>
<link rel="stylesheet" href="/static/css/app.css"></head>
<body><div id="app"></div>
<noscript>请开启浏览器的JavaScript功能后继续访问。</noscript>
<script src="/static/js/chunk-vendors.js"></script><script src="/static/js/app.js"></script>
</body></html>
"""


def _text(value: str) -> str:
    """How the board serves user text: HTML-escaped, Windows line ends."""
    return escape(value, quote=False).replace("\n", "\r\n")


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _state(site: DemoSite, message: DemoMessage) -> str:
    if site.reply_visible(message):
        return "已办理"
    return "办理中" if message.acknowledgement and message.reply is not None else "待回复"


def check_times(site: DemoSite, messages: list[DemoMessage]) -> dict[int, datetime]:
    """When moderators approved each message; the list is ordered by this, not by tid.

    Every seventh message is approved only after the next one (a slow review), so that a list
    page shows a smaller tid above a larger one, as the real board does.
    """
    ordered = sorted(messages, key=lambda m: m.tid)
    times = {m.tid: site.posted_at(m) + m.audit_delay for m in ordered}
    for current, following in zip(ordered, ordered[1:], strict=False):
        if current.tid % 7 == 0:
            times[current.tid] = max(times[current.tid], times[following.tid] + timedelta(minutes=3))
    return times


def list_row(site: DemoSite, message: DemoMessage, checked: datetime) -> dict[str, Any]:
    posted = site.posted_at(message)
    answered = site.reply_visible(message) and message.reply is not None
    preview = message.full_body[:100] + ("..." if len(message.full_body) > 100 else "")
    return {
        "tid": message.tid,
        "userId": 3_800_000 + message.tid % 100_000,
        "fid": message.fid,
        "typeId": _TYPE_IDS.get(message.type_name, 1),
        "domainId": _DOMAIN_IDS.get(message.domain_name, 99),
        "topicId": 0,
        "nickName": (message.author[:1] + "***") if message.author else "匿名",
        "subject": _text(message.title),
        "content": _text(preview),
        "dateline": _unix(posted),
        "threadsCheckTime": _unix(checked),
        "ip": f"124.227.{message.tid % 250}.*",
        "stateInfo": _state(site, message),
        "traceInfo": _state(site, message),
        "processInfo": "已交办" if answered or message.acknowledgement else "未交办",
        "forumName": LIUYAN_FORUMS.get(message.fid, ""),
        "typeName": message.type_name,
        "domainName": message.domain_name,
        "sourceName": "PC浏览器" if message.tid % 3 else "移动端",
        "answerId": message.tid * 10 if answered else None,
        "answerContent": _text(message.reply.body[:100]) if answered and message.reply else None,
        "answerDateline": _unix(site.reply_time(message) or posted) if answered else None,
        "answerOrganization": message.reply.organisation if answered and message.reply else None,
        "grade": None, "gradeLevel": None, "gradeManner": None, "gradeSpeed": None,
        "threadState": 1, "trashRecheckState": 0, "attachment": 0, "publicAttachment": 0,
        "hasReported": 0, "favNum": message.views % 7, "userFavStatus": 0, "userType": 0,
        "from": " 西地省 A市",
        "shisiwu": False,
    }


def query_threads_list(site: DemoSite, fid: int, state: int, last_item: int) -> dict[str, Any]:
    """One page of the legacy list API."""
    rows = [m for m in site.visible("liuyan") if m.fid == fid]
    if state == 2:
        rows = [m for m in rows if _state(site, m) == "待回复"]
    elif state == 3:
        rows = [m for m in rows if _state(site, m) == "办理中"]
    elif state == 4:
        rows = [m for m in rows if _state(site, m) == "已办理"]
    checked = check_times(site, [m for m in site.visible("liuyan") if m.fid == fid])
    rows.sort(key=lambda m: (checked[m.tid], m.tid), reverse=True)
    if last_item:
        index = next((i for i, m in enumerate(rows) if m.tid == last_item), None)
        if index is None:  # a stale cursor: fall back to "older than the cursor"
            rows = [m for m in rows if m.tid < last_item]
        else:
            overlap = index == PAGE_SIZE - 1  # the second page starts with the cursor row again
            rows = rows[index if overlap else index + 1:]
    return {"result": "success", "success": True, "responseData": [list_row(site, m, checked[m.tid]) for m in rows[:PAGE_SIZE]]}


def _original_block(site: DemoSite, message: DemoMessage) -> dict[str, Any]:
    return {
        "tid": message.tid, "fid": message.fid, "subject": _text(message.title),
        "content": _text(message.full_body), "nickName": (message.author[:1] + "***") if message.author else "匿名",
        "dateline": _unix(site.posted_at(message)), "typeName": message.type_name,
        "domainName": message.domain_name, "stateInfo": _state(site, message),
        "forumName": LIUYAN_FORUMS.get(message.fid, ""),
    }


def content_blocks(site: DemoSite, message: DemoMessage) -> list[dict[str, Any]]:
    """The detail API's blocks; count (0–3) and order vary so clients must key on fields."""
    if message.special == "trash":
        return []
    posted = site.posted_at(message)
    replies: list[dict[str, Any]] = []
    if message.reply is not None and message.acknowledgement:
        ack_time = posted + min(message.reply.delay / 3, message.reply.delay)
        if ack_time <= site.now():
            replies.append({
                "organization": ACK_ORGANISATION, "dateline": _unix(ack_time), "replyType": 1,
                "content": _text(f"您好！您的留言已收悉，已转交{message.reply.organisation}调查处理，请耐心等待。"),
            })
    if message.reply is not None and site.reply_visible(message):
        replies.append({
            "organization": message.reply.organisation, "replyType": 2,
            "dateline": _unix(site.reply_time(message) or posted), "content": _text(message.reply.body),
        })
        if message.follow_up:
            replies.append({
                "nickName": (message.author[:1] + "***") if message.author else "匿名",
                "content": _text("感谢回复，问题已经解决。"), "stateInfo": "已评价", "tags": ["满意"],
                "dateline": _unix(site.reply_time(message) or posted) + 3600,
            })
    original = _original_block(site, message)
    return [*replies, original] if message.tid % 3 == 0 else [original, *replies]


def threads_content(site: DemoSite, body: bytes) -> tuple[int, dict[str, Any]]:
    """The v1 detail API: verify the signature, then answer with the message's blocks."""
    try:
        request = json.loads(body.decode("utf-8"))
        raw_param = request["param"]
        param_text = raw_param if isinstance(raw_param, str) else json.dumps(
            raw_param, ensure_ascii=False, separators=(",", ":"))
        param = json.loads(param_text) if isinstance(raw_param, str) else raw_param
        tid = int(param["tid"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return 400, {"resultCode": 4000, "resultMsg": "参数错误", "resultData": None}
    if request.get("signature") != signature(DETAIL_PATH, param_text, request.get("appCode", "")):
        return 200, {"resultCode": 4001, "resultMsg": "签名错误", "resultData": None}
    message = site.find("liuyan", tid)
    if message is None:
        return 200, {"resultCode": 200, "resultMsg": "success", "resultData": None}
    return 200, {"resultCode": 200, "resultMsg": "success", "resultData": {"contentList": content_blocks(site, message)}}
