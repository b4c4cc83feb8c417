"""Scoring urgency on an annotated file, the way acceptance will: real messages, three levels.

The file has 留言主题, 留言详情 and ``urgency`` (特急/紧急/一般); optional ``split`` and ``note``
columns let a set keep development and test rows apart and say where rows came from. Every
row goes through the full :class:`~nlp.understand.Understander`, so the figure is the product's,
not the rules' alone. Besides per-level precision and recall, the alert list is scored: how
many flagged items (特急 or 紧急) are really 一般, because a list full of routine items stops
being read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nlp.errors import TrainingDataError
from nlp.training_data import BODY, TITLE, read_table
from nlp.urgency import LEVELS


def per_class_scores(truth: list[str], predicted: list[str], labels: list[str]) -> dict[str, dict[str, float | int]]:
    """Precision, recall, F1 and support of each label, rounded for reports."""
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    return {
        label: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }


def urgency_scores(truth: list[str], predicted: list[str]) -> dict[str, Any]:
    """n, macro-F1 over the three levels, per-level precision/recall/F1, confusion and alert-list figures."""
    from sklearn.metrics import confusion_matrix, f1_score

    labels = list(LEVELS)
    flagged = [t for t, p in zip(truth, predicted, strict=True) if p != "一般"]
    return {
        "n": len(truth),
        "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4),
        "per_class": per_class_scores(truth, predicted, labels),
        "confusion": {
            "labels": labels,
            "rows_truth_cols_predicted": confusion_matrix(truth, predicted, labels=labels).tolist(),
        },
        "alert_list": {
            "flagged": len(flagged),
            "routine_among_flagged": sum(t == "一般" for t in flagged),
            "precision": round(sum(t != "一般" for t in flagged) / len(flagged), 4) if flagged else 0.0,
        },
    }


def read_urgency_rows(path: Path | str, split: str | None = None) -> list[tuple[str, str, str, str]]:
    """(title, body, urgency, note) rows, optionally of one split; unknown levels are refused."""
    frame = read_table(path, (TITLE, BODY, "urgency"))
    if split:
        if "split" not in frame.columns:
            raise TrainingDataError(f"{path} has no `split` column; drop --split or add the column")
        frame = frame[frame["split"] == split]
    levels = [str(v).strip() for v in frame["urgency"]]
    unknown = sorted(set(levels) - set(LEVELS))
    if unknown:
        raise TrainingDataError(f"{path}: urgency must be one of {'/'.join(LEVELS)} (found {', '.join(unknown)})")
    notes = [str(v) for v in frame["note"]] if "note" in frame.columns else [""] * len(levels)
    return [
        (str(t), str(b), u, n)
        for t, b, u, n in zip(frame[TITLE], frame[BODY], levels, notes, strict=True)
    ]


def evaluate_urgency_file(understander: Any, path: Path | str, split: str | None = None) -> dict[str, Any]:
    """Urgency scores of the Understander on an annotated file (and on its real messages, if noted)."""
    from nlp.understand import Message

    rows = read_urgency_rows(path, split)
    if not rows:
        raise TrainingDataError(f"{path} has no rows to evaluate" + (f" in split {split!r}" if split else ""))
    results = understander.understand_many([Message(t, b) for t, b, _, _ in rows])
    truth = [u for _, _, u, _ in rows]
    predicted = [r.urgency for r in results]
    scores = urgency_scores(truth, predicted)
    real = [i for i, (_, _, _, note) in enumerate(rows) if note.startswith("real")]
    if real and len(real) < len(rows):
        scores["real_messages_only"] = urgency_scores([truth[i] for i in real], [predicted[i] for i in real])
    return scores
