"""Overdue and near-deadline cases now (通报, 临期), for the leaders' drill-down.

One bounded query of open cases in deadline order: the overdue ones come first, then those past
the last reminder threshold (临期). Cheap whatever the size of the history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from dashboard import feed
from index.records import CaseView
from index.store import CaseFilter
from workflow.states import OPEN_STATUSES

LIMIT = 300
OPEN = CaseFilter(statuses=OPEN_STATUSES, order="deadline_asc", limit=LIMIT)


@dataclass(frozen=True)
class DeadlineLists:
    overdue: list[CaseView]
    near: list[CaseView]


def load(store: Any, now: datetime) -> DeadlineLists:
    views = store.list_cases(OPEN)
    states = [feed.deadline_state(v.case, now) for v in views]
    return DeadlineLists(
        overdue=[v for v, s in zip(views, states, strict=True) if s == "overdue"],
        near=[v for v, s in zip(views, states, strict=True) if s == "near"],
    )


def table(views: Sequence[CaseView], names: Mapping[str, str], now: datetime,
          masker: Callable[[str], str]) -> pd.DataFrame:
    return feed.feed_table(views, names, now, masker)
