"""Two people acting on the same case at the same moment, through separate connections (as two
board sessions or two processes would): one wins, the other is told, no update is lost."""

from __future__ import annotations

import threading

from workflow_helpers import DUTY, T0, Clock, receive

from index.store import open_store
from nlp.segment import search_tokens
from workflow.cases import CaseService
from workflow.deadlines import DeadlineProfile
from workflow.errors import Conflict


def test_two_writers_racing_on_one_case(store, service, record_store_url):
    receive(store, 1)
    service.open_new_cases()
    (case,) = store.all_cases()
    seen = case.version
    stores = [open_store(record_store_url, tokenizer=search_tokens) for _ in range(2)]
    services = [CaseService(s, DeadlineProfile.load(), clock=Clock(T0)) for s in stores]
    barrier = threading.Barrier(2)
    outcomes: list[str] = [""] * 2

    def act(n: int, unit: str) -> None:
        barrier.wait()
        try:
            services[n].assign(DUTY, case.id, unit, reason=f"改由{unit}办理", expected_version=seen)
            outcomes[n] = "won"
        except Conflict as exc:
            outcomes[n] = "conflict: " + exc.zh

    for _ in range(20):  # repeat to give the race every chance to show a lost update
        seen = store.get_case(case.id).version
        outcomes[:] = ["", ""]
        threads = [threading.Thread(target=act, args=(0, "housing")), threading.Thread(target=act, args=(1, "town-laolong"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(o[:3] for o in outcomes) == ["con", "won"], outcomes
        assert "刷新" in next(o for o in outcomes if o.startswith("conflict"))
        winner = "housing" if outcomes[0] == "won" else "town-laolong"
        after = store.get_case(case.id)
        assert after.lead_unit == winner and after.version == seen + 1
        assert store.events(case.id)[-1].after["lead_unit"] == winner
    for s in stores:
        s.close()
