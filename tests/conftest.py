"""Shared test fixtures: real files in temporary folders, and where the shared data lives."""

from __future__ import annotations

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
