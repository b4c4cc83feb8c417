"""How urgent an item is (特急 / 紧急 / 一般), by transparent rules over a lexicon.

Urgency decides whether a person is alerted now, so every decision carries the words that made
it ("规则：出现“火灾”→特急"), and the words live in a data file (``nlp/data/urgency.yaml``)
that a county can adjust. Cheap context checks keep the rules from crying wolf: a negated
incident ("没有发生火灾") is ignored, a feared or past one ("一旦发生火灾", "火灾隐患") counts
as a hazard (紧急) rather than an emergency, and a plain "安全隐患" is not a rule at all.
Spread (replies, views) raises the level by one, as RULES.md asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.datafiles import SHIPPED_DATA_DIR, read_yaml, string_list
from nlp.errors import LexiconError

LEVELS = ("特急", "紧急", "一般")  # most urgent first
DEFAULT_LEXICON = SHIPPED_DATA_DIR / "urgency.yaml"
_CLAUSE_END = re.compile(r"[。！？!?；;，,\n]")
_YEAR = re.compile(r"(?:19|20)\d\d年|\d{1,2}月\d{1,2}[日号]")


@dataclass(frozen=True)
class UrgencyRule:
    """A named kind of incident or hazard and the words that reveal it."""

    level: str
    name: str
    terms: tuple[str, ...]
    with_any: tuple[str, ...] = ()
    except_: tuple[str, ...] = ()
    background: str = "一般"  # level when a 特急 incident is only mentioned in the body, not as happening now


@dataclass(frozen=True)
class UrgencyAssessment:
    """The urgency of one item, how sure the rules are, and why."""

    level: str
    confidence: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class UrgencyRules:
    """The urgency lexicon with its context cues and spread thresholds."""

    version: str
    rules: tuple[UrgencyRule, ...]
    negations: tuple[str, ...]
    negations_adjacent: tuple[str, ...]
    hedges: tuple[str, ...]
    hedges_after: tuple[str, ...]
    immediacy: tuple[str, ...]
    past_year: bool
    window: int
    confidence: dict[str, float]
    spread_replies: int | None
    spread_views: int | None
    pattern: re.Pattern[str]

    @classmethod
    def load(cls, path: Path | str | None = None) -> UrgencyRules:
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
        spread = data.get("spread") or {}
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
            hedges=words("hedges"),
            hedges_after=words("hedges_after"),
            immediacy=words("immediacy"),
            past_year=bool(data.get("past_year", True)),
            window=int(data.get("window", 8)),
            confidence={k: float(v) for k, v in confidence.items()},
            spread_replies=_optional_int(spread.get("replies")),
            spread_views=_optional_int(spread.get("views")),
            pattern=re.compile("|".join(map(re.escape, terms))) if terms else re.compile(r"(?!)"),
        )

    def assess(
        self, title: str, body: str, *, reply_count: int | None = None, view_count: int | None = None
    ) -> UrgencyAssessment:
        """Urgency of a normalised title and body, with the reasons behind it."""
        level = "一般"
        reasons: list[str] = []
        ignored: list[str] = []
        fired: set[str] = set()
        for where, text in (("标题", title), ("正文", body)):
            for match in self.pattern.finditer(text):
                for rule in self._rules_for(match, title, body, fired):
                    found, note = self._grade(rule, where, text, match)
                    if not found:
                        ignored.append(match.group(0))
                        continue
                    fired.add(rule.name)
                    reasons.append(f"规则：{where}出现“{match.group(0)}”→{found}{note}")
                    level = _max_level(level, found)
                if level == "特急" and len(reasons) >= 3:
                    break
        if ignored and not reasons:
            reasons.append(f"规则：“{ignored[0]}”为否定、假设或既往表述，不作为紧急依据")
        confidence = self.confidence[level]
        spread = self._spread(reply_count, view_count)
        if spread and level != "特急":
            level = LEVELS[LEVELS.index(level) - 1]
            confidence = confidence if fired else min(confidence, self.confidence["spread"])
            reasons.append(f"传播：{spread}→升为{level}")
        elif not reasons:
            reasons.append("未发现紧急情形→一般")
        return UrgencyAssessment(level, confidence, tuple(reasons))

    def _rules_for(self, match: re.Match[str], title: str, body: str, fired: set[str]) -> list[UrgencyRule]:
        """Rules this matched term can fire: not yet fired, not an exception, co-words present."""
        term = match.group(0)
        found = []
        for rule in self.rules:
            if rule.name in fired or term not in rule.terms or self._excepted(rule, match.string, match):
                continue
            if rule.with_any and not any(w in title or w in body for w in rule.with_any):
                continue
            found.append(rule)
        return found

    def _grade(self, rule: UrgencyRule, where: str, text: str, match: re.Match[str]) -> tuple[str, str]:
        """The level this match supports ('' = none) and a note saying why it was lowered."""
        context = self._context(text, match)
        if context == "negated":
            return "", ""
        if rule.level != "特急":
            return ("", "") if context == "hedged" else (rule.level, "")
        immediate = self._immediate(text, match)
        if (
            context == "plain"
            and not immediate
            and self.past_year
            and _YEAR.search(self._before(text, match))
        ):
            context = "hedged"  # a dated incident without "now" words is a past one
        if context == "hedged":
            return ("紧急", "（假设或既往表述，按隐患处理）") if where == "标题" else ("", "")
        if where == "正文" and not immediate:
            return ("紧急", "（仅正文提及，未见正在发生的表述）") if rule.background == "紧急" else ("", "")
        return "特急", ""

    def _immediate(self, text: str, match: re.Match[str]) -> bool:
        """True when the match's clause, or the clause before it, says it is happening now."""
        before = _CLAUSE_END.split(text[max(0, match.start() - 40) : match.start()])
        after = _CLAUSE_END.split(text[match.end() : match.end() + 20], maxsplit=1)[0]
        near = "".join(before[-2:]) + match.group(0) + after
        return any(cue in near for cue in self.immediacy)

    def _context(self, text: str, match: re.Match[str]) -> str:
        """'negated', 'hedged' or 'plain', from the words around the match in its clause."""
        before = self._before(text, match)
        after = _CLAUSE_END.split(text[match.end() : match.end() + 4], maxsplit=1)[0]
        if any(before.endswith(cue) for cue in self.negations_adjacent) or any(
            c in before for c in self.negations
        ):
            return "negated"
        if any(c in before for c in self.hedges) or any(after.startswith(c) for c in self.hedges_after):
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

    def _spread(self, replies: int | None, views: int | None) -> str:
        """A short description of spread past the thresholds, or '' when below them."""
        if replies is not None and self.spread_replies is not None and replies >= self.spread_replies:
            return f"回复{replies}条（≥{self.spread_replies}）"
        if views is not None and self.spread_views is not None and views >= self.spread_views:
            return f"浏览{views}次（≥{self.spread_views}）"
        return ""


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
    )


def _background(path: Path, where: str, value: Any) -> str:
    """A rule's level for background mentions: 紧急 or 一般."""
    if value not in ("紧急", "一般"):
        raise LexiconError(path, f"{where}: background must be 紧急 or 一般, got {value!r}")
    return str(value)


def _max_level(a: str, b: str) -> str:
    """The more urgent of two levels."""
    return a if LEVELS.index(a) <= LEVELS.index(b) else b


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)
