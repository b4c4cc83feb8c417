"""Every page for every role on the real board: it renders without error for the roles that see it,
and is not reachable for the roles that do not."""

from __future__ import annotations

import re

import pytest

from dashboard import navigation

ROLE_USERS = {
    "coordinator": "duty",
    "admin": "admin",
    "leader": "leader",
    "unit_handler": "hrss-handler",
    "unit_leader": "housing-leader",
}
MATRIX = [(role, spec) for role in ROLE_USERS for spec in navigation.PAGES]


@pytest.mark.parametrize(("role", "spec"), MATRIX, ids=[f"{r}-{s.file[:-3]}" for r, s in MATRIX])
def test_every_page_renders_for_the_roles_that_see_it(board, role, spec):
    at = board.app(ROLE_USERS[role])
    assert not at.exception, [e.value for e in at.exception]
    if role not in spec.roles:
        with pytest.raises(ValueError):
            at.switch_page(f"screens/{spec.file}")
        return
    at.switch_page(f"screens/{spec.file}").run(timeout=board.timeout)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [spec.title]
    problems = [e.value for e in at.error if not e.value.startswith("**特急件")]  # the alert is meant to be red
    assert not problems, problems
    english = [m.value for m in (*at.markdown, *at.caption) if re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+ [A-Za-z]+", m.value)
               and not re.search(r"[\u4e00-\u9fff]", m.value)]
    assert not english, english  # e.g. a stray string literal that Streamlit's magic put on the page
