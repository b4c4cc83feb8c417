"""Source configuration: which site to crawl, with which platform spider, how often and how far.

Counties add sites by writing data, not code: one mapping per site, such as
``{"name": "longchuan-bbs", "platform": "discuz", "start_urls": [...], "encoding": "gbk"}``,
usually in a sources file (``crawlers.sourcefile``). Common keys are checked here once, so that a
typo fails before any request is sent; keys a platform understands beyond these are kept in
``options`` and checked against the platform spider's declared options (``crawlers.sourcefile``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from crawlers.encoding import canonical_encoding
from crawlers.errors import SourceConfigError

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
COMMON_KEYS = ("name", "platform", "start_urls", "encoding", "max_pages", "title", "settings", "enabled",
               "interval", "max_items", "max_requests", "max_seconds")
"""Keys every source may have; anything else is a platform option."""
_SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
DEFAULT_INTERVAL_S = 900.0
"""Every 15 minutes unless a source says otherwise."""


def parse_duration(value: Any, source: str = "?", key: str = "interval") -> float:
    """Seconds from ``900``, ``"90s"``, ``"15m"``, ``"2h"`` or ``"1d"``."""
    if isinstance(value, bool):
        raise SourceConfigError(source, f"{key} must be a duration such as 15m, 2h or 300 (seconds)")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        found = _DURATION.match(str(value))
        if not found:
            raise SourceConfigError(source, f"{key} {value!r} is not a duration such as 15m, 2h or 300 (seconds)")
        seconds = float(found.group(1)) * _UNIT_SECONDS[(found.group(2) or "s").lower()]
    if seconds <= 0:
        raise SourceConfigError(source, f"{key} must be positive")
    return seconds


def _positive_int(data: Mapping[str, Any], key: str, name: str) -> int | None:
    value = data.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise SourceConfigError(name, f"{key} must be a positive integer")
    return value


def check_url(name: str, url: Any) -> str:
    """An http(s) URL, or a file:// URL (saved pages, for one-off crawls)."""
    parts = urlsplit(str(url))
    if parts.scheme in ("http", "https") and parts.netloc:
        return str(url)
    if parts.scheme == "file" and parts.path:
        return str(url)
    raise SourceConfigError(name, f"start URL {url!r} is not an http(s) URL")


