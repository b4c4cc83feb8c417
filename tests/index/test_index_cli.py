"""The command line takes the search backend from configuration or ``--index``: the same command
answers from either backend, and ``huiying index`` rebuilds, feeds and checks the cluster."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta

import pytest

from huiying.cli import main
from index.records import CST, Item
from index.store import open_store
from nlp.segment import search_tokens

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST)


@pytest.fixture
def store_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'huiying.db'}"
    store = open_store(url, tokenizer=search_tokens)
    for n in range(1, 26):
        store.add_item(Item(source="bbs", platform="discuz", url=f"http://127.0.0.1/t/{n}", external_id=str(n),
                            title=f"路灯不亮{n}", body="晚上很黑，请尽快修理", posted_at=T0 + timedelta(days=n),
                            content_hash=f"h{n}"))
    store.close()
    return url


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_search_answers_from_the_record_store_by_default(capsys, tmp_path, store_url):
    code, out, _ = run(capsys, "search", "路灯", "--json", "--data-dir", str(tmp_path), "--store", store_url)
    doc = json.loads(out)
    assert code == 0 and doc["total"] == 25 and doc["backend"] == "sqlite" and doc["note"] == ""


def test_index_commands_need_a_search_cluster(capsys, tmp_path, store_url):
    code, _, err = run(capsys, "index", "rebuild", "--data-dir", str(tmp_path), "--store", store_url)
    assert code == 1 and "HUIYING_SEARCH_URL" in err and "无需重建" in err


def test_search_falls_back_to_the_database_with_a_note_when_the_cluster_is_down(capsys, tmp_path, store_url):
    index = f"http://127.0.0.1:{closed_port()}/down"
    code, out, err = run(capsys, "search", "路灯", "--json", "--data-dir", str(tmp_path), "--store", store_url,
                         "--index", index)
    doc = json.loads(out)
    assert code == 0 and doc["total"] == 25 and doc["backend"] == "elasticsearch" and "搜索服务" in doc["note"]
    assert "注意" in err
    code, out, _ = run(capsys, "index", "health", "--json", "--store", store_url, "--index", index)
    health = json.loads(out)
    assert code == 1 and health["reachable"] is False and health["outbox"]["waiting"] == 25


@pytest.mark.elasticsearch
def test_the_same_search_answers_from_elasticsearch(capsys, tmp_path, store_url, es_search_url):
    common = ["--data-dir", str(tmp_path), "--store", store_url, "--index", es_search_url]
    code, out, _ = run(capsys, "index", "rebuild", "--batch", "10", *common)
    assert code == 0 and "[" in out and "25/25" in out and "索引重建完成：25/25" in out
    code, out, _ = run(capsys, "search", "路灯", "--json", "--limit", "5", *common)
    from_es = json.loads(out)
    assert code == 0 and from_es["backend"] == "elasticsearch" and from_es["note"] == "" and from_es["total"] == 25
    _, out, _ = run(capsys, "search", "路灯", "--json", "--limit", "5", "--data-dir", str(tmp_path), "--store", store_url)
    from_sql = json.loads(out)
    assert {h["id"] for h in from_es["hits"]} <= set(range(1, 26)) and from_sql["total"] == 25
    code, out, _ = run(capsys, "index", "health", "--json", *common)
    health = json.loads(out)
    assert code == 0 and health["documents"] == 25 and health["outbox"]["waiting"] == 0
    code, out, _ = run(capsys, "index", "sync", *common)
    assert code == 0 and "waiting 0" in out
