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


def test_a_unit_sees_personal_data_in_its_own_cases(board):
    create_user(board.runtime.store, "civil-handler", board.password, "unit_handler", "民政局经办人", "civil-affairs")
    case = board.case("pii")
    at = board.app("civil-handler")
    at.selectbox(key="inbox_case").select(case.id).run(timeout=board.timeout)
    assert any("13812345678" in t.value for t in at.text)  # the unit must be able to call back


def test_a_unit_leader_has_the_same_inbox(board):
    rows = _rows(board.app("housing-leader"))
    assert list(rows["标题"]) == ["幸福小区燃气泄漏"]  # the untriaged street-light case is not theirs yet
    assert rows.iloc[0]["紧急程度"] == "🔴 特急"


def test_a_co_handling_unit_signs_for_its_part_and_gives_its_input(board):
    case = board.case("gas")
    at = board.app("emergency-handler")
    assert list(_rows(at)["本单位"]) == ["协办"]
    assert list(_rows(at)["状态"]) == ["协办待签收"]
    at.selectbox(key="inbox_case").select(case.id).run(timeout=board.timeout)
    assert escape_markdown(CO_UNIT_NOTE) in [i.value for i in at.info]
    assert [b.label for b in at.button if b.label in ("签收", "提交答复", "提交协办意见", "退单")] == ["签收"]
    board.button(at, "签收").click().run(timeout=board.timeout)
    assert at.success[0].value.startswith("已签收本单位的协办部分")
    assert board.runtime.store.get_case(case.id).status == "assigned"  # the lead unit has not signed yet
    assert f"reply_{case.id}_text" not in [t.key for t in at.text_area]  # input once the lead unit handles it
    board.runtime.cases.acknowledge(board.user("housing-leader"), case.id)
    at.run(timeout=board.timeout)
    at.text_area(key=f"reply_{case.id}_text").input("应急局已派员到场检测，燃气浓度已降至安全范围。")
    board.button(at, "提交协办意见").click().run(timeout=board.timeout)
    assert not at.exception
    part = [p for p in board.runtime.store.case_units(case.id) if p.unit_id == "emergency"][0]
    assert part.reply_text.startswith("应急局已派员到场") and part.acknowledged_at is not None
    assert list(_rows(at)["状态"]) == ["协办意见已提交"]


def test_sign_for_then_answer_then_the_leader_signs_off(board):
    case = board.case("wages")
    at = board.app("hrss-handler")
    at.selectbox(key="inbox_case").select(case.id).run(timeout=board.timeout)
    board.button(at, "签收").click().run(timeout=board.timeout)
    assert not at.exception
    assert at.success[0].value.startswith("已签收。请于 ")
    assert board.runtime.store.get_case(case.id).status == "acknowledged"
    assert list(at.dataframe[-1].value["操作"]) == ["收件并交办", "签收"]

    reply = "县人社局经核实，龙川大道工地确有拖欠，已约谈项目负责人，依据《保障农民工工资支付条例》责令于本周五前发放。"
    at.text_area(key=f"reply_{case.id}_text").input(reply).run(timeout=board.timeout)
    assert any("答复检查" in s.value for s in at.success)  # the reply check's verdict is beside the box
    board.button(at, "提交答复").click().run(timeout=board.timeout)
    assert not at.exception
    assert at.success[0].value == escape_markdown("答复已提交，等待本单位负责人审签。")
    draft = board.runtime.store.get_case(case.id)
    assert (draft.status, draft.reply_draft, draft.reply_text) == ("reply_pending", reply, "")

    leader = board.app("hrss-leader")
    leader.selectbox(key="inbox_case").select(case.id).run(timeout=board.timeout)
    assert leader.text_area(key=f"signoff_{case.id}_{draft.version}_text").value == reply
    board.button(leader, "审签通过").click().run(timeout=board.timeout)
    assert not leader.exception
    assert leader.success[0].value == escape_markdown("已审签，答复已发出，等待值班员审核办结。")
    done = board.runtime.store.get_case(case.id)
    assert (done.status, done.reply_text) == ("replied", reply)

    assert case.id not in list(_rows(at.run(timeout=board.timeout))["编号"])  # answered: off the to-do list
    at.toggle(key="inbox_include_done").set_value(True).run(timeout=board.timeout)
    at.selectbox(key="inbox_case").select(case.id).run(timeout=board.timeout)
    history = at.dataframe[-1].value
    assert list(history["操作"]) == ["收件并交办", "签收", "答复", "审签"]
    assert list(history["操作人"]) == ["系统", "人社局经办人", "人社局经办人", "人社局负责人"]
    assert "审签通过" in history.iloc[-1]["说明"]

    county = board.app("leader")
    county.radio(key="leader_period").set_value("全部").run(timeout=board.timeout)
    table = county.dataframe[0].value.set_index("单位")
    hrss = table.loc["县人力资源社会保障局"]
    assert (hrss["答复数"], hrss["按时答复率"]) == (1, "50.0%")  # one on time, one overdue without a reply
    assert hrss["答复用时中位数"] != "—" and hrss["签收用时中位数"] != "—"


