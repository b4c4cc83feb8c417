"""Shared test fixtures: real files in temporary folders, and where the shared data lives."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "data").exists():
        pytest.skip(f"the shared data folder is not at {SHARED}")
    return SHARED


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'huiying.db'}"


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The PostgreSQL server the tests were given (``.ci/run`` starts one), or skip."""
    import os

    url = os.environ.get("HUIYING_TEST_POSTGRES_URL", "")
    if not url:
        pytest.skip("no PostgreSQL given: set HUIYING_TEST_POSTGRES_URL (see .ci/postgres.sh)")
    return url


@pytest.fixture
def postgres_url(postgres_admin_url: str):
    """A fresh, empty database on the test server, dropped afterwards."""
    import uuid

    import psycopg

    name = f"huiying_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = postgres_admin_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def record_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store on each backend the tests can reach."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'huiying.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def es_url() -> str:
    """The Elasticsearch cluster the tests were given (``.ci/run`` starts one), or skip."""
    url = os.environ.get("HUIYING_TEST_ES_URL", "").rstrip("/")
    if not url:
        pytest.skip("no Elasticsearch given: set HUIYING_TEST_ES_URL (see .ci/elasticsearch.sh)")
    try:
        import elasticsearch  # noqa: F401
    except ImportError:
        pytest.fail("HUIYING_TEST_ES_URL is set but the client is missing: pip install 'elasticsearch>=8.12,<9'")
    return url


@pytest.fixture(scope="module")
def es_prefix(request: pytest.FixtureRequest, es_url: str) -> Iterator[str]:
    """Index names of their own for one test module; its indices and template are deleted afterwards."""
    from elasticsearch import Elasticsearch

    module = re.sub(r"[^a-z0-9]", "", request.module.__name__.rsplit(".", 1)[-1].lower())[:24]
    prefix = f"test-{module}-{uuid.uuid4().hex[:8]}"
    yield prefix
    with Elasticsearch(es_url) as client:
        client.indices.delete(index=f"{prefix}-items-*", ignore_unavailable=True, allow_no_indices=True)
        client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-items")


@pytest.fixture
def es_search_url(es_url: str, es_prefix: str) -> str:
    """The module's search URL, with its indices emptied (dropped) before each test."""
    from elasticsearch import Elasticsearch

    with Elasticsearch(es_url) as client:
        client.indices.delete(index=f"{es_prefix}-items-*", ignore_unavailable=True, allow_no_indices=True)
    return f"{es_url}/{es_prefix}"


@pytest.fixture(params=["sqlite", "postgres", "elasticsearch"])
def search_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[object, object]]:
    """(record store, search index) on each search backend the tests can reach.

    SQLite and PostgreSQL answer search themselves; Elasticsearch is fed from a SQLite record
    store through its outbox, exactly as in production.
    """
    from index.store import open_search, open_store
    from nlp.segment import search_tokens

    if request.param == "elasticsearch":
        url = str(request.getfixturevalue("es_search_url"))
        records = open_store(f"sqlite:///{tmp_path / 'huiying.db'}", tokenizer=search_tokens)
        search = open_search(url, records, tokenizer=search_tokens, fallback=False)
    else:
        url = f"sqlite:///{tmp_path / 'huiying.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
        records = open_store(str(url), tokenizer=search_tokens)
        search = records
    yield records, search
    if search is not records:
        search.close()  # type: ignore[attr-defined]
    records.close()  # type: ignore[attr-defined]
