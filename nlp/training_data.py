"""The data the domain model learns from: labelled rows, unlabelled messages, officers' corrections.

Files are read by header name (留言主题, 留言详情, and 一级分类 for labels), as CSV or XLSX, so a
county can bring its own. Officers' corrections arrive as plain records from the caller (the
command line reads them from the case history); a correction wins over the labelled file for the
same message, recognised by its normalised text, because an officer who re-filed a message
knows better than the old label. Unlabelled messages that repeat a labelled one are dropped, so
a held-out message never shapes the vocabulary it is scored with through a copy of itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.errors import TrainingDataError
from nlp.normalize import normalize_text

TITLE, BODY, LABEL = "留言主题", "留言详情", "一级分类"


@dataclass(frozen=True)
class LabelledRow:
    """One message with its domain; ``weight`` counts it more than once (corrections)."""

    title: str
    body: str
    label: str
    weight: float = 1.0
    origin: str = "labelled"  # labelled / correction

    @property
    def key(self) -> str:
        return text_key(self.title, self.body)


@dataclass(frozen=True)
class Correction:
    """An officer's re-filing of one message: the new domain and/or urgency, and when."""

    title: str
    body: str
    domain: str = ""
    urgency: str = ""
    at: str = ""  # ISO time, orders several corrections of the same message
    ref: str = ""  # where it came from (e.g. "case 12 event 40"), for the metadata

    @property
    def key(self) -> str:
        return text_key(self.title, self.body)


def text_key(title: str, body: str) -> str:
    """Identity of a message's text across files and the store: hash of the normalised words only."""
    joined = "".join((normalize_text(title) + "\n" + normalize_text(body)).split())
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def read_table(path: Path | str, required: Sequence[str]) -> Any:
    """A pandas frame of a CSV/XLSX file with the required headers, all cells as strings."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise TrainingDataError(f"data file {path} not found; pass the path of a CSV or XLSX file")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, engine="openpyxl")
        else:
            frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    except Exception as exc:  # pandas raises many types for a bad file; all mean "cannot read it"
        raise TrainingDataError(
            f"cannot read {path} as CSV/XLSX ({exc}); save it as UTF-8 CSV or XLSX"
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise TrainingDataError(
            f"{path} lacks the column(s) {', '.join(missing)}; the header row must name "
            f"{', '.join(required)} (found: {', '.join(frame.columns)})"
        )
    return frame.fillna("")


def read_labelled_rows(path: Path | str) -> list[LabelledRow]:
    """Rows with both text and a label from a file with 留言主题/留言详情/一级分类 headers."""
    frame = read_table(path, (TITLE, BODY, LABEL))
    rows = [
        LabelledRow(str(t), str(b), str(y).strip())
        for t, b, y in zip(frame[TITLE], frame[BODY], frame[LABEL], strict=True)
    ]
    kept = [r for r in rows if r.label and (normalize_text(r.title) or normalize_text(r.body))]
    if not kept:
        raise TrainingDataError(f"{path} has no rows with both text and a {LABEL} label")
    return kept


def read_messages(paths: Iterable[Path | str]) -> list[tuple[str, str]]:
    """(title, body) of every row of message files (labels, if any, are ignored)."""
    out: list[tuple[str, str]] = []
    for path in paths:
        frame = read_table(path, (TITLE, BODY))
        out.extend((str(t), str(b)) for t, b in zip(frame[TITLE], frame[BODY], strict=True))
    return out


def merge_corrections(
    rows: list[LabelledRow], corrections: Iterable[Correction], weight: float
) -> tuple[list[LabelledRow], dict[str, int]]:
    """Labelled rows with corrections folded in: the latest correction of a message wins.

    Only corrections that name a domain change the training data; urgency-only corrections are
    counted (the urgency model reads them separately).
    """
    latest: dict[str, Correction] = {}
    urgency = 0
    for correction in sorted(corrections, key=lambda c: c.at):
        if correction.urgency:
            urgency += 1
        if correction.domain:
            latest[correction.key] = correction
    merged: list[LabelledRow] = []
    overridden = 0
    for row in rows:
        found = latest.pop(row.key, None)
        if found is None:
            merged.append(row)
        else:
            overridden += 1
            merged.append(LabelledRow(row.title, row.body, found.domain, weight, "correction"))
    added = [LabelledRow(c.title, c.body, c.domain, weight, "correction") for c in latest.values()]
    stats = {
        "domain": overridden + len(added),
        "urgency": urgency,
        "overrode_labelled": overridden,
        "added": len(added),
    }
    return merged + added, stats


def unique_unlabelled(messages: Iterable[tuple[str, str]], labelled: Iterable[LabelledRow]) -> list[tuple[str, str]]:
    """Unlabelled messages without repeats among themselves or near-copies of a labelled message.

    A labelled message reposted with a few words changed would otherwise shape the vocabulary a
    cross-validation scores that message with; near-copies are found with MinHash (nlp.dedupe).
    """
    from nlp.dedupe import NearDuplicateIndex

    labelled = list(labelled)
    seen = {row.key for row in labelled}
    copies = NearDuplicateIndex.rebuild((i, f"{r.title}\n{r.body}") for i, r in enumerate(labelled))
    out: list[tuple[str, str]] = []
    for title, body in messages:
        key = text_key(title, body)
        if key in seen or not (title.strip() or body.strip()) or copies.query(f"{title}\n{body}"):
            continue
        seen.add(key)
        out.append((title, body))
    return out


def file_sha256(path: Path | str) -> str:
    """Hash of a data file, recorded so a model can be traced to its data."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
