"""Signing in and out of the real board (AppTest over app.py and a seeded SQLite file)."""

from __future__ import annotations

import dataclasses

import pytest

from dashboard.auth import ACCOUNT_GONE, MISSING_INPUT
from dashboard.markup import escape_markdown

WRONG = escape_markdown("用户名或密码不正确，请重新输入；忘记密码请联系系统管理员。")


def _sign_in(board, username: str, password: str):  # type: ignore[no-untyped-def]
    at = board.app()
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    return board.button(at, "登录").click().run(timeout=board.timeout)


def test_a_visitor_sees_only_the_sign_in_form(board):
    at = board.app()
    assert not at.exception
    assert [t.value for t in at.title] == ["回应 · 舆情回应协同"]
    assert [w.label for w in at.text_input] == ["用户名", "密码"]
    assert "user" not in at.session_state
    with pytest.raises(ValueError):  # the duty page is not registered for a visitor
        at.switch_page("screens/duty.py")


def test_a_wrong_password_is_refused_in_chinese(board):
    at = _sign_in(board, "duty", "not-the-password")
    assert not at.exception
    assert [e.value for e in at.error] == [WRONG]
    assert "user" not in at.session_state
    assert at.text_input(key="sign_in_password").value == ""  # the typed password is not kept


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(board):
    at = _sign_in(board, "nobody", board.password)
    assert [e.value for e in at.error] == [WRONG]


def test_empty_fields_are_explained(board):
    at = _sign_in(board, "", "")
    assert [e.value for e in at.error] == [escape_markdown(MISSING_INPUT)]


@pytest.mark.parametrize(("username", "landing", "sidebar"), [
    ("duty", "值班台", "值班员小李 · 值班员（舆情协调）"),
    ("leader", "领导看板", "县领导王某 · 县领导"),
    ("hrss-handler", "单位收件箱", "人社局经办人 · 承办单位经办人 · 县人力资源社会保障局"),
])
def test_signing_in_lands_on_the_roles_first_page(board, username, landing, sidebar):
    at = _sign_in(board, username, board.password)
    assert not at.exception
    assert [t.value for t in at.title] == [landing]
    assert at.session_state["user"].username == username
    assert at.session_state["user"].password_hash == ""  # the session does not carry the hash
    assert sidebar in "\n".join(m.value for m in at.sidebar.markdown)


def test_signing_out_forgets_the_user(board):
    at = board.app("duty")
    at.sidebar.button(key="sign_out").click().run(timeout=board.timeout)
    assert not at.exception
    assert "user" not in at.session_state
    assert [w.label for w in at.text_input] == ["用户名", "密码"]


def test_a_disabled_account_is_signed_out_at_its_next_click(board):
    at = board.app("hrss-handler")
    user = board.user("hrss-handler")
    board.runtime.store.upsert_user(dataclasses.replace(user, active=False))
    at.run(timeout=board.timeout)
    assert "user" not in at.session_state
    assert escape_markdown(ACCOUNT_GONE) in board.shown_text(at)
