"""Sources that point every platform spider at the fixture site (tests and the benchmark use them)."""

from __future__ import annotations

from typing import Any

from crawlers.fixture_site.server import FixtureServers

LOCAL: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "HUIYING_ONE_RUN_PER_SITE": False,
    "HUIYING_RETRY_BACKOFF_BASE": 0.1,
    "DOWNLOAD_TIMEOUT": 10,
}
"""Our own server on 127.0.0.1: no politeness delays. robots.txt is still obeyed."""


def _source(name: str, platform: str, urls: list[str], **extra: Any) -> dict[str, Any]:
    settings = {**LOCAL, **extra.pop("settings", {})}
    return {"name": name, "platform": platform, "start_urls": urls, "settings": settings, **extra}


def fixture_sources(servers: FixtureServers) -> dict[str, dict[str, Any]]:
    """Every fixture source by name."""
    base = servers.base
    bbs = f"{base}/bbs18030"
    sources = [
        _source("fx-liuyan", "liuyan", [f"{base}/threads/list?fid=7001", f"{base}/threads/list?fid=7002"], max_pages=5),
        _source("fx-liuyan-object", "liuyan", [f"{base}/threads/list?fid=7002"], api="v1", param_as_object=True),
        _source("fx-liuyan-waf", "liuyan", [f"{base}/threads/list?fid=7009"], max_pages=5,
                settings={"CONCURRENT_REQUESTS_PER_DOMAIN": 4}),
        _source("fx-discuz", "discuz", [f"{bbs}/forum.php?mod=forumdisplay&fid=2", f"{bbs}/forum-2-1.html",
                                        f"{bbs}/forum.php?mod=forumdisplay&fid=7",
                                        f"{bbs}/forum.php?mod=viewthread&tid=3404",
                                        f"{bbs}/forum.php?mod=viewthread&tid=3999"],
                encoding=None, max_pages=5, max_thread_pages=5),
        _source("fx-discuz-mobile", "discuz",
                [f"{bbs}/api/mobile/index.php?module=forumdisplay&version=4&fid=2&tpp=20&page=1"], max_pages=3),
        _source("fx-tieba", "tieba", [f"{base}/f?kw=%E9%BE%99%E5%B7%9D&ie=utf-8&pn=0", f"{base}/f?kw=visible",
                                      f"{base}/f?kw=closed"], max_pages=3),
        _source("fx-tieba-captcha", "tieba", [f"{base}/f?kw=captcha"]),
        _source("fx-gov", "gov-mailbox", [f"{base}/hdjlpt/published?via=pc"], max_pages=5),
        _source("fx-gov-robots", "gov-mailbox", [f"{servers.url('gov_robots')}/hdjlpt/published?via=pc"]),
        _source("fx-gov-jsp", "gov-mailbox", [f"{base}/county/mailbox/list.jsp?pageNo=1"], max_pages=5),
        _source("fx-rss", "rss", [f"{base}/feeds/utf8.xml", f"{base}/feeds/gb2312.xml", f"{base}/feeds/atom.xml",
                                  f"{base}/feeds/broken.xml", f"{base}/feeds/polls.xml"]),
        _source("fx-generic", "generic", [f"{base}/county/news/list_1.html"], max_pages=5, **NEWS_SELECTORS),
        _source("fx-errors", "generic", [f"{base}/errors/list.html"], **ERROR_SELECTORS,
                settings={"RETRY_TIMES": 2, "REDIRECT_MAX_TIMES": 4, "DOWNLOAD_MAXSIZE": 8_000_000}),
        _source("fx-slow", "generic", [f"{base}/errors/slow.html"], **ERROR_SELECTORS,
                settings={"DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 2}),
        _source("fx-waf-521", "generic", [f"{base}/waf/list.html"], **ERROR_SELECTORS),
        _source("fx-waf-403", "generic", [f"{base}/waf403/list.html"], **ERROR_SELECTORS),
        _source("fx-robots500", "generic", [f"{servers.url('robots500')}/county/news/list_1.html"], **NEWS_SELECTORS),
        _source("fx-robots404", "generic", [f"{servers.url('robots404')}/county/news/list_1.html"], max_pages=1,
                **NEWS_SELECTORS),
        # Start URLs that are single pages, as a saved page or a link someone pasted would be.
        _source("fx-liuyan-pages", "liuyan", [f"{base}/threads/content?tid={tid}" for tid in (8200002, 8200003, 8200004)]
                + [f"{base}/liuyan/rendered.html"]),
        _source("fx-pages", "discuz", [f"{bbs}/thread-3005-1-1.html"]),
        _source("fx-tieba-pages", "tieba", [f"{base}/p/6000002"]),
        _source("fx-gov-pages", "gov-mailbox", [f"{base}/hdjlpt/letter/detail?id=1003"], list_mode="html"),
    ]
    return {s["name"]: s for s in sources}


NEWS_SELECTORS: dict[str, Any] = {
    "list": {"item": "ul.news-list > li", "link": "a::attr(href)", "title": "a::attr(title)", "date": "span.date::text"},
    "detail": {"title": "h1.title", "body": "div.content", "date": "xpath://span[@class='time']/text()",
               "views": "span.views::text", "reply": "div.reply", "reply_body": "div.reply-content",
               "reply_author": "span.org::text", "reply_date": "span.rtime::text"},
    "next_page": "a.next::attr(href)",
}
ERROR_SELECTORS: dict[str, Any] = {
    "list": {"item": "ul.items > li"},
    "detail": {"title": "h1", "body": "div.content", "date": "span.time::text"},
}


def bench_source(base: str, pages: int) -> dict[str, Any]:
    """The generic spider over the benchmark pages (``pages`` detail pages, 50 per list page) at ``base``."""
    lists = -(-pages // 50)
    return _source("bench-generic", "generic", [f"{base}/bench/list_1.html"], max_pages=lists + 1,
                   list={"item": "ul.items > li"},
                   detail={"title": "h1", "body": "div.content", "date": "span.time::text"},
                   next_page="a.next::attr(href)")
