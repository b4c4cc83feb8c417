"""Opening a configured installation: the store, the county's units and the case service.

The command line and the board both start here, so they see the same records the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from huiying.county import county_name, load_units
from huiying.settings import Config
from index.store import open_search, open_store
from nlp.segment import search_tokens
from workflow.cases import CaseService
from workflow.deadlines import DeadlineProfile


@dataclass
class Runtime:
    """An open installation: the record store, the search index, the case service, the county."""

    config: Config
    store: Any
    cases: CaseService
    county: str
    search: Any = None
    """Full-text search and counts (``index.store.SearchIndex``); the record store itself by default."""
    relater: Any = None
    """The relate step (``crawlers.relate.Relater``), loaded on first use."""

    def __post_init__(self) -> None:
        if self.search is None:
            self.search = self.store

    @property
    def unit_names(self) -> dict[str, str]:
        return {u.id: u.name for u in self.store.units()}

    def relate_new_items(self) -> Any:
        """Near-duplicates and topics of the items stored since the last call (before their cases
        open, so a burst's raised urgency sets the deadline); a failure is reported, never raised."""
        from crawlers.relate import Relater, relate_new_items

        if self.relater is None:
            try:
                self.relater = Relater.load(self.store, self.config.model_path, self.config.county_dir)
            except Exception as exc:  # intake and cases go on without relations
                return f"failed: {type(exc).__name__}: {exc}"
        return relate_new_items(self.relater)

    def close(self) -> None:
        if self.search is not self.store:
            self.search.close()
        self.store.close()


def open_search_index(config: Config, store: Any, fallback: bool = True) -> Any:
    """The configured search backend over ``store``: the store itself, or Elasticsearch (which,
    with ``fallback``, answers from the store with a note while the cluster is unavailable)."""
    return open_search(config.search_url, store, tokenizer=search_tokens, fallback=fallback, **config.search_options())


def open_runtime(config: Config, load_county: bool = True) -> Runtime:
    store = open_store(config.store_url, tokenizer=search_tokens)
    if load_county:
        store.upsert_units(load_units(config.county_dir))
    profile = DeadlineProfile.load(config.deadline_profile, weekday_fallback=config.calendar_weekday_fallback or None)
    return Runtime(config=config, store=store, cases=CaseService(store, profile), county=county_name(config.county_dir),
                   search=open_search_index(config, store))
