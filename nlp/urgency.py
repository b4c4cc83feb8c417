"""How urgent an item is (特急 / 紧急 / 一般): transparent rules over a lexicon, a model, and spread.

Urgency decides whether a person is alerted now, so every decision carries what made it
("规则：标题出现“火灾”→特急"), and the words live in a data file (``nlp/data/urgency.yaml``) a
county can adjust. Most emergency words in citizen messages tell of something past — a fire
last year, an assault being complained about, compensation not paid — so the rules look for
evidence that the danger is current:

- within the clause: a negated incident ("没有发生火灾") is ignored; a feared or dated one
  ("一旦发生火灾", "火灾隐患", "2013年酒店起火") is a hazard (紧急) in the title, nothing in the body;
- an incident named only in the body is 特急 when "now" words are near it ("刚刚", "被困");
- in the whole message: dates, aftermath requests ("赔偿", "追责", "至今") or chronic words
  ("长期", "多次") without any "now" word mean the title's incident is past: it counts as its
  rule's background level (紧急 for threats, missing persons and suicide talk, which stay
  serious; otherwise 紧急 only while harm is said to persist, else 一般).

The emergency-language model (:mod:`nlp.urgency_model`) is evidence, never the only reason for
特急: a body mention in text that reads like an emergency report (score above 99.9% of ordinary
messages) counts as current, and such text with no rule at all becomes 紧急 for a person to check.
Spread — replies, views, their growth, bursts of near-duplicates, mainstream media pick-up —
raises the level by one, as RULES.md asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.datafiles import SHIPPED_DATA_DIR, read_yaml, string_list
from nlp.errors import LexiconError
from nlp.normalize import split_opening

LEVELS = ("特急", "紧急", "一般")  # most urgent first
DEFAULT_LEXICON = SHIPPED_DATA_DIR / "urgency.yaml"
_CLAUSE_END = re.compile(r"[。！？!?；;，,\n]")
_YEAR = re.compile(r"(?:19|20)\d\d年|\d{1,2}月\d{1,2}[日号]")
_DATE = re.compile(r"(?:19|20)\d\d[年./-]\d{1,2}|(?<!\d)\d{1,2}月(?:\d{1,2}[日号]|份)|(?:19|20)\d\d年")


@dataclass(frozen=True)
class UrgencyRule:
    """A named kind of incident or hazard and the words that reveal it."""

    level: str
    name: str
    terms: tuple[str, ...]
    with_any: tuple[str, ...] = ()
    except_: tuple[str, ...] = ()
    background: str = "一般"  # level when a 特急 incident is past or only mentioned, not happening now
    near: int = 0  # with_any words must be within this many characters of the term (0 = anywhere)


@dataclass(frozen=True)
class Spread:
    """How fast an item spreads: counts, their growth per hour, near-duplicates in the last day."""

    replies: int | None = None
    views: int | None = None
    replies_per_hour: float | None = None
    views_per_hour: float | None = None
    near_duplicates_24h: int | None = None


@dataclass(frozen=True)
class UrgencyAssessment:
    """The urgency of one item, how sure the rules are, and why."""

    level: str
    confidence: float
    reasons: tuple[str, ...]
    model_score: float | None = None


@dataclass(frozen=True)
class UrgencyRules:
    """The urgency lexicon with its context cues and spread thresholds (and an optional model)."""

    version: str
    rules: tuple[UrgencyRule, ...]
    negations: tuple[str, ...]
    negations_adjacent: tuple[str, ...]
    negation_exceptions: tuple[str, ...]
    hedges: tuple[str, ...]
    hedges_after: tuple[str, ...]
    immediacy: tuple[str, ...]
    asking: tuple[str, ...]
    resolved: tuple[str, ...]
    aftermath: tuple[str, ...]
    chronic: tuple[str, ...]
    past_words: tuple[str, ...]
    persisting: tuple[str, ...]
    media: tuple[str, ...]
    past_year: bool
    window: int
    confidence: dict[str, float]
    spread_thresholds: dict[str, float]
    pattern: re.Pattern[str]
    model: Any = None  # nlp.urgency_model.UrgencyModel, attached by the caller

    @classmethod
    def load(cls, path: Path | str | None = None, model: Any = None) -> UrgencyRules:
        """Read an urgency lexicon (default: the shipped one); malformed entries are named."""
        path = Path(path) if path else DEFAULT_LEXICON
        data = read_yaml(path, LexiconError)
        levels = data.get("levels")
        if not isinstance(levels, dict) or set(levels) - {"特急", "紧急"}:
            raise LexiconError(path, "`levels` must map 特急 and/or 紧急 to lists of {name, terms} rules")
        rules = tuple(
            _rule(path, level, n, row)
            for level, rows in levels.items()
            for n, row in enumerate(rows or [], 1)
        )
        terms = sorted({t for rule in rules for t in rule.terms}, key=len, reverse=True)
        confidence = {
            **{"特急": 0.9, "紧急": 0.8, "一般": 0.7, "spread": 0.6},
            **(data.get("confidence") or {}),
        }

        def words(key: str) -> tuple[str, ...]:
            return string_list(data.get(key), path, key, LexiconError)

        return cls(
            version=str(data.get("version", "")),
            rules=rules,
            negations=words("negations"),
            negations_adjacent=words("negations_adjacent"),
            negation_exceptions=words("negation_exceptions"),
            hedges=words("hedges"),
            hedges_after=words("hedges_after"),
            immediacy=words("immediacy"),
            asking=words("asking"),
            resolved=words("resolved"),
            aftermath=words("aftermath"),
            chronic=words("chronic"),
            past_words=words("past_words"),
            persisting=words("persisting"),
            media=words("media_pickup"),
            past_year=bool(data.get("past_year", True)),
            window=int(data.get("window", 8)),
            confidence={k: float(v) for k, v in confidence.items()},
            spread_thresholds=_spread_thresholds(path, data.get("spread") or {}),
            pattern=re.compile("|".join(map(re.escape, terms))) if terms else re.compile(r"(?!)"),
            model=model,
        )

    def with_model(self, model: Any) -> UrgencyRules:
        """The same rules with an emergency-language model attached."""
        import dataclasses

        return dataclasses.replace(self, model=model)

    def assess(
        self,
        title: str,
        body: str,
        *,
        reply_count: int | None = None,
        view_count: int | None = None,
        spread: Spread | None = None,
        model_score: float | None = None,
    ) -> UrgencyAssessment:
        """Urgency of a normalised title and body, with the reasons behind it.

        An item without a title (a hotline record, a post that is only text) is read with its
        first sentence as the title: that sentence says what happened, as a title would.
        """
        if not title.strip() and body:
            title, body = split_opening(body)
        if model_score is None and self.model is not None and (title or body):
            model_score = self.model.score(title, body)
        context = _LazyContext(self, title, body, model_score)
        level = "一般"
        reasons: list[str] = []
        ignored: list[str] = []
        fired: set[str] = set()
        for where, text in (("标题", title), ("正文", body)):
            for match in self.pattern.finditer(text):
                for rule in self._rules_for(match, title, body, fired):
                    found, note = self._grade(rule, where, text, match, context)
                    if not found:
                        ignored.append(match.group(0))
                        continue
                    fired.add(rule.name)
                    reasons.append(f"规则：{where}出现“{match.group(0)}”→{found}{note}")
                    level = _max_level(level, found)
                if level == "特急" and len(reasons) >= 3:
                    break
        if not fired and model_score is not None and self.model is not None and model_score >= self.model.p999:
            level = "紧急"
            reasons.append(f"模型：用语接近突发事件报道（{model_score:.2f}，高于99.9%的普通留言）→紧急，请人工核实")
        if ignored and not reasons:
            reasons.append(f"规则：“{ignored[0]}”为否定、假设、既往或正文顺带提及的表述（未见正在发生），不作为紧急依据")
        confidence = self.confidence[level]
        raised = self._spread(spread or Spread(reply_count, view_count), title, body)
        if raised and level != "特急":
            level = LEVELS[LEVELS.index(level) - 1]
            confidence = confidence if fired else min(confidence, self.confidence["spread"])
            reasons.append(f"传播：{raised}→升为{level}")
        elif not reasons:
            reasons.append("未发现紧急情形→一般")
        return UrgencyAssessment(level, confidence, tuple(reasons), model_score)

    def _rules_for(self, match: re.Match[str], title: str, body: str, fired: set[str]) -> list[UrgencyRule]:
        """Rules this matched term can fire: not yet fired, not an exception, co-words present."""
        term = match.group(0)
        found = []
        for rule in self.rules:
            if rule.name in fired or term not in rule.terms or self._excepted(rule, match.string, match):
                continue
            if rule.with_any:
                if rule.near:
                    text = match.string
                    window = text[max(0, match.start() - rule.near) : match.end() + rule.near]
                    if not any(w in window for w in rule.with_any):
                        continue
                elif not any(w in title or w in body for w in rule.with_any):
                    continue
            found.append(rule)
        return found

    def _grade(
        self, rule: UrgencyRule, where: str, text: str, match: re.Match[str], lazy: _LazyContext
    ) -> tuple[str, str]:
        """The level this match supports ('' = none) and a note saying why it was lowered."""
        clause = self._context(text, match)
        if clause == "negated" or lazy.resolved:
            return "", ""
        if rule.level != "特急":
            return ("", "") if clause == "hedged" else (rule.level, "")
        immediate = self._immediate(text, match)
        if immediate and clause == "plain":
            return "特急", ""
        if where == "标题" and any(cue in text for cue in self.asking):
            return "", ""  # a question or suggestion about an incident, not a report of one
        context = lazy.get()
        if context.aftermath:  # compensation or accountability for what happened: handled as routine
            return "", ""
        if clause == "plain" and self.past_year and _YEAR.search(self._before(text, match)):
            clause = "dated"  # a dated incident without "now" words is a past one
        if clause == "hedged":
            return ("紧急", "（假设或隐患表述，按隐患处理）") if where == "标题" else ("", "")
        if where == "正文":
            if context.model_strong and not context.past and clause == "plain" and not lazy.asking:
                return "特急", "（正文用语接近突发事件报道）"
            if rule.background == "紧急" and self._dwelt_on(rule, text):
                return "紧急", "（正文提及，未见正在发生的表述）"
            return "", ""
        if clause == "dated" or context.past:
            background = "紧急" if rule.background == "紧急" or context.persisting else "一般"
            if background == "一般":
                return "", ""
            return background, f"（{context.past or '叙述的是过去发生的事'}，未见正在发生的表述）"
        return "特急", ""

    @staticmethod
    def _dwelt_on(rule: UrgencyRule, body: str) -> bool:
        """True when the body names the rule's incident twice or more (not a passing mention)."""
        return sum(body.count(term) for term in rule.terms) >= 2

    def _immediate(self, text: str, match: re.Match[str]) -> bool:
        """True when the match's clause, or the clause before or after it, says it is happening now
        ("燃气泄漏，气味很重，请马上派人": the call for help often follows the report)."""
        before = _CLAUSE_END.split(text[max(0, match.start() - 40) : match.start()])
        after = _CLAUSE_END.split(text[match.end() : match.end() + 40], maxsplit=3)[:3]
        near = "".join(before[-2:]) + match.group(0) + after[0]
        if any(cue in near for cue in self.immediacy):
            return True
        following = "".join(after[1:])  # the next two clauses; "还在逍遥法外" is about the aftermath, not the incident
        return any(cue in following for cue in self.immediacy) and not any(cue in following for cue in self.aftermath)

    def _context(self, text: str, match: re.Match[str]) -> str:
        """'negated', 'hedged' or 'plain', from the words around the match in its clause."""
        before = self._before(text, match)
        after = _CLAUSE_END.split(text[match.end() : match.end() + 6], maxsplit=1)[0]
        adjacent = any(before.endswith(cue) for cue in self.negations_adjacent) and not any(
            before.endswith(x) for x in self.negation_exceptions
        )
        if adjacent or any(c in before for c in self.negations):
            return "negated"
        if any(c in before for c in self.hedges) or any(c in after for c in self.hedges_after):
            return "hedged"
        return "plain"

    def _before(self, text: str, match: re.Match[str]) -> str:
        """Up to `window` characters before the match, within its clause."""
        return _CLAUSE_END.split(text[max(0, match.start() - self.window) : match.start()])[-1]

    @staticmethod
    def _excepted(rule: UrgencyRule, text: str, match: re.Match[str]) -> bool:
        """True when the match is part of an exception phrase ("跳楼价" is not a suicide threat)."""
        for phrase in rule.except_:
            lo = max(0, match.start() - len(phrase))
            pos = text.find(phrase, lo, match.end() + len(phrase))
            if 0 <= pos <= match.start() and pos + len(phrase) >= match.end():
                return True
        return False

    def _spread(self, spread: Spread, title: str, body: str) -> str:
        """A short description of spread past the thresholds, or '' when below them."""
        limits = self.spread_thresholds
        checks = (
            ("replies", spread.replies, "回复{v}条（≥{t:g}）"),
            ("views", spread.views, "浏览{v}次（≥{t:g}）"),
            ("replies_per_hour", spread.replies_per_hour, "回复每小时增加{v:.0f}条（≥{t:g}）"),
            ("views_per_hour", spread.views_per_hour, "浏览每小时增加{v:.0f}次（≥{t:g}）"),
            ("near_duplicates_24h", spread.near_duplicates_24h, "24小时内{v}条相似留言（≥{t:g}）"),
        )
        for key, value, text in checks:
            limit = limits.get(key)
            if value is not None and limit is not None and value >= limit:
                return text.format(v=value, t=limit)
        for cue in self.media:
            if cue in title or cue in body[:2000]:
                return f"媒体关注：出现“{cue}”"
        return ""


