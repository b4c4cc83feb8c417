"""A county website for the generic spider, the failures of crawl-sources.md §6, and the benchmark pages.

``/county/news/list_<n>.html``: two list pages (``ul.news-list > li``) of articles with replies.

``/errors/list.html`` links to one detail page per failure (``/errors/slow.html`` to the two slow ones): normal pages, a 404, a 503 that heals
on the third try, a 503 and a 429 with ``Retry-After: 1`` (the time between tries is recorded),
a page slower than any sensible timeout, a slow drip, a redirect loop, a body shorter than its
``Content-Length``, a "gzip" body that is not, a 5 MB page, a repost of the first page under
another id, GBK pages with only a ``<meta>`` charset and with a wrong ``utf-8`` header, a login
gate and a deleted notice with HTTP 200, and a page robots.txt forbids.

``/waf/…`` answers 521 with a JavaScript challenge (加速乐-type); ``/waf403/…`` answers 403 to
everything. ``/bench/list_<n>.html`` → ``/bench/item/<id>.html``: ``bench_pages`` plain pages.
"""

from __future__ import annotations

from html import escape

from crawlers.fixture_site.server import FixtureSite, Reply, Request, html_reply
from crawlers.fixture_site.texts import item_text, message, posted

ERROR_CASES = ("ok1", "ok2", "ok3", "ok4", "ok5", "missing404", "flaky", "retryafter", "ratelimit", "timeout", "drip",
               "loop", "truncated", "gzipbad", "huge", "dup", "gbkmeta", "gbkwrong", "login", "deleted", "private")
NUMBER = {case: 900 + index for index, case in enumerate(ERROR_CASES)}
STORED_CASES = ("ok1", "ok2", "ok3", "ok4", "ok5", "flaky", "retryafter", "ratelimit", "huge", "gbkmeta", "gbkwrong")
"""Cases that end up stored (``dup`` is recognised as a duplicate of ``ok1``)."""


def article(title: str, body_html: str, when: str, extra: str = "", charset: str = "utf-8") -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>{escape(title)}_城关县人民政府</title></head><body>
<div class="header"><a href="/county/">首页</a></div><div class="article"><h1 class="title">{escape(title)}</h1>
<div class="info"><span class="time">{when}</span> <span class="views">浏览：{len(title) * 7}</span></div>
<div class="content">{body_html}</div>{extra}</div><div class="footer">城关县人民政府 版权所有</div></body></html>"""


# -- the county news site ------------------------------------------------------------------------------

def news_list(site: FixtureSite, request: Request) -> Reply:
    page = int(request.path.rsplit("_", 1)[1].split(".")[0])
    site.hit("county:list")
    ids = range(300 + (page - 1) * 10, 300 + page * 10)
    items = "".join(f'<li><a href="content/post_{i}.html" title="{escape(item_text("news", i - 300)["title"])}">{escape(item_text("news", i - 300)["title"][:20])}</a>'
                    f'<span class="date">{posted(i):%Y-%m-%d}</span></li>' for i in ids)
    nxt = '<a class="next" href="list_2.html">下一页</a>' if page == 1 else ""
    return html_reply(f"""<html><head><meta charset="utf-8"><title>政民互动</title></head><body>
<ul class="news-list">{items}</ul><div class="pages">{nxt}</div></body></html>""")


def news_article(site: FixtureSite, request: Request) -> Reply:
    number = int(request.path.rsplit("_", 1)[1].split(".")[0])
    site.hit("county:article")
    text = item_text("news", number - 300)
    when = "昨天 08:18" if number % 5 == 0 else f"发布时间：{posted(number):%Y-%m-%d %H:%M}"
    reply = ""
    if number % 2 == 0:
        reply = (f'<div class="reply"><span class="org">城关县教育局</span><span class="rtime">{posted(number + 1):%Y-%m-%d %H:%M}</span>'
                 f'<div class="reply-content">{escape(text["reply"] or "已办理。")}</div></div>')
    return html_reply(article(text["title"], escape(text["body"]).replace("\n", "<br/>"), when, reply))


# -- the failure cases -------------------------------------------------------------------------------------

SLOW_CASES = ("timeout", "drip")
"""Listed on ``/errors/slow.html`` only, so a source with a short timeout can read them alone."""


def error_list(site: FixtureSite, request: Request) -> Reply:
    slow = request.path.endswith("slow.html")
    site.hit("errors:slow_list" if slow else "errors:list")
    cases = SLOW_CASES if slow else [c for c in ERROR_CASES if c not in SLOW_CASES]
    links = "".join(f'<li><a href="{"private/" if case == "private" else ""}item?id={case}">第{NUMBER[case]}号：{case} 测试页面</a></li>'
                    for case in cases)
    return html_reply(f'<html><head><meta charset="utf-8"><title>错误测试</title></head><body><ul class="items">{links}</ul></body></html>')


def _normal(case: str, charset: str = "utf-8") -> str:
    number = NUMBER["ok1" if case == "dup" else case]
    text = item_text("errors", number - 900)
    return article(text["title"], escape(text["body"]), f"{posted(number):%Y-%m-%d %H:%M}", charset=charset)


def error_item(site: FixtureSite, request: Request) -> Reply:  # noqa: C901 - one branch per case, on purpose
    case = request.arg("id")
    count = site.hit(f"errors:{case}")
    if case.startswith("ok") or case == "dup":
        return html_reply(_normal(case))
    if case == "missing404":
        return html_reply("<html><body><h1>404 Not Found</h1></body></html>", 404)
    if case == "flaky":
        return html_reply("<h1>503 Service Unavailable</h1>", 503) if count < 3 else html_reply(_normal(case))
    if case == "retryafter":
        return html_reply("<h1>503</h1>", 503, headers=[("Retry-After", "1")]) if count < 2 else html_reply(_normal(case))
    if case == "ratelimit":
        return html_reply("<h1>429 Too Many Requests</h1>", 429, headers=[("Retry-After", "1")]) if count < 2 \
            else html_reply(_normal(case))
    if case == "timeout":
        return html_reply(_normal("ok1"), delay=3.0)
    if case == "drip":
        return html_reply("<html><body>" + "慢" * 10 + "</body></html>", drip=0.25)
    if case == "loop":
        return Reply(status=302, headers=[("Location", "/errors/loop-b")])
    if case == "truncated":
        body = _normal("ok2").encode("utf-8")
        return Reply(body=body[: len(body) // 2], declared_length=len(body))
    if case == "gzipbad":
        return Reply(body=_normal("ok3").encode("utf-8"), headers=[("Content-Encoding", "gzip")])
    if case == "huge":
        text = item_text("errors", NUMBER[case] - 900)
        paragraph = "<p>" + escape(text["body"]) + "</p>\n"
        body = paragraph * (5_000_000 // len(paragraph.encode()))
        return html_reply(article(text["title"], body, f"{posted(NUMBER[case]):%Y-%m-%d %H:%M}"))
    if case == "gbkmeta":
        return Reply(body=_normal(case, "gbk").encode("gb18030"), content_type="text/html")
    if case == "gbkwrong":
        return Reply(body=_normal(case, "gbk").encode("gb18030"), content_type="text/html; charset=utf-8")
    if case == "login":
        return html_reply("""<html><head><title>提示信息 - 城关县人民政府</title></head><body><div id="messagetext" class="alert_info">
