"""The search outbox in the record store (SQLite and PostgreSQL): a change and its queue entry are
one transaction, versions only grow, and a row goes only when the version indexed is its latest."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from index.errors import VersionConflict
from index.records import CST, Case, Classification, Event, Item
from index.sql_outbox import OutboxRow
from index.store import open_store
from nlp.segment import search_tokens

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST)


@pytest.fixture
def store(record_store_url: str):
    s = open_store(record_store_url, tokenizer=search_tokens)
    yield s
    s.close()


def item(n: int, **kw) -> Item:
    values = dict(source="bbs", platform="discuz", url=f"http://127.0.0.1/t/{n}", external_id=str(n), title=f"标题{n}",
                  body=f"正文{n}", posted_at=T0, content_hash=f"h{n}")
    values.update(kw)
    return Item(**values)


def queue(store) -> dict[int, int]:
    return {r.item_id: r.version for r in store.search_outbox_batch(1000)}


def open_case(store, item_id: int) -> Case:
    case = Case(id=0, item_id=item_id, status="assigned", lead_unit="hrss", co_units=(), urgency="一般", kind="投诉",
                received_at=T0, deadline=T0 + timedelta(days=5), ack_deadline=T0 + timedelta(hours=9))
    return store.insert_case(case, Event(0, "system", "open_assign", T0))


def test_nothing_is_queued_until_a_search_cluster_is_attached(store):
    store.add_item(item(1))
    assert not store.search_outbox_enabled() and queue(store) == {}


def test_attaching_queues_every_existing_item_once(store):
    a = store.add_item(item(1)).item_id
    b = store.add_item(item(2)).item_id
    assert store.enable_search_outbox() == 2
    assert set(queue(store)) == {a, b}
    assert store.enable_search_outbox() == 0


def test_every_kind_of_change_requeues_the_item_with_a_newer_version(store):
    store.enable_search_outbox()
    item_id = store.add_item(item(1)).item_id
    versions = [queue(store)[item_id]]
    store.add_item(item(1, title="新标题"))  # a re-crawl with new text
    versions.append(queue(store)[item_id])
    store.save_classification(Classification(item_id, "城乡建设", "housing", (), "一般", "投诉", {}, "t"))
    versions.append(queue(store)[item_id])
    case = open_case(store, item_id)
    versions.append(queue(store)[item_id])
    store.update_case(case.id, 1, {"status": "acknowledged"}, Event(case.id, "hrss", "acknowledge", T0))
    versions.append(queue(store)[item_id])
    assert versions == sorted(set(versions)) and len(queue(store)) == 1


def test_a_repost_does_not_requeue_the_original(store):
    store.enable_search_outbox()
    item_id = store.add_item(item(1)).item_id
    before = queue(store)
    assert store.add_item(item(2, content_hash="h1")).status == "duplicate"
    assert queue(store) == before == {item_id: before[item_id]}


def test_a_change_that_fails_queues_nothing(store):
    store.enable_search_outbox()
    item_id = store.add_item(item(1)).item_id
    case = open_case(store, item_id)
    store.search_outbox_done([OutboxRow(item_id, queue(store)[item_id], 0)])
    with pytest.raises(VersionConflict):
        store.update_case(case.id, 7, {"status": "replied"}, Event(case.id, "hrss", "reply", T0))
    assert queue(store) == {}


def test_only_the_version_that_was_indexed_is_removed(store):
    store.enable_search_outbox()
    item_id = store.add_item(item(1)).item_id
    seen = store.search_outbox_batch(10)
    store.save_classification(Classification(item_id, "城乡建设", "housing", (), "一般", "投诉", {}, "t"))  # meanwhile
    assert store.search_outbox_done(seen) == 0
    assert store.search_outbox_done(store.search_outbox_batch(10)) == 1
    assert queue(store) == {}


def test_refusals_are_counted_kept_and_tried_last(store):
    store.enable_search_outbox()
    bad = store.add_item(item(1)).item_id
    good = store.add_item(item(2)).item_id
    store.search_outbox_failed({bad: "400 document_parsing_exception: failed to parse"})
    store.search_outbox_failed({bad: "400 document_parsing_exception: failed to parse"})
    assert [r.item_id for r in store.search_outbox_batch(10)] == [good, bad]
    assert [r.item_id for r in store.search_outbox_batch(10, fresh_only=True)] == [good]
    lag = store.search_outbox_lag()
    assert (lag.waiting, lag.failing) == (2, 1) and "document_parsing_exception" in lag.last_error
    assert lag.as_dict()["oldest_age_s"] >= 0


def test_a_refusal_outside_the_queue_is_queued(store):
    store.enable_search_outbox()
    store.search_outbox_failed({42: "429 es_rejected_execution_exception"})
    assert queue(store) == {42: 0}


def test_a_claim_is_refused_while_its_holder_is_alive(store):
    assert store.claim_state("search", "rebuild", "mine", lambda value, at: False) is None
    assert store.claim_state("search", "rebuild", "yours", lambda value, at: False)[0] == "mine"
    assert store.claim_state("search", "rebuild", "yours", lambda value, at: value == "mine") is None
    assert store.state_entry("search", "rebuild")[0] == "yours"
    store.delete_state("search", "rebuild")
    assert store.state_entry("search", "rebuild") is None
