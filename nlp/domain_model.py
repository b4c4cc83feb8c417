"""The domain classifier: which first-level domain a message belongs to, with a probability.

A scikit-learn Pipeline keeps the vectorisers inside the model (no train/test leakage, one
object to save). Word TF-IDF over jieba words (``nlp.segment.tokens``) is joined with character
n-gram TF-IDF, which still works when jieba cuts an unseen name badly; a class-balanced linear
SVM ranks the domains and sigmoid calibration turns its scores into probabilities that the
triage threshold can rely on. The model is saved with skops (no pickle execution on load) next
to a JSON metadata file, and loading refuses a model whose metadata does not match this
installation, because a silently different model would route items differently.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.errors import ModelMetadataMismatch, ModelNotFound, UntrustedModelTypes
from nlp.normalize import normalize_text

MODEL_FORMAT = 1
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "domain.skops"
MAX_BODY_CHARS = 5000  # the opening of a message says what it is about; bounds time on huge pages

# Types a model built by `huiying nlp train` contains, reviewed by hand: scikit-learn estimators
# and their helpers, numpy/scipy containers, and our own tokenizer. Anything else is refused.
TRUSTED_TYPES = frozenset(
    {
        "nlp.segment.tokens",
        "nlp.domain_model.CompactTfidfVectorizer",
        "builtins.slice",
        "numpy.dtype",
        "numpy.float64",
        "numpy.int64",
        "scipy.sparse._csr.csr_matrix",
        "scipy.sparse._csr.csr_array",
        "scipy.sparse._dia.dia_matrix",
        "scipy.sparse._dia.dia_array",
        "sklearn.calibration.CalibratedClassifierCV",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.pipeline.FeatureUnion",
        "sklearn.pipeline.Pipeline",
        "sklearn.svm._classes.LinearSVC",
        "sklearn.preprocessing._label.LabelEncoder",
        "sklearn.preprocessing._label.LabelBinarizer",
    }
)


def prepare_text(title: str, body: str) -> str:
    """The model's input: the title twice (it is the densest summary) and the start of the body."""
    title = normalize_text(title)
    body = normalize_text(body[: MAX_BODY_CHARS * 2])[:MAX_BODY_CHARS]
    return f"{title}\n{title}\n{body}"


class CompactTfidfVectorizer(TfidfVectorizer):
    """A TfidfVectorizer whose saved state keeps the vocabulary as one array of terms.

    skops writes a dict entry by entry into its JSON schema: 95,000 terms made a 46 MB schema
    that took 1.3 s to load. An array of terms (position = column) loads in milliseconds and
    the dict is rebuilt on load, so behaviour is exactly that of TfidfVectorizer.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        vocabulary = state.get("vocabulary_")
        if isinstance(vocabulary, dict) and not any(t.endswith("\x00") for t in vocabulary):
            terms = sorted(vocabulary, key=vocabulary.__getitem__)
            if [vocabulary[t] for t in terms] == list(range(len(terms))):
                del state["vocabulary_"]
                state["vocabulary_terms_"] = np.array(terms, dtype=str)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        terms = state.pop("vocabulary_terms_", None)
        if terms is not None:
            state["vocabulary_"] = {str(term): i for i, term in enumerate(terms.tolist())}
        super().__setstate__(state)


def build_pipeline(seed: int = 0) -> Any:
    """A fresh, untrained pipeline; the parameters were chosen by 5-fold CV on the labelled set."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    from nlp.segment import tokens

    features = FeatureUnion(
        [
            (
                "words",
                CompactTfidfVectorizer(
                    tokenizer=tokens, token_pattern=None, lowercase=False, sublinear_tf=True
                ),
            ),
            (
                "chars",
                CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True),
            ),
        ]
    )
    svm = LinearSVC(C=1.0, class_weight="balanced", random_state=seed)
    classifier = CalibratedClassifierCV(svm, method="sigmoid", cv=5, ensemble=False)
    return Pipeline([("features", features), ("classifier", classifier)])


@dataclass(frozen=True)
class DomainPrediction:
    """The most likely domain, its probability, the full ranking and the words that drove it."""

    domain: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    evidence: tuple[str, ...]


