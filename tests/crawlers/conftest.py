"""Fixtures for crawler tests: the real demo site on a free port, real crawls into real SQLite files.

Crawls run through ``crawl_in_subprocess`` (a real ``python -m crawlers.run`` with the real Scrapy
crawler), because Twisted's reactor can run only once per process. The first full crawl of the
demo site is shared by the whole session; tests that change the store work on a copy of it.
"""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawlers.demo_site import DemoServer, DemoSite, demo_sources, start_demo_site
from crawlers.runner import crawl_in_subprocess
from index.store import open_store

FAST: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "WARNING",
    "HUIYING_MAX_LIST_PAGES": 50,
    "RETRY_TIMES": 1,
    "DOWNLOAD_TIMEOUT": 15,
}
"""Test-only overrides: no politeness delays against our own local server."""

UNDERSTANDER_AVAILABLE = importlib.util.find_spec("nlp.understand") is not None


def overrides(fast: bool = True, **extra: Any) -> dict[str, Any]:
    values = dict(FAST) if fast else {"LOG_LEVEL": "WARNING"}
    if not UNDERSTANDER_AVAILABLE:  # the understanding layer is written in parallel; crawl without it
        values["HUIYING_UNDERSTAND_ENABLED"] = False
    values.update(extra)
    return values


def run_crawl(sources: list[dict[str, Any]], store_url: str, fast: bool = True, **extra: Any) -> dict[str, Any]:
    """A real crawl; ``fast`` drops politeness for the whole run (else only the sources' own settings)."""
    return crawl_in_subprocess(sources, store_url=store_url, settings_overrides=overrides(fast, **extra), timeout=180)


@dataclass
class Crawled:
    """A finished crawl: its report, its database and the site it read."""

    report: dict[str, Any]
    db_path: Path
    site: DemoSite
    base_url: str

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db_path}"

    def source(self, name: str) -> dict[str, Any]:
        return self.report["sources"][name]

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def item(self, source: str, external_id: int | str) -> Any:
        """The stored record (``index.records.Item``) for one source id, or None."""
        found = self.rows("SELECT id FROM items WHERE source = ? AND external_id = ?", (source, str(external_id)))
        if not found:
            return None
        store = open_store(self.url)
        try:
            return store.get_item(found[0]["id"])
        finally:
            store.close()

    def copy_to(self, folder: Path) -> Path:
        target = folder / "copy.db"
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.db_path}{suffix}")
            if source.exists():
                shutil.copy(source, f"{target}{suffix}")
        return target


@pytest.fixture(scope="session")
def demo() -> Iterator[tuple[DemoServer, str]]:
    """The whole demo site, everything visible, nothing released while the tests run."""
    server, base_url = start_demo_site(start_visible=None, release_every=0)
    yield server, base_url
    server.shutdown()
    server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[..., tuple[DemoServer, str]]]:
    """Start private demo sites (own options, own request counters); all stopped afterwards."""
    started: list[DemoServer] = []

    def start(**options: Any) -> tuple[DemoServer, str]:
        options.setdefault("start_visible", None)
        options.setdefault("release_every", 0)
        server, base_url = start_demo_site(**options)
        started.append(server)
        return server, base_url

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


@pytest.fixture
def crawl() -> Callable[..., dict[str, Any]]:
    """Run a real crawl in a subprocess: ``crawl(sources, store_url, **setting_overrides)``.

    These crawls test collecting (paging, watermarks, aliases, failures), so they skip the
    Understander (seconds to load per crawl); the shared first crawl and the re-crawl classify.
    """
    def run(sources: list[dict[str, Any]], store_url: str, fast: bool = True, **extra: Any) -> dict[str, Any]:
        return run_crawl(sources, store_url, fast, **{"HUIYING_UNDERSTAND_ENABLED": False, **extra})

    return run


@pytest.fixture(scope="session")
def first_crawl(demo: tuple[DemoServer, str], tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    """One crawl of all three demo sources into an empty store."""
    server, base_url = demo
    db_path = tmp_path_factory.mktemp("first") / "huiying.db"
    report = run_crawl(demo_sources(base_url), f"sqlite:///{db_path}")
    return Crawled(report=report, db_path=db_path, site=server.site, base_url=base_url)


# -- the fixture site: every platform, with the failures of crawl-sources.md §6 --------------------------

@dataclass
class FixtureCrawl(Crawled):
    """A crawl of every fixture source (``crawlers.fixture_site.sources``) into one store."""

    servers: Any = None
    sources: dict[str, dict[str, Any]] | None = None
    jsonl: Path | None = None

    def extracted(self, source: str) -> dict[str, dict[str, Any]]:
        """What the spider extracted for a source (the JSON lines, duplicates included), by external id."""
        import json

        assert self.jsonl is not None
        lines = [json.loads(line) for line in self.jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
        return {line["external_id"]: line for line in lines if line["source"] == source}

    def ids(self, source: str) -> set[str]:
        """External ids stored for a source: as items or as aliases of another item (duplicates)."""
        return {r["external_id"] for r in self.rows(
            "SELECT external_id FROM items WHERE source = ? UNION ALL SELECT external_id FROM item_aliases WHERE source = ?",
            (source, source))}

    def health(self, source: str) -> dict[str, Any]:
        return self.state("source_health", source, as_json=True)

    def state(self, scope: str, key: str, as_json: bool = False) -> Any:
        import json

        store = open_store(self.url)
        try:
            value = store.get_state(scope, key)
        finally:
            store.close()
        return json.loads(value) if as_json and value is not None else value


@pytest.fixture(scope="session")
def fixture_servers() -> Iterator[Any]:
    from crawlers.fixture_site import start_fixture_site

    servers = start_fixture_site()
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def fixture_crawl(fixture_servers: Any, tmp_path_factory: pytest.TempPathFactory) -> FixtureCrawl:
    """One real crawl of every fixture source, each with its own settings (no test-wide speed-ups)."""
    from crawlers.fixture_site.sources import fixture_sources

    sources = fixture_sources(fixture_servers)
    folder = tmp_path_factory.mktemp("fixture")
    db_path, jsonl = folder / "huiying.db", folder / "items.jsonl"
    report = crawl_in_subprocess(list(sources.values()), store_url=f"sqlite:///{db_path}", timeout=240,
                                 settings_overrides={"LOG_LEVEL": "WARNING", "HUIYING_UNDERSTAND_ENABLED": False,
                                                     "HUIYING_JSONL_PATH": str(jsonl)})
    return FixtureCrawl(report=report, db_path=db_path, site=fixture_servers.site, base_url=fixture_servers.base,
                        servers=fixture_servers, sources=sources, jsonl=jsonl)