@dataclass(frozen=True)
class SourceConfig:
    """One configured site."""

    name: str
    """Stable identifier stored with every item (``Item.source``); never rename a live source."""
    platform: str
    """Which spider reads it: ``discuz``, ``liuyan``, ``tieba``, ``gov-mailbox``, ``rss``, ``generic``."""
    start_urls: tuple[str, ...]
    encoding: str | None = None
    """Force a page encoding when a site declares a wrong one everywhere (``gbk`` is read as GB18030)."""
    max_pages: int | None = None
    """List pages to read per start URL; ``None`` uses the ``HUIYING_MAX_LIST_PAGES`` setting."""
    title: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    """Scrapy settings for this source only (e.g. a slower ``DOWNLOAD_DELAY`` for a fragile site)."""
    options: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    """``huiying monitor`` skips disabled sources (their stored items and state stay)."""
    interval_s: float = DEFAULT_INTERVAL_S
    """Seconds between the starts of two runs of this source in ``huiying monitor``."""
    max_items: int | None = None
    """Stop a run after this many items (Scrapy's ``CLOSESPIDER_ITEMCOUNT``)."""
    max_requests: int | None = None
    """Stop a run after this many responses (``CLOSESPIDER_PAGECOUNT``)."""
    max_seconds: float | None = None
    """Stop a run after this long (``CLOSESPIDER_TIMEOUT``)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | SourceConfig) -> SourceConfig:
        """Validate a source dict (or pass a SourceConfig through)."""
        if isinstance(data, SourceConfig):
            return data
        if not isinstance(data, Mapping):
            raise SourceConfigError("?", f"expected a mapping of keys to values, got {type(data).__name__}")
        name = str(data.get("name") or "")
        if not _NAME.match(name):
            raise SourceConfigError(name or "?", "name must be 1–64 lowercase letters, digits, '-', '_' or '.'")
        platform = str(data.get("platform") or "")
        if not platform:
            raise SourceConfigError(name, "platform is required")
        urls = data.get("start_urls")
        if isinstance(urls, str) or not urls or not isinstance(urls, (list, tuple)):
            raise SourceConfigError(name, "start_urls must be a non-empty list of URLs")
        start_urls = tuple(check_url(name, url) for url in urls)
        max_pages = _positive_int(data, "max_pages", name)
        encoding = data.get("encoding") or None
        if encoding is not None and canonical_encoding(str(encoding)) is None:
            raise SourceConfigError(name, f"unknown encoding {encoding!r}")
        settings = data.get("settings") or {}
        if not isinstance(settings, Mapping) or not all(isinstance(k, str) and _SETTING_NAME.match(k) for k in settings):
            raise SourceConfigError(name, "settings must map Scrapy setting names (UPPER_CASE) to values")
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            raise SourceConfigError(name, "enabled must be true or false")
        interval = parse_duration(data["interval"], name) if data.get("interval") is not None else DEFAULT_INTERVAL_S
        max_seconds = parse_duration(data["max_seconds"], name, "max_seconds") if data.get("max_seconds") else None
        options = {k: v for k, v in data.items() if k not in COMMON_KEYS}
        return cls(
            name=name, platform=platform, start_urls=start_urls,
            encoding=str(encoding) if encoding else None, max_pages=max_pages,
            title=str(data.get("title") or ""), settings=dict(settings), options=options,
            enabled=enabled, interval_s=interval, max_items=_positive_int(data, "max_items", name),
            max_requests=_positive_int(data, "max_requests", name), max_seconds=max_seconds,
        )

    def to_dict(self) -> dict[str, Any]:
        """The plain-data form, for JSON (the subprocess runner) and for spider arguments."""
        out: dict[str, Any] = {"name": self.name, "platform": self.platform, "start_urls": list(self.start_urls)}
        if self.encoding:
            out["encoding"] = self.encoding
        if self.max_pages is not None:
            out["max_pages"] = self.max_pages
        if self.title:
            out["title"] = self.title
        if self.settings:
            out["settings"] = dict(self.settings)
        if not self.enabled:
            out["enabled"] = False
        if self.interval_s != DEFAULT_INTERVAL_S:
            out["interval"] = self.interval_s
        for key in ("max_items", "max_requests", "max_seconds"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out.update(self.options)
        return out

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def crawl_settings(self) -> dict[str, Any]:
        """The Scrapy settings this source runs with on top of the run's: its own plus its limits."""
        values = dict(self.settings)
        if self.max_items is not None:
            values.setdefault("CLOSESPIDER_ITEMCOUNT", self.max_items)
        if self.max_requests is not None:
            values.setdefault("CLOSESPIDER_PAGECOUNT", self.max_requests)
        if self.max_seconds is not None:
            values.setdefault("CLOSESPIDER_TIMEOUT", self.max_seconds)
        return values

    @property
    def netlocs(self) -> tuple[str, ...]:
        """The sites (host names) this source starts from, for one-source-per-site scheduling."""
        return tuple(sorted({(urlsplit(u).hostname or urlsplit(u).scheme) for u in self.start_urls}))


@dataclass(frozen=True)
class Option:
    """A platform option a spider understands (declared in its ``OPTIONS``), with its type and help."""

    kind: type | tuple[type, ...]
    help: str

    def check(self, source: str, key: str, value: Any) -> None:
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        if value is None:
            return
        if isinstance(value, bool) and bool not in kinds:
            ok = False
        else:
            ok = isinstance(value, kinds) or (float in kinds and isinstance(value, int))
        if not ok:
            names = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            raise SourceConfigError(source, f"option {key} must be {names} ({self.help})")


_TYPE_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
               dict: "a mapping", list: "a list"}
