"""What kind of item this is (咨询/求助/建议/投诉/举报), because the kind sets the deadline.

RULES.md gives each kind its own clock (咨询 2 working days, 求助/建议 10, 投诉/举报 15), so the
kind must be decided for every item. A kind stated by the source (a board's own category) is
trusted over the text; otherwise cue words from ``nlp/data/kind.yaml`` decide, title first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from nlp.datafiles import SHIPPED_DATA_DIR, read_yaml, string_list
from nlp.errors import LexiconError

KINDS = ("咨询", "求助", "建议", "投诉", "举报")
DEFAULT_CUES = SHIPPED_DATA_DIR / "kind.yaml"


@dataclass(frozen=True)
class KindDecision:
    """The kind of an item and the cue that decided it."""

    kind: str
    confidence: float
    reason: str


@dataclass(frozen=True)
class KindRules:
    """Ordered cue lists per kind, for titles and for bodies."""

    order: tuple[str, ...]
    title_cues: dict[str, re.Pattern[str]]
    body_cues: dict[str, re.Pattern[str]]
    default: str

    @classmethod
    def load(cls, path: Path | str | None = None) -> KindRules:
        """Read the cue file (default: the shipped one); an unknown kind is refused."""
        path = Path(path) if path else DEFAULT_CUES
        data = read_yaml(path, LexiconError)
        default = str(data.get("default", "投诉"))
        if default not in KINDS:
            raise LexiconError(path, f"default kind {default!r} is not one of {'/'.join(KINDS)}")
        order: list[str] = []
        title: dict[str, re.Pattern[str]] = {}
        body: dict[str, re.Pattern[str]] = {}
        for number, row in enumerate(data.get("kinds") or [], start=1):
            kind = str(row.get("kind", "")) if isinstance(row, dict) else ""
            if kind not in KINDS:
                raise LexiconError(
                    path, f"kinds entry #{number}: kind {kind!r} is not one of {'/'.join(KINDS)}"
                )
            order.append(kind)
            title[kind] = _cue_pattern(string_list(row.get("title"), path, f"{kind}.title", LexiconError))
            body[kind] = _cue_pattern(string_list(row.get("body"), path, f"{kind}.body", LexiconError))
        return cls(order=tuple(order), title_cues=title, body_cues=body, default=default)

    def decide(self, title: str, body: str, hint: str = "") -> KindDecision:
        """The kind of an item: a valid hint wins, then title cues, then body cues, else the default."""
        hint = hint.strip()
        if hint in KINDS:
            return KindDecision(hint, 1.0, f"来源标注类型“{hint}”")
        ignored = f"（忽略无效类型“{hint[:10]}”）" if hint else ""
        for where, cues, confidence in (("标题", self.title_cues, 0.85), ("正文", self.body_cues, 0.7)):
            text = title if where == "标题" else body
            for kind in self.order:
                found = cues[kind].search(text)
                if found:
                    return KindDecision(
                        kind, confidence, f"{where}出现“{found.group(0)[:12]}”→{kind}{ignored}"
                    )
        return KindDecision(self.default, 0.6, f"未见咨询/求助/建议/举报用语→{self.default}{ignored}")


def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a cue list; cues are literal except '.*' which spans a few characters."""
    if not cues:
        return re.compile(r"(?!)")
    parts = [".{0,20}?".join(map(re.escape, cue.split(".*"))) for cue in sorted(cues, key=len, reverse=True)]
    return re.compile("|".join(parts))