@dataclass(frozen=True)
class _MessageContext:
    """What the whole message says about time: signs the incident is past, or that harm persists."""

    aftermath: str  # a compensation / accountability word, or ''
    past: str  # '' or why the incident looks past (for the reason)
    persisting: bool
    model_strong: bool

    @classmethod
    def of(cls, rules: UrgencyRules, title: str, body: str, model_score: float | None) -> _MessageContext:
        text = title + "\n" + body[:3000]
        strong = bool(
            model_score is not None and rules.model is not None and model_score >= rules.model.p999
        )
        aftermath = next((cue for cue in rules.aftermath if cue in text), "")
        chronic = next((cue for cue in rules.chronic if cue in text), "")
        past = ""
        if chronic:
            past = f"长期问题“{chronic}”"
        elif not strong:  # a report that reads like breaking news is dated too; only words above outweigh it
            dated = _DATE.search(text) or next((w for w in rules.past_words if w in text), "")
            if dated:
                past = "叙述的是过去发生的事"
        return cls(aftermath, past, any(cue in text for cue in rules.persisting), strong)


class _LazyContext:
    """The message context, computed only when a 特急 rule needs it (most messages match no rule)."""

    def __init__(self, rules: UrgencyRules, title: str, body: str, model_score: float | None) -> None:
        self.args = (rules, title, body, model_score)
        self.value: _MessageContext | None = None
        self._resolved: bool | None = None

    @property
    def asking(self) -> bool:
        """True when the title asks or suggests rather than reports."""
        rules, title, _, _ = self.args
        return any(cue in title for cue in rules.asking)

    @property
    def resolved(self) -> bool:
        """True when the writer says the matter is dealt with ("已经解决了，谢谢")."""
        if self._resolved is None:
            rules, title, body, _ = self.args
            self._resolved = any(cue in title or cue in body[:1000] for cue in rules.resolved)
        return self._resolved

    def get(self) -> _MessageContext:
        if self.value is None:
            self.value = _MessageContext.of(*self.args)
        return self.value


