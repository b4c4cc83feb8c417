"""The leaders' figures: counts, on-time rates, satisfaction, and a ranking fair to small units."""

from __future__ import annotations

from datetime import timedelta

from workflow_helpers import DUTY, HRSS, HRSS_LEADER, T0, receive

from index.records import Case
from workflow.kpi import UnitFigures, rank_units, unit_figures


def row(unit: str, on_time: int, due: int) -> UnitFigures:
    return UnitFigures(unit, unit, due, due, due, due, on_time, 1.0, 1.0, 1.0, 1.0, 0, 0, due=due)


def test_one_fast_case_does_not_top_the_ranking():
    rows = [row("big-good", 45, 50), row("tiny-perfect", 1, 1), row("mid", 14, 20), row("small", 4, 5)]
    ranked = rank_units(rows, min_due=5)
    assert [r.unit_id for r in ranked if r.rank] == ["big-good", "small", "mid"]
    tiny = next(r for r in ranked if r.unit_id == "tiny-perfect")
    assert tiny.rank is None and "不参与排名" in tiny.note


def test_returns_extensions_redo_and_satisfaction_are_counted(store, service, clock):
    for n in (1, 2, 3):
        receive(store, n)
    service.open_new_cases()
    a, b, c = store.all_cases()
    service.acknowledge(HRSS, a.id)
    service.reply(HRSS_LEADER, a.id, "经核实已发放")
    service.review(DUTY, a.id)
    service.close(DUTY, a.id)
    service.follow_up(DUTY, a.id, "不满意")
    service.acknowledge(HRSS, b.id)
    service.request_extension(HRSS, b.id, b.deadline + timedelta(days=5), "需核查")
    service.approve_extension(DUTY, b.id)
    service.return_case(HRSS, c.id, "不属本单位")
    (fig,) = unit_figures(store.all_cases(), {"hrss": "县人社局"}, now=T0 + timedelta(days=1))
    assert (fig.returns, fig.extensions, fig.redos, fig.followed_up, fig.satisfied) == (1, 1, 1, 1, 0)
    assert fig.satisfaction_rate == 0.0
    assert fig.due == 0 and fig.on_time_rate is None  # the reopened reply no longer counts as given


def test_merged_duplicates_are_not_counted_twice(store, service):
    receive(store, 1)
    receive(store, 2)
    service.open_new_cases()
    first, second = store.all_cases()
    service.merge(DUTY, second.id, first.id)
    (fig,) = unit_figures(store.all_cases(), {}, now=T0)
    assert fig.assigned == 1


def test_the_period_is_by_assignment_time(store, service):
    receive(store, 1)
    service.open_new_cases()
    cases: list[Case] = list(store.all_cases())
    assert unit_figures(cases, {}, T0, period_from=T0 + timedelta(days=1)) == []
    assert unit_figures(cases, {}, T0, period_from=T0, period_to=T0 + timedelta(days=1))[0].assigned == 1