def test_a_leader_sends_a_draft_back_with_a_reason(board):
    case = board.case("wages")
    handler = board.user("hrss-handler")
    board.runtime.cases.acknowledge(handler, case.id)
    board.runtime.cases.reply(handler, case.id, "已处理。")
    at = board.app("hrss-leader")
    at.selectbox(key="inbox_case").select(case.id).run(timeout=board.timeout)
    problems = "\n".join(w.value for w in at.warning)
    assert "答复过短" in problems  # the check's reasons are shown next to the draft
    at.text_input(key=f"reject_{case.id}_reason").input("请写明核实情况和发放时间")
    board.button(at, "退回修改").click().run(timeout=board.timeout)
    assert not at.exception
    back = board.runtime.store.get_case(case.id)
    assert back.status == "in_progress" and board.runtime.store.events(case.id)[-1].reason == "请写明核实情况和发放时间"


def test_a_unit_requests_an_extension_and_returns_a_case(board):
    wages, school = board.case("wages"), board.case("school")
    board.runtime.cases.acknowledge(board.user("hrss-handler"), wages.id)
    at = board.app("hrss-handler")
    at.selectbox(key="inbox_case").select(wages.id).run(timeout=board.timeout)
    at.text_input(key=f"extend_{wages.id}_reason").input("需要现场核查工地账目")
    board.button(at, "申请延期").click().run(timeout=board.timeout)
    assert not at.exception
    assert at.success[0].value.startswith("延期申请已提交")
    asked = board.runtime.store.get_case(wages.id)
    assert asked.extension_requested_until > asked.deadline and asked.extension_reason == "需要现场核查工地账目"

    edu = board.app("edu-handler")
    edu.selectbox(key="inbox_case").select(school.id).run(timeout=board.timeout)
    edu.text_area(key=f"return_{school.id}_reason").input("插班报名由学校受理，不属于本局职责。")
    board.button(edu, "退单").click().run(timeout=board.timeout)
    assert not edu.exception
    back = board.runtime.store.get_case(school.id)
    assert (back.status, back.return_count) == ("returned", 1)


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
    leader = board.user("hrss-leader")
    board.runtime.cases.acknowledge(leader, case.id)
    board.runtime.cases.reply(leader, case.id, "已处理")  # a leader's reply is signed at once
    at = board.app("hrss-handler")
    assert list(_rows(at)["标题"]) == ["社保卡补办进度查询"]
    at.toggle(key="inbox_include_done").set_value(True).run(timeout=board.timeout)
    answered = _rows(at).set_index("标题").loc["工地拖欠工资三个月"]
    assert answered["状态"] == "已答复" and answered["剩余时间"].startswith("已于 ")


@pytest.mark.parametrize("username", ["duty", "leader"])
def test_county_roles_have_no_unit_inbox(board, username):
    with pytest.raises(ValueError):
        board.app(username).switch_page("screens/inbox.py")


def test_the_propaganda_department_publishes_the_public_response(board):
    wages = board.case("wages")
    board.runtime.cases.assign(board.user("duty"), wages.id, "hrss", ("propaganda",), expected_version=wages.version)
    at = board.app("propaganda-handler")
    at.selectbox(key="inbox_case").select(wages.id).run(timeout=board.timeout)
    at.text_area(key=f"publish_{wages.id}_text").input("县人社局已介入，工资将于本周五前发放。")
    board.button(at, "发布回应").click().run(timeout=board.timeout)
    assert not at.exception
    assert board.runtime.store.get_case(wages.id).public_response == "县人社局已介入，工资将于本周五前发放。"
    other = board.app("hrss-handler")
    other.selectbox(key="inbox_case").select(wages.id).run(timeout=board.timeout)
    assert "发布回应" not in [b.label for b in other.button]  # only the propaganda department publishes
