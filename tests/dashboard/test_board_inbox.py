"""单位收件箱 on the real board: a unit sees only its cases, signs for them, answers them."""

from __future__ import annotations

import pytest

from dashboard.inbox import CO_UNIT_NOTE
from dashboard.markup import escape_markdown
from workflow.accounts import create_user


def _rows(at):  # type: ignore[no-untyped-def]
    return at.dataframe[0].value


def test_a_unit_sees_only_its_own_cases_least_time_left_first(board):
    at = board.app("hrss-handler")
    assert not at.exception
    assert [t.value for t in at.title] == ["单位收件箱"]
    rows = _rows(at)
    assert list(rows.columns) == ["编号", "紧急程度", "标题", "本单位", "状态", "期限", "剩余时间"]
    assert list(rows["标题"]) == ["社保卡补办进度查询", "工地拖欠工资三个月"]  # overdue first
    assert rows.iloc[0]["剩余时间"].startswith("🔴 已超期 ")
    assert rows.iloc[1]["剩余时间"].startswith("剩余 ")
    assert {m.label: m.value for m in at.metric}["已超期"] == "1"


def test_another_unit_sees_its_cases_and_hostile_titles_as_text(board):
    rows = _rows(board.app("edu-handler"))
    assert set(rows["标题"]) == {"小学插班生报名咨询", f"{board.script}学校门口乱停车"}


def test_a_unit_leader_has_the_same_inbox(board):
    rows = _rows(board.app("housing-leader"))
    assert list(rows["标题"]) == ["幸福小区燃气泄漏"]  # the untriaged street-light case is not theirs yet
    assert rows.iloc[0]["紧急程度"] == "🔴 特急"


def test_a_co_handling_unit_sees_the_case_but_not_the_buttons(board):
    create_user(board.runtime.store, "emergency-handler", board.password, "unit_handler", "应急局经办人", "emergency")
    case = board.case("gas")
    at = board.app("emergency-handler")
    assert list(_rows(at)["本单位"]) == ["协办"]
    at.selectbox(key="inbox_case").select(case.id).run(timeout=board.timeout)
    assert escape_markdown(CO_UNIT_NOTE) in [i.value for i in at.info]
    assert [b.label for b in at.button if b.label in ("签收", "提交答复")] == []


def test_sign_for_then_answer_a_case_and_see_it_in_the_history(board):
    case = board.case("wages")
    at = board.app("hrss-handler")
    at.selectbox(key="inbox_case").select(case.id).run(timeout=board.timeout)
    board.button(at, "签收").click().run(timeout=board.timeout)
    assert not at.exception
    assert at.success[0].value.startswith("已签收。请于 ")
    assert board.runtime.store.get_case(case.id).status == "acknowledged"
    assert list(at.dataframe[-1].value["操作"]) == ["收件并交办", "签收"]

    at.text_area(key=f"reply_{case.id}_text").input("已约谈项目负责人，工资于本周五前发放。")
    board.button(at, "提交答复").click().run(timeout=board.timeout)
    assert not at.exception
    assert at.success[0].value == escape_markdown("答复已提交，等待值班员审核办结。")
    done = board.runtime.store.get_case(case.id)
    assert (done.status, done.reply_text) == ("replied", "已约谈项目负责人，工资于本周五前发放。")

    assert case.id not in list(_rows(at)["编号"])  # answered: off the to-do list
    at.toggle(key="inbox_include_done").set_value(True).run(timeout=board.timeout)
    at.selectbox(key="inbox_case").select(case.id).run(timeout=board.timeout)
    history = at.dataframe[-1].value
    assert list(history["操作"]) == ["收件并交办", "签收", "答复"]
    assert list(history["操作人"]) == ["系统", "人社局经办人", "人社局经办人"]
    assert "工资于本周五前发放" in history.iloc[-1]["说明"]

    leader = board.app("leader")
    leader.radio(key="leader_period").set_value("全部").run(timeout=board.timeout)
    table = leader.dataframe[0].value.set_index("单位")
    hrss = table.loc["县人力资源社会保障局"]
    assert (hrss["答复数"], hrss["按时答复"]) == (1, 1)
    assert hrss["答复用时中位数"].endswith(" 小时") and hrss["签收用时中位数"] != "—"


def test_an_empty_reply_is_refused_with_the_reason(board):
    case = board.case("wages")
    board.runtime.cases.acknowledge(board.user("hrss-handler"), case.id)
    at = board.app("hrss-handler")
    at.selectbox(key="inbox_case").select(case.id).run(timeout=board.timeout)
    board.button(at, "提交答复").click().run(timeout=board.timeout)
    assert escape_markdown("答复内容不能为空，请填写答复意见。") in [e.value for e in at.error]
    assert board.runtime.store.get_case(case.id).status == "acknowledged"


def test_answered_cases_show_when_asked_for(board):
    case = board.case("wages")
    handler = board.user("hrss-handler")
    board.runtime.cases.acknowledge(handler, case.id)
    board.runtime.cases.reply(handler, case.id, "已处理")
    at = board.app("hrss-handler")
    assert list(_rows(at)["标题"]) == ["社保卡补办进度查询"]
    at.toggle(key="inbox_include_done").set_value(True).run(timeout=board.timeout)
    answered = _rows(at).set_index("标题").loc["工地拖欠工资三个月"]
    assert answered["状态"] == "已答复" and answered["剩余时间"].startswith("已于 ")


@pytest.mark.parametrize("username", ["duty", "leader"])
def test_county_roles_have_no_unit_inbox(board, username):
    with pytest.raises(ValueError):
        board.app(username).switch_page("screens/inbox.py")
