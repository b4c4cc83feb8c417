"""领导看板 on the real board: the per-unit table for a period, the overdue chart, the CSV."""

from __future__ import annotations

import pytest

from dashboard.leader_view import TABLE_COLUMNS


@pytest.mark.parametrize("username", ["leader", "admin", "duty"])
def test_the_leader_page_renders_for_county_roles(board, username):
    at = board.app(username)
    if username != "leader":
        at.switch_page("screens/leader.py").run(timeout=board.timeout)
    assert not at.exception
    assert [t.value for t in at.title] == ["领导看板"]
    assert list(at.dataframe[0].value.columns) == list(TABLE_COLUMNS)


def test_the_period_decides_which_assignments_count(board):
    at = board.app("leader")
    assert at.radio(key="leader_period").value == "近30天"
    table = at.dataframe[0].value.set_index("单位")
    assert table.loc["县人力资源社会保障局", "交办数"] == 2  # assigned today and ten days ago
    at.radio(key="leader_period").set_value("近7天").run(timeout=board.timeout)
    table = at.dataframe[0].value.set_index("单位")
    assert table.loc["县人力资源社会保障局", "交办数"] == 1
    assert "县教育局" in table.index and "县住房城乡建设局" in table.index
    assert "目前没有超期未答复的件。" in board.shown_text(at)

    at.radio(key="leader_period").set_value("全部").run(timeout=board.timeout)
    table = at.dataframe[0].value.set_index("单位")
    assert table.loc["县人力资源社会保障局", "当前超期"] == 1
    assert len(at.get("vega_lite_chart")) == 1
    assert {m.label: m.value for m in at.metric}["当前超期"] == "1"


def test_the_table_can_be_downloaded(board):
    at = board.app("leader")
    download = at.get("download_button")
    assert len(download) == 1 and "CSV" in download[0].proto.label


@pytest.mark.parametrize("username", ["hrss-handler", "housing-leader"])
def test_unit_roles_cannot_open_the_leader_page(board, username):
    with pytest.raises(ValueError):
        board.app(username).switch_page("screens/leader.py")
