"""Recognising pages that answer HTTP 200 but carry no content: errors, login gates, block pages.

Discuz (and most Chinese CMSs) answer a deleted thread or a members-only board with a normal
200 page holding a notice. Such a page must be counted, never stored as a message. Spiders find
the notice element (``div#messagetext`` on Discuz) and ask here what kind of gate it is; the
kind becomes the stat ``huiying/gate/<kind>``.
"""

from __future__ import annotations

GATE_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("missing", ("指定的主题不存在", "主题不存在或已被删除", "该帖子不存在", "内容已被删除", "指定的版块不存在")),
    ("login", ("您需要登录后才能继续本操作", "请先登录", "登录后才能")),
    ("forbidden", ("无法进行此操作", "没有权限", "禁止访问", "无权访问")),
    ("review", ("正在被审核", "等待审核")),
    ("blocked", ("百度安全验证", "环境异常", "访问过于频繁", "验证码")),
)
"""Notice phrases by gate kind, most specific first (a deleted thread also says 正在被审核)."""


def classify_notice(text: str) -> str:
    """The gate kind a notice text describes (``missing``, ``login``, ...) or ``notice`` if unknown."""
    for kind, phrases in GATE_PHRASES:
        if any(phrase in text for phrase in phrases):
            return kind
    return "notice"
