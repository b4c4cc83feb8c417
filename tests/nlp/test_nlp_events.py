"""Events group messages about one matter; heat rises with items and attention and decays with time."""

from __future__ import annotations

from datetime import datetime, timedelta

from nlp.events import Event, EventGrouper, EventItem, group_events, heat

T0 = datetime(2019, 7, 1, 9)
PARKING = [
    ("投诉伊景园滨河苑捆绑销售车位", "开发商强制购房者购买车位，每个车位12万，不买车位就不签购房合同"),
    ("伊景园滨河苑强制捆绑销售车位", "购房必须同时购买车位，否则不给签合同，请住建部门查处捆绑销售"),
    ("坚决反对伊景园滨河苑捆绑销售车位", "广铁职工购房被强制捆绑车位，希望政府主持公道"),
]
NOISE = [
    ("丽发新城附近搅拌站噪音扰民", "小区旁边的搅拌站日夜施工，噪音粉尘严重，居民无法休息"),
    ("投诉丽发新城小区附近搅拌站噪音", "搅拌站凌晨还在作业，噪音太大，影响丽发新城居民睡眠"),
]
OTHER = ("咨询孩子转学手续", "孩子从外地转学回来，请问需要准备哪些材料")


def grouped() -> EventGrouper:
    rows = [
        (f"p{i}", t, b, T0 + timedelta(days=i), 0, 10) for i, (t, b) in enumerate(PARKING)
    ] + [(f"n{i}", t, b, T0 + timedelta(days=20 + i), 2, 100) for i, (t, b) in enumerate(NOISE)] + [
        ("x", *OTHER, T0 + timedelta(days=5), 0, 0)
    ]
    return group_events(rows)


def test_messages_about_one_matter_share_an_event() -> None:
    grouper = grouped()
    parking = {grouper.event_of[f"p{i}"] for i in range(3)}
    noise = {grouper.event_of[f"n{i}"] for i in range(2)}
    assert len(parking) == 1 and len(noise) == 1 and parking != noise
    assert grouper.event_of["x"] not in parking | noise
    event = grouper.events[parking.pop()]
    assert event.size == 3 and "车位" in event.terms(5)


def test_heat_decays_and_counts_only_what_was_posted() -> None:
    item = EventItem("a", "t", "b", T0, reply_count=0, view_count=0)
    event = Event(1, "t", [item])
    assert heat(event, T0) == 1.0
    assert heat(event, T0 + timedelta(days=3)) == 0.5  # one half-life
    assert heat(event, T0 - timedelta(hours=1)) == 0.0
    busy = Event(2, "t", [EventItem("b", "t", "b", T0, reply_count=20, view_count=5000, votes=30)])
    assert heat(busy, T0) > heat(event, T0) * 5


def test_hot_topics_follow_time() -> None:
    grouper = grouped()
    early = grouper.hot(T0 + timedelta(days=3), top=3)
    assert [e.size for e, _ in early] == [3]  # noise complaints are not posted yet
    late = grouper.hot(T0 + timedelta(days=22), top=3)
    assert late[0][0].event_id == grouper.event_of["n0"]  # recent and discussed beats old
    assert all(a >= b for (_, a), (_, b) in zip(late, late[1:], strict=False))


def test_a_near_duplicate_joins_its_event_whatever_the_words() -> None:
    grouper = EventGrouper(similarity=0.99)  # words alone would never join
    body = "".join(b for _, b in PARKING) + NOISE[0][1]
    first, _ = grouper.add(EventItem("a", PARKING[0][0], body, T0))
    second, score = grouper.add(EventItem("b", "重复提交", body, T0 + timedelta(hours=1)))
    assert second == first and score >= 0.6
