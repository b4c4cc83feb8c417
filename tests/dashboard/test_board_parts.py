"""The board's parts without Streamlit: masking, highlighting, alerts, related items, case figures,
source health and the report files."""

from __future__ import annotations

import html
import io
import json
import random
import re
from datetime import datetime, timedelta

import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboard import alerts, export, leader_view, privacy, related, search_view, sources_view
from dashboard.case_facts import CaseFacts, Fact, last_event_id
from dashboard.reports_doc import Report, Section
from index.records import CST, Case, CaseView, Event, Item, User
from index.store import open_store
from workflow.kpi import figures_for

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=CST)


def _case(**kw) -> Case:
    base = dict(id=7, item_id=1, status="assigned", lead_unit="hrss", co_units=("housing",), urgency="特急",
                kind="求助", received_at=NOW - timedelta(hours=2), deadline=NOW + timedelta(hours=20),
                ack_deadline=NOW + timedelta(hours=4), assigned_at=NOW - timedelta(hours=2))
    base.update(kw)
    return Case(**base)


# -- personal data ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("电话13812345678", "电话138****5678"),
    ("手机 138-1234-5678 联系", "手机 138****5678 联系"),
    ("身份证441622199001011234", "身份证441622********1234"),
    ("身份证44162219900101123X。", "身份证441622********123X。"),
    ("…41622199001011234，申请", "…416**********1234，申请"),  # half a number, cut by a snippet
    ("银行卡6222021234567890123", "银行卡622************0123"),
    ("2026年11月24日 10:00，3栋", "2026年11月24日 10:00，3栋"),
])
def test_personal_numbers_are_masked(text, expected):
    assert privacy.fallback_mask(text) == expected
    assert privacy.mask(text) == expected


def test_landlines_are_masked_by_the_understanding_layer_rules():
    # The local fallback knows only mobile, ID and long numbers; nlp.pii also knows landlines and plates.
    assert privacy.fallback_mask("座机 0762-6812345") == "座机 0762-6812345"
    assert privacy.mask("座机 0762-6812345") == "座机 0762-****45"
    assert "粤P12345" not in privacy.mask("车牌粤P12345停在门口")


def test_who_sees_personal_data():
    case = _case()
    assert privacy.sees_personal_data(User("d", "", "coordinator"), case)
    assert privacy.sees_personal_data(User("a", "", "admin"), case)
    assert privacy.sees_personal_data(User("h", "", "unit_handler", unit_id="hrss"), case)
    assert privacy.sees_personal_data(User("c", "", "unit_leader", unit_id="housing"), case)  # co-handling
    assert not privacy.sees_personal_data(User("e", "", "unit_handler", unit_id="education"), case)
    assert not privacy.sees_personal_data(User("l", "", "leader"), case)
    assert privacy.for_user(User("l", "", "leader"), case, "13812345678") == "138****5678"


# -- search highlighting --------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>燃气 <img src=x onerror=alert(1)> :red[燃气] **燃气** [x](javascript:alert(1))"


def test_highlighting_escapes_first_then_marks_only_plain_terms():
    markdown_it = pytest.importorskip("markdown_it")
    marked = search_view.highlight(HOSTILE, ("燃气", "<script>", "alert(1)"))
    assert marked.count(":orange-background[燃气]") == 3
    assert "[<script>]" not in marked and "orange-background[alert" not in marked
    rendered = markdown_it.MarkdownIt("commonmark").render(marked)
    assert set(re.findall(r"<(/?\w+)", rendered)) <= {"p", "/p"}, rendered
    visible = html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()
    assert visible == HOSTILE.replace("燃气", ":orange-background[燃气]")


def test_highlighting_keeps_spaces_and_prefers_the_longest_term():
    assert search_view.highlight("幸福 小区燃气泄漏", ("燃气", "燃气泄漏")) == "幸福 小区:orange-background[燃气泄漏]"
    assert search_view.highlight("no terms", ()) == "no terms"


def test_the_search_filter_covers_whole_days_and_the_place():
    flt = search_view.search_filter(date_from=NOW.date(), date_to=NOW.date(), place="老隆镇")
    assert (flt.posted_to - flt.posted_from) == timedelta(days=1)
    assert flt.extra == {"place": "老隆镇"}
    assert search_view.page_count(0) == 1 and search_view.page_count(41) == 3


