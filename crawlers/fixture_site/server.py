"""The fixture HTTP server: one site state, several "hosts" (ports) with different robots.txt.

Each platform module (``liuyan``, ``discuz``, ``tieba``, ``gov``, ``feeds``, ``county``) declares
its routes; a route answers with a ``Reply`` that may also misbehave on purpose (wait before
answering, drip the body a byte at a time, or promise more bytes than it sends). Hosts differ
only by robots.txt: ``main`` (allows all but a private path), ``gov_robots`` (disallows
``/hdjlpt/letter/``), ``robots404`` (no robots.txt: everything allowed) and ``robots500``
(robots.txt fails: RFC 9309 says nothing may be fetched).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)

ROBOTS = {
    "main": "User-agent: *\nDisallow: /errors/private/\nDisallow: /bbs/admin.php\nAllow: /\n",
    "gov_robots": "User-agent: *\nDisallow: /hdjlpt/letter/\n",
}


@dataclass
class Reply:
    """An answer, possibly a misbehaving one."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    """Seconds to wait before answering (a timeout when longer than DOWNLOAD_TIMEOUT)."""
    drip: float = 0.0
    """Seconds between single bytes of the body (a slow drip)."""
    declared_length: int | None = None
    """A Content-Length larger than the body, then the connection closes (a truncated body)."""


def html_reply(text: str, status: int = 200, charset: str = "utf-8", content_type: str | None = None,
               **kwargs: Any) -> Reply:
    body = text.encode(charset, errors="xmlcharrefreplace")
    return Reply(status=status, body=body, content_type=content_type or f"text/html; charset={charset}", **kwargs)


def json_reply(payload: Any, status: int = 200, **kwargs: Any) -> Reply:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Reply(status=status, body=body, content_type="application/json;charset=UTF-8", **kwargs)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Any
    body: bytes
    host: str
    cookies: dict[str, str]

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str, default: int = 0) -> int:
        try:
            return int(self.arg(name, str(default)))
        except ValueError:
            return default

    @property
    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8", errors="replace")).items()}


Handler = Callable[["FixtureSite", Request], Reply]


class FixtureSite:
    """State shared by every host: hit counters, request times, per-platform state, options."""

    def __init__(self, latency: float = 0.0, bench_pages: int = 0) -> None:
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.state: dict[str, Any] = {}
        self.latency = latency
        """Seconds every page waits before answering (to catch a crawl in the middle)."""
        self.bench_pages = bench_pages
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        from crawlers.fixture_site import county, discuz, feeds, gov, liuyan, tieba

        for module in (liuyan, discuz, tieba, gov, feeds, county):
            for method, pattern, handler in module.ROUTES:
                self.routes.append((method, re.compile(pattern), handler))

    def hit(self, route: str) -> int:
        """Count a request to ``route`` and return how many it has had (this one included)."""
        with self.lock:
            self.hits[route] += 1
            self.times[route].append(time.monotonic())
            return self.hits[route]

    def answer(self, request: Request) -> Reply:
        if request.path == "/robots.txt":
            self.hit(f"robots:{request.host}")
            if request.host == "robots404":
                return html_reply("<h1>404</h1>", 404)
            if request.host == "robots500":
                return html_reply("<h1>500 Internal Server Error</h1>", 500)
            return Reply(body=ROBOTS.get(request.host, ROBOTS["main"]).encode(), content_type="text/plain")
        for method, pattern, handler in self.routes:
            if method == request.method and pattern.fullmatch(request.path):
                if self.latency:
                    time.sleep(self.latency)
                return handler(self, request)
        self.hit("not_found")
        return html_reply("<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>", 404)


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, site: FixtureSite, host_name: str) -> None:
        super().__init__(("127.0.0.1", 0), FixtureHandler)
        self.site = site
        self.host_name = host_name

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class FixtureHandler(BaseHTTPRequestHandler):
    server: FixtureServer
    protocol_version = "HTTP/1.1"
    server_version = "HuiyingFixture/0.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        logger.debug("%s %s", self.address_string(), format % args)

    def _request(self, method: str) -> Request:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        jar: SimpleCookie = SimpleCookie()
        with contextlib.suppress(Exception):  # a malformed cookie header is simply ignored
            jar.load(self.headers.get("Cookie") or "")
        return Request(method=method, path=parts.path, query=parse_qs(parts.query, keep_blank_values=True),
                       headers=self.headers, body=body, host=self.server.host_name,
                       cookies={k: v.value for k, v in jar.items()})

    def _serve(self, method: str) -> None:
        try:
            reply = self.server.site.answer(self._request(method))
        except Exception:
            logger.exception("fixture handler failed for %s", self.path)
            reply = html_reply("<h1>fixture error</h1>", 500)
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(reply.declared_length or len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            if reply.declared_length:
                self.send_header("Connection", "close")
            self.end_headers()
            if method == "HEAD":
                return
            if reply.drip:
                for index in range(len(reply.body)):
                    self.wfile.write(reply.body[index:index + 1])
                    self.wfile.flush()
                    time.sleep(reply.drip)
            else:
                self.wfile.write(reply.body)
            if reply.declared_length:
                self.wfile.flush()
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve("GET")

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
        self._serve("HEAD")

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        self._serve("POST")


class FixtureServers:
    """The fixture hosts, started in daemon threads on free ports; ``stop()`` when done."""

    HOSTS = ("main", "gov_robots", "robots404", "robots500")

    def __init__(self, site: FixtureSite) -> None:
        self.site = site
        self.servers = {name: FixtureServer(site, name) for name in self.HOSTS}
        for name, server in self.servers.items():
            threading.Thread(target=server.serve_forever, name=f"fixture-{name}", daemon=True).start()

    def url(self, host: str = "main") -> str:
        return self.servers[host].base_url

    @property
    def base(self) -> str:
        return self.url("main")

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()


def start_fixture_site(**options: Any) -> FixtureServers:
    """Start every fixture host; ``options`` go to ``FixtureSite`` (``latency``, ``bench_pages``)."""
    return FixtureServers(FixtureSite(**options))
