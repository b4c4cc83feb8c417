"""Source configurations for the bundled demo site, in the same shape a county writes for real sites."""

from __future__ import annotations

from typing import Any

from crawlers.demo_site.catalog import DISCUZ_FID, LIUYAN_FORUMS, LOGIN_FID

LOCAL_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "HUIYING_ONE_RUN_PER_SITE": False,
}
"""The demo site is our own server on 127.0.0.1: the politeness real sites need would only make
a demo cycle take minutes. robots.txt is still obeyed."""


def demo_sources(base_url: str) -> list[dict[str, Any]]:
    """The three demo sources (UTF-8 forum, GBK forum, message board) served at ``base_url``."""
    base = base_url.rstrip("/")
    sources: list[dict[str, Any]] = [
        {
            "name": "demo-discuz",
            "platform": "discuz",
            "title": "城关论坛（演示）",
            "start_urls": [
                f"{base}/bbs/forum.php?mod=forumdisplay&fid={DISCUZ_FID}&filter=author&orderby=dateline",
                f"{base}/bbs/forum.php?mod=forumdisplay&fid={LOGIN_FID}",
            ],
            "max_pages": 10,
        },
        {
            "name": "demo-discuz-gbk",
            "platform": "discuz",
            "title": "城关在线（演示，GBK）",
            "start_urls": [f"{base}/bbs-gbk/forum.php?mod=forumdisplay&fid={DISCUZ_FID}"],
            "max_pages": 10,
        },
        {
            "name": "demo-liuyan",
            "platform": "liuyan",
            "title": "领导留言板（演示）",
            "start_urls": [f"{base}/threads/list?fid={fid}" for fid in sorted(LIUYAN_FORUMS)],
            "max_pages": 30,
        },
    ]
    for source in sources:
        source["settings"] = dict(LOCAL_SETTINGS)
    return sources