# -- the urgent alert ---------------------------------------------------------------------------


def _event(actor: str, action: str) -> Event:
    return Event(case_id=7, actor=actor, action=action, at=NOW)


@pytest.mark.parametrize(("case", "events", "taken"), [
    (_case(status="assigned"), [_event("system", "open_assign")], False),
    (_case(status="assigned"), [_event("system", "open_assign"), _event("duty", "assign")], True),
    (_case(status="assigned"), [_event("system", "open_assign"), _event("duty", "remind")], True),
    (_case(status="assigned"), [_event("system", "open_assign"), _event("system", "remind")], False),
    (_case(status="assigned"), [_event("duty", "remind"), _event("system", "open_assign")], False),
    (_case(status="received"), [_event("system", "open")], False),
    (_case(status="acknowledged"), [_event("system", "open_assign")], True),
    (_case(status="returned"), [_event("duty", "assign"), _event("h", "return")], False),
    (_case(status="assigned", referred_to="119"), [_event("system", "open_assign")], True),
])
def test_an_urgent_case_is_taken_when_a_person_acted(case, events, taken):
    assert alerts.is_taken(case, events) is taken


# -- related items ------------------------------------------------------------------------------


class _Bare:
    """A store that offers none of the optional look-ups."""


class _Rich:
    def aliases(self, item_id: int) -> list[tuple[str, str, str]]:
        return [("weibo", "w1", "https://weibo.example/w1")]

    def near_duplicates(self, item_id: int) -> list[tuple[int, float]]:
        return [(42, 0.91)]

    def event_for_item(self, item_id: int) -> dict[str, object]:
        return {"id": 3, "title": "幸福小区燃气事件", "size": 12}

    def observations(self, item_id: int) -> list[tuple[str, int, int]]:
        return [("2026-11-24T09:00:00+08:00", 3, 120)]


def test_related_items_degrade_cleanly_when_the_store_lacks_them():
    item = Item(source="s", platform="p", url="u", external_id="1", title="t", body="b", id=1)
    merged = [Event(case_id=7, actor="duty", action="merge", at=NOW, after={"merged_case": 9})]
    bare = related.related(_Bare(), _case(), item, merged)
    assert (bare.near_duplicates_available, bare.event_available, bare.reposts, bare.merged_cases) == (
        False, False, (), (9,))
    rich = related.related(_Rich(), _case(), item, [])
    assert rich.near_duplicates == ((42, 0.91),) and rich.event["title"] == "幸福小区燃气事件"
    assert rich.reposts[0][0] == "weibo" and rich.spread[0][2] == 120


# -- the leaders' figures -----------------------------------------------------------------------


def test_the_newest_event_id_is_found_with_events_since(tmp_path, board):
    empty = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    assert last_event_id(empty) == 0
    empty.close()
    store, case_id = board.runtime.store, board.case("wages").id
    newest = store.events_since(0, limit=100)[-1].id
    assert last_event_id(store) == newest
    for n in (1, 1100):
        for _ in range(n):
            newest = store.append_event(Event(case_id=case_id, actor="t", action="note", at=NOW)).id
        assert last_event_id(store) == newest


def test_case_facts_follow_the_event_log(board):
    facts = CaseFacts(lambda: open_store(board.runtime.config.store_url))
    assert facts.wait(timeout=10)
    assert len(facts) == 7
    wages = board.case("wages")
    version = facts.version
    board.runtime.cases.acknowledge(board.user("hrss-handler"), wages.id)
    assert facts.follow(board.runtime.store) == 1
    assert facts.version > version
    followed = next(f for f in facts.facts() if f.id == wages.id)
    assert followed.status == "acknowledged" and followed.acknowledged_at is not None
    assert facts.follow(board.runtime.store) == 0