<p>您需要登录后才能继续本操作</p></div></body></html>""")
    if case == "deleted":
        return html_reply("<html><head><title>提示</title></head><body><div class='tip'>该信息不存在或已被删除。</div></body></html>")
    return html_reply("<h1>unknown case</h1>", 404)


def loop_b(site: FixtureSite, request: Request) -> Reply:
    site.hit("errors:loop-b")
    return Reply(status=302, headers=[("Location", "/errors/item?id=loop")])


def private(site: FixtureSite, request: Request) -> Reply:
    site.hit("errors:private")
    return html_reply(_normal("ok4"))


# -- blocks ----------------------------------------------------------------------------------------------

def waf_challenge(site: FixtureSite, request: Request) -> Reply:
    site.hit("waf:521")
    script = ("<html><body><script>document.cookie=('_')+('_jsl_clearance_s')+('=')+(1714531200)+('.123|0|')+"
              "('abc');location.href=location.pathname+location.search</script></body></html>")
    return html_reply(script, 521)


def waf_forbidden(site: FixtureSite, request: Request) -> Reply:
    site.hit("waf:403")
    if request.path.endswith("list.html"):
        links = "".join(f'<li><a href="item{i}.html">第{i}条 拦截测试页面</a></li>' for i in range(8))
        return html_reply(f'<html><body><ul class="items">{links}</ul></body></html>')
    return html_reply("<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>", 403)


# -- the benchmark -----------------------------------------------------------------------------------------

BENCH_PER_LIST = 50


def bench_list(site: FixtureSite, request: Request) -> Reply:
    page = int(request.path.rsplit("_", 1)[1].split(".")[0])
    site.hit("bench:list")
    total = site.bench_pages
    start = (page - 1) * BENCH_PER_LIST
    ids = range(start, min(start + BENCH_PER_LIST, total))
    links = "".join(f'<li><a href="item/{i}.html">{escape(message(i)["title"])}</a><span class="date">{posted(i):%Y-%m-%d}</span></li>'
                    for i in ids)
    nxt = f'<a class="next" href="list_{page + 1}.html">下一页</a>' if start + BENCH_PER_LIST < total else ""
    return html_reply(f'<html><head><meta charset="utf-8"><title>列表{page}</title></head><body><ul class="items">{links}</ul>{nxt}</body></html>')


def bench_item(site: FixtureSite, request: Request) -> Reply:
    number = int(request.path.rsplit("/", 1)[1].split(".")[0])
    site.hit("bench:item")
    text = message(number)
    return html_reply(article(f"{text['title']}（{number}）", escape(text["body"]) + f"<p>编号 {number}</p>",
                              f"{posted(number):%Y-%m-%d %H:%M}"))


ROUTES = [
    ("GET", r"/county/news/list_\d+\.html", news_list),
    ("GET", r"/county/news/content/post_\d+\.html", news_article),
    ("GET", r"/errors/(list|slow)\.html", error_list),
    ("GET", r"/errors/item", error_item),
    ("GET", r"/errors/loop-b", loop_b),
    ("GET", r"/errors/private/item", private),
    ("GET", r"/waf/.*", waf_challenge),
    ("GET", r"/waf403/.*", waf_forbidden),
    ("GET", r"/bench/list_\d+\.html", bench_list),
    ("GET", r"/bench/item/\d+\.html", bench_item),
]
