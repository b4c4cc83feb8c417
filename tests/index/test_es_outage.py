"""Elasticsearch stops in the middle of ingestion and starts again: nothing is lost, nothing doubled.

The test runs a node of its own, started and stopped by its PID through the same script as CI
(``.ci/elasticsearch.sh``, from its verified cache), so stopping it does not disturb the tests
that share the cluster in ``HUIYING_TEST_ES_URL``. It runs only where that cluster was given
(which is where the script's cache exists), and takes about a minute.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from index.errors import SearchUnavailable
from index.records import CST, Case, Classification, Event, Item
from index.store import open_search, open_store
from nlp.segment import search_tokens

pytestmark = [pytest.mark.elasticsearch, pytest.mark.slow]

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "elasticsearch.sh"
T0 = datetime(2026, 2, 20, 9, 0, tzinfo=CST)
N = 450


@dataclass
class Node:
    folder: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        run = subprocess.run([str(SCRIPT), "start", self.folder, str(self.port)], capture_output=True, text=True,
                             timeout=240)
        assert run.returncode == 0, run.stderr[-2000:]

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop", self.folder], capture_output=True, text=True, timeout=90, check=True)


@pytest.fixture(scope="module")
def node(es_url: str) -> Iterator[Node]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    folder = tempfile.mkdtemp(prefix="huiying-es-outage-")  # not under pytest's private tmp: the node's user must reach it
    n = Node(folder, port)
    n.start()
    try:
        yield n
    finally:
        n.stop()
        shutil.rmtree(folder, ignore_errors=True)


def ingest(records, stop_at: int, written: list[int]) -> None:
    """What the crawl pipeline does: store, classify, open a case — a steady trickle."""
    for n in range(1, stop_at + 1):
        item_id = records.add_item(Item(
            source="bbs", platform="discuz", url=f"http://127.0.0.1/t/{n}", external_id=str(n),
            title=f"停电第{n}次", body=f"留言编号{n}：小区又停电了，请供电所尽快处理", posted_at=T0 + timedelta(days=n % 30),
            content_hash=f"h{n}")).item_id
        records.save_classification(Classification(item_id, "城乡建设", "housing", (), "一般", "投诉", {}, "t"))
        if n % 3 == 0:
            records.insert_case(Case(id=0, item_id=item_id, status="assigned", lead_unit="housing", co_units=(),
                                     urgency="一般", kind="投诉", received_at=T0, deadline=T0 + timedelta(days=15),
                                     ack_deadline=T0 + timedelta(hours=9)), Event(0, "system", "open_assign", T0))
        written.append(item_id)
        time.sleep(0.02)


def test_items_received_while_the_cluster_is_down_are_indexed_exactly_once_when_it_returns(node, tmp_path):
    records = open_store(f"sqlite:///{tmp_path / 'huiying.db'}", tokenizer=search_tokens)
    search = open_search(f"{node.url}/outage", records, tokenizer=search_tokens)
    indexer = search.primary.indexer
    written: list[int] = []
    outages: list[str] = []
    writer = threading.Thread(target=ingest, args=(records, N, written))
    stop_indexing = threading.Event()

    def index_continuously() -> None:  # what `huiying index sync --follow` does
        while not stop_indexing.is_set():
            try:
                indexer.drain()
            except SearchUnavailable as exc:
                outages.append(str(exc))
            time.sleep(0.1)

    indexing = threading.Thread(target=index_continuously)
    writer.start()
    indexing.start()
    try:
        wait_until(lambda: len(written) >= N // 3, 60)
        node.stop()
        down_at = len(written)
        wait_until(lambda: len(written) >= down_at + 60, 60)  # items still arrive while the cluster is down
        during = search.search("停电")
        assert during.total == len(records.search_sources(written)) >= down_at and "搜索服务" in during.note
        assert search.health()["reachable"] is False and records.search_outbox_lag().waiting > 0
        node.start()
        writer.join(timeout=120)
        wait_until(lambda: records.search_outbox_lag().waiting == 0, 120)
    finally:
        stop_indexing.set()
        indexing.join(timeout=60)
        writer.join(timeout=60)
    assert outages, "the indexer never noticed the cluster was down"
    assert len(written) == N
    after = search.search("停电", limit=5)  # once the outbox is empty, everything in it is searchable
    assert after.note == "" and after.total == N
    client = search.primary.client
    ids = [h["_source"]["item_id"] for h in client.search(index="outage-items", size=N + 50, source_includes=["item_id"],
                                                           query={"match_all": {}})["hits"]["hits"]]
    assert sorted(ids) == sorted(written)  # every item, exactly once
    assert search.counts_by("status") == {"": N - N // 3, "assigned": N // 3}
    assert search.search("留言编号17").total == 1
    search.close()
    records.close()


def wait_until(condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout_s} s")
        time.sleep(0.1)
