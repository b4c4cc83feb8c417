"""How domain macro-F1 grows with labelled examples: the case for officers' corrections, in figures.

For each repeat, a stratified set of messages is held out (``test_size``); from the rest,
stratified samples of each size train the model exactly as ``huiying nlp train`` does
(unlabelled text for the vocabulary, taxonomy seeds) and are scored on the held-out messages.
The same splits can be run without unlabelled text and taxonomy (``baseline=True``), which shows
what the semi-supervised parts are worth at each size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nlp.taxonomy import Taxonomy
from nlp.training import build_corpus, fit_and_predict, scores_for
from nlp.training_data import LabelledRow

DEFAULT_SIZES = (50, 100, 200, 300, 400)


def learning_curve(
    rows: list[LabelledRow],
    *,
    unlabelled: Sequence[tuple[str, str]] = (),
    taxonomy: Taxonomy | None = None,
    sizes: Sequence[int] = DEFAULT_SIZES,
    repeats: int = 5,
    test_size: int = 50,
    seed: int = 0,
    baseline: bool = False,
) -> dict[str, Any]:
    """Mean and spread of held-out macro-F1 per training size (sizes beyond the data are capped)."""
    from sklearn.model_selection import StratifiedShuffleSplit

    labels = np.array([r.label for r in rows], dtype=object)
    available = len(rows) - test_size
    sizes = sorted({min(int(n), available) for n in sizes if n > 0})
    corpora = {"semi_supervised": build_corpus(rows, unlabelled, taxonomy)}
    if baseline:
        corpora["labelled_only"] = build_corpus(rows)
    results: dict[str, dict[int, list[float]]] = {name: {n: [] for n in sizes} for name in corpora}
    splitter = StratifiedShuffleSplit(n_splits=repeats, test_size=test_size, random_state=seed)
    for repeat, (pool, test) in enumerate(splitter.split(np.zeros(len(rows)), labels)):
        for n in sizes:
            train = _stratified_sample(pool, labels, n, seed + repeat)
            for name, corpus in corpora.items():
                predicted = fit_and_predict(corpus, train, test, seed)
                truth = [str(y) for y in labels[test]]
                results[name][n].append(scores_for(truth, predicted)["macro_f1"])
    return {
        "method": f"{repeats} stratified splits holding out {test_size} labelled messages each; for every "
        "size a stratified sample of the rest trains the model as `huiying nlp train` does",
        "labelled_total": len(rows),
        "sizes": sizes,
        **{name: [_point(n, scores) for n, scores in per_size.items()] for name, per_size in results.items()},
    }


def _stratified_sample(pool: np.ndarray, labels: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n rows of the pool in the pool's label proportions (every label at least twice when possible)."""
    if n >= len(pool):
        return pool
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    by_label = {label: pool[labels[pool] == label] for label in sorted(set(labels[pool]))}
    for _label, members in by_label.items():
        share = max(2, round(n * len(members) / len(pool)))
        chosen.extend(rng.choice(members, size=min(share, len(members)), replace=False).tolist())
    return np.array(sorted(chosen), dtype=np.int64)


def _point(n: int, scores: list[float]) -> dict[str, Any]:
    return {
        "n": n,
        "macro_f1": round(float(np.mean(scores)), 4),
        "std": round(float(np.std(scores)), 4),
        "runs": len(scores),
    }
