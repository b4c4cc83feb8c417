"""How much a message reads like an emergency report: a small model next to the urgency rules.

Positive examples are real emergency news reports (the Chinese Emergency Corpus: accidents,
fires, earthquakes, poisonings, attacks) and officers' corrections to 特急/紧急; negative examples
are ordinary citizen messages and corrections to 一般. News and citizen posts differ in style as
much as in content, so words that only mark the news register (记者, 据悉, 本报讯, dates) are
dropped, and the score is read against the citizen messages themselves: training records which
score only 1% (``p99``) and 0.1% (``p999``) of ordinary messages reach, out of fold. The rules
use that as evidence ("用语接近突发事件报道，高于99.9%的普通留言"), never as the only reason
for 特急.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from nlp.domain_model import library_versions, prepare_text, read_checked_model, save_model
from nlp.errors import ModelMetadataMismatch, TrainingDataError
from nlp.features import message_tokens

DEFAULT_URGENCY_MODEL = Path(__file__).resolve().parent / "models" / "urgency.skops"
LABELS = ("ordinary", "emergency")
# Words that mark the news register or a report's dateline rather than an emergency.
NEWS_WORDS = frozenset(
    {
        "记者", "讯", "电", "新华社", "新华网", "新华", "本报", "本报讯", "报道", "据", "获悉", "消息", "日电", "时报", "晨报", "晚报", "网",
        "通讯员", "通讯", "实习生", "来源", "中新网", "中新", "新闻", "据悉", "据了解", "了解", "表示", "介绍", "目前", "日前", "昨日", "昨天",
        "今日", "今天", "上午", "下午", "晚上", "凌晨", "时许", "左右", "许", "年", "月", "日", "时", "分", "称", "当地", "北京", "上海",
        "广州", "深圳", "昆明", "香港", "外媒", "截至",
    }
)
TRUSTED_TYPES = frozenset(
    {
        "nlp.features.CompactTfidfVectorizer",
        "nlp.urgency_model.urgency_words",
        "numpy.dtype",
        "numpy.float64",
        "numpy.int64",
        "scipy.sparse._csr.csr_matrix",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.pipeline.Pipeline",
    }
)
_CJK_GAP = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef0-9])")


def urgency_words(prepared: str) -> list[str]:
    """Words of a prepared message without the news register (module level, so skops saves a reference).

    The model reads the same words as the domain model (:func:`nlp.features.message_tokens`), so
    the Understander segments each message once for both.
    """
    return drop_news_words(message_tokens(prepared))


def drop_news_words(words: list[str]) -> list[str]:
    return [w for w in words if w not in NEWS_WORDS]


def model_text(title: str, body: str) -> str:
    """What the model reads: the prepared message (title twice, the opening of the body)."""
    return prepare_text(title, body)


def read_cec(path: Path | str, holdout_every: int = 8) -> list[tuple[str, str]]:
    """(title, body) of the CEC reports, minus every ``holdout_every``-th row kept for evaluation.

    ``cec_docs.csv`` stores word-segmented text; the spaces between Chinese words are removed.
    Rows 0, 8, 16 … appear in the urgency evaluation fixture and are never trained on.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise TrainingDataError(f"emergency corpus {path} not found; pass the path of cec_docs.csv")
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig").fillna("")
    if not {"title", "text"} <= set(frame.columns):
        raise TrainingDataError(f"{path} needs the columns title and text")
    out = []
    for i, (title, text) in enumerate(zip(frame["title"], frame["text"], strict=True)):
        if holdout_every and i % holdout_every == 0:
            continue
        title, text = _CJK_GAP.sub("", title), _CJK_GAP.sub("", text)
        out.append((title, text.replace(title, "", 1)))
    return out


@dataclass(frozen=True)
class UrgencyModel:
    """The fitted emergency-language model and the score levels of ordinary messages."""

    pipeline: Any
    metadata: dict[str, Any]

    @property
    def p99(self) -> float:
        return float(self.metadata["ordinary_score_percentiles"]["p99"])

    @property
    def p999(self) -> float:
        return float(self.metadata["ordinary_score_percentiles"]["p999"])

    def score(self, title: str, body: str) -> float:
        """Probability-like score that the text reports an emergency."""
        return self.score_text(model_text(title, body))

    def score_text(self, text: str) -> float:
        return float(self.pipeline.predict_proba([text])[0, 1])

    def score_many(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.pipeline.predict_proba(texts)[:, 1]) if texts else np.zeros(0)

    def score_words(self, words: list[str]) -> float:
        """The score from already segmented words (:func:`message_tokens`), without scikit-learn's
        per-call checks; equal to :meth:`score_text` of the text they came from."""
        vectorizer = self.pipeline.named_steps["words"]
        classifier = self.pipeline.named_steps["classifier"]
        if not hasattr(self, "_fast"):
            object.__setattr__(self, "_fast", (
                vectorizer.vocabulary_, np.asarray(vectorizer.idf_), np.asarray(classifier.coef_[0]),
                float(classifier.intercept_[0]),
            ))
        vocabulary, idf, coef, intercept = self._fast  # type: ignore[attr-defined]
        counts: dict[int, int] = {}
        for word in drop_news_words(words):
            j = vocabulary.get(word)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        decision = intercept
        if counts:
            cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
            values = (np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts))) + 1.0) * idf[cols]
            values /= np.sqrt(values @ values)
            decision += float(values @ coef[cols])
        return float(1.0 / (1.0 + np.exp(-decision)))

    @classmethod
    def load(cls, path: Path | str | None = None) -> UrgencyModel:
        """Load a saved model, refusing files whose metadata or types do not check out."""
        import skops.io as sio

        path = Path(path) if path else DEFAULT_URGENCY_MODEL
        metadata, blob, trusted = read_checked_model(path, TRUSTED_TYPES)
        if "ordinary_score_percentiles" not in metadata:
            raise ModelMetadataMismatch(path, "its metadata has no 'ordinary_score_percentiles'")
        return cls(sio.loads(blob, trusted=trusted), metadata)


