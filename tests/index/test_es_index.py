"""Elasticsearch as the search index: fed through the outbox, honest about failures, rebuildable.

Tests marked ``elasticsearch`` run against the real cluster given in ``HUIYING_TEST_ES_URL``; the
others answer the client from a local fake server (an overloaded or refusing cluster cannot be
produced on demand from a real one) or from a closed port (a cluster that is down).
"""

from __future__ import annotations

import json
import socket
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from index.errors import SearchRejected, SearchUnavailable, StorageError
from index.es_store import EsSearchIndex
from index.records import CST, Classification, Item
from index.sql_outbox import SEARCH_SCOPE
from index.store import open_search, open_store
from nlp.segment import search_tokens

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST)


def item(n: int, **kw) -> Item:
    values = dict(source="bbs", platform="discuz", url=f"http://127.0.0.1/t/{n}", external_id=str(n),
                  title=f"第{n}号留言 路灯不亮", body=f"编号{n}的小区路灯坏了", posted_at=T0 + timedelta(days=n % 40),
                  content_hash=f"h{n}")
    values.update(kw)
    return Item(**values)


@pytest.fixture
def records(tmp_path: Path):
    s = open_store(f"sqlite:///{tmp_path / 'huiying.db'}", tokenizer=search_tokens)
    yield s
    s.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- a cluster that is down, overloaded or refusing (no server needed) ----------------------


class FakeCluster(BaseHTTPRequestHandler):
    """Answers like Elasticsearch 8 would: ``routes`` maps a path suffix to (status, JSON body)."""

    routes: dict[str, tuple[int, dict]] = {}
    seen: list[str] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.seen.append(f"{self.command} {self.path}")
        path = self.path.split("?", 1)[0]
        status, body = next((v for k, v in self.routes.items() if path.endswith(k)), (200, {"acknowledged": True}))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.elasticsearch+json;compatible-with=8")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_cluster():
    FakeCluster.routes = {}
    FakeCluster.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCluster)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/fake", FakeCluster
    server.shutdown()
    server.server_close()


def es_error(kind: str, reason: str, status: int) -> tuple[int, dict]:
    return status, {"error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind, "reason": reason},
                    "status": status}


def test_when_the_cluster_is_down_items_are_kept_and_search_answers_from_the_database(records):
    search = open_search(f"http://127.0.0.1:{closed_port()}/down", records, tokenizer=search_tokens)
    item_id = records.add_item(item(1)).item_id
    result = search.search("路灯")
    assert [h.item_id for h in result.hits] == [item_id] and "搜索服务暂时无法连接" in result.note
    assert search.counts_by("source") == {"bbs": 1}
    health = search.health()
    assert health["reachable"] is False and "cannot reach Elasticsearch" in health["error"]
    assert health["outbox"]["waiting"] == 1 and health["fallbacks"] == 2
    with pytest.raises(SearchUnavailable, match="changes wait in the outbox"):
        search.primary.indexer.drain()
    assert records.search_outbox_lag().waiting == 1


def test_an_overloaded_cluster_is_reported_as_unavailable_and_nothing_is_dropped(records, fake_cluster):
    url, cluster = fake_cluster
    cluster.routes["/_bulk"] = es_error("es_rejected_execution_exception", "rejected execution of coordinating operation", 429)
    index = EsSearchIndex(url, records, search_tokens)
    records.add_item(item(1))
    with pytest.raises(SearchUnavailable, match=r"overloaded or not ready \(429\).*rejected execution"):
        index.indexer.drain()
    assert records.search_outbox_lag().waiting == 1
    assert index.indexer.stats["failed_requests"] == 1


def test_a_refused_request_says_why(records, fake_cluster):
    url, cluster = fake_cluster
    cluster.routes["/_index_template/fake-items"] = es_error(
        "illegal_argument_exception", "failed to find analyzer [ik_max_word]", 400)
    index = EsSearchIndex(url, records, search_tokens)
    records.add_item(item(1))
    with pytest.raises(SearchRejected, match=r"refused installing the index template \(400\).*ik_max_word"):
        index.indexer.drain()
    assert records.search_outbox_lag().waiting == 1


def test_items_the_cluster_refuses_stay_queued_and_counted(records, fake_cluster):
    url, cluster = fake_cluster
    ok_id = records.add_item(item(1)).item_id
    bad_id = records.add_item(item(2)).item_id
    busy_id = records.add_item(item(3)).item_id
    cluster.routes["/_bulk"] = (200, {"errors": True, "took": 1, "items": [
        {"index": {"_id": str(ok_id), "status": 201, "result": "created"}},
        {"index": {"_id": str(bad_id), "status": 400, "error": {"type": "document_parsing_exception",
                                                                 "reason": "failed to parse field [view_count]"}}},
        {"index": {"_id": str(busy_id), "status": 429, "error": {"type": "es_rejected_execution_exception",
                                                                  "reason": "queue is full"}}},
    ]})
    index = EsSearchIndex(url, records, search_tokens)
    report = index.indexer.drain()
    assert (report.indexed, report.refused) == (1, 2)
    lag = records.search_outbox_lag()
    assert (lag.waiting, lag.failing) == (2, 2)
    assert {r.item_id for r in records.search_outbox_batch(10)} == {bad_id, busy_id}
    assert index.indexer.stats["refused"] == 2 and "document_parsing_exception" in report.refusals[bad_id]


# -- the real cluster ---------------------------------------------------------------------


@pytest.fixture
def es(records, es_search_url: str):
    index = open_search(es_search_url, records, tokenizer=search_tokens, fallback=False)
    index.indexer.retry_refused_after_s = 0
    yield index
    index.close()


