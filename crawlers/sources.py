"""Source configuration: which site to crawl, with which platform spider, and how.

Counties add sites by writing data, not code: one dict per site, such as
``{"name": "longchuan-bbs", "platform": "discuz", "start_urls": [...], "encoding": "gbk"}``.
Common keys are checked here once, so that a typo fails before any request is sent; keys a
platform understands beyond these are kept in ``options`` for its spider.
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
_COMMON = ("name", "platform", "start_urls", "encoding", "max_pages", "title", "settings")
_SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


@dataclass(frozen=True)
class SourceConfig:
    """One configured site."""

    name: str
    """Stable identifier stored with every item (``Item.source``); never rename a live source."""
    platform: str
    """Which spider reads it: ``discuz``, ``liuyan`` (more platforms come as spiders are added)."""
    start_urls: tuple[str, ...]
    encoding: str | None = None
    """Force a page encoding when a site declares a wrong one everywhere (``gbk`` is read as GB18030)."""
    max_pages: int | None = None
    """List pages to read per start URL; ``None`` uses the ``HUIYING_MAX_LIST_PAGES`` setting."""
    title: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    """Scrapy settings for this source only (e.g. a slower ``DOWNLOAD_DELAY`` for a fragile site)."""
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | SourceConfig) -> SourceConfig:
        """Validate a source dict (or pass a SourceConfig through)."""
        if isinstance(data, SourceConfig):
            return data
        if not isinstance(data, Mapping):
            raise SourceConfigError("?", f"expected a dict, got {type(data).__name__}")
        name = str(data.get("name") or "")
        if not _NAME.match(name):
            raise SourceConfigError(name or "?", "name must be 1–64 lowercase letters, digits, '-', '_' or '.'")
        platform = str(data.get("platform") or "")
        if not platform:
            raise SourceConfigError(name, "platform is required")
        urls = data.get("start_urls")
        if isinstance(urls, str) or not urls:
            raise SourceConfigError(name, "start_urls must be a non-empty list of URLs")
        for url in urls:
            parts = urlsplit(str(url))
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise SourceConfigError(name, f"start URL {url!r} is not an http(s) URL")
        max_pages = data.get("max_pages")
        if max_pages is not None and (not isinstance(max_pages, int) or max_pages < 1):
            raise SourceConfigError(name, "max_pages must be a positive integer")
        encoding = data.get("encoding") or None
        if encoding is not None and canonical_encoding(str(encoding)) is None:
            raise SourceConfigError(name, f"unknown encoding {encoding!r}")
        settings = data.get("settings") or {}
        if not isinstance(settings, Mapping) or not all(isinstance(k, str) and _SETTING_NAME.match(k) for k in settings):
            raise SourceConfigError(name, "settings must map Scrapy setting names (UPPER_CASE) to values")
        options = {k: v for k, v in data.items() if k not in _COMMON}
        return cls(
            name=name, platform=platform, start_urls=tuple(str(u) for u in urls),
            encoding=str(encoding) if encoding else None, max_pages=max_pages,
            title=str(data.get("title") or ""), settings=dict(settings), options=options,
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
        out.update(self.options)
        return out

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)
