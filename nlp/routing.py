"""Who handles an item: the county's routing table (domain -> units, keyword rules, places).

The table is data (``routing.yaml`` in the county directory) so a county changes who handles
what without a release, the way FixMyStreet keeps contacts per category and area. It is checked
against the county's ``units.yaml`` when loaded: an unknown unit id is refused with the entry that
names it, because a typo here would silently send items to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from nlp.datafiles import read_yaml, string_list
from nlp.errors import RoutingConfigError
from nlp.units import UnitDirectory


@dataclass(frozen=True)
class DomainRoute:
    """The units that handle one first-level domain."""

    domain: str
    lead: str
    assist: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class KeywordRule:
    """Terms that name a matter with a known owner, overriding the domain's lead unit."""

    terms: tuple[str, ...]
    lead: str = ""
    assist: tuple[str, ...] = ()
    domain: str = ""
    min_body_hits: int = 1

    def fired_by(self, title: str, body: str) -> str:
        """The term that makes this rule fire (title mention, or enough body mentions), or ''."""
        return _fired_by(self.terms, self.min_body_hits, title, body)


@dataclass(frozen=True)
class OpinionRule:
    """A sign of an opinion incident (rumour, crowd, media attention) and who must co-handle it.

    RULES.md: for opinion incidents the propaganda department publishes the public response and
    public security handles rumours harmful to public order; the functional unit supplies facts.
    """

    name: str
    terms: tuple[str, ...]
    assist: tuple[str, ...]
    min_body_hits: int = 1
    except_: tuple[str, ...] = ()

    def fired_by(self, title: str, body: str) -> str:
        """The term that shows this incident (title mention, or enough body mentions), or ''."""
        for phrase in self.except_:
            title, body = title.replace(phrase, ""), body.replace(phrase, "")
        return _fired_by(self.terms, self.min_body_hits, title, body)


def _fired_by(terms: tuple[str, ...], min_body_hits: int, title: str, body: str) -> str:
    """The first term in the title; else the most frequent body term if the body names them often enough; else ''."""
    in_title = [t for t in terms if t in title]
    if in_title:
        return in_title[0]
    counts = {t: body.count(t) for t in terms}
    if sum(counts.values()) >= min_body_hits:
        return max(terms, key=lambda t: counts[t])
    return ""


@dataclass(frozen=True)
class Route:
    """The routing decision for one item, with the reasons a coordinator reads."""

    domain: str
    lead_unit: str
    co_units: tuple[str, ...]
    place: str
    needs_triage: bool
    reasons: tuple[str, ...]
    opinion: tuple[str, ...] = ()  # names of the opinion-incident signs found (谣言, 聚集, 媒体关注)


