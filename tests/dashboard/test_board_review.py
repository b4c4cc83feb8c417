"""审核办结 on the real board: review, send back, close, follow up, and extension requests."""

from __future__ import annotations

from datetime import timedelta

from dashboard.markup import escape_markdown

REPLY = "县人社局经核实，已约谈项目负责人，依据《保障农民工工资支付条例》责令本周五前发放。"


def _replied(board, key: str = "wages"):  # type: ignore[no-untyped-def]
    case = board.case(key)
    leader = board.user("hrss-leader")
    board.runtime.cases.acknowledge(leader, case.id)
    board.runtime.cases.reply(leader, case.id, REPLY)
    return board.runtime.store.get_case(case.id)


def _review_page(board):  # type: ignore[no-untyped-def]
    at = board.app("duty")
    at.switch_page("screens/review.py").run(timeout=board.timeout)
    assert not at.exception
    return at


def test_review_close_and_follow_up_in_three_clicks(board):
    case = _replied(board)
    at = _review_page(board)
    assert list(at.dataframe[0].value["编号"]) == [case.id]
    at.selectbox(key="review_case").select(case.id).run(timeout=board.timeout)
    assert REPLY in [t.value for t in at.text]  # the reply is shown as text before reviewing it
    board.button(at, "审核通过").click().run(timeout=board.timeout)
    assert not at.exception and board.runtime.store.get_case(case.id).status == "reviewed"

    at.segmented_control(key="review_queue").set_value("close").run(timeout=board.timeout)
    at.selectbox(key="review_case").select(case.id).run(timeout=board.timeout)
    board.button(at, "办结").click().run(timeout=board.timeout)
    assert board.runtime.store.get_case(case.id).status == "closed"

    at.segmented_control(key="review_queue").set_value("follow_up").run(timeout=board.timeout)
    at.selectbox(key="review_case").select(case.id).run(timeout=board.timeout)
    at.radio(key=f"follow_up_{case.id}_answer").set_value("基本满意")
    board.button(at, "记录回访").click().run(timeout=board.timeout)
    assert not at.exception
    assert board.runtime.store.get_case(case.id).satisfaction == "基本满意"
    assert "该队列目前没有待处理的件。" in board.shown_text(at)


def test_an_unsatisfied_follow_up_reopens_the_case(board):
    case = _replied(board)
    duty = board.user("duty")
    board.runtime.cases.review(duty, case.id)
    board.runtime.cases.close(duty, case.id)
    at = _review_page(board)
    at.segmented_control(key="review_queue").set_value("follow_up").run(timeout=board.timeout)
    at.selectbox(key="review_case").select(case.id).run(timeout=board.timeout)
    at.radio(key=f"follow_up_{case.id}_answer").set_value("不满意")
    board.button(at, "记录回访").click().run(timeout=board.timeout)
    assert at.success[0].value == escape_markdown("已记录回访结果：不满意。该件已退回承办单位重办。")
    reopened = board.runtime.store.get_case(case.id)
    assert (reopened.status, reopened.redo_count) == ("in_progress", 1)


def test_sending_a_reply_back_needs_a_reason(board):
    case = _replied(board)
    at = _review_page(board)
    at.selectbox(key="review_case").select(case.id).run(timeout=board.timeout)
    board.button(at, "审核退回").click().run(timeout=board.timeout)
    assert escape_markdown("请填写审核退回的原因，告诉承办单位需要补充什么。") in [e.value for e in at.error]
    at.text_input(key=f"send_back_{case.id}_reason").input("请补充发放时间")
    board.button(at, "审核退回").click().run(timeout=board.timeout)
    assert board.runtime.store.get_case(case.id).status == "in_progress"


def test_extensions_are_approved_or_refused_from_their_queue(board):
    wages, gas = board.case("wages"), board.case("gas")
    handler, housing = board.user("hrss-handler"), board.user("housing-leader")
    board.runtime.cases.acknowledge(handler, wages.id)
    board.runtime.cases.acknowledge(housing, gas.id)
    wanted = board.runtime.store.get_case(wages.id).deadline + timedelta(days=5)
    board.runtime.cases.request_extension(handler, wages.id, wanted, "需要现场核查")
    board.runtime.cases.request_extension(housing, gas.id, board.runtime.store.get_case(gas.id).deadline
                                          + timedelta(days=1), "等待检测报告")
    at = _review_page(board)
    at.segmented_control(key="review_queue").set_value("extension").run(timeout=board.timeout)
    assert set(at.dataframe[0].value["编号"]) == {wages.id, gas.id}
    at.selectbox(key="review_case").select(wages.id).run(timeout=board.timeout)
    board.button(at, "批准延期").click().run(timeout=board.timeout)
    assert not at.exception
    approved = board.runtime.store.get_case(wages.id)
    assert (approved.deadline, approved.extension_count) == (wanted, 1)

    at.selectbox(key="review_case").select(gas.id).run(timeout=board.timeout)
    at.text_input(key=f"refuse_ext_{gas.id}_reason").input("特急件须当日处置")
    board.button(at, "不予延期").click().run(timeout=board.timeout)
    refused = board.runtime.store.get_case(gas.id)
    assert refused.extension_requested_until is None and refused.extension_count == 0
