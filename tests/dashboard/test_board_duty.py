"""值班台 and 待交办 on the real board: the feed, the alert, the detail, assignment, hostile text."""

from __future__ import annotations

import re

import pytest

from dashboard.actions import REASON_NEEDED
from dashboard.markup import escape_markdown

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
ALL_TITLES = {"幸福小区燃气泄漏", "工地拖欠工资三个月", "小学插班生报名咨询", "路灯坏了好几天",
              f"{SCRIPT}学校门口乱停车", "社保卡补办进度查询"}


def _feed(at):  # type: ignore[no-untyped-def]
    return at.dataframe[0].value


def _open_case(board, at, case):  # type: ignore[no-untyped-def]
    at.selectbox(key="duty_case").select(case.id).run(timeout=board.timeout)
    assert not at.exception
    return at


@pytest.mark.parametrize("username", ["duty", "admin"])
def test_the_feed_lists_every_case_newest_first_with_the_urgent_alert(board, username):
    at = board.app(username)
    assert not at.exception
    assert [t.value for t in at.title] == ["值班台"]
    feed = _feed(at)
    assert list(feed.columns) == ["编号", "时间", "来源", "标题", "紧急程度", "主办单位", "状态", "期限"]
    assert set(feed["标题"]) == ALL_TITLES
    assert feed["标题"].iloc[-1] == "社保卡补办进度查询"  # received ten days ago: at the bottom
    gas = feed[feed["标题"] == "幸福小区燃气泄漏"].iloc[0]
    assert (gas["紧急程度"], gas["主办单位"], gas["状态"]) == ("🔴 特急", "县住房城乡建设局", "待签收")
    assert "已超期" in feed[feed["标题"] == "社保卡补办进度查询"].iloc[0]["期限"]
    alert = at.error[0].value
    assert "特急件 1 件" in alert and "幸福小区燃气泄漏" in alert


def test_the_filters_narrow_the_feed(board):
    at = board.app("duty")
    at.multiselect(key="duty_urgency").select("紧急").run(timeout=board.timeout)
    assert list(_feed(at)["标题"]) == ["工地拖欠工资三个月"]
    at.multiselect(key="duty_urgency").unselect("紧急")
    at.multiselect(key="duty_status").select("received").run(timeout=board.timeout)
    assert list(_feed(at)["标题"]) == ["路灯坏了好几天"]
    at.multiselect(key="duty_status").unselect("received")
    at.multiselect(key="duty_source").select("demo-board").run(timeout=board.timeout)
    assert set(_feed(at)["标题"]) == {"工地拖欠工资三个月", "小学插班生报名咨询", "社保卡补办进度查询"}
    assert "特急件 1 件" in at.error[0].value  # the alert stands whatever the filter


def test_choosing_a_case_shows_its_message_source_and_routing(board):
    at = _open_case(board, board.app("duty"), board.case("gas"))
    assert "#### 幸福小区燃气泄漏" in [m.value for m in at.markdown]
    assert "3栋楼道燃气味很重，已经有老人头晕，请马上派人！" in [t.value for t in at.text]
    assert [c.value for c in at.code] == [f"http://bbs.example.cn/thread-gas.html?from={SCRIPT}"]
    shown = board.shown_text(at)
    for expected in ("城乡建设", "县应急管理局", "92%", "88%", escape_markdown("关键词“幸福小区”"), "收件并自动交办给"):
        assert expected in shown, expected


def test_hostile_text_is_shown_as_literal_text_everywhere(board):
    assert (board.script, board.img) == (SCRIPT, IMG)  # what the seed put in the xss message
    at = _open_case(board, board.app("duty"), board.case("xss"))
    title = f"{SCRIPT}学校门口乱停车"
    assert title in set(_feed(at)["标题"])  # grid cells are plain text
    assert f"#### {escape_markdown(title)}" in [m.value for m in at.markdown]
    assert f"{IMG} 接送时段堵车 **严重** [点这里](javascript:alert(1))" in [t.value for t in at.text]
    markdown_it = pytest.importorskip("markdown_it")
    render = markdown_it.MarkdownIt("commonmark").render  # passes raw HTML through, as a careless page would
    for element in (*at.markdown, *at.caption, *at.error, *at.info, *at.success):
        assert not getattr(element.proto, "allow_html", False)  # alerts have no HTML switch at all
        html = render(element.value)
        assert not re.search(r"<(script|img|a|iframe)\b", html), html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;学校门口乱停车" in render(f"#### {escape_markdown(title)}")


def test_assigning_from_the_duty_page(board):
    case = board.case("unsure")
    at = _open_case(board, board.app("duty"), case)
    key = f"duty_assign_{case.id}"
    at.selectbox(key=f"{key}_lead").select("hrss")
    at.multiselect(key=f"{key}_co").select("town-laolong")
    at.text_input(key=f"{key}_reason").input("欠薪线索，人社牵头")
    board.button(at, "交办").click().run(timeout=board.timeout)
    assert not at.exception
    assert "已交办给 县人力资源社会保障局（协办：老隆镇）" in at.success[0].value
    done = board.runtime.store.get_case(case.id)
    assert (done.status, done.lead_unit, done.co_units) == ("assigned", "hrss", ("town-laolong",))
    last = board.runtime.store.events(case.id)[-1]
    assert (last.actor, last.action, last.reason) == ("duty", "assign", "欠薪线索，人社牵头")
    assert at.text_input(key=f"{key}_reason").value == ""  # cleared for the next one


def test_changing_the_lead_unit_needs_a_reason(board):
    case = board.case("wages")
    at = _open_case(board, board.app("duty"), case)
    at.selectbox(key=f"duty_assign_{case.id}_lead").select("town-laolong")
    board.button(at, "改派").click().run(timeout=board.timeout)
    assert escape_markdown(REASON_NEEDED) in [e.value for e in at.error]
    assert board.runtime.store.get_case(case.id).lead_unit == "hrss"


def test_a_concurrent_change_is_reported_not_overwritten(board):
    case = board.case("unsure")
    at = _open_case(board, board.app("duty"), case)
    board.runtime.cases.assign(board.user("admin"), case.id, "housing", expected_version=case.version)
    at.selectbox(key=f"duty_assign_{case.id}_lead").select("hrss")
    board.button(at, "交办").click().run(timeout=board.timeout)
    assert any("该件刚被其他人修改过" in e.value for e in at.error)
    assert board.button(at, "刷新")
    assert board.runtime.store.get_case(case.id).lead_unit == "housing"


def test_the_triage_list_holds_only_cases_waiting_for_assignment(board):
    case = board.case("unsure")
    at = board.app("duty")
    at.switch_page("screens/triage.py").run(timeout=board.timeout)
    assert not at.exception
    assert [t.value for t in at.title] == ["待交办"]
    assert list(at.dataframe[0].value["标题"]) == ["路灯坏了好几天"]
    at.selectbox(key="triage_case").select(case.id).run(timeout=board.timeout)
    at.selectbox(key=f"triage_assign_{case.id}_lead").select("urban-management")
    board.button(at, "交办").click().run(timeout=board.timeout)
    assert not at.exception
    assert "已交办给 县城管综合执法局" in at.success[0].value
    assert "目前没有待交办的件" in board.shown_text(at)


@pytest.mark.parametrize("username", ["hrss-handler", "leader"])
def test_other_roles_cannot_reach_the_duty_pages(board, username):
    at = board.app(username)
    for page in ("screens/duty.py", "screens/triage.py"):
        with pytest.raises(ValueError):
            at.switch_page(page)