@dataclass(frozen=True)
class RoutingTable:
    """A county's routing table, validated against its units."""

    units: UnitDirectory
    triage_unit: str
    threshold: float
    max_co_units: int
    domains: tuple[DomainRoute, ...]
    keywords: tuple[KeywordRule, ...] = ()
    places: tuple[tuple[str, str], ...] = ()  # (name in text, town unit id)
    opinion: tuple[OpinionRule, ...] = ()

    @classmethod
    def load(cls, path: Path | str, units_path: Path | str | None = None) -> RoutingTable:
        """Read ``routing.yaml`` and the units file it names; refuse unknown units or domains."""
        path = Path(path)
        data = read_yaml(path, RoutingConfigError)
        units_file = units_path or path.parent / str(data.get("units_file", "units.yaml"))
        return _Parser(path, UnitDirectory.load(units_file)).table(data)

    def route(self, domain: str, confidence: float, title: str, body: str) -> Route:
        """Decide lead and co-handling units for an item from its domain, terms and places."""
        reasons: list[str] = []
        needs_triage = confidence < self.threshold
        if needs_triage:
            reasons.append(f"领域置信度{confidence:.2f}低于{self.threshold:.2f}，需人工研判")
        present = self._present_terms(title + "\n" + body)
        rules = [
            (rule, term) for rule in self.keywords if _may_fire(rule.terms, present) and (term := rule.fired_by(title, body))
        ]
        domain_rule = next((r for r, _ in rules if r.domain and r.domain != domain), None)
        if domain_rule and (needs_triage or self.domain_route(domain) is None):
            why = "模型把握不足" if needs_triage else f"领域“{domain}”不在路由表中"
            reasons.append(f"{why}，按关键词改判领域“{domain_rule.domain}”（原“{domain or '无'}”）")
            domain = domain_rule.domain
        route = self.domain_route(domain)
        lead, co = (route.lead, list(route.assist)) if route else (self.triage_unit, [])
        if route:
            reasons.append(
                f"领域“{domain}”→{self._name(lead)}主办" + (f"（{route.note}）" if route.note else "")
            )
        else:
            needs_triage = True
            reasons.append(f"无法确定承办单位→{self._name(lead)}研判交办")
        lead, extra = self._apply_keywords(rules, lead, reasons)
        opinion_units, opinion = self._apply_opinion(title, body, reasons, present)
        towns = self.find_places(title + "\n" + body)
        for town_id, name in towns:
            reasons.append(f"地点“{name}”→{self._name(town_id)}协办")
        # Opinion units first: a co-handling list cut at max_co_units must never drop the
        # department that publishes the response.
        ordered = (
            opinion_units + extra[:1] + [t for t, _ in towns[:1]] + co + extra[1:] + [t for t, _ in towns[1:]]
        )
        co_units = tuple(dict.fromkeys(u for u in ordered if u != lead))[: self.max_co_units]
        place = self._name(towns[0][0]) if towns else ""
        return Route(domain, lead, co_units, place, needs_triage, tuple(reasons), opinion)

    def _apply_opinion(
        self, title: str, body: str, reasons: list[str], present: frozenset[str]
    ) -> tuple[list[str], tuple[str, ...]]:
        """Co-handling units for the opinion-incident signs in the text, with a reason each."""
        units: list[str] = []
        names: list[str] = []
        for rule in self.opinion:
            term = rule.fired_by(title, body) if _may_fire(rule.terms, present) else ""
            if not term:
                continue
            names.append(rule.name)
            units.extend(rule.assist)
            who = "、".join(self._name(u) for u in rule.assist)
            reasons.append(f"舆情（{rule.name}）：出现“{term}”→{who}协办")
        return units, tuple(names)

    def _apply_keywords(
        self, rules: list[tuple[KeywordRule, str]], lead: str, reasons: list[str]
    ) -> tuple[str, list[str]]:
        """Let the first firing rule with a lead take over; the old lead and the rest co-handle."""
        extra: list[str] = []
        taken = False
        for rule, term in rules:
            if rule.lead and not taken:
                taken = True
                if rule.lead != lead:
                    if lead != self.triage_unit:  # the monitor need not co-handle what a rule resolved
                        extra.append(lead)
                    lead = rule.lead
                reasons.append(f"关键词“{term}”→{self._name(lead)}主办")
            elif rule.lead:
                extra.append(rule.lead)
                reasons.append(f"关键词“{term}”→{self._name(rule.lead)}协办")
            if rule.assist:
                extra.extend(rule.assist)
                names = "、".join(self._name(u) for u in rule.assist)
                reasons.append(f"关键词“{term}”→{names}协办")
        return lead, extra

    @cached_property
    def _all_terms(self) -> tuple[str, ...]:
        return tuple(sorted({t for rule in (*self.keywords, *self.opinion) for t in rule.terms}))

    def _present_terms(self, text: str) -> frozenset[str]:
        """Terms that occur in the text; a term whose end characters are absent is skipped unsearched."""
        chars = set(text)
        return frozenset(t for t in self._all_terms if t[0] in chars and t[-1] in chars and t in text)

    def domain_route(self, domain: str) -> DomainRoute | None:
        """The row for a domain, or None when the table has no such domain."""
        return next((r for r in self.domains if r.domain == domain), None)

    def find_places(self, text: str) -> list[tuple[str, str]]:
        """Towns named in the text as (unit id, name found), in order of first mention, once each."""
        hits: dict[str, tuple[int, str]] = {}
        for name, town_id in self.places:
            pos = text.find(name)
            if pos >= 0 and (town_id not in hits or pos < hits[town_id][0]):
                hits[town_id] = (pos, name)
        return [(town_id, name) for town_id, (_, name) in sorted(hits.items(), key=lambda kv: kv[1][0])]

    def names(self) -> tuple[str, ...]:
        """Unit, county and place names (with aliases) that jieba should keep whole.

        Keyword terms are deliberately not included: adding them would change how the domain
        model's tokenizer cuts text it was trained on.
        """
        return tuple(dict.fromkeys([*self.units.names(), *(name for name, _ in self.places)]))

    def _name(self, unit_id: str) -> str:
        unit = self.units.get(unit_id)
        return unit.name if unit else unit_id


def _may_fire(terms: tuple[str, ...], present: frozenset[str]) -> bool:
    """True when one of the rule's terms occurs in the text (the rule's own counting decides the rest)."""
    return any(t in present for t in terms)


