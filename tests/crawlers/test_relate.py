"""The relate step: stored items get their near-duplicates and topic, survive a restart, and a
burst of the same matter raises urgency before the case opens. Real SQLite file throughout."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crawlers.relate import Relater
from index.records import CST, Classification, Item
from index.store import open_store
from nlp.segment import search_tokens

T0 = datetime(2026, 5, 11, 8, 0, tzinfo=CST)

PARKING = ("投诉盛世华庭物业违规收取停车费",
           "尊敬的领导：盛世华庭小区物业未经业主大会同意，利用小区公共道路划设车位，每月向业主收取三百元停车费，"
           "不交就不让车辆进入小区，业主多次反映没有结果，请相关部门依法查处物业违规收费问题。")
NOISE = ("老隆镇东街夜宵档深夜噪音扰民",
         "东街多家夜宵档每天营业到凌晨三点，音响声音很大，附近居民无法入睡，老人小孩深受其害，请城管部门管一管。")
SCHOOL = ("咨询城南小学今年秋季学位划分", "我家住在城南新区，孩子今年满六岁，想问城南小学今年秋季招生的学位划分范围和报名时间。")


def _item(n: int, title: str, body: str, posted: datetime) -> Item:
    return Item(source="test", platform="discuz", url=f"http://127.0.0.1/t/{n}", external_id=str(n), title=title,
                body=body, posted_at=posted, fetched_at=posted, content_hash=f"h{n}")


def _classify(store, item_id: int, urgency: str = "一般") -> None:
    store.save_classification(Classification(
        item_id=item_id, domain="城乡建设", lead_unit="housing", co_units=(), urgency=urgency, kind="投诉",
        confidences={"domain": 0.9}, model_version="t", reasons=("测试",)))


def _repost(k: int) -> tuple[str, str]:
    """The parking complaint again, as citizens repost it: a sentence added, a word changed."""
    title, body = PARKING
    return f"{title}（第{k}次反映）", body.replace("三百元", "300元") + f"已经第{k}次反映了。"


@pytest.fixture
def store(tmp_path):
    s = open_store(f"sqlite:///{tmp_path / 'huiying.db'}", tokenizer=search_tokens)
    yield s
    s.close()


def test_reposts_are_near_duplicates_in_one_topic_and_other_matters_are_not(store):
    first = store.add_item(_item(1, *PARKING, T0)).item_id
    noise = store.add_item(_item(2, *NOISE, T0 + timedelta(hours=1))).item_id
    again = store.add_item(_item(3, *_repost(2), T0 + timedelta(days=3))).item_id
    school = store.add_item(_item(4, *SCHOOL, T0 + timedelta(days=3, hours=1))).item_id

    found = Relater.load(store).run(now=T0 + timedelta(days=4))

    assert found["related"] == 4 and found["near_duplicate_pairs"] == 1
    assert [i for i, _ in store.near_duplicates(again)] == [first]
    assert [i for i, _ in store.near_duplicates(first)] == [again]
    assert store.near_duplicates(noise) == [] and store.near_duplicates(school) == []
    parking = store.event_for_item(first)
    assert store.event_for_item(again).id == parking.id and parking.size == 2
    assert "停车费" in parking.terms
    assert len({store.event_for_item(i).id for i in (first, noise, school)}) == 3
    assert [t.id for t in store.hot_topics()] == [parking.id]  # single posts are not hot topics
    assert store.items_to_relate() == []


def test_a_restart_carries_on_the_same_topics_and_numbering(store):
    first = store.add_item(_item(1, *PARKING, T0)).item_id
    store.add_item(_item(2, *NOISE, T0 + timedelta(hours=1)))
    Relater.load(store).run(now=T0 + timedelta(hours=2))
    topic = store.event_for_item(first).id

    later = store.add_item(_item(3, *_repost(2), T0 + timedelta(days=2))).item_id
    school = store.add_item(_item(4, *SCHOOL, T0 + timedelta(days=2))).item_id
    found = Relater.load(store).run(now=T0 + timedelta(days=2, hours=1))  # a new process: state from the store

    assert found["related"] == 2
    assert store.near_duplicates(later)[0][0] == first
    assert store.event_for_item(later).id == topic
    assert store.event_for_item(school).id == store.last_topic_id() == 3  # numbering continues


def test_a_burst_of_reposts_raises_urgency_before_the_case_opens(store):
    ids = []
    for k in range(6):  # the original and five reposts within a day
        title, body = PARKING if k == 0 else _repost(k)
        item_id = store.add_item(_item(k + 1, title, body, T0 + timedelta(hours=2 * k))).item_id
        _classify(store, item_id)
        ids.append(item_id)

    found = Relater(store, burst_threshold=5).run(now=T0 + timedelta(hours=12))

    assert found["raised"] == 1
    last = store.get_classification(ids[-1])
    assert last.urgency == "紧急"
    assert "24小时内5条相似留言（≥5），紧急程度由一般上调为紧急" in last.reasons
    assert all(store.get_classification(i).urgency == "一般" for i in ids[:-1])


def test_heat_cools_down_as_a_topic_goes_quiet(store):
    for k in range(3):
        title, body = PARKING if k == 0 else _repost(k)
        store.add_item(_item(k + 1, title, body, T0 + timedelta(hours=k)))
    relater = Relater.load(store)
    relater.run(now=T0 + timedelta(hours=3))
    hot = store.hot_topics()[0].heat
    relater.run(now=T0 + timedelta(days=9))  # nothing new: heat is recomputed as of now
    assert store.hot_topics()[0].heat < hot / 4


def test_empty_and_huge_items_are_related_without_stopping_the_others(store):
    empty = store.add_item(_item(1, "", "", T0)).item_id
    huge = store.add_item(_item(2, PARKING[0], PARKING[1] * 4000, T0 + timedelta(hours=1))).item_id  # ~400 KB
    normal = store.add_item(_item(3, *_repost(2), T0 + timedelta(hours=2))).item_id

    found = Relater.load(store).run(now=T0 + timedelta(hours=3))

    assert found["related"] == 3
    assert store.near_duplicates(empty) == []
    assert store.event_for_item(empty) is not None  # a topic of its own: nothing is left unrelated
    assert store.near_duplicates(normal)[0][0] == huge
