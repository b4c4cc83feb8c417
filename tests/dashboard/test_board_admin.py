"""管理 on the real board: accounts, units, routing table, deadlines, corrections for retraining."""

from __future__ import annotations

from dashboard import admin_view
from dashboard.markup import escape_markdown
from workflow.accounts import authenticate


def _page(board, page: str):  # type: ignore[no-untyped-def]
    at = board.app("admin")
    at.switch_page(f"screens/{page}").run(timeout=board.timeout)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _fill(at, **values):  # type: ignore[no-untyped-def]
    for key, value in values.items():
        widget = at.selectbox(key=key) if key in ("new_user_role", "new_user_unit") else at.text_input(key=key)
        widget.select(value) if key in ("new_user_role", "new_user_unit") else widget.input(value)


def test_creating_an_account_checks_the_input_in_chinese(board):
    at = _page(board, "admin_users.py")
    _fill(at, new_user_name="water-handler", new_user_display="水务局经办人", new_user_role="unit_handler",
          new_user_pw="long-enough-pw", new_user_pw2="long-enough-pw")
    board.button(at, "创建账号").click().run(timeout=board.timeout)
    assert escape_markdown("承办单位的账号须选择所属单位。") in [e.value for e in at.error]
    assert board.runtime.store.get_user("water-handler") is None
    assert at.text_input(key="new_user_pw").value == ""  # a typed password is never kept

    _fill(at, new_user_unit="water", new_user_pw="long-enough-pw", new_user_pw2="long-enough-pw")
    board.button(at, "创建账号").click().run(timeout=board.timeout)
    assert not at.exception
    assert at.success[0].value.startswith(escape_markdown("已创建账号 water-handler"))
    created = authenticate(board.runtime.store, "water-handler", "long-enough-pw")
    assert (created.role, created.unit_id) == ("unit_handler", "water")

    _fill(at, new_user_name="duty", new_user_display="重名", new_user_role="coordinator",
          new_user_pw="long-enough-pw", new_user_pw2="long-enough-pw")
    board.button(at, "创建账号").click().run(timeout=board.timeout)
    assert any("已存在" in e.value for e in at.error)  # an existing account is never replaced


def test_disabling_an_account_signs_it_out_and_enabling_restores_it(board):
    at = _page(board, "admin_users.py")
    at.selectbox(key="manage_user").select("edu-handler").run(timeout=board.timeout)
    board.button(at, "停用账号").click().run(timeout=board.timeout)
    assert not board.runtime.store.get_user("edu-handler").active
    assert "user" not in board.app("edu-handler").session_state  # signed out at its next run
    board.button(at, "启用账号").click().run(timeout=board.timeout)
    assert board.runtime.store.get_user("edu-handler").active
    at.selectbox(key="manage_user").select("admin").run(timeout=board.timeout)
    board.button(at, "停用账号").click().run(timeout=board.timeout)
    assert escape_markdown("不能停用自己正在使用的账号。") in [e.value for e in at.error]


def test_resetting_a_password(board):
    at = _page(board, "admin_users.py")
    at.selectbox(key="manage_user").select("leader").run(timeout=board.timeout)
    at.text_input(key="reset_pw").input("a-new-password")
    board.button(at, "重置密码").click().run(timeout=board.timeout)
    assert authenticate(board.runtime.store, "leader", "a-new-password").username == "leader"


def test_the_rules_page_shows_routing_deadlines_and_corrections(board):
    case = board.case("unsure")
    board.runtime.cases.reclassify(board.user("duty"), case.id, domain="交通运输", reason="路灯属交通设施")
    at = _page(board, "admin_rules.py")
    frames = [d.value for d in at.dataframe]
    domains = frames[0]
    assert ("劳动和社会保障", "县人力资源社会保障局") in set(zip(domains["领域"], domains["主办单位"], strict=True))
    profile = next(f for f in frames if list(f.columns) == ["项目", "时限"])
    assert "签收" in set(profile["项目"])
    assert {m.label: m.value for m in at.metric}["值班员更正分类（训练样本）"] == "1"
    corrections = next(f for f in frames if "更正人" in f.columns)
    assert corrections.iloc[0]["领域"] == "城乡建设 → 交通运输"
    assert admin_view.RETRAIN_COMMAND in [c.value for c in at.code]
