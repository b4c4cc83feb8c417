"""The storage contract: what every backend must do, run against each backend it is given.

SQLite always runs (a real file in a temporary folder); PostgreSQL runs when the tests are given
a server (``HUIYING_TEST_POSTGRES_URL``; ``.ci/run`` starts one). Search has its own contract, run
on every search backend including Elasticsearch: ``test_search_contract.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from index.errors import MigrationError, NotFound, VersionConflict
from index.records import CST, Case, Classification, Event, Item, Reply, Unit
from index.store import CaseFilter, open_store
from nlp.segment import search_tokens

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST)


@pytest.fixture
def store(record_store_url: str):
    s = open_store(record_store_url, tokenizer=search_tokens)
    s.upsert_units([Unit("hrss", "县人力资源社会保障局", "handler"), Unit("housing", "县住房城乡建设局", "handler"),
                    Unit("town-laolong", "老隆镇", "town")])
    yield s
    s.close()


def make_item(n: int, **kw) -> Item:
    values = dict(source="demo-bbs", platform="discuz", url=f"http://127.0.0.1/t/{n}", external_id=str(n),
                  title=f"标题{n}", body=f"正文内容{n}", author="网友", posted_at=T0 + timedelta(hours=n),
                  fetched_at=T0 + timedelta(hours=n, minutes=5), content_hash=f"hash-{n}")
    values.update(kw)
    return Item(**values)


def classify(store, item_id: int, unit: str = "hrss", urgency: str = "一般", triage: bool = False) -> Classification:
    c = Classification(item_id=item_id, domain="劳动和社会保障", lead_unit=unit, co_units=("town-laolong",),
                       urgency=urgency, kind="投诉", confidences={"domain": 0.9, "urgency": 0.8},
                       model_version="test-1", reasons=("关键词“欠薪”",), needs_triage=triage, classified_at=T0)
    store.save_classification(c)
    return c


def open_case(store, item_id: int, unit: str = "hrss") -> Case:
    case = Case(id=0, item_id=item_id, status="assigned", lead_unit=unit, co_units=("town-laolong",), urgency="一般",
                kind="投诉", received_at=T0, deadline=T0 + timedelta(days=21), ack_deadline=T0 + timedelta(hours=9),
                assigned_at=T0)
    return store.insert_case(case, Event(case_id=0, actor="system", action="open_assign", at=T0, after={"status": "assigned"}))


class TestItems:
    def test_a_new_item_round_trips_every_field(self, store):
        item = make_item(1, replies=(Reply("县人社局", "已转交处理", T0 + timedelta(days=2), "县人社局"),),
                         reply_count=3, view_count=120, kind="投诉", extra={"fid": 2})
        result = store.add_item(item)
        assert result.status == "new"
        got = store.get_item(result.item_id)
        assert got.title == item.title and got.body == item.body and got.author == "网友"
        assert got.posted_at == item.posted_at and got.posted_at.utcoffset() == timedelta(hours=8)
        assert got.replies == item.replies and got.extra == {"fid": 2}
        assert (got.reply_count, got.view_count, got.kind) == (3, 120, "投诉")

    def test_the_same_external_id_updates_instead_of_duplicating(self, store):
        first = store.add_item(make_item(1, reply_count=1))
        again = store.add_item(make_item(1, reply_count=7, fetched_at=T0 + timedelta(days=1)))
        assert again == type(first)(first.item_id, "updated")
        assert store.count_items() == 1
        assert store.get_item(first.item_id).reply_count == 7
        assert [obs[1] for obs in store.observations(first.item_id)] == [1, 7]

    def test_the_same_text_under_another_id_is_a_duplicate_and_keeps_the_alias(self, store):
        first = store.add_item(make_item(1))
        repost = store.add_item(make_item(2, content_hash="hash-1", url="http://127.0.0.1/thread-1-1-1.html"))
        assert repost.status == "duplicate" and repost.item_id == first.item_id
        assert store.count_items() == 1
        assert store.aliases(first.item_id) == [("demo-bbs", "2", "http://127.0.0.1/thread-1-1-1.html")]
        assert store.add_item(make_item(2, content_hash="hash-1")).status == "duplicate"

    def test_an_item_is_found_by_its_source_id_or_an_alias(self, store):
        first = store.add_item(make_item(1)).item_id
        store.add_item(make_item(2, content_hash="hash-1"))
        assert store.find_item("demo-bbs", "1").id == first
        assert store.find_item("demo-bbs", "2").id == first
        assert store.find_item("demo-bbs", "3") is None

    def test_text_with_markup_is_stored_as_literal_text(self, store):
        body = "<script>alert(1)</script><img src=x onerror=alert(1)>"
        result = store.add_item(make_item(1, body=body))
        assert store.get_item(result.item_id).body == body

    def test_a_one_megabyte_body_is_stored_whole(self, store):
        body = "噪音扰民" * 262_144
        result = store.add_item(make_item(1, body=body))
        assert len(store.get_item(result.item_id).body) == len(body)

    def test_classification_round_trips(self, store):
        item_id = store.add_item(make_item(1)).item_id
        c = classify(store, item_id)
        assert store.get_classification(item_id) == c
        assert store.get_classification(999) is None

    def test_items_without_a_case_are_those_classified_and_not_yet_opened(self, store):
        a = store.add_item(make_item(1)).item_id
        b = store.add_item(make_item(2)).item_id
        store.add_item(make_item(3))  # not classified yet
        classify(store, a)
        classify(store, b)
        open_case(store, a)
        assert [i.id for i, _ in store.items_without_case()] == [b]

    def test_unknown_item_is_not_found(self, store):
        with pytest.raises(NotFound):
            store.get_item(42)


class TestCases:
    def test_a_case_is_stored_with_its_first_event(self, store):
        item_id = store.add_item(make_item(1)).item_id
        case = open_case(store, item_id)
        assert case.id > 0 and case.version == 1 and store.case_for_item(item_id) == case
        assert [e.action for e in store.events(case.id)] == ["open_assign"]

    def test_an_update_bumps_the_version_and_appends_one_event(self, store):
        case = open_case(store, store.add_item(make_item(1)).item_id)
        ack = T0 + timedelta(hours=1)
        updated = store.update_case(case.id, 1, {"status": "acknowledged", "acknowledged_at": ack},
                                    Event(case.id, "hrss", "acknowledge", ack, {"status": "assigned"}, {"status": "acknowledged"}))
        assert updated.version == 2 and updated.status == "acknowledged" and updated.acknowledged_at == ack
        assert [e.action for e in store.events(case.id)] == ["open_assign", "acknowledge"]

    def test_a_stale_version_is_refused_and_changes_nothing(self, store):
        case = open_case(store, store.add_item(make_item(1)).item_id)
        store.update_case(case.id, 1, {"status": "acknowledged"}, Event(case.id, "a", "acknowledge", T0))
        with pytest.raises(VersionConflict):
            store.update_case(case.id, 1, {"status": "replied"}, Event(case.id, "b", "reply", T0))
        assert store.get_case(case.id).status == "acknowledged"
        assert len(store.events(case.id)) == 2

    def test_cases_are_listed_by_unit_including_co_handling(self, store):
        a = open_case(store, store.add_item(make_item(1)).item_id, unit="hrss")
        b = open_case(store, store.add_item(make_item(2)).item_id, unit="housing")
        assert [v.case.id for v in store.list_cases(CaseFilter(units=("hrss",)))] == [a.id]
        assert {v.case.id for v in store.list_cases(CaseFilter(units=("town-laolong",)))} == {a.id, b.id}
        assert store.count_cases(CaseFilter(units=("housing",))) == 1

    def test_reassignment_moves_the_case_between_inboxes(self, store):
        case = open_case(store, store.add_item(make_item(1)).item_id, unit="hrss")
        store.update_case(case.id, 1, {"lead_unit": "housing", "co_units": ()}, Event(case.id, "duty", "assign", T0))
        assert store.list_cases(CaseFilter(units=("hrss",))) == []
        assert [v.case.id for v in store.list_cases(CaseFilter(units=("housing",)))] == [case.id]

    def test_inbox_order_puts_the_nearest_deadline_first(self, store):
        late = open_case(store, store.add_item(make_item(1)).item_id)
        soon = open_case(store, store.add_item(make_item(2)).item_id)
        store.update_case(soon.id, 1, {"deadline": T0 + timedelta(days=1)}, Event(soon.id, "x", "extend", T0))
        views = store.list_cases(CaseFilter(order="deadline_asc"))
        assert [v.case.id for v in views] == [soon.id, late.id]

    def test_the_event_log_cannot_be_altered(self, store):
        case = open_case(store, store.add_item(make_item(1)).item_id)
        with pytest.raises(Exception, match="append-only"), store._write() as conn:
            conn.execute("UPDATE events SET actor = 'someone' WHERE case_id = ?", (case.id,))
        with pytest.raises(Exception, match="append-only"), store._write() as conn:
            conn.execute("DELETE FROM events")
        assert [e.actor for e in store.events(case.id)] == ["system"]


class TestNotifications:
    def test_claiming_gives_each_due_message_to_one_deliverer_only(self, store):
        from index.records import Notification

        case = open_case(store, store.add_item(make_item(1)).item_id)
        notes = [Notification(case_id=case.id, event_id=1, channel="wecom", recipient=f"http://h/{n}",
                              subject="s", body="b", created_at=T0) for n in range(5)]
        assert store.add_notifications(notes) == 5
        assert store.add_notifications(notes) == 0  # the same event and recipient is not queued twice
        lease = T0 + timedelta(minutes=5)
        first = store.claim_due_notifications(T0, 3, lease_until=lease)
        second = store.claim_due_notifications(T0, 10, lease_until=lease)
        assert len(first) == 3 and len(second) == 2
        assert {n.id for n in first}.isdisjoint({n.id for n in second})
        assert store.claim_due_notifications(T0, 10, lease_until=lease) == []
        assert len(store.claim_due_notifications(lease, 10, lease_until=lease + timedelta(minutes=5))) == 5


class TestState:
    def test_state_is_kept_per_scope(self, store):
        assert store.get_state("liuyan", "watermark:9001") is None
        store.set_state("liuyan", "watermark:9001", "123")
        store.set_state("liuyan", "watermark:9001", "456")
        assert store.get_state("liuyan", "watermark:9001") == "456"


def test_reopening_a_store_keeps_everything(record_store_url):
    s = open_store(record_store_url, tokenizer=search_tokens)
    item_id = s.add_item(make_item(1, title="路灯不亮")).item_id
    s.close()
    again = open_store(record_store_url, tokenizer=search_tokens)
    assert again.get_item(item_id).title == "路灯不亮" and again.search("路灯").total == 1
    again.close()


def test_a_database_from_a_newer_version_is_refused(record_store_url):
    s = open_store(record_store_url, tokenizer=search_tokens)
    with s._write() as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (9999, '9999_future', '2030-01-01')")
    s.close()
    with pytest.raises(MigrationError, match="newer"):
        open_store(record_store_url, tokenizer=search_tokens)


class TestRelatedItems:
    """Near-duplicates and topics, as the relate step records them and the board reads them."""

    def _topic(self, topic_id: int, size: int, heat: float = 1.0):
        from index.records import Topic

        return Topic(id=topic_id, title="小区停车费违规收取", terms=("停车费", "物业"), first_seen=T0,
                     last_seen=T0 + timedelta(hours=size), size=size, heat=heat, heat_at=T0 + timedelta(days=1))

    def test_items_are_related_once_with_all_their_relations(self, store):
        a = store.add_item(make_item(1)).item_id
        b = store.add_item(make_item(2)).item_id
        assert [i.id for i in store.items_to_relate()] == [a, b]
        store.save_relations(a, posted_at=T0, signature=b"\x01\x00\x00\x00" * 4, near=[],
                             topic=self._topic(1, 1), similarity=1.0)
        store.save_relations(b, posted_at=T0 + timedelta(hours=1), signature=b"\x02\x00\x00\x00" * 4,
                             near=[(a, 0.82)], topic=self._topic(1, 2, heat=2.5), similarity=0.82, engagement=1.7)
        assert store.items_to_relate() == []
        assert store.near_duplicates(b) == [(a, 0.82)]
        assert store.near_duplicates(a) == [(b, 0.82)]  # read in both directions
        topic = store.event_for_item(a)
        assert (topic.id, topic.size, topic.title, topic.terms) == (1, 2, "小区停车费违规收取", ("停车费", "物业"))
        assert store.topic_items(1) == [a, b]
        assert store.topic_members(1) == [(a, T0 + timedelta(hours=1), ""), (b, T0 + timedelta(hours=2), "")]
        open_case(store, b, unit="housing")
        assert store.topic_members(1, limit=1) == [(b, T0 + timedelta(hours=2), "housing")]
        assert store.last_topic_id() == 1
        assert [(i, p, s) for i, p, s in store.signatures()] == [
            (a, T0, b"\x01\x00\x00\x00" * 4), (b, T0 + timedelta(hours=1), b"\x02\x00\x00\x00" * 4)]
        assert [i for i, _, _ in store.signatures(since=T0 + timedelta(minutes=30))] == [b]
        history = store.topic_history(since=T0)
        assert [(t, item.id, e) for t, item, e in history] == [(1, a, 1.0), (1, b, 1.7)]

    def test_an_item_too_short_to_compare_is_still_marked_related(self, store):
        a = store.add_item(make_item(1, title="好", body="")).item_id
        store.save_relations(a, posted_at=T0, signature=None, near=[], topic=self._topic(3, 1), similarity=1.0)
        assert store.items_to_relate() == []
        assert list(store.signatures()) == []  # nothing to rebuild an index from

    def test_hot_topics_rank_by_heat_and_leave_single_posts_out(self, store):
        ids = [store.add_item(make_item(n)).item_id for n in range(1, 5)]
        store.save_relations(ids[0], posted_at=T0, signature=b"", near=[], topic=self._topic(1, 1), similarity=1.0)
        store.save_relations(ids[1], posted_at=T0, signature=b"", near=[], topic=self._topic(2, 2, heat=3.0),
                             similarity=1.0)
        store.save_relations(ids[2], posted_at=T0, signature=b"", near=[], topic=self._topic(3, 3, heat=1.5),
                             similarity=1.0)
        assert [t.id for t in store.hot_topics()] == [2, 3]
        store.refresh_topic_heat([(2, 0.5), (3, 4.0)], T0 + timedelta(days=2))
        hot = store.hot_topics()
        assert [(t.id, t.heat) for t in hot] == [(3, 4.0), (2, 0.5)]
        assert hot[0].heat_at == T0 + timedelta(days=2)
        assert store.hot_topics(min_items=1, limit=1)[0].id == 3
        assert store.get_topic(99) is None and store.event_for_item(ids[3]) is None
