"""Tone of a message (negative / neutral / positive) from a small lexicon.

Leaders' dashboards show how the public feels about a matter; a transparent lexicon is enough
for the first version and says which words it counted. Most citizen messages are complaints, so
"negative" is the common case; "positive" mostly marks thanks after a case is handled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from nlp.datafiles import SHIPPED_DATA_DIR, read_yaml, string_list
from nlp.errors import LexiconError

DEFAULT_LEXICON = SHIPPED_DATA_DIR / "sentiment.yaml"
LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class SentimentReading:
    """The tone label, the signed score behind it and its confidence."""

    label: str
    score: int
    confidence: float


@dataclass(frozen=True)
class SentimentLexicon:
    """Polar words, negators and the score threshold."""

    polarity: dict[str, int]
    negators: tuple[str, ...]
    threshold: int
    pattern: re.Pattern[str]
    name_suffixes: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path | str | None = None) -> SentimentLexicon:
        """Read a sentiment lexicon (default: the shipped one)."""
        path = Path(path) if path else DEFAULT_LEXICON
        data = read_yaml(path, LexiconError)
        polarity = {w: -1 for w in string_list(data.get("negative"), path, "negative", LexiconError)}
        polarity.update({w: 1 for w in string_list(data.get("positive"), path, "positive", LexiconError)})
        if not polarity:
            raise LexiconError(path, "no `negative` or `positive` words; add at least one list")
        words = sorted(polarity, key=len, reverse=True)
        return cls(
            polarity=polarity,
            negators=string_list(data.get("negators"), path, "negators", LexiconError),
            threshold=max(1, int(data.get("threshold", 1))),
            pattern=re.compile("|".join(map(re.escape, words))),
            name_suffixes=string_list(data.get("name_suffixes"), path, "name_suffixes", LexiconError),
        )

    def read(self, text: str) -> SentimentReading:
        """Score a normalised text: +1 per positive word, -1 per negative word, flipped after a negator."""
        score = 0
        hits = 0
        for match in self.pattern.finditer(text):
            if self.name_suffixes and text.startswith(self.name_suffixes, match.end()):
                continue  # "幸福小区" is a name, not happiness
            value = self.polarity[match.group(0)]
            before = text[max(0, match.start() - 2) : match.start()]
            if any(before.endswith(n) for n in self.negators):
                value = -value
            score += value
            hits += 1
        if score <= -self.threshold:
            label = "negative"
        elif score >= self.threshold:
            label = "positive"
        else:
            label = "neutral"
        confidence = 0.5 if hits == 0 else min(0.95, 0.55 + 0.1 * abs(score))
        return SentimentReading(label, score, round(confidence, 2))
