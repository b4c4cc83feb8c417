"""The search contract: what every search backend answers, run against each one it is given.

SQLite always runs; PostgreSQL runs with ``HUIYING_TEST_POSTGRES_URL``; Elasticsearch runs with
``HUIYING_TEST_ES_URL`` (fed from a SQLite record store through the outbox, as in production).
``.ci/run`` starts both servers. A search sees every change made before it (read-your-writes).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from index.records import CST, Case, Classification, Event, Item, Unit
from index.sql_search import SNIPPET_CHARS
from index.store import SearchFilter

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST)


@pytest.fixture
def backend(search_backend):
    records, search = search_backend
    records.upsert_units([Unit("hrss", "县人力资源社会保障局", "handler"), Unit("housing", "县住房城乡建设局", "handler")])
    return records, search


def make_item(n: int, **kw) -> Item:
    values = dict(source="demo-bbs", platform="discuz", url=f"http://127.0.0.1/t/{n}", external_id=str(n),
                  title=f"标题{n}", body=f"正文内容{n}", author="网友", posted_at=T0 + timedelta(hours=n),
                  fetched_at=T0 + timedelta(hours=n, minutes=5), content_hash=f"hash-{n}")
    values.update(kw)
    return Item(**values)


def classify(records, item_id: int, unit: str = "hrss", urgency: str = "一般", place: str = "") -> Classification:
    c = Classification(item_id=item_id, domain="劳动和社会保障", lead_unit=unit, co_units=(), urgency=urgency,
                       kind="投诉", confidences={"domain": 0.9}, model_version="test-1", place=place, classified_at=T0)
    records.save_classification(c)
    return c


def open_case(records, item_id: int, unit: str = "hrss") -> Case:
    case = Case(id=0, item_id=item_id, status="assigned", lead_unit=unit, co_units=(), urgency="一般", kind="投诉",
                received_at=T0, deadline=T0 + timedelta(days=21), ack_deadline=T0 + timedelta(hours=9), assigned_at=T0)
    return records.insert_case(case, Event(case_id=0, actor="system", action="open_assign", at=T0))


def add(records, n: int, **kw) -> int:
    return records.add_item(make_item(n, **kw)).item_id


class TestWords:
    def test_chinese_words_are_found_and_filters_apply(self, backend):
        records, search = backend
        a = add(records, 1, title="工地拖欠农民工工资", body="春节前仍未发放工资，请求人社局处理")
        b = add(records, 2, title="小区噪音扰民", body="夜间施工噪音严重")
        classify(records, a, unit="hrss")
        classify(records, b, unit="housing", urgency="紧急")
        result = search.search("工资")
        assert [h.item_id for h in result.hits] == [a] and result.total == 1 and "工资" in result.terms
        assert "工资" in result.hits[0].snippet
        assert search.search("噪音", SearchFilter(units=("hrss",))).total == 0
        assert search.search("噪音", SearchFilter(urgencies=("紧急",))).hits[0].item_id == b

    def test_an_empty_or_punctuation_query_finds_nothing_without_error(self, backend):
        records, search = backend
        add(records, 1)
        assert search.search("").total == 0
        assert search.search('"*()').total == 0

    def test_every_word_of_the_query_must_occur(self, backend):
        records, search = backend
        a = add(records, 1, title="工地拖欠工资", body="春节前仍未发放")
        add(records, 2, title="小区噪音扰民", body="夜间施工")
        assert [h.item_id for h in search.search("工资 春节").hits] == [a]
        assert search.search("工资 噪音").total == 0

    def test_a_word_is_found_inside_longer_words_however_it_was_segmented(self, backend):
        records, search = backend
        a = add(records, 1, title="路灯不亮", body="老隆镇新城区的路灯坏了三个月")
        assert [h.item_id for h in search.search("灯不亮").hits] == [a]
        assert search.search("城区").total == 1 and search.search("龙川").total == 0

    def test_a_single_character_is_found(self, backend):
        records, search = backend
        add(records, 1, title="噪音扰民", body="夜间施工")
        assert search.search("噪").total == 1

    def test_latin_words_and_numbers_match_whole_words_ignoring_case(self, backend):
        records, search = backend
        a = add(records, 1, title="G205国道坑洼", body="车辆经过时颠簸")
        assert [h.item_id for h in search.search("g205").hits] == [a]
        assert search.search("G205 国道").total == 1
        assert search.search("G20").total == 0

    def test_a_title_match_ranks_above_a_body_match(self, backend):
        records, search = backend
        in_body = add(records, 1, title="关于小区的问题", body="楼下烧烤店油烟很大，晚上还很吵")
        in_title = add(records, 2, title="烧烤店油烟扰民", body="希望有关部门管一管")
        assert [h.item_id for h in search.search("油烟").hits] == [in_title, in_body]

    def test_a_long_body_is_searchable_deep_into_it_and_the_snippet_stays_short(self, backend):
        """A megabyte body. Every backend finds words at least in its first 16,000 characters
        (PostgreSQL's tsvector keeps positions only up to 16,383, which phrases need)."""
        records, search = backend
        a = add(records, 1, title="长文", body="噪音扰民" * 3_000 + "中间的垃圾站" + "噪音扰民" * 259_144)
        result = search.search("垃圾站")
        assert [h.item_id for h in result.hits] == [a]
        assert "垃圾站" in result.hits[0].snippet and len(result.hits[0].snippet) <= 2 * SNIPPET_CHARS + 2
        assert "噪音" in search.search("噪音").hits[0].snippet


class TestResults:
    def test_pages_are_disjoint_and_cover_every_hit(self, backend):
        records, search = backend
        ids = {add(records, n, title=f"垃圾清运不及时{n}", body="小区垃圾堆积") for n in range(1, 8)}
        pages = [search.search("垃圾", limit=3, offset=o) for o in (0, 3, 6)]
        assert {p.total for p in pages} == {7}
        seen = [h.item_id for p in pages for h in p.hits]
        assert len(seen) == len(set(seen)) == 7 and set(seen) == ids

    def test_a_hit_shows_the_case_unit_urgency_and_status(self, backend):
        records, search = backend
        item_id = add(records, 1, title="拖欠工资", body="工地老板跑路")
        classify(records, item_id, unit="hrss", urgency="一般")
        hit = search.search("工资").hits[0]
        assert (hit.lead_unit, hit.urgency, hit.status, hit.case_id) == ("hrss", "一般", "", None)
        case = open_case(records, item_id, unit="housing")
        hit = search.search("工资").hits[0]
        assert (hit.lead_unit, hit.status, hit.case_id) == ("housing", "assigned", case.id)
        assert hit.title == "拖欠工资" and hit.source == "demo-bbs" and hit.posted_at == T0 + timedelta(hours=1)

    def test_changes_are_seen_by_the_next_search(self, backend):
        records, search = backend
        item_id = add(records, 1, title="路灯不亮", body="晚上很黑")
        case = open_case(records, item_id)
        records.add_item(make_item(1, title="路灯已修好", body="感谢处理"))
        assert search.search("不亮").total == 0 and search.search("修好").total == 1
        records.update_case(case.id, 1, {"status": "replied"}, Event(case.id, "hrss", "reply", T0))
        assert search.search("路灯", SearchFilter(statuses=("replied",))).total == 1
        assert search.search("路灯", SearchFilter(statuses=("assigned",))).total == 0

    def test_a_repost_under_another_id_is_found_once(self, backend):
        records, search = backend
        add(records, 1, title="垃圾站臭气", body="夏天很臭")
        add(records, 2, title="垃圾站臭气", body="夏天很臭", content_hash="hash-1")
        assert search.search("臭气").total == 1


class TestFilters:
    def test_time_source_status_and_place_filters(self, backend):
        records, search = backend
        a = add(records, 1, title="噪音", body="工地夜间施工")
        b = add(records, 30, title="噪音", body="广场舞", source="liuyan")
        classify(records, a)
        classify(records, b, place="老隆镇")
        open_case(records, a)
        hours = lambda h: T0 + timedelta(hours=h)  # noqa: E731
        assert [h.item_id for h in search.search("噪音", SearchFilter(posted_from=hours(2))).hits] == [b]
        assert [h.item_id for h in search.search("噪音", SearchFilter(posted_to=hours(2))).hits] == [a]
        assert [h.item_id for h in search.search("噪音", SearchFilter(sources=("liuyan",))).hits] == [b]
        assert [h.item_id for h in search.search("噪音", SearchFilter(statuses=("assigned",))).hits] == [a]
        assert [h.item_id for h in search.search("噪音", SearchFilter(extra={"place": "老隆镇"})).hits] == [b]


class TestCounts:
    def test_counts_by_dimension(self, backend):
        records, search = backend
        for n, unit in ((1, "hrss"), (2, "hrss"), (3, "housing")):
            classify(records, add(records, n), unit=unit)
        assert search.counts_by("unit") == {"hrss": 2, "housing": 1}
        assert search.counts_by("source") == {"demo-bbs": 3}
        with pytest.raises(ValueError):
            search.counts_by("colour")

    def test_every_dimension_counts_items_without_a_value_under_empty(self, backend):
        records, search = backend
        a = add(records, 1)
        b = add(records, 2)
        add(records, 30, posted_at=None)
        classify(records, a, unit="hrss", urgency="紧急")
        classify(records, b, unit="housing")
        open_case(records, a, unit="housing")
        assert search.counts_by("unit") == {"housing": 2, "": 1}
        assert search.counts_by("urgency") == {"一般": 2, "": 1}  # the case's urgency wins over the classification's
        assert search.counts_by("status") == {"": 2, "assigned": 1}
        assert search.counts_by("domain") == {"劳动和社会保障": 2, "": 1}
        assert search.counts_by("day") == {"2026-03-02": 2, "": 1}
        assert search.counts_by("place") == {"": 3}

    def test_counts_apply_the_filters(self, backend):
        records, search = backend
        for n, unit in ((1, "hrss"), (2, "hrss"), (30, "housing")):
            classify(records, add(records, n), unit=unit)
        assert search.counts_by("unit", SearchFilter(posted_from=T0 + timedelta(hours=2))) == {"hrss": 1, "housing": 1}
        assert search.counts_by("day", SearchFilter(units=("hrss",))) == {"2026-03-02": 2}