def _random_facts(n: int, seed: int = 1) -> list[Fact]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        received = NOW - timedelta(days=rng.uniform(0, 120))
        assigned = None if rng.random() < 0.05 else received + timedelta(hours=rng.uniform(0, 5))
        deadline = received + timedelta(days=rng.choice((1, 3, 15)))
        replied = assigned + timedelta(days=rng.uniform(0, 20)) if assigned and rng.random() < 0.7 else None
        if replied and replied > NOW:
            replied = None
        status = rng.choice(("merged", "closed")) if replied else rng.choice(("assigned", "in_progress", "merged"))
        out.append(Fact(id=i, lead_unit=rng.choice(("a", "b")), status=status, urgency="一般", kind="投诉",
                        received_at=received, deadline=deadline, ack_deadline=received, assigned_at=assigned,
                        acknowledged_at=None, replied_at=replied, closed_at=None, return_count=0,
                        extension_count=0, redo_count=0, merged_count=0, satisfaction="",
                        extension_requested_until=None))
    return out


@pytest.mark.parametrize(("granularity", "unit"), [("week", ""), ("month", ""), ("week", "a")])
def test_trends_use_the_definitions_of_workflow_kpi(granularity, unit):
    facts = _random_facts(600)
    trend = leader_view.trend_rows(facts, NOW, granularity, unit, buckets=4)
    for row in trend.to_dict("records"):
        start = datetime.fromisoformat(row["开始"]).replace(tzinfo=CST)
        chosen = [f for f in facts if f.assigned_at is not None and f.status != "merged"
                  and (not unit or f.lead_unit == unit)
                  and leader_view.bucket_start(f.assigned_at, granularity) == start]
        expected = figures_for("x", "x", chosen, NOW)  # type: ignore[arg-type]
        assert (row["交办数"], row["答复数"], row["到期件数"]) == (expected.assigned, expected.replied, expected.due)
        rate = None if expected.on_time_rate is None else round(100 * expected.reply_on_time / expected.due, 1)
        assert (None if pd.isna(row["按时答复率%"]) else row["按时答复率%"]) == rate
        median = row["答复用时中位数(小时)"]
        assert (None if pd.isna(median) else median) == expected.median_reply_hours


def test_periods():
    assert leader_view.period_range("上月", NOW) == (datetime(2026, 10, 1, tzinfo=CST), datetime(2026, 11, 1, tzinfo=CST))
    assert leader_view.bucket_start(NOW, "week") == datetime(2026, 11, 23, tzinfo=CST)
    assert leader_view.bucket_label(datetime(2026, 11, 1, tzinfo=CST), "month") == "2026-11"


# -- source health ------------------------------------------------------------------------------


def test_source_health_is_read_defensively():
    broken = sources_view.parse_health("x", "{not json")
    assert (broken.status, broken.readable) == ("unknown", False)
    odd = sources_view.parse_health("y", '{"status": "exploded", "errors": {"timeout": 2, "bad": "x"}, '
                                         '"last_success_at": "yesterday"}')
    assert odd.status == "unknown" and odd.errors == {"timeout": 2} and odd.last_success_at is None
    nine_hours_ago = (NOW - timedelta(hours=9)).isoformat()
    stale = sources_view.parse_health("z", json.dumps({"status": "ok", "last_success_at": nine_hours_ago}))
    assert sources_view.problem(stale, NOW) == "已 9 小时 未成功采集"
    assert sources_view.problem(sources_view.parse_health("w", '{"status": "failing", "consecutive_failures": 4}'),
                                NOW) == "连续失败 4 次"


# -- report files -------------------------------------------------------------------------------


def test_report_files_keep_source_text_as_text():
    hostile = pd.DataFrame({"标题": ["=HYPERLINK(\"http://evil\",\"点我\")", "<script>alert(1)</script>"],
                            "条数": [1, 2]})
    report = Report("测试报告", "2026年11月24日", NOW, NOW + timedelta(days=1), NOW,
                    (Section("一、总体情况", ("<b>加粗</b> & 说明",)), Section("二、分布", table=hostile, chart="bar")))
    sheet = load_workbook(io.BytesIO(export.to_xlsx(report)))["二、分布"]
    cell = sheet.cell(row=4, column=1)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"  # stored as text, not a formula
    assert sheet._charts
    page = export.to_html(report)
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;加粗&lt;/b&gt; &amp; 说明" in page


def test_case_view_masker_for_lists():
    leader, duty = User("l", "", "leader"), User("d", "", "coordinator")
    assert privacy.masker_for(leader)("13812345678") == "138****5678"
    assert privacy.masker_for(duty)("13812345678") == "13812345678"
    assert isinstance(CaseView, type)