def _rule(path: Path, level: str, number: int, row: Any) -> UrgencyRule:
    """One rule from the lexicon, with the level and position named on error."""
    where = f"levels.{level} entry #{number}"
    if not isinstance(row, dict) or not row.get("name"):
        raise LexiconError(path, f"{where} needs `name` and `terms` (got {row!r})")
    terms = string_list(row.get("terms"), path, f"{where} ({row['name']}) terms", LexiconError)
    if not terms:
        raise LexiconError(path, f"{where} ({row['name']}) has no terms; add at least one")
    return UrgencyRule(
        level=level,
        name=str(row["name"]),
        terms=terms,
        with_any=string_list(row.get("with_any"), path, f"{where} with_any", LexiconError),
        except_=string_list(row.get("except"), path, f"{where} except", LexiconError),
        background=_background(path, where, row.get("background", "一般")),
        near=int(row.get("near", 0) or 0),
    )


def _background(path: Path, where: str, value: Any) -> str:
    """A rule's level for background mentions: 紧急 or 一般."""
    if value not in ("紧急", "一般"):
        raise LexiconError(path, f"{where}: background must be 紧急 or 一般, got {value!r}")
    return str(value)


def _spread_thresholds(path: Path, data: Any) -> dict[str, float]:
    """Spread thresholds by signal name; unknown names are refused."""
    known = {"replies", "views", "replies_per_hour", "views_per_hour", "near_duplicates_24h"}
    if not isinstance(data, dict) or set(data) - known:
        raise LexiconError(path, f"`spread` may set only {', '.join(sorted(known))}")
    return {k: float(v) for k, v in data.items() if v is not None}


def _max_level(a: str, b: str) -> str:
    """The more urgent of two levels."""
    return a if LEVELS.index(a) <= LEVELS.index(b) else b