class DomainModel:
    """A trained pipeline plus its checked metadata."""

    def __init__(self, pipeline: Any, metadata: dict[str, Any]) -> None:
        self.pipeline = pipeline
        self.metadata = metadata
        self.labels: tuple[str, ...] = tuple(str(c) for c in pipeline.classes_)
        self.model_version = str(metadata.get("model_version", "unversioned"))
        self._word_names = pipeline.named_steps["features"].transformer_list[0][1].get_feature_names_out()
        svm = pipeline.named_steps["classifier"].calibrated_classifiers_[0].estimator
        self._word_coef = np.asarray(svm.coef_)[:, : len(self._word_names)]

    @classmethod
    def load(cls, path: Path | str | None = None) -> DomainModel:
        """Load a model saved by :func:`save_model`, refusing files that do not match this installation."""
        import skops.io as sio

        path = Path(path) if path else DEFAULT_MODEL_PATH
        meta_path = metadata_path(path)
        if not path.is_file():
            raise ModelNotFound(path)
        if not meta_path.is_file():
            raise ModelMetadataMismatch(path, f"its metadata file {meta_path.name} is missing")
        metadata = read_metadata(meta_path, path)
        check_metadata(metadata, path)
        blob = path.read_bytes()
        if metadata.get("model_sha256") != hashlib.sha256(blob).hexdigest():
            raise ModelMetadataMismatch(
                path, "the model file does not match the sha256 recorded in its metadata"
            )
        untrusted = sio.get_untrusted_types(data=blob)
        unknown = [t for t in untrusted if t not in TRUSTED_TYPES]
        if unknown:
            raise UntrustedModelTypes(path, unknown)
        pipeline = sio.loads(blob, trusted=list(untrusted))
        if [str(c) for c in pipeline.classes_] != list(metadata["labels"]):
            raise ModelMetadataMismatch(path, "the model's labels differ from the labels in its metadata")
        return cls(pipeline, metadata)

    def predict(self, title: str, body: str) -> DomainPrediction:
        """Rank the domains for one message."""
        return self.predict_prepared(prepare_text(title, body))

    def predict_prepared(self, text: str) -> DomainPrediction:
        """Rank the domains for text already built by :func:`prepare_text`."""
        features = self.pipeline.named_steps["features"].transform([text])
        proba = self.pipeline.named_steps["classifier"].predict_proba(features)[0]
        order = np.argsort(-proba, kind="stable")
        best = int(order[0])
        ranking = tuple((self.labels[i], round(float(proba[i]), 4)) for i in order)
        return DomainPrediction(
            self.labels[best], float(proba[best]), ranking, self._evidence(features, best)
        )

    def predict_many(self, texts: list[str]) -> list[str]:
        """Best domain for each prepared text (for evaluation and reproducibility checks)."""
        return [str(label) for label in self.pipeline.predict(texts)]

    def _evidence(self, features: Any, label_index: int, top: int = 3) -> tuple[str, ...]:
        """Words of this message that pushed most towards the chosen domain."""
        row = features[:, : len(self._word_names)].tocsr()
        if row.nnz == 0:
            return ()
        weights = row.data * self._word_coef[label_index, row.indices]
        ranked = sorted(zip(weights, row.indices, strict=True), key=lambda wi: (-wi[0], wi[1]))
        return tuple(str(self._word_names[i]) for w, i in ranked[:top] if w > 0)


def metadata_path(model_path: Path) -> Path:
    """Where the metadata of a model file lives (same name, .json)."""
    return model_path.with_suffix(".json")


def read_metadata(meta_path: Path, model_path: Path) -> dict[str, Any]:
    """Parse the metadata JSON, refusing unreadable files."""
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelMetadataMismatch(
            model_path, f"its metadata {meta_path.name} is not readable JSON ({exc})"
        ) from exc
    if not isinstance(metadata, dict):
        raise ModelMetadataMismatch(model_path, f"its metadata {meta_path.name} is not a JSON object")
    return metadata


def check_metadata(metadata: dict[str, Any], model_path: Path) -> None:
    """Refuse metadata from another format, another scikit-learn major.minor, or without labels."""
    if metadata.get("format") != MODEL_FORMAT:
        raise ModelMetadataMismatch(
            model_path, f"metadata format {metadata.get('format')!r} is not the expected {MODEL_FORMAT}"
        )
    for key in ("model_version", "labels", "library_versions", "model_sha256"):
        if not metadata.get(key):
            raise ModelMetadataMismatch(model_path, f"its metadata has no {key!r}")
    trained_with = str(metadata["library_versions"].get("scikit-learn", ""))
    if _major_minor(trained_with) != _major_minor(sklearn.__version__):
        raise ModelMetadataMismatch(
            model_path,
            f"it was trained with scikit-learn {trained_with or 'unknown'} but {sklearn.__version__} is installed",
        )


def save_model(pipeline: Any, metadata: dict[str, Any], path: Path | str) -> dict[str, Any]:
    """Write the model with skops and its metadata (with the file's sha256) beside it."""
    import skops.io as sio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_  # terms cut by min_df: only for introspection, often megabytes
    blob = sio.dumps(pipeline, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    path.write_bytes(blob)
    metadata = {**metadata, "format": MODEL_FORMAT, "model_sha256": hashlib.sha256(blob).hexdigest()}
    metadata_path(path).write_text(
        json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return metadata


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])