class _Parser:
    """Turns the YAML mapping into a RoutingTable, naming the entry at fault on any error."""

    def __init__(self, path: Path, units: UnitDirectory) -> None:
        self.path = path
        self.units = units

    def fail(self, problem: str) -> RoutingConfigError:
        return RoutingConfigError(self.path, problem)

    def unit(self, value: Any, where: str) -> str:
        unit_id = str(value or "")
        if unit_id not in self.units:
            raise self.fail(
                f"{where}: unknown unit id {unit_id!r}; use an id from the county's units.yaml "
                "(e.g. hrss, housing, town-laolong) or add the unit there first"
            )
        return unit_id

    def table(self, data: dict[str, Any]) -> RoutingTable:
        triage = data.get("triage") or {}
        if not isinstance(triage, dict):
            raise self.fail("`triage` must be a mapping with unit, threshold and max_co_units")
        threshold = float(triage.get("threshold", 0.45))
        if not 0.0 <= threshold <= 1.0:
            raise self.fail(f"triage.threshold must be between 0 and 1, got {threshold}")
        domains = tuple(self.domain(row, n) for n, row in enumerate(data.get("domains") or [], start=1))
        if not domains:
            raise self.fail("`domains:` is empty; list at least one {domain, lead} row")
        names = [d.domain for d in domains]
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise self.fail(f"domains listed twice: {', '.join(dupes)}; keep one row per domain")
        keywords = tuple(
            self.keyword(row, n, set(names)) for n, row in enumerate(data.get("keywords") or [], start=1)
        )
        return RoutingTable(
            units=self.units,
            triage_unit=self.unit(triage.get("unit", "data-bureau"), "triage.unit"),
            threshold=threshold,
            max_co_units=int(triage.get("max_co_units", 4)),
            domains=domains,
            keywords=keywords,
            places=self.places(data.get("places") or {}),
            opinion=tuple(self.opinion(row, n) for n, row in enumerate(data.get("opinion") or [], start=1)),
        )

    def opinion(self, row: Any, number: int) -> OpinionRule:
        where = f"opinion entry #{number}"
        if not isinstance(row, dict) or not row.get("name"):
            raise self.fail(f"{where} needs `name`, `terms` and `assist` (got {row!r})")
        where = f"{where} ({row['name']})"
        terms = string_list(row.get("terms"), self.path, f"{where} terms", RoutingConfigError)
        assist = string_list(row.get("assist"), self.path, f"{where} assist", RoutingConfigError)
        if not terms or not assist:
            raise self.fail(f"{where} needs `terms` and `assist` (the units that co-handle the incident)")
        return OpinionRule(
            name=str(row["name"]),
            terms=terms,
            assist=tuple(self.unit(u, f"{where} assist") for u in assist),
            min_body_hits=max(1, int(row.get("min_body_hits", 1))),
            except_=string_list(row.get("except"), self.path, f"{where} except", RoutingConfigError),
        )

    def domain(self, row: Any, number: int) -> DomainRoute:
        if not isinstance(row, dict) or not row.get("domain"):
            raise self.fail(f"domains entry #{number} needs `domain` and `lead` (got {row!r})")
        where = f"domain {row['domain']!r} (domains entry #{number})"
        assist = string_list(row.get("assist"), self.path, where, RoutingConfigError)
        return DomainRoute(
            domain=str(row["domain"]),
            lead=self.unit(row.get("lead"), f"{where} lead"),
            assist=tuple(self.unit(u, f"{where} assist") for u in assist),
            note=str(row.get("note", "")),
        )

    def keyword(self, row: Any, number: int, domains: set[str]) -> KeywordRule:
        where = f"keywords entry #{number}"
        if not isinstance(row, dict):
            raise self.fail(f"{where} must be a mapping with `terms` and `lead` or `assist`")
        terms = string_list(row.get("terms"), self.path, f"{where} terms", RoutingConfigError)
        where = f"{where} ({'/'.join(terms[:2])})"
        if not terms or not (row.get("lead") or row.get("assist")):
            raise self.fail(f"{where} needs `terms` and at least one of `lead` or `assist`")
        domain = str(row.get("domain") or "")
        if domain and domain not in domains:
            raise self.fail(f"{where}: domain {domain!r} has no row under `domains:`; add it there")
        assist = string_list(row.get("assist"), self.path, where, RoutingConfigError)
        return KeywordRule(
            terms=terms,
            lead=self.unit(row["lead"], f"{where} lead") if row.get("lead") else "",
            assist=tuple(self.unit(u, f"{where} assist") for u in assist),
            domain=domain,
            min_body_hits=max(1, int(row.get("min_body_hits", 1))),
        )

    def places(self, data: Any) -> tuple[tuple[str, str], ...]:
        if not isinstance(data, dict):
            raise self.fail("`places` must be a mapping (with an optional `aliases` mapping)")
        found = [(town.name, town.id) for town in self.units.towns]
        for town_id, aliases in (data.get("aliases") or {}).items():
            unit = self.units.get(self.unit(town_id, "places.aliases"))
            if unit is None or unit.role != "town":
                raise self.fail(f"places.aliases: {town_id!r} is not a town (role: town) in units.yaml")
            found.extend((a, unit.id) for a in string_list(aliases, self.path, f"places.aliases.{town_id}"))
        return tuple(found)
