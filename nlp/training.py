"""Training and evaluating the domain model: labelled rows, unlabelled text, the taxonomy, corrections.

What the model learns from, and why (figures from the development split, see nlp/README.md):

- the labelled rows (``labeled_messages_495`` layout), with officers' corrections folded in;
- unlabelled messages, which set the vocabulary and IDF weights (+0.02 macro-F1). Self-training
  on them was tried and lowered the score: many are about domains the labelled set never shows,
  and pseudo-labels taught the model the wrong conventions;
- the taxonomy's leaves as short seed documents of their first-level domain (+0.06), which also
  gives the 8 domains without labelled messages a class of their own. Labelled domains are
  class-balanced; seed-only domains keep the weight of their few seed documents, so they are
  predicted only when a message clearly names them.

Training is reproducible (same data and seed -> same model) and records an honest stratified
5-fold cross-validation in the metadata: on each fold the vocabulary and IDF are refitted on the
unlabelled messages, the seeds and the training part only, so no held-out message shapes the
features it is scored with.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from nlp.domain_model import DomainModel, library_versions, prepare_text, save_model
from nlp.errors import TrainingDataError
from nlp.evaluation import per_class_scores
from nlp.features import (
    CHAR_BODY_CHARS,
    CHAR_NGRAMS,
    TITLE_REPEAT,
    WORD_BODY_CHARS,
    CountedCorpus,
    message_tokens,
    prepare_normalized,
)
from nlp.segment import add_user_words
from nlp.taxonomy import Taxonomy
from nlp.training_data import (
    TITLE,
    Correction,
    LabelledRow,
    file_sha256,
    merge_corrections,
    read_labelled_rows,
    read_messages,
    unique_unlabelled,
)

CV_FOLDS = 5
# Without seed documents, calibration runs its own 5-fold split inside each cross-validation
# training fold, so a domain needs 5 messages in 4/5 of its data: 8 is the smallest safe count.
MIN_PER_LABEL = 8
MODEL_NAME = "domain.skops"
CORRECTION_WEIGHT = 2.0  # an officer's correction counts twice: it is recent and deliberate
SVM_C = 1.0
WORD_MIN_DF = 2
CHAR_MIN_DF = 5


@dataclass
class Corpus:
    """Everything one training run looks at, counted once: labelled rows, seeds, unlabelled text."""

    rows: list[LabelledRow]
    seeds: list[tuple[str, str]]  # (text, domain) from the taxonomy
    unlabelled: int
    counted: CountedCorpus
    labels: np.ndarray  # of the labelled rows
    weights: np.ndarray  # of the labelled rows
    seed_labels: np.ndarray
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def labelled_idx(self) -> np.ndarray:
        return np.arange(len(self.rows))

    @property
    def seed_idx(self) -> np.ndarray:
        return np.arange(len(self.rows), len(self.rows) + len(self.seeds))

    @property
    def pool_idx(self) -> np.ndarray:
        start = len(self.rows) + len(self.seeds)
        return np.arange(start, start + self.unlabelled)


def build_corpus(
    rows: list[LabelledRow], unlabelled: Sequence[tuple[str, str]] = (), taxonomy: Taxonomy | None = None
) -> Corpus:
    """Prepare, segment and count all documents of a training run once."""
    if taxonomy is not None:
        add_user_words(taxonomy.words())
    seeds = taxonomy.seed_documents() if taxonomy is not None else []
    pool = unique_unlabelled(unlabelled, rows)
    texts = (
        [prepare_text(r.title, r.body) for r in rows]
        + [prepare_normalized(text, "") for text, _ in seeds]
        + [prepare_text(t, b) for t, b in pool]
    )
    counted = CountedCorpus(texts, [message_tokens(t) for t in texts])
    return Corpus(
        rows=rows,
        seeds=seeds,
        unlabelled=len(pool),
        counted=counted,
        labels=np.array([r.label for r in rows], dtype=object),
        weights=np.array([r.weight for r in rows], dtype=np.float64),
        seed_labels=np.array([d for _, d in seeds], dtype=object),
        notes={"unlabelled_given": len(unlabelled), "unlabelled_used": len(pool)},
    )


def fit_pipeline(corpus: Corpus, train: np.ndarray, seed: int = 0) -> Any:
    """Fit features (unlabelled + seeds + train rows) and the calibrated SVM (seeds + train rows)."""
    return _fit(corpus, train, seed)[0]


def _fit(corpus: Corpus, train: np.ndarray, seed: int) -> tuple[Any, Any]:
    """The pipeline and the fitted features with their corpus columns (to score rows from counts)."""
    from sklearn.pipeline import Pipeline

    fit_rows = np.concatenate([corpus.pool_idx, corpus.seed_idx, train])
    vocab_rows = np.concatenate([train, corpus.seed_idx])
    fitted = corpus.counted.features(fit_rows, vocab_rows, WORD_MIN_DF, CHAR_MIN_DF)
    X = corpus.counted.matrix(fitted, vocab_rows)
    y = np.concatenate([corpus.labels[train], corpus.seed_labels])
    per_class = class_weights(corpus.labels[train], corpus.seed_labels)
    weights = np.concatenate([corpus.weights[train], np.ones(len(corpus.seeds))])
    weights *= np.array([per_class[str(label)] for label in y])
    classifier = build_classifier(y, seed)
    classifier.fit(X, y, sample_weight=weights)
    svm = classifier.calibrated_classifiers_[0].estimator
    svm.coef_ = svm.coef_.astype(np.float32)  # halves the model file; probabilities move by < 1e-6
    return Pipeline([("features", fitted[0]), ("classifier", classifier)]), fitted


def class_weights(labels: np.ndarray, seed_labels: np.ndarray) -> dict[str, float]:
    """Labelled domains balanced by their labelled counts; seed-only domains weigh 1."""
    counts = Counter(str(y) for y in labels)
    n, k = sum(counts.values()), len(counts)
    weights = {label: n / (k * count) for label, count in counts.items()}
    for label in set(str(y) for y in seed_labels) - set(counts):
        weights[label] = 1.0
    return dict(sorted(weights.items()))


def build_classifier(y: np.ndarray, seed: int) -> Any:
    """A linear SVM with sigmoid calibration (as many folds as the rarest class allows).

    Class weights arrive as sample weights (the same objective for liblinear): calibration
    label-encodes the classes inside its folds, where a dict keyed by domain would not match.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    smallest = min(Counter(str(v) for v in y).values())
    folds = max(2, min(CV_FOLDS, smallest))
    svm = LinearSVC(C=SVM_C, random_state=seed)
    return CalibratedClassifierCV(svm, method="sigmoid", cv=folds, ensemble=False)


