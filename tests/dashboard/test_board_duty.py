"""值班台 and 待交办 on the real board: the feed, the alert, the detail, assignment, hostile text."""

from __future__ import annotations

import re

import pytest

from dashboard.actions import REASON_NEEDED
from dashboard.markup import escape_markdown

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
ALL_TITLES = {"幸福小区燃气泄漏", "工地拖欠工资三个月", "小学插班生报名咨询", "路灯坏了好几天",
              f"{SCRIPT}学校门口乱停车", "社保卡补办进度查询", "低保申请没有回音"}


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
    assert set(_feed(at)["标题"]) == {"工地拖欠工资三个月", "小学插班生报名咨询", "社保卡补办进度查询", "低保申请没有回音"}
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


def test_the_urgent_alert_stays_until_a_person_takes_the_case(board):
    gas = board.case("gas")
    at = board.app("duty")
    assert "特急件 1 件待接手" in at.error[0].value
    assert board.app("admin").error[0].value == at.error[0].value  # every officer sees the same alert
    board.button(at, "接手").click().run(timeout=board.timeout)
    assert not at.exception
    assert not [e for e in at.error if "特急件" in e.value]
    last = board.runtime.store.events(gas.id)[-1]
    assert (last.action, last.actor) == ("remind", "duty")  # taken; the unit's clock is not restarted
    assert board.runtime.store.get_case(gas.id).assigned_at == gas.assigned_at
    assert not [e for e in board.app("admin").error if "特急件" in e.value]  # taken is stored, not remembered


def test_a_returned_urgent_case_alerts_again_and_opens_from_the_alert(board):
    gas = board.case("gas")
    board.runtime.cases.return_case(board.user("housing-leader"), gas.id, "燃气由应急局牵头处置")
    at = board.app("duty")
    assert "特急件 1 件待接手" in at.error[0].value
    board.button(at, "查看").click().run(timeout=board.timeout)
    assert not at.exception
    assert at.selectbox(key="duty_case").value == gas.id
    assert escape_markdown("承办单位退单理由：燃气由应急局牵头处置") in [w.value for w in at.warning]


def test_the_duty_officer_sees_personal_data_the_leader_does_not(board):
    case = board.case("pii")
    at = _open_case(board, board.app("duty"), case)
    assert any("13812345678" in t.value and "441622199001011234" in t.value for t in at.text)
    county = board.app("leader")
    county.radio(key="leader_period").set_value("全部").run(timeout=board.timeout)
    assert "13812345678" not in board.shown_text(county)


def test_merging_a_duplicate_raises_the_main_case(board):
    dup, main = board.case("overdue"), board.case("wages")
    at = _open_case(board, board.app("duty"), dup)
    at.number_input(key=f"merge_{dup.id}_into").set_value(main.id)
    at.text_input(key=f"merge_{dup.id}_reason").input("同一人重复反映")
    board.button(at, "并单").click().run(timeout=board.timeout)
    assert not at.exception
    assert escape_markdown(f"已将 #{dup.id} 并入 #{main.id}") in at.success[0].value
    assert (board.runtime.store.get_case(dup.id).status, board.runtime.store.get_case(main.id).merged_count) == (
        "merged", 1)


def test_referring_an_emergency_and_correcting_the_classification(board):
    case = board.case("school")
    at = _open_case(board, board.app("duty"), case)
    at.selectbox(key=f"refer_{case.id}_line").select("120")
    board.button(at, "转警情").click().run(timeout=board.timeout)
    assert not at.exception
    referred = board.runtime.store.get_case(case.id)
    assert (referred.referred_to, referred.urgency) == ("120", "特急")

    at.selectbox(key=f"reclassify_{case.id}_domain").select("教育文体")
    at.selectbox(key=f"reclassify_{case.id}_urgency").select("紧急")
    at.text_input(key=f"reclassify_{case.id}_reason").input("学校咨询，非急救")
    board.button(at, "更正分类").click().run(timeout=board.timeout)
    assert not at.exception
    assert at.success[0].value == escape_markdown("已更正分类，并记录为模型训练样本。")
    event = board.runtime.store.events(case.id)[-1]
    assert (event.action, event.after.get("domain"), event.after.get("urgency")) == ("reclassify", "教育文体", "紧急")


def test_reminding_and_supervising_from_the_duty_page(board):
    case = board.case("wages")
    at = _open_case(board, board.app("duty"), case)
    board.button(at, "催办").click().run(timeout=board.timeout)
    assert board.runtime.store.events(case.id)[-1].action == "remind"
    board.button(at, "督办").click().run(timeout=board.timeout)
    assert escape_markdown("请填写督办意见。") in [e.value for e in at.error]
    at.text_input(key=f"supervise_{case.id}_reason").input("请今日内反馈进展")
    board.button(at, "督办").click().run(timeout=board.timeout)
    assert board.runtime.store.get_case(case.id).supervised == 1


def test_the_triage_list_also_holds_returned_cases(board):
    school = board.case("school")
    board.runtime.cases.return_case(board.user("edu-handler"), school.id, "插班由学校受理")
    at = board.app("duty")
    at.switch_page("screens/triage.py").run(timeout=board.timeout)
    assert set(at.dataframe[0].value["标题"]) == {"路灯坏了好几天", "小学插班生报名咨询"}
    at.selectbox(key="triage_case").select(school.id).run(timeout=board.timeout)
    at.selectbox(key=f"triage_assign_{school.id}_lead").select("town-laolong")
    board.button(at, "交办").click().run(timeout=board.timeout)  # re-routing a return needs no second reason
    assert not at.exception
    assert board.runtime.store.get_case(school.id).lead_unit == "town-laolong"


def test_taking_an_urgent_case_at_the_desk_assigns_it_to_the_proposed_unit(board):
    unsure = board.case("unsure")
    board.runtime.cases.reclassify(board.user("duty"), unsure.id, urgency="特急", reason="路灯坏致行人摔伤")
    at = board.app("duty")
    assert "特急件 2 件待接手" in at.error[0].value
    [b for b in at.button if b.label == "接手" and b.key == f"take_{unsure.id}"][0].click().run(timeout=board.timeout)
    assert not at.exception
    taken = board.runtime.store.get_case(unsure.id)
    assert (taken.status, taken.lead_unit) == ("assigned", "housing")
    assert "特急件 1 件待接手" in at.error[0].value  # the other one still waits