@pytest.mark.elasticsearch
def test_items_written_while_the_cluster_was_away_are_indexed_once_it_is_back(records, es_search_url):
    down = open_search(f"http://127.0.0.1:{closed_port()}/huiying", records, tokenizer=search_tokens)
    ids = [records.add_item(item(n)).item_id for n in range(1, 121)]
    assert down.search("路灯").total == 120 and down.search("路灯").note  # from the database meanwhile
    back = open_search(es_search_url, records, tokenizer=search_tokens, fallback=False)
    back.indexer.drain(refresh="true")
    assert back.search("路灯", limit=200).total == 120
    assert all(back.search(f"编号{n}的").total == 1 for n in (1, 57, 120))
    assert back.health()["documents"] == 120 and records.search_outbox_lag().waiting == 0
    assert sorted(h.item_id for h in back.search("路灯", limit=200).hits) == ids
    back.close()


@pytest.mark.elasticsearch
def test_an_older_state_never_overwrites_a_newer_one(records, es):
    item_id = records.add_item(item(1, title="旧标题", body="旧内容")).item_id
    stale = records.search_sources([item_id])[0]
    records.add_item(item(1, title="新标题", body="新内容"))
    es.indexer.drain()
    es.put_documents([(stale, 1)], refresh="true")  # a slow drainer arriving late with an old version
    assert es.search("新标题").total == 1 and es.search("旧标题").total == 0


@pytest.mark.elasticsearch
def test_a_refused_item_is_counted_and_indexed_once_the_cause_is_fixed(records, es, es_url, es_prefix):
    from elasticsearch import Elasticsearch

    with Elasticsearch(es_url) as client:  # a monthly index someone created by hand with a wrong mapping
        es.ensure_template()
        client.indices.create(index=f"{es_prefix}-items-2030.01", mappings={"properties": {"view_count": {"type": "boolean"}}})
        good = records.add_item(item(1, view_count=12)).item_id
        bad = records.add_item(item(2, view_count=12, posted_at=datetime(2030, 1, 5, tzinfo=CST))).item_id
        report = es.indexer.drain(refresh="true")
        assert report.indexed == 1 and "failed to parse field [view_count]" in report.refusals[bad]
        health = es.health()
        assert health["outbox"]["failing"] == 1 and "document_parsing_exception" in health["outbox"]["last_error"]
        assert [h.item_id for h in es.search("路灯").hits] == [good]
        client.indices.delete(index=f"{es_prefix}-items-2030.01")
    es.indexer.drain(refresh="true")
    assert es.search("路灯").total == 2 and records.search_outbox_lag().waiting == 0


@pytest.mark.elasticsearch
def test_rebuild_recreates_the_index_from_the_record(records, es, es_url, es_prefix):
    from elasticsearch import Elasticsearch

    for n in range(1, 31):
        item_id = records.add_item(item(n)).item_id
        records.save_classification(Classification(item_id, "城乡建设", "housing", (), "一般", "投诉", {}, "t"))
    es.indexer.drain()
    with Elasticsearch(es_url) as client:  # lose part of the index
        client.indices.delete(index=f"{es_prefix}-items-2026.03")
    assert es.search("路灯").total < 30
    seen: list[tuple[int, int]] = []
    report = es.indexer.rebuild(progress=lambda done, total: seen.append((done, total)), batch_size=8)
    assert (report.total, report.indexed, report.refused) == (30, 30, 0)
    assert seen[-1] == (30, 30) and len(seen) == 4
    assert es.search("路灯").total == 30 and es.counts_by("unit") == {"housing": 30}
    assert es.health()["rebuild"] is None


@pytest.mark.elasticsearch
def test_while_a_rebuild_runs_or_after_it_failed_searches_say_so(records, es_search_url):
    records.add_item(item(1))
    search = open_search(es_search_url, records, tokenizer=search_tokens)
    records.set_state(SEARCH_SCOPE, "rebuild", json.dumps({"state": "running", "done": 10, "total": 40}))
    result = search.search("路灯")
    assert result.total == 1 and "正在重建" in result.note
    with pytest.raises(SearchUnavailable, match="being rebuilt"):
        search.primary.search("路灯")
    with pytest.raises(StorageError, match="another rebuild"):
        search.primary.indexer.rebuild()
    records.set_state(SEARCH_SCOPE, "rebuild", json.dumps({"state": "failed", "error": "disk full"}))
    assert "重新运行" in search.search("路灯").note
    assert search.health()["rebuild"]["unfinished"] is True
    search.primary.indexer.rebuild()
    assert search.search("路灯").note == "" and search.search("路灯").total == 1
    search.close()


@pytest.mark.elasticsearch
def test_health_reports_documents_size_and_outbox_lag(records, es):
    records.add_item(item(1))
    es.indexer.drain(refresh="true")
    records.add_item(item(2))
    health = es.health()
    assert health["reachable"] and health["cluster_status"] in ("green", "yellow") and health["version"].startswith("8.")
    assert health["documents"] == 1 and health["size_bytes"] > 0 and health["mapping_current"] is True
    assert health["outbox"]["waiting"] == 1 and health["outbox"]["oldest_age_s"] >= 0


@pytest.mark.elasticsearch
def test_the_analyzers_are_configurable(records, es_search_url):
    index = open_search(es_search_url, records, tokenizer=search_tokens, fallback=False, cjk_analyzer="cjk")
    records.add_item(item(1))
    assert index.search("路灯").total == 1
    index.close()
    ik = open_search(es_search_url.replace("/test-", "/test-ik-"), records, tokenizer=search_tokens, fallback=False,
                     word_analyzer="ik_max_word")
    records.add_item(item(2))
    with pytest.raises(SearchRejected, match="ik_max_word"):
        ik.search("路灯")
    ik.close()
