"""Fixtures of the workflow tests: a real store (SQLite, and PostgreSQL when given) with units."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the shared helpers module beside this file

from workflow_helpers import T0, Clock  # noqa: E402

from index.records import Unit  # noqa: E402
from index.store import open_store  # noqa: E402
from nlp.segment import search_tokens  # noqa: E402
from workflow.cases import CaseService  # noqa: E402
from workflow.deadlines import DeadlineProfile  # noqa: E402


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def store(record_store_url):
    s = open_store(record_store_url, tokenizer=search_tokens)
    s.upsert_units([Unit("gov-office", "县政府办公室", "coordinator"), Unit("data-bureau", "县政数局", "monitor"),
                    Unit("propaganda", "县委宣传部", "responder"), Unit("hrss", "县人社局", "handler"),
                    Unit("housing", "县住建局", "handler"), Unit("town-laolong", "老隆镇", "town")])
    yield s
    s.close()


@pytest.fixture
def service(store, clock) -> CaseService:
    return CaseService(store, DeadlineProfile.load(), clock=clock)
