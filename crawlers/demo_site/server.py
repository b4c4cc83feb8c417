"""The demo site's HTTP server: routes requests to the Discuz pages and the message-board API.

Stdlib only (``ThreadingHTTPServer``) so the product can serve its own demo anywhere Python runs,
and tests can start it on a free port in a daemon thread.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawlers.demo_site import discuz_pages, liuyan_api
from crawlers.demo_site.site import DemoSite

logger = logging.getLogger(__name__)

ROBOTS_TXT = """# Huiying demo site: crawling allowed except the admin area.
User-agent: *
Disallow: /bbs/admin.php
Disallow: /bbs-gbk/admin.php
Allow: /
"""

_LIST_REWRITE = re.compile(r"^forum-(\d+)-(\d+)\.html$")
_THREAD_REWRITE = re.compile(r"^thread-(\d+)-(\d+)-(\d+)\.html$")


def _int(query: dict[str, list[str]], name: str, default: int = 0) -> int:
    try:
        return int(query.get(name, [str(default)])[0])
    except ValueError:
        return default


class DemoServer(ThreadingHTTPServer):
    """A threading HTTP server that carries the ``DemoSite`` its handlers read from."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: DemoSite) -> None:
        super().__init__(address, DemoHandler)
        self.site = site

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class DemoHandler(BaseHTTPRequestHandler):
    """Answers GET pages and POST API calls; logs to the ``logging`` module, not stderr."""

    server: DemoServer
    server_version = "HuiyingDemo/0.1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        logger.debug("%s %s", self.address_string(), format % args)

    # -- responses ---------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, payload: Any, status: int = 200) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json;charset=UTF-8")

    def _not_found(self) -> None:
        self._send(404, b"<h1>404 Not Found</h1>", "text/html; charset=utf-8")

    # -- GET -----------------------------------------------------------------------------------------

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        site = self.server.site
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        path = parts.path
        if path == "/robots.txt":
            site.count_hit("robots")
            self._send(200, ROBOTS_TXT.encode(), "text/plain; charset=utf-8")
        elif path == "/":
            self._send(200, self._index().encode(), "text/html; charset=utf-8")
        elif path.startswith("/bbs/") or path.startswith("/bbs-gbk/"):
            channel, _, page_name = path[1:].partition("/")
            self._discuz(channel, page_name, query)
        elif path in ("/threads/list", "/threads/content"):
            site.count_hit("liuyan:shell")
            self._send(200, liuyan_api.shell_page(_int(query, "fid")).encode(), "text/html; charset=utf-8")
        else:
            self._not_found()

    def _discuz(self, channel: str, page_name: str, query: dict[str, list[str]]) -> None:
        site = self.server.site
        forum = discuz_pages.FORUMS[channel]
        mode = query.get("mod", [""])[0]
        rewrite_list = _LIST_REWRITE.match(page_name)
        rewrite_thread = _THREAD_REWRITE.match(page_name)
        tid = 0
        if page_name == "forum.php" and mode == "forumdisplay" or rewrite_list:
            site.count_hit("discuz:list")
            if rewrite_list:
                html = discuz_pages.forumdisplay(site, forum, int(rewrite_list.group(1)),
                                                 int(rewrite_list.group(2)), rewrite=True)
            else:
                html = discuz_pages.forumdisplay(site, forum, _int(query, "fid"), _int(query, "page", 1))
        elif page_name == "forum.php" and mode == "viewthread" or rewrite_thread:
            site.count_hit("discuz:thread")
            if rewrite_thread:
                tid, page = int(rewrite_thread.group(1)), int(rewrite_thread.group(2))
            else:
                tid, page = _int(query, "tid"), _int(query, "page", 1)
            html = discuz_pages.viewthread(site, forum, tid, page)
        elif page_name in ("", "forum.php", "index.php"):
            html = discuz_pages.prompt_page(forum, '演示论坛首页：请访问 <a href="forum.php?mod=forumdisplay&amp;fid=2">民生投诉</a>')
        else:
            self._not_found()
            return
        if forum.charset == "utf-8":
            self._send(200, html.encode("utf-8"), "text/html; charset=utf-8")
            return
        # GBK forum: real GBK bytes (characters outside GBK become &#NNNN; as Discuz does), declared
        # three ways on thread pages: correct header, meta only, and a wrong utf-8 header.
        body = html.encode("gbk", errors="xmlcharrefreplace")
        content_type = ("text/html; charset=gbk", "text/html", "text/html; charset=utf-8")[tid % 3]
        self._send(200, body, content_type)

    def _index(self) -> str:
        return """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>回应 演示站点</title></head>
<body><h1>回应（Huiying）演示站点</h1>
<p>本站仅供演示：内容为泰迪杯2020 C题公开数据中的真实留言样本（地名已脱敏）与标注为“合成”的演示帖。</p>
<ul>
<li><a href="/bbs/forum.php?mod=forumdisplay&amp;fid=2">城关论坛（Discuz! UTF-8）</a></li>
<li><a href="/bbs-gbk/forum.php?mod=forumdisplay&amp;fid=2">城关在线（Discuz! GBK）</a></li>
<li><a href="/threads/list?fid=9001">领导留言板（城关县委书记）</a> · <a href="/threads/list?fid=9002">（城关县县长）</a></li>
</ul></body></html>"""

    # -- POST ----------------------------------------------------------------------------------------

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        site = self.server.site
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if path == "/threads/queryThreadsList":
            site.count_hit("liuyan:list")
            form = parse_qs(body.decode("utf-8", errors="replace"))
            self._json(liuyan_api.query_threads_list(
                site, _int(form, "fid"), _int(form, "state", 1), _int(form, "lastItem")))
        elif path == liuyan_api.DETAIL_PATH:
            site.count_hit("liuyan:detail")
            status, payload = liuyan_api.threads_content(site, body)
            self._json(payload, status)
        else:
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"method not allowed", "text/plain")


def start_demo_site(host: str = "127.0.0.1", port: int = 0, **options: Any) -> tuple[DemoServer, str]:
    """Start the demo site in a daemon thread; port 0 picks a free port. Returns (server, base_url).

    ``options`` go to ``DemoSite`` (``start_visible``, ``release_every``, ``release_batch``,
    ``rebase_times``). Stop it with ``server.shutdown(); server.server_close()``.
    """
    site = options.pop("site", None) or DemoSite(**options)
    server = DemoServer((host, port), site)
    thread = threading.Thread(target=server.serve_forever, name=f"demo-site-{server.server_address[1]}", daemon=True)
    thread.start()
    return server, server.base_url
