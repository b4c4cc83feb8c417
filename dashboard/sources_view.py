"""Source health and configuration, as the duty officer and the administrator read them.

Health: after every run the crawler writes one JSON document per source with
``store.set_state("source_health", <source>, json)`` (``crawlers/health.py``: status ``ok`` /
``warning`` / ``failing`` / ``blocked``, ``last_success_at``, ``consecutive_failures``,
``blocked_since``, ``errors`` by kind …). The board reads it defensively: a missing key, an
older schema or text that is not JSON shows as 未知, never as an error page.

Configuration: the county's ``sources.yaml`` (else the bundled default) through
``crawlers.sourcefile.load_sources`` when that module is installed. It is read, never written
here: sources are changed by editing the file, which is checked completely when loaded.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dashboard.texts import DASH, fmt_span, fmt_time
from index.records import to_cst

HEALTH_SCOPE = "source_health"
STALE_AFTER = timedelta(hours=6)
"""No successful run for this long is shown as a problem even if the last status was ok."""

STATUS_NAMES: dict[str, str] = {
    "ok": "🟢 正常", "warning": "🟡 有异常", "failing": "🔴 失败", "blocked": "⛔ 被拦截", "unknown": "⚪ 未知",
}
ERROR_NAMES: dict[str, str] = {
    "timeout": "超时", "dns": "域名解析失败", "connection": "连接失败", "dataloss": "数据不完整", "tls": "证书错误",
    "size_limit": "页面过大", "download_other": "下载错误", "robots_forbidden": "robots 禁止",
    "robots_unavailable": "robots 不可用", "store": "入库失败", "understand": "分类失败", "parse": "解析失败",
    "bad_json": "接口数据无效", "decode_replaced": "编码替换", "retries_exhausted": "重试耗尽", "startup": "启动失败",
}


@dataclass(frozen=True)
class SourceHealth:
    """One source's latest health as the board shows it."""

    source: str
    status: str
    title: str = ""
    last_success_at: datetime | None = None
    last_run_at: datetime | None = None
    next_run_at: datetime | None = None
    consecutive_failures: int = 0
    blocked_since: datetime | None = None
    blocked_kind: str = ""
    items_new: int | None = None
    errors: dict[str, int] = field(default_factory=dict)
    enabled: bool | None = None
    interval_s: float | None = None
    readable: bool = True


def _time(value: Any) -> datetime | None:
    try:
        return to_cst(datetime.fromisoformat(str(value))) if value else None
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def parse_health(source: str, raw: str | None) -> SourceHealth:
    """One stored health document, whatever shape it has."""
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return SourceHealth(source=source, status="unknown", readable=False)
    status = str(data.get("status") or "unknown")
    errors = data.get("errors") if isinstance(data.get("errors"), dict) else {}
    return SourceHealth(
        source=source, status=status if status in STATUS_NAMES else "unknown", title=str(data.get("title") or ""),
        last_success_at=_time(data.get("last_success_at")), last_run_at=_time(data.get("last_run_at")),
        next_run_at=_time(data.get("next_run_at")), consecutive_failures=_int(data.get("consecutive_failures")) or 0,
        blocked_since=_time(data.get("blocked_since")), blocked_kind=str(data.get("blocked_kind") or ""),
        items_new=_int(data.get("items_new")),
        errors={str(k): v for k, v in errors.items() if isinstance(v, int)},
        enabled=data.get("enabled") if isinstance(data.get("enabled"), bool) else None,
        interval_s=float(data["interval_s"]) if isinstance(data.get("interval_s"), (int, float)) else None,
    )


def health_states(store: Any) -> dict[str, str]:
    """Every stored health document by source (``store.states`` when the store has it)."""
    states = getattr(store, "states", None)
    return dict(states(HEALTH_SCOPE)) if callable(states) else {}


def known_sources(rt: Any, *more: Any) -> list[str]:
    """Sources to filter by, for the search and duty pages: those the crawler reports on (one
    small table), plus any given (the feed's, the ones already chosen) — never a count over
    every item."""
    return sorted({*health_states(rt.store), *(s for group in more for s in group if s)})


def problem(health: SourceHealth, now: datetime) -> str:
    """What is wrong with a source, in a phrase; empty when nothing is."""
    if health.status == "blocked":
        since = f"，自 {fmt_time(health.blocked_since)} 起" if health.blocked_since else ""
        return f"被网站拦截{since}（{health.blocked_kind or '原因未知'}）"
    if health.status == "failing":
        return f"连续失败 {health.consecutive_failures} 次"
    if health.last_success_at is None:
        return "尚无成功采集记录" if health.readable else "状态数据无法识别"
    if now - health.last_success_at > STALE_AFTER:
        return f"已 {fmt_span((now - health.last_success_at).total_seconds())} 未成功采集"
    if health.status == "warning":
        return "最近一次采集有异常"
    return ""


def _rank(health: SourceHealth, now: datetime) -> int:
    """Worst first: blocked, failing, other problems (stale, unreadable), warnings, healthy."""
    if health.status == "blocked":
        return 0
    if health.status == "failing":
        return 1
    if health.status == "warning":
        return 3
    return 2 if problem(health, now) else 4


def health_rows(states: Mapping[str, str], now: datetime) -> list[dict[str, Any]]:
    """The health table, worst first."""
    healths = sorted((parse_health(s, raw) for s, raw in states.items()), key=lambda h: (_rank(h, now), h.source))
    return [
        {
            "来源": h.source,
            "名称": h.title or DASH,
            "状态": STATUS_NAMES.get(h.status, STATUS_NAMES["unknown"]),
            "问题": problem(h, now) or DASH,
            "最近成功": fmt_time(h.last_success_at),
            "最近运行": fmt_time(h.last_run_at),
            "下次运行": fmt_time(h.next_run_at),
            "本次新增": DASH if h.items_new is None else str(h.items_new),
            "错误": "、".join(f"{ERROR_NAMES.get(k, k)} {v}" for k, v in h.errors.items()) or DASH,
        }
        for h in healths
    ]


def _interval_text(seconds: float | None) -> str:
    return DASH if not seconds else fmt_span(seconds).replace(" ", "")


def configured(county_dir: str) -> tuple[list[dict[str, Any]], str, str]:
    """The configured sources as rows, the file they came from, and an error to show (or "")."""
    try:
        sourcefile = importlib.import_module("crawlers.sourcefile")
    except ImportError:
        return [], "", "采集来源配置模块尚未安装（crawlers/sourcefile.py）。"
    county_file = Path(county_dir) / "sources.yaml"
    path = county_file if county_file.is_file() else getattr(sourcefile, "DEFAULT_SOURCES_FILE", None)
    if path is None or not Path(path).is_file():
        return [], str(path or county_file), ""
    try:
        configs = sourcefile.load_sources(path)
    except Exception as exc:  # the file's own checks say what is wrong and where
        return [], str(path or ""), f"采集来源配置有误：{exc}"
    rows = [
        {
            "来源": c.name,
            "名称": c.title or DASH,
            "平台": c.platform,
            "启用": "是" if getattr(c, "enabled", True) else "否",
            "采集间隔": _interval_text(getattr(c, "interval_s", None)),
            "起始地址": "\n".join(c.start_urls),
        }
        for c in configs
    ]
    return rows, str(path or ""), ""