def build_pipeline() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from nlp.features import CompactTfidfVectorizer

    return Pipeline(
        [
            ("words", CompactTfidfVectorizer(analyzer=urgency_words, lowercase=False, sublinear_tf=True, min_df=2)),
            ("classifier", LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)),
        ]
    )


def train_urgency_model(
    emergencies: list[tuple[str, str]], ordinary: list[tuple[str, str]], seed: int = 0
) -> UrgencyModel:
    """Fit on emergency (positive) and ordinary (negative) messages; record ordinary-score levels."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    if len(emergencies) < 10 or len(ordinary) < 10:
        raise TrainingDataError("the urgency model needs at least 10 emergency and 10 ordinary messages")
    texts = [model_text(t, b) for t, b in emergencies] + [model_text(t, b) for t, b in ordinary]
    y = np.array([1] * len(emergencies) + [0] * len(ordinary))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    out_of_fold = cross_val_predict(build_pipeline(), texts, y, cv=folds, method="predict_proba")[:, 1]
    ordinary_scores = out_of_fold[y == 0]
    emergency_scores = out_of_fold[y == 1]
    pipeline = build_pipeline().fit(texts, y)

    created = datetime.now(UTC).replace(microsecond=0)
    metadata = {
        "model_version": f"urgency-{created:%Y%m%d}-s{seed}",
        "created": created.isoformat(),
        "labels": list(LABELS),
        "library_versions": library_versions(),
        "training": {"emergency": len(emergencies), "ordinary": len(ordinary)},
        "ordinary_score_percentiles": {
            "p50": round(float(np.percentile(ordinary_scores, 50)), 4),
            "p99": round(float(np.percentile(ordinary_scores, 99)), 4),
            "p999": round(float(np.percentile(ordinary_scores, 99.9)), 4),
        },
        "emergency_recall_at_p99": round(float(np.mean(emergency_scores >= np.percentile(ordinary_scores, 99))), 4),
        "pipeline": "word TF-IDF (news-register words removed) -> LogisticRegression(balanced)",
    }
    return UrgencyModel(pipeline, metadata)


def save_urgency_model(model: UrgencyModel, path: Path | str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Save with skops and metadata beside it (same checks as the domain model)."""
    return save_model(model.pipeline, {**model.metadata, **(extra or {})}, path)


def train_urgency_from_files(
    emergency_corpus: Path | str,
    message_files: list[Path | str],
    *,
    holdout_files: list[Path | str] = (),  # type: ignore[assignment]
    corrections: list[Any] = (),  # type: ignore[assignment]
    seed: int = 0,
) -> UrgencyModel:
    """Train from the CEC reports (positives), citizen messages (negatives) and urgency corrections.

    Messages whose title appears in a ``holdout_files`` CSV (the urgency evaluation set) are left
    out, so the set stays unseen. A correction to 特急/紧急 is a positive, to 一般 a negative, and it
    replaces the same message among the negatives.
    """
    from nlp.training_data import read_messages, read_table, text_key

    held_out: set[str] = set()
    for path in holdout_files:
        frame = read_table(path, ("留言主题",))
        held_out.update(normalize_title(t) for t in frame["留言主题"])
    corrected = {text_key(c.title, c.body): c for c in corrections if getattr(c, "urgency", "")}
    ordinary = [
        (t, b) for t, b in read_messages(message_files)
        if normalize_title(t) not in held_out and text_key(t, b) not in corrected
    ]
    emergencies = read_cec(emergency_corpus)
    for correction in corrected.values():
        (emergencies if correction.urgency in ("特急", "紧急") else ordinary).append((correction.title, correction.body))
    model = train_urgency_model(emergencies, ordinary, seed)
    model.metadata["training"].update(
        {
            "emergency_corpus": Path(emergency_corpus).name,
            "message_files": [Path(p).name for p in message_files],
            "held_out": {"files": [Path(p).name for p in holdout_files], "titles": len(held_out)},
            "corrections": len(corrected),
        }
    )
    return model


def normalize_title(title: str) -> str:
    from nlp.normalize import normalize_text

    return "".join(normalize_text(str(title)).split())
