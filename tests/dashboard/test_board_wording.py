"""The board's wording and escaping, checked without Streamlit: times, durations, tables, CSV, menus."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest

from dashboard import feed, inbox, leader_view, navigation, offers
from dashboard.markup import escape_markdown, one_line
from dashboard.texts import event_summary, fmt_span, hours_text, remaining_text, timeline_table
from index.records import CST, Case, CaseUnit, CaseView, Event, Item, User
from workflow.kpi import UnitFigures

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=CST)
NAMES = {"hrss": "县人力资源社会保障局", "housing": "县住房城乡建设局", "emergency": "县应急管理局"}

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "**粗体** _斜体_ [点这里](javascript:alert(1)) ![图](http://x/y.png)",
    ":red[红字] :material/home: $E=mc^2$ `代码`",
    "    缩进四格会变成代码块\n# 标题\n1. 列表\n- 列表\n> 引用\n| a | b |",
    "&lt;b&gt; &amp; \\ 反斜杠 https://example.cn/a?b=<i>c</i>",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_markdown_renders_exactly_the_source_text(text):
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").render(escape_markdown(text))  # raw HTML allowed
    tags = set(re.findall(r"<(/?\w+)", rendered))
    assert tags <= {"p", "/p", "br"}, rendered
    visible = html.unescape(re.sub(r"<[^>]+>", "", rendered)).replace("\n", "")
    assert visible == "".join(line.strip() for line in text.split("\n"))


def test_one_line_flattens_and_shortens():
    assert one_line("第一行\n第二行   第三行") == "第一行 第二行 第三行"
    assert one_line("很" * 100, limit=10) == "很" * 9 + "…"


@pytest.mark.parametrize(("delta", "expected"), [
    (timedelta(days=2, hours=3, minutes=20), "剩余 2 天 3 小时"),
    (timedelta(days=1), "剩余 1 天"),
    (timedelta(hours=5, minutes=59), "剩余 5 小时"),
    (timedelta(minutes=45), "剩余 45 分钟"),
    (timedelta(seconds=20), "剩余 不足 1 分钟"),
    (-timedelta(hours=5, minutes=10), "已超期 5 小时"),
    (-timedelta(days=3, hours=1), "已超期 3 天 1 小时"),
])
def test_remaining_time_reads_in_chinese(delta, expected):
    assert remaining_text(NOW + delta, NOW) == expected


def test_spans_round_down_so_a_deadline_never_looks_further_away():
    assert fmt_span(3600 * 24 - 1) == "23 小时"


@pytest.mark.parametrize(("hours", "expected"), [
    (None, "—"), (0.0, "0.0 小时"), (3.46, "3.5 小时"), (48.0, "48.0 小时"), (60.0, "2.5 天"),
])
def test_response_times_switch_to_days_after_48_hours(hours, expected):
    assert hours_text(hours) == expected


def _case(**kw) -> Case:
    base = dict(id=7, item_id=1, status="assigned", lead_unit="hrss", co_units=("housing",), urgency="特急",
                kind="求助", received_at=NOW - timedelta(hours=20), deadline=NOW + timedelta(hours=4),
                ack_deadline=NOW + timedelta(hours=4), assigned_at=NOW - timedelta(hours=20))
    base.update(kw)
    return Case(**base)


def _view(case: Case, title: str = "燃气泄漏") -> CaseView:
    item = Item(source="demo-discuz", platform="discuz", url="http://x", external_id="1", title=title, body="正文", id=1)
    return CaseView(case=case, item=item, classification=None)


def test_feed_rows_name_units_urgency_status_and_time_left():
    table = feed.feed_table([_view(_case())], NAMES, NOW)
    assert list(table.columns) == list(feed.FEED_COLUMNS)
    row = table.iloc[0].to_dict()
    assert row["紧急程度"] == "🔴 特急"
    assert row["主办单位"] == "县人力资源社会保障局"
    assert row["状态"] == "待签收"
    assert row["期限"] == "🟠 2026-11-24 14:00（剩余 4 小时）"  # 20 of 24 hours gone: near the deadline


def test_deadline_state_stops_counting_once_replied():
    assert feed.deadline_state(_case(deadline=NOW - timedelta(hours=1)), NOW) == "overdue"
    assert feed.deadline_state(_case(status="replied", deadline=NOW - timedelta(hours=1)), NOW) == "done"


def test_inbox_rows_say_whether_the_unit_leads_and_how_late_it_is():
    views = [_view(_case(deadline=NOW - timedelta(hours=5), status="acknowledged"))]
    lead = inbox.inbox_table(views, "hrss", NOW).iloc[0]
    assert (lead["本单位"], lead["状态"], lead["剩余时间"]) == ("主办", "已签收", "🔴 已超期 5 小时")
    assert inbox.inbox_table(views, "housing", NOW).iloc[0]["本单位"] == "协办"


def test_inbox_offers_only_what_the_service_would_accept():
    handler = User("h", "经办人", "unit_handler", unit_id="hrss")
    leader = User("l", "负责人", "unit_leader", unit_id="hrss")
    co_handler = User("c", "协办经办人", "unit_handler", unit_id="housing")
    assigned, acknowledged = _case(status="assigned"), _case(status="acknowledged")
    assert offers.unit_offers(handler, assigned, now=NOW) == ["acknowledge", "request_extension", "return"]
    assert offers.unit_offers(handler, acknowledged, now=NOW) == ["reply", "progress", "request_extension", "return"]
    assert offers.unit_offers(handler, _case(status="reply_pending"), now=NOW) == ["reply", "request_extension"]
    assert offers.unit_offers(leader, _case(status="reply_pending"), now=NOW) == [
        "sign_off", "reject_draft", "request_extension"]
    assert offers.unit_offers(handler, _case(status="replied"), now=NOW) == []
    late = _case(status="acknowledged", deadline=NOW - timedelta(hours=1))
    assert "request_extension" not in offers.unit_offers(handler, late, now=NOW)  # only before the deadline
    pending = _case(status="acknowledged", extension_requested_until=NOW + timedelta(days=3))
    assert "request_extension" not in offers.unit_offers(handler, pending, now=NOW)
    # A co-handling unit signs for its own part, then gives its input; it never returns or extends.
    waiting = [CaseUnit(7, "housing", "co")]
    signed = [CaseUnit(7, "housing", "co", acknowledged_at=NOW)]
    assert offers.unit_offers(co_handler, assigned, parts=waiting, now=NOW) == ["acknowledge"]
    assert offers.unit_offers(co_handler, acknowledged, parts=signed, now=NOW) == ["reply"]
    assert inbox.next_step(co_handler, _case(), waiting) == inbox.CO_UNIT_NOTE
    # 发布回应 only for the propaganda department, when it takes part.
    press = User("p", "宣传部经办人", "unit_handler", unit_id="housing")
    assert "publish" in offers.unit_offers(press, acknowledged, unit_role="responder", parts=signed, now=NOW)
    assert "publish" not in offers.unit_offers(press, acknowledged, unit_role="handler", parts=signed, now=NOW)


def test_the_desk_is_offered_the_next_step_of_the_loop():
    duty = User("d", "值班员", "coordinator")
    assert offers.desk_offers(duty, _case(status="received"), NOW)[:1] == ["assign"]
    assert offers.desk_offers(duty, _case(status="replied"), NOW) == ["review", "send_back", "reclassify"]
    assert offers.desk_offers(duty, _case(status="reviewed"), NOW) == ["close", "reclassify"]
    assert offers.desk_offers(duty, _case(status="closed"), NOW) == ["follow_up"]
    assert offers.desk_offers(duty, _case(status="closed", satisfaction="满意"), NOW) == []
    asked = _case(status="acknowledged", extension_requested_until=NOW + timedelta(days=3))
    assert {"approve_extension", "refuse_extension"} <= set(offers.desk_offers(duty, asked, NOW))
    assert "approve_extension" not in offers.desk_offers(duty, _case(status="acknowledged"), NOW)
    assert offers.desk_offers(User("x", "领导", "leader"), _case(status="received"), NOW) == []


def test_history_lines_say_who_did_what():
    people = {"duty": "值班员小李"}
    events = [
        Event(case_id=7, actor="system", action="open", at=NOW, after={"lead_unit": "hrss", "co_units": []}),
        Event(case_id=7, actor="duty", action="assign", at=NOW, before={"status": "received", "lead_unit": "hrss"},
              after={"lead_unit": "hrss", "co_units": ["housing"]}),
        Event(case_id=7, actor="duty", action="assign", at=NOW, before={"status": "assigned", "lead_unit": "hrss"},
              after={"lead_unit": "emergency", "co_units": []}, reason="职责不符"),
        Event(case_id=7, actor="h", action="reply", at=NOW, after={"reply_text": "已核实处理"}),
    ]
    table = timeline_table(events, NAMES, people)
    assert table["操作人"].tolist() == ["系统", "值班员小李", "值班员小李", "h"]
    assert table["操作"].tolist() == ["收件", "交办", "交办", "答复"]
    assert table["说明"].tolist() == [
        "收件，等待值班员交办；建议主办单位：县人力资源社会保障局",
        "交办给 县人力资源社会保障局（协办：县住房城乡建设局）",
        "改派：县人力资源社会保障局 → 县应急管理局；原因：职责不符",
        "答复：已核实处理",
    ]
    assert event_summary(events[0], {}).endswith("hrss")  # an id the county no longer lists stays visible


def _figures(unit: str, overdue: int, replied_hours: float | None) -> UnitFigures:
    return UnitFigures(unit_id=unit, unit_name=NAMES[unit], assigned=4, acknowledged=3, replied=2, ack_on_time=3,
                       reply_on_time=1, median_ack_hours=1.5, p90_ack_hours=2.0, median_reply_hours=replied_hours,
                       p90_reply_hours=replied_hours, overdue_now=overdue, near_deadline_now=1)


def test_leader_table_chart_and_csv():
    figures = [_figures("hrss", 2, 72.0), _figures("housing", 0, None)]
    table = leader_view.figures_table(figures)
    assert list(table.columns) == list(leader_view.TABLE_COLUMNS)
    assert table.iloc[0][["单位", "答复用时中位数", "签收用时中位数", "当前超期"]].tolist() == [
        "县人力资源社会保障局", "3.0 天", "1.5 小时", 2]
    assert table.iloc[1]["答复用时中位数"] == "—"
    csv = leader_view.table_csv(table)
    assert csv.startswith("\ufeff".encode()) and "县住房城乡建设局" in csv.decode("utf-8-sig")
    chart = leader_view.overdue_chart(figures).to_dict()
    assert [row["单位"] for row in chart["datasets"][next(iter(chart["datasets"]))]] == ["县人力资源社会保障局"]
    assert leader_view.overdue_chart([_figures("housing", 0, None)]) is None
    assert leader_view.totals(figures)["当前超期"] == 2


def test_periods_start_where_a_leader_expects():
    assert leader_view.period_start("近7天", NOW) == NOW - timedelta(days=7)
    assert leader_view.period_start("近30天", NOW) == NOW - timedelta(days=30)
    assert leader_view.period_start("本月", NOW) == datetime(2026, 11, 1, tzinfo=CST)
    assert leader_view.period_start("全部", NOW) is None
    with pytest.raises(ValueError):
        leader_view.period_start("去年", NOW)


@pytest.mark.parametrize(("role", "titles"), [
    ("coordinator", ["值班台", "待交办", "审核办结", "领导看板", "热点话题", "采集状态", "搜索", "报告"]),
    ("admin", ["值班台", "待交办", "审核办结", "领导看板", "热点话题", "采集状态", "搜索", "报告", "用户与单位", "规则与模型"]),
    ("unit_handler", ["单位收件箱"]),
    ("unit_leader", ["单位收件箱"]),
    ("leader", ["领导看板", "热点话题", "搜索", "报告"]),
    ("nobody", []),
])
def test_each_role_sees_its_pages(role, titles):
    assert [p.title for p in navigation.pages_for(role)] == titles


def test_every_registered_page_has_its_script():
    for spec in (*navigation.PAGES, navigation.SIGN_IN):
        assert spec.path.is_file(), spec.path
    with pytest.raises(KeyError):
        navigation.page_roles("missing.py")
