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

    charts = len(at.get("vega_lite_chart"))  # the two trend charts; no overdue chart
    at.radio(key="leader_period").set_value("全部").run(timeout=board.timeout)
    table = at.dataframe[0].value.set_index("单位")
    assert table.loc["县人力资源社会保障局", "当前超期"] == 1
    assert len(at.get("vega_lite_chart")) == charts + 1  # the overdue bars appear
    assert {m.label: m.value for m in at.metric}["当前超期"] == "1"


def test_the_table_can_be_downloaded(board):
    at = board.app("leader")
    download = at.get("download_button")
    assert len(download) == 1 and "CSV" in download[0].proto.label


@pytest.mark.parametrize("username", ["hrss-handler", "housing-leader"])
def test_unit_roles_cannot_open_the_leader_page(board, username):
    with pytest.raises(ValueError):
        board.app(username).switch_page("screens/leader.py")


def test_the_figures_follow_actions_without_a_restart(board):
    at = board.app("leader")
    table = at.dataframe[0].value.set_index("单位")
    assert table.loc["县人力资源社会保障局", "签收数"] == 0
    wages = board.case("wages")
    board.runtime.cases.acknowledge(board.user("hrss-handler"), wages.id)
    at.run(timeout=board.timeout)
    table = at.dataframe[0].value.set_index("单位")
    assert table.loc["县人力资源社会保障局", "签收数"] == 1
    assert table.loc["县人力资源社会保障局", "按时签收率"] == "50.0%"


def test_ranking_trends_and_drill_down(board):
    at = board.app("leader")
    frames = [d.value for d in at.dataframe]
    ranking = next(f for f in frames if "排名" in f.columns)
    assert set(ranking["说明"]) == {"到期件少于 5 件，不参与排名"}  # every unit is small in the seed
    at.segmented_control(key="leader_granularity").set_value("month").run(timeout=board.timeout)
    at.selectbox(key="leader_unit").select("hrss").run(timeout=board.timeout)
    assert not at.exception
    overdue = board.case("overdue")
    assert "当前超期（1）" in [t.label for t in at.tabs]
    at.selectbox(key="leader_case").select(overdue.id).run(timeout=board.timeout)
    assert not at.exception
    assert "#### 社保卡补办进度查询" in [m.value for m in at.markdown]
    assert "如需督办，请联系值班员（舆情协调）。" in [c.value for c in at.caption]
    assert "督办" not in [b.label for b in at.button]


def test_a_coordinator_can_supervise_from_the_leader_page(board):
    at = board.app("duty")
    at.switch_page("screens/leader.py").run(timeout=board.timeout)
    overdue = board.case("overdue")
    at.selectbox(key="leader_case").select(overdue.id).run(timeout=board.timeout)
    at.text_input(key=f"supervise_{overdue.id}_reason").input("超期件，请今日答复")
    [b for b in at.button if b.label == "督办"][0].click().run(timeout=board.timeout)
    assert board.runtime.store.get_case(overdue.id).supervised == 1
