"""The board's actions against the real case service: every refusal comes back as its Chinese reason."""

from __future__ import annotations

import dataclasses

from dashboard import actions


def test_a_click_on_an_outdated_view_is_a_conflict(board):
    seen = board.case("wages")
    board.runtime.cases.assign(board.user("duty"), seen.id, "hrss", ("town-laolong",), reason="补充协办")
    outcome = actions.acknowledge(board.runtime.cases, board.user("hrss-handler"), seen)
    assert (outcome.ok, outcome.conflict) == (False, True)
    assert "请刷新页面" in outcome.message
    assert board.runtime.store.get_case(seen.id).status == "assigned"


def test_signing_for_twice_from_an_outdated_view_asks_to_refresh(board):
    case = board.case("wages")
    handler = board.user("hrss-handler")
    first = actions.acknowledge(board.runtime.cases, handler, case)
    assert first.ok and first.message.startswith("已签收。请于 ")
    again = actions.acknowledge(board.runtime.cases, handler, case)  # the same, now outdated, view
    assert not again.ok and again.conflict and "刷新" in again.message


def test_another_units_handler_is_refused_with_the_reason(board):
    outcome = actions.acknowledge(board.runtime.cases, board.user("edu-handler"), board.case("wages"))
    assert not outcome.ok and not outcome.conflict
    assert outcome.message == "该件未交办给您所在的单位，您无权查看或办理。"


def test_a_reply_before_signing_for_says_what_to_do_first(board):
    outcome = actions.reply(board.runtime.cases, board.user("hrss-handler"), board.case("wages"), "已处理")
    assert not outcome.ok and outcome.message.endswith("请先签收，再答复。")


def test_a_vanished_case_is_explained(board):
    ghost = dataclasses.replace(board.case("wages"), id=99999)
    outcome = actions.acknowledge(board.runtime.cases, board.user("hrss-handler"), ghost)
    assert outcome.message == actions.NOT_FOUND


def test_reassigning_needs_a_reason_but_first_assignment_does_not(board):
    duty, names = board.user("duty"), board.runtime.unit_names
    wages = board.case("wages")
    refused = actions.assign(board.runtime.cases, duty, wages, "town-laolong", (), "  ", names)
    assert refused.message == actions.REASON_NEEDED
    assert board.runtime.store.get_case(wages.id).lead_unit == "hrss"
    moved = actions.assign(board.runtime.cases, duty, wages, "town-laolong", (), "属地处理", names)
    assert moved.ok and moved.message.startswith("已改派给 老隆镇")
    first = actions.assign(board.runtime.cases, duty, board.case("unsure"), "housing", ("water",), "", names)
    assert first.ok and first.message.startswith("已交办给 县住房城乡建设局（协办：县水务局）")


def test_an_unknown_unit_is_refused(board):
    outcome = actions.assign(board.runtime.cases, board.user("duty"), board.case("unsure"), "no-such-unit", (), "",
                             board.runtime.unit_names)
    assert not outcome.ok and "不在本县单位名录中" in outcome.message