def fit_and_predict(corpus: Corpus, train: np.ndarray, test: np.ndarray, seed: int = 0) -> list[str]:
    """Train on some labelled rows and predict others (features from counts, as transform would)."""
    pipeline, fitted = _fit(corpus, train, seed)
    X = corpus.counted.matrix(fitted, test)
    return [str(p) for p in pipeline.named_steps["classifier"].predict(X)]


def cross_validate(corpus: Corpus, seed: int, folds: int = CV_FOLDS) -> dict[str, Any]:
    """Pooled out-of-fold scores; features refitted per fold without the held-out rows."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted = np.empty(len(corpus.rows), dtype=object)
    for train, test in splitter.split(np.zeros(len(corpus.rows)), corpus.labels):
        predicted[test] = fit_and_predict(corpus, train, test, seed)
    scores = scores_for([str(y) for y in corpus.labels], [str(p) for p in predicted])
    return {
        "method": f"stratified {folds}-fold, shuffled with seed {seed}, pooled out-of-fold predictions; "
        "vocabulary and IDF refitted per fold on unlabelled + seeds + training part",
        "folds": folds,
        **scores,
    }


def check_rows(rows: list[LabelledRow], source: str, seeded: bool) -> None:
    """Refuse data the model cannot learn from, saying what to label."""
    counts = Counter(r.label for r in rows)
    minimum = 2 if seeded else MIN_PER_LABEL
    too_small = sorted(label for label, n in counts.items() if n < minimum)
    if len(counts) < 2 or too_small:
        raise TrainingDataError(
            f"{source}: every domain needs at least {minimum} labelled messages and there must be two "
            f"domains or more (too few: {', '.join(too_small) or 'only one domain'}); label more messages"
        )


def train_model(
    rows: list[LabelledRow],
    *,
    unlabelled: Sequence[tuple[str, str]] = (),
    taxonomy: Taxonomy | None = None,
    seed: int = 0,
    cv: bool = True,
    source: str = "training data",
) -> tuple[Any, dict[str, Any], Corpus]:
    """Train the pipeline on all rows (after an optional cross-validation); return it with metadata."""
    check_rows(rows, source, seeded=taxonomy is not None)
    corpus = build_corpus(rows, unlabelled, taxonomy)
    scores = cross_validate(corpus, seed) if cv else None
    pipeline = fit_pipeline(corpus, corpus.labelled_idx, seed)
    labelled_domains = sorted(set(corpus.labels.tolist()))
    features = pipeline.named_steps["features"]
    metadata: dict[str, Any] = {
        "labels": [str(c) for c in pipeline.classes_],
        "labelled_domains": labelled_domains,
        "seed_only_domains": sorted(set(corpus.seed_labels.tolist()) - set(labelled_domains)),
        "seed": seed,
        "pipeline": "word TF-IDF (jieba search mode) + char_wb 1-3 TF-IDF, vocabulary/IDF fitted with "
        "unlabelled messages -> LinearSVC (labelled domains balanced; taxonomy seed documents) "
        "-> sigmoid calibration",
        "features": {
            "title_repeat": TITLE_REPEAT,
            "char_body_chars": CHAR_BODY_CHARS,
            "word_body_chars": WORD_BODY_CHARS,
            "char_ngrams": list(CHAR_NGRAMS),
            "word_min_df": WORD_MIN_DF,
            "char_min_df": CHAR_MIN_DF,
            "word_terms": len(features.words_.vocabulary_),
            "char_terms": len(features.chars_.vocabulary_),
        },
        "unlabelled": dict(corpus.notes),
        "seed_documents": len(corpus.seeds),
        "user_words": list(taxonomy.words()) if taxonomy is not None else [],
    }
    if scores is not None:
        metadata["cv"] = scores
    return pipeline, metadata, corpus


def train_from_file(
    data_path: Path | str,
    out_dir: Path | str,
    seed: int = 0,
    *,
    unlabelled_paths: Iterable[Path | str] = (),
    taxonomy_path: Path | str | None = None,
    corrections: Iterable[Correction] = (),
    cv: bool = True,
) -> dict[str, Any]:
    """Train from files (plus corrections), save ``domain.skops`` + ``domain.json`` in out_dir; return the metadata."""
    rows = read_labelled_rows(data_path)
    rows, correction_stats = merge_corrections(rows, corrections, CORRECTION_WEIGHT)
    unlabelled_paths = [Path(p) for p in unlabelled_paths]
    unlabelled = read_messages(unlabelled_paths)
    taxonomy = Taxonomy.load(taxonomy_path) if taxonomy_path else None
    pipeline, metadata, corpus = train_model(
        rows, unlabelled=unlabelled, taxonomy=taxonomy, seed=seed, cv=cv, source=str(data_path)
    )
    data_hash = file_sha256(data_path)
    created = datetime.now(UTC).replace(microsecond=0)
    suffix = f"-c{correction_stats['domain']}" if correction_stats["domain"] else ""
    # The recipe (features, classifier, unlabelled files, taxonomy) is in the version too: a model
    # built differently from the same labels on the same day must not share its name.
    recipe = hashlib.sha256(json.dumps(
        [metadata["pipeline"], metadata["features"], [file_sha256(p) for p in unlabelled_paths],
         file_sha256(taxonomy_path) if taxonomy_path else None], sort_keys=True, ensure_ascii=False,
    ).encode("utf-8")).hexdigest()[:6]
    metadata = {
        "model_version": f"domain-{created:%Y%m%d}-{data_hash[:8]}-r{recipe}-s{seed}{suffix}",
        "created": created.isoformat(),
        "library_versions": library_versions(),
        "training_data": {
            "file": Path(data_path).name,
            "sha256": data_hash,
            "rows": len(rows),
            "label_counts": dict(sorted(Counter(r.label for r in rows).items())),
        },
        "unlabelled_files": [{"file": p.name, "sha256": file_sha256(p)} for p in unlabelled_paths],
        "taxonomy": (
            {"file": Path(taxonomy_path).name, "sha256": file_sha256(taxonomy_path), "leaves": len(taxonomy.leaves)}
            if taxonomy_path and taxonomy is not None
            else None
        ),
        "corrections": {**correction_stats, "weight": CORRECTION_WEIGHT},
        **metadata,
    }
    del corpus
    return save_model(pipeline, metadata, Path(out_dir) / MODEL_NAME)


def read_labelled(path: Path | str) -> tuple[list[str], list[str]]:
    """Prepared texts and labels from a CSV or XLSX file with 留言主题/留言详情/一级分类 headers."""
    rows = read_labelled_rows(path)
    return [prepare_text(r.title, r.body) for r in rows], [r.label for r in rows]


def scores_for(truth: list[str], predicted: list[str]) -> dict[str, Any]:
    """n, macro-F1 (over the classes present in the truth), accuracy and per-class figures."""
    from sklearn.metrics import accuracy_score, f1_score

    per_class = per_class_scores(truth, predicted, sorted(set(truth) | set(predicted)))
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

    ``python -m nlp.training train LABELLED.csv [--unlabelled FILE ...] [--taxonomy FILE]
    [--out DIR] [--seed N]`` retrains the model (default: the shipped location);
    ``python -m nlp.training evaluate MODEL LABELLED.csv`` scores a model. Both print JSON.
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
    train.add_argument("--unlabelled", type=Path, action="append", default=[],
                       help=f"CSV/XLSX of unlabelled messages ({TITLE}, 留言详情); repeatable")
    train.add_argument("--taxonomy", type=Path, help="taxonomy CSV/XLSX (一级分类, 二级分类, 三级分类)")
    train.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH.parent)
    train.add_argument("--seed", type=int, default=0)
    evaluate = commands.add_parser("evaluate", help="score a saved model on a labelled CSV/XLSX")
    evaluate.add_argument("model", type=Path)
    evaluate.add_argument("data", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            metadata = train_from_file(
                args.data, args.out, seed=args.seed, unlabelled_paths=args.unlabelled, taxonomy_path=args.taxonomy
            )
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
