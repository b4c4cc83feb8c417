"""Blocks: the site refuses us (captcha redirect, WAF challenge, repeated 403). Detect, stop, report.

A block is never "solved": the source's run stops at once (finish reason ``blocked``), the kind
and URL are counted (``huiying/blocked/<kind>``, ``huiying/blocked_url``), the source's health
records ``blocked_since``, and ``huiying monitor`` waits longer before the next run.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

CAPTCHA_LOCATION = re.compile(
    r"wappass\.baidu\.com|/captcha|captcha[./_-]|tuxing\.html|/verify|seccaptcha|antispider|safecheck|"
    r"security-check|/waf/|challenge", re.IGNORECASE)
"""Redirect targets that mean "prove you are human"."""
CHALLENGE_BODY = re.compile(
    r"__jsl_clearance|__jsluid|acw_sc__v2|_waf_|yunsuo_session|cf-browser-verification|"
    r"document\.cookie\s*=.{0,400}location|JavaScript challenge|/cdn-cgi/challenge", re.IGNORECASE | re.DOTALL)
"""Markers of a JavaScript challenge page (加速乐-type WAFs answer 521 with one)."""
BLOCK_TITLES = ("百度安全验证", "安全验证", "访问验证", "环境异常", "访问过于频繁", "人机验证", "滑动验证")
"""Page titles of block pages that answer HTTP 200."""
BLOCKED_REASON = "blocked"


def is_block_title(title: str) -> bool:
    """A page title that is a block page's own (``百度安全验证``), not a post that mentions one."""
    title = (title or "").strip()
    return any(title == marker or (title.startswith(marker) and len(title) <= len(marker) + 8) for marker in BLOCK_TITLES)


def report_block(crawler: Any, kind: str, url: str, detail: str = "") -> None:
    """Count the block, log it once, and stop the source's run (it must not keep knocking)."""
    stats = crawler.stats
    stats.inc_value(f"huiying/blocked/{kind}")
    if stats.get_value("huiying/blocked_url") is None:
        stats.set_value("huiying/blocked_url", url)
        stats.set_value("huiying/blocked_kind", kind)
        logger.warning("blocked by the site (%s) at %s%s: stopping this source's run; it will retry later",
                       kind, url, f" ({detail})" if detail else "")
    engine = getattr(crawler, "engine", None)
    if engine is not None and getattr(crawler, "_huiying_closing", None) is None:
        crawler._huiying_closing = deferred_from_coro(engine.close_spider_async(reason=BLOCKED_REASON))


def is_blocked(crawler: Any) -> bool:
    return crawler.stats.get_value("huiying/blocked_url") is not None
