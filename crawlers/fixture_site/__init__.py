"""A local fixture server imitating every platform Huiying crawls, with the failures real sites have.

Used by the crawler tests and ``bench/bench_crawl.py``; see README.md here. Unlike the demo site
(``crawlers.demo_site``, a live demo for people), this one exists to be hard on the crawler:
out-of-order and overlapping cursors, signed APIs, CSRF tokens and rotating cookies, GBK with
wrong or missing headers, GB18030-only characters, truncated and gzip-lying bodies, redirect
loops, captcha redirects, WAF challenges, 403/429/503/521 with Retry-After, timeouts, a 5 MB page,
deleted and login-gated pages that answer HTTP 200, duplicate reposts.
"""

from crawlers.fixture_site.server import FixtureServers, FixtureSite, start_fixture_site

__all__ = ["FixtureServers", "FixtureSite", "start_fixture_site"]
