"""Training and evaluating the domain model from a labelled file.

The labelled file is laid out like ``labeled_messages_495`` (留言主题, 留言详情, 一级分类, read by
header name, CSV or XLSX) so a county can retrain on its own officers' corrections. Training is
reproducible (same data and seed -> same predictions) and reports an honest 5-fold stratified
cross-validated macro-F1 in the metadata: the whole pipeline, vectorisers included, is refitted
on each fold, so no held-out message shapes the vocabulary it is scored with.
"""

from __future__ import annotations

import hashlib
import platform
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jieba
import numpy as np
import sklearn
import skops

from nlp.domain_model import DomainModel, build_pipeline, prepare_text, save_model
from nlp.errors import TrainingDataError

TITLE, BODY, LABEL = "留言主题", "留言详情", "一级分类"
CV_FOLDS = 5
# Calibration runs its own 5-fold split inside each cross-validation training fold, so a domain
# needs 5 messages in 4/5 of its data: 8 is the smallest safe count.
MIN_PER_LABEL = 8
MODEL_NAME = "domain.skops"


def read_labelled(path: Path | str) -> tuple[list[str], list[str]]:
    """Prepared texts and labels from a CSV or XLSX file with 留言主题/留言详情/一级分类 headers."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise TrainingDataError(f"labelled data file {path} not found; pass the path of a CSV or XLSX file")
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
    missing = [c for c in (TITLE, BODY, LABEL) if c not in frame.columns]
    if missing:
        raise TrainingDataError(
            f"{path} lacks the column(s) {', '.join(missing)}; the header row must name "
            f"{TITLE}, {BODY} and {LABEL} (found: {', '.join(frame.columns)})"
        )
    frame = frame.fillna("")
    labels = [str(v).strip() for v in frame[LABEL].tolist()]
    texts = [
        prepare_text(str(t), str(b)) for t, b in zip(frame[TITLE].tolist(), frame[BODY].tolist(), strict=True)
    ]
    kept = [(t, y) for t, y in zip(texts, labels, strict=True) if y and t.strip()]
    if not kept:
        raise TrainingDataError(f"{path} has no rows with both text and a {LABEL} label")
    return [t for t, _ in kept], [y for _, y in kept]


def file_sha256(path: Path | str) -> str:
    """Hash of the training file, recorded so a model can be traced to its data."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def train_from_file(data_path: Path | str, out_dir: Path | str, seed: int = 0) -> dict[str, Any]:
    """Cross-validate, train on all rows, save ``domain.skops`` + ``domain.json`` in out_dir; return the metadata."""
    texts, labels = read_labelled(data_path)
    counts = Counter(labels)
    too_small = sorted(label for label, n in counts.items() if n < MIN_PER_LABEL)
    if len(counts) < 2 or too_small:
        raise TrainingDataError(
            f"{data_path}: every domain needs at least {MIN_PER_LABEL} labelled messages and there must be two "
            f"domains or more (too few: {', '.join(too_small) or 'only one domain'}); label more messages"
        )
    cv = cross_validate(texts, labels, seed)
    pipeline = build_pipeline(seed).fit(texts, labels)
    data_hash = file_sha256(data_path)
    created = datetime.now(UTC).replace(microsecond=0)
    metadata = {
        "model_version": f"domain-{created:%Y%m%d}-{data_hash[:8]}-s{seed}",
        "created": created.isoformat(),
        "library_versions": {
            "scikit-learn": sklearn.__version__,
            "skops": skops.__version__,
            "jieba": jieba.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "training_data": {
            "file": Path(data_path).name,
            "sha256": data_hash,
            "rows": len(texts),
            "label_counts": dict(sorted(counts.items())),
        },
        "labels": sorted(counts),
        "seed": seed,
        "pipeline": "word TF-IDF (jieba) + char_wb 1-3 TF-IDF -> LinearSVC(balanced) -> sigmoid calibration",
        "cv": cv,
    }
    return save_model(pipeline, metadata, Path(out_dir) / MODEL_NAME)


def cross_validate(texts: list[str], labels: list[str], seed: int) -> dict[str, Any]:
    """Pooled out-of-fold scores of the whole pipeline under stratified K-fold."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    y = np.array(labels, dtype=object)
    predicted = cross_val_predict(build_pipeline(seed), texts, y, cv=folds)
    scores = scores_for(labels, [str(p) for p in predicted])
    return {
        "method": f"stratified {CV_FOLDS}-fold, shuffled with seed {seed}, pooled out-of-fold predictions",
        "folds": CV_FOLDS,
        **scores,
    }


def scores_for(truth: list[str], predicted: list[str]) -> dict[str, Any]:
    """n, macro-F1, accuracy and per-class precision/recall/F1/support."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    per_class = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    return {
        "n": len(truth),
        "macro_f1": round(
            float(f1_score(truth, predicted, labels=sorted(set(truth)), average="macro", zero_division=0)), 4
        ),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "per_class": per_class,
    }


def evaluate_file(model_path: Path | str, data_path: Path | str) -> dict[str, Any]:
    """Score a saved model on a labelled file (n, macro_f1, accuracy, per_class)."""
    model = DomainModel.load(model_path)
    texts, labels = read_labelled(data_path)
    return scores_for(labels, model.predict_many(texts))


def main(argv: list[str] | None = None) -> int:
    """Command line for operators and for ``huiying nlp train`` to delegate to.

    ``python -m nlp.training train LABELLED.csv [--out DIR] [--seed N]`` retrains the model
    (default: the shipped location); ``python -m nlp.training evaluate MODEL LABELLED.csv``
    scores a model. Both print JSON.
    """
    import argparse
    import json
    import sys

    from nlp.domain_model import DEFAULT_MODEL_PATH
    from nlp.errors import NlpError

    parser = argparse.ArgumentParser(
        prog="python -m nlp.training", description="Train or evaluate the domain model."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser(
        "train", help="train on a labelled CSV/XLSX and save domain.skops + domain.json"
    )
    train.add_argument("data", type=Path)
    train.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH.parent)
    train.add_argument("--seed", type=int, default=0)
    evaluate = commands.add_parser("evaluate", help="score a saved model on a labelled CSV/XLSX")
    evaluate.add_argument("model", type=Path)
    evaluate.add_argument("data", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            metadata = train_from_file(args.data, args.out, seed=args.seed)
            result = {"model_version": metadata["model_version"], "out": str(args.out), "cv": metadata["cv"]}
        else:
            result = evaluate_file(args.model, args.data)
    except NlpError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
