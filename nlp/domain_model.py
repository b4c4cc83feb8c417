"""The domain classifier: which first-level domain a message belongs to, with a probability.

A scikit-learn Pipeline (``features`` -> ``classifier``) is what is trained, saved and checked:
word + character TF-IDF (:mod:`nlp.features`), a linear SVM, and sigmoid calibration that turns
its scores into probabilities the triage threshold can rely on. The model is saved with skops
(no pickle execution on load) next to a JSON metadata file, and loading refuses a model whose
metadata does not match this installation, because a silently different model would route
items differently.

Predicting goes through the same fitted vocabularies and coefficients without scikit-learn's
per-call checks (:meth:`DomainModel.predict_batch`): one item costs about 0.2 ms instead of 4 ms,
and tests hold the two paths to the same probabilities.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn

from nlp.errors import ModelMetadataMismatch, ModelNotFound, UntrustedModelTypes
from nlp.features import CHAR_BODY_CHARS, message_tokens, prepare_normalized
from nlp.normalize import normalize_text

MODEL_FORMAT = 2
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "domain.skops"
MAX_BODY_CHARS = 5000  # how much of a body the rules and tone read; bounds time on huge pages

# Types a model built by `huiying nlp train` contains, reviewed by hand: scikit-learn estimators
# and their helpers, numpy/scipy containers, and our own feature code. Anything else is refused.
TRUSTED_TYPES = frozenset(
    {
        "nlp.features.CompactTfidfVectorizer",
        "nlp.features.MessageFeatures",
        "nlp.features.pass_tokens",
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
        "sklearn.pipeline.Pipeline",
        "sklearn.svm._classes.LinearSVC",
        "sklearn.preprocessing._label.LabelEncoder",
        "sklearn.preprocessing._label.LabelBinarizer",
    }
)


def prepare_text(title: str, body: str) -> str:
    """The model's input from raw text: normalised title twice and the opening of the body."""
    return prepare_normalized(normalize_text(title), normalize_text(body[: CHAR_BODY_CHARS * 8]))


@dataclass(frozen=True)
class DomainPrediction:
    """The most likely domain, its probability, the full ranking and the words that drove it."""

    domain: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    evidence: tuple[str, ...]


class DomainModel:
    """A trained pipeline plus its checked metadata, with a fast path for prediction."""

    def __init__(self, pipeline: Any, metadata: dict[str, Any]) -> None:
        self.pipeline = pipeline
        self.metadata = metadata
        self.labels: tuple[str, ...] = tuple(str(c) for c in pipeline.classes_)
        self.model_version = str(metadata.get("model_version", "unversioned"))
        self.seed_only_domains = frozenset(metadata.get("seed_only_domains", ()))
        features = pipeline.named_steps["features"]
        calibrated = pipeline.named_steps["classifier"].calibrated_classifiers_[0]
        svm = calibrated.estimator
        if [str(c) for c in svm.classes_] != list(self.labels) or len(calibrated.calibrators) != len(self.labels):
            raise ModelMetadataMismatch("(in memory)", "the calibrated classifier's classes are not in label order")
        # float32 as saved (training stores it so): half the memory, and exactly the values sklearn
        # upcasts when it predicts, so probabilities are unchanged.
        self._coef_t = np.ascontiguousarray(np.asarray(svm.coef_).T)
        self._intercept = np.asarray(svm.intercept_, dtype=np.float64)
        self._a = np.array([float(c.a_) for c in calibrated.calibrators])
        self._b = np.array([float(c.b_) for c in calibrated.calibrators])
        self._word_vocab: dict[str, int] = features.words_.vocabulary_
        self._char_vocab: dict[str, int] = features.chars_.vocabulary_
        self._word_idf = np.asarray(features.words_.idf_)
        self._char_idf = np.asarray(features.chars_.idf_)
        self._n_words = len(self._word_vocab)
        keys = np.array([_gram_key(term) for term in self._char_vocab], dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self._char_keys = keys[order]
        self._char_ids = np.fromiter(self._char_vocab.values(), dtype=np.int64, count=len(keys))[order]
        self._word_names: list[str] | None = None

    @classmethod
    def load(cls, path: Path | str | None = None) -> DomainModel:
        """Load a model saved by :func:`save_model`, refusing files that do not match this installation.

        The words the model was trained with in jieba's dictionary (``user_words`` in the
        metadata) are added to it again, so messages are cut exactly as in training.
        """
        import skops.io as sio

        from nlp.segment import add_user_words

        path = Path(path) if path else DEFAULT_MODEL_PATH
        metadata, blob, trusted = read_checked_model(path)
        pipeline = sio.loads(blob, trusted=trusted)
        if [str(c) for c in pipeline.classes_] != list(metadata["labels"]):
            raise ModelMetadataMismatch(path, "the model's labels differ from the labels in its metadata")
        add_user_words(metadata.get("user_words", ()))
        return cls(pipeline, metadata)

    @property
    def idf(self) -> dict[str, float]:
        """Word -> IDF over the training and unlabelled messages (for ranking keywords)."""
        if not hasattr(self, "_idf_map"):
            self._idf_map = dict(zip(self._word_vocab, self._word_idf[list(self._word_vocab.values())].tolist(), strict=True))
        return self._idf_map

    def predict(self, title: str, body: str) -> DomainPrediction:
        """Rank the domains for one message."""
        return self.predict_prepared(prepare_text(title, body))

    def predict_prepared(self, text: str) -> DomainPrediction:
        """Rank the domains for text already built by :func:`prepare_text`."""
        return self.predict_batch([text])[0]

    def predict_batch(self, texts: list[str], words: list[list[str]] | None = None) -> list[DomainPrediction]:
        """Rank the domains for prepared texts; ``words`` are their :func:`message_tokens` if known."""
        if not texts:
            return []
        words = words if words is not None else [message_tokens(t) for t in texts]
        rows = [self.features_of(text, doc_words) for text, doc_words in zip(texts, words, strict=True)]
        if len(rows) == 1:  # one item: a dense gather beats building a sparse matrix
            cols, values, _ = rows[0]
            proba = self._calibrate((values @ self._coef_t[cols] + self._intercept)[np.newaxis, :])
        else:
            proba = self.probabilities(self._matrix(rows))
        order = np.argsort(-proba, axis=1, kind="stable")
        rounded = np.round(proba, 4)
        labels = self.labels
        out = []
        for i, (cols, values, n_word_cols) in enumerate(rows):
            ranked = order[i].tolist()
            best = ranked[0]
            ranking = tuple(zip([labels[j] for j in ranked], rounded[i, ranked].tolist(), strict=True))
            evidence = self._evidence(cols[:n_word_cols], values[:n_word_cols], best)
            out.append(DomainPrediction(labels[best], float(proba[i, best]), ranking, evidence))
        return out

    def predict_many(self, texts: list[str]) -> list[str]:
        """Best domain for each prepared text (for evaluation and reproducibility checks)."""
        return [p.domain for p in self.predict_batch(list(texts))]

    def features_of(self, text: str, words: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
        """(columns, TF-IDF values, number of word columns) of one prepared text, columns ascending.

        Equal to the pipeline's ``features.transform`` row. Word counts use one dict lookup per
        word; character n-grams are packed into integers (21 bits per character), counted with
        ``np.unique`` and looked up with one ``searchsorted``: no Python loop runs over the
        ~1,400 n-grams of a message.
        """
        counts = Counter(map(self._word_vocab.get, words))
        counts.pop(None, None)
        word_cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))  # type: ignore[arg-type]
        word_tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        order = np.argsort(word_cols)
        word_cols, word_values = word_cols[order], _tfidf(word_tf[order], self._word_idf[word_cols[order]])
        keys, key_counts = np.unique(_char_wb_keys(text), return_counts=True)
        pos = np.searchsorted(self._char_keys, keys)
        pos[pos == len(self._char_keys)] = 0
        found = self._char_keys[pos] == keys
        char_cols = self._char_ids[pos[found]]
        char_tf = key_counts[found].astype(np.float64)
        order = np.argsort(char_cols)
        char_cols, char_values = char_cols[order], _tfidf(char_tf[order], self._char_idf[char_cols[order]])
        cols = np.concatenate([word_cols, char_cols + self._n_words])
        return cols, np.concatenate([word_values, char_values]), len(word_cols)

    def vectorize(self, texts: list[str], words: list[list[str]]) -> sp.csr_matrix:
        """The features of prepared texts as a matrix, identical to the pipeline's ``features.transform``."""
        return self._matrix([self.features_of(text, doc_words) for text, doc_words in zip(texts, words, strict=True)])

    def _matrix(self, rows: list[tuple[np.ndarray, np.ndarray, int]]) -> sp.csr_matrix:
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(cols) for cols, _, _ in rows])
        indices = np.concatenate([cols for cols, _, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
        data = np.concatenate([values for _, values, _ in rows]) if rows else np.zeros(0)
        return sp.csr_matrix((data, indices, indptr), shape=(len(rows), self._coef_t.shape[0]))

    def probabilities(self, matrix: sp.csr_matrix) -> np.ndarray:
        """Calibrated probabilities (rows sum to 1), as CalibratedClassifierCV.predict_proba."""
        return self._calibrate(np.asarray(matrix @ self._coef_t) + self._intercept)

    def _calibrate(self, decision: np.ndarray) -> np.ndarray:
        """Per-class sigmoid of the SVM scores, normalised to sum to 1 (uniform if all are 0)."""
        proba = 1.0 / (1.0 + np.exp(self._a * decision + self._b))
        total = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1.0 / proba.shape[1])
        proba = np.divide(proba, total, out=uniform, where=total != 0)
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba

    def _evidence(self, cols: np.ndarray, values: np.ndarray, label_index: int, top: int = 3) -> tuple[str, ...]:
        """Words of this message that pushed most towards the chosen domain."""
        if not len(cols):
            return ()
        weights = values * self._coef_t[cols, label_index]
        order = np.lexsort((cols, -weights))[: top * 4]  # by weight, then column: stable across runs
        names = self._names()
        chosen: list[str] = []
        for k in order.tolist():
            if weights[k] <= 0 or len(chosen) == top:
                break
            name = names[int(cols[k])]
            if not any(name in c or c in name for c in chosen):  # "景区" and "景区管理" say one thing
                chosen.append(name)
        return tuple(chosen)

    def _names(self) -> list[str]:
        if self._word_names is None:
            names = [""] * self._n_words
            for term, j in self._word_vocab.items():
                names[j] = term
            self._word_names = names
        return self._word_names


def _gram_key(gram: str) -> int:
    """An n-gram of up to 3 characters as one integer: (code point + 1) in 21-bit slots."""
    key = 0
    for ch in gram:
        key = (key << 21) | (ord(ch) + 1)
    return key


def _char_wb_keys(text: str) -> np.ndarray:
    """Integer keys of scikit-learn's char_wb 1-3-grams of a text (each word padded with spaces)."""
    words = text.lower().split()
    if not words:
        return np.zeros(0, dtype=np.int64)
    padded = "".join(f" {w} " for w in words)
    codes = np.frombuffer(padded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64) + 1
    last = np.cumsum([len(w) + 2 for w in words]) - 1  # position of each padded word's closing space
    n = len(codes)
    valid2 = np.ones(n - 1, dtype=bool)
    valid2[last[:-1]] = False  # a bigram may not start on a word's last position
    valid3 = np.ones(n - 2, dtype=bool)
    valid3[last[:-1]] = False
    valid3[last[:-1] - 1] = False  # nor a trigram on its last two
    bigrams = (codes[:-1] << 21) | codes[1:]
    trigrams = (codes[:-2] << 42) | (codes[1:-1] << 21) | codes[2:]
    return np.concatenate([codes, bigrams[valid2], trigrams[valid3]])


def _tfidf(tf: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Sublinear TF x IDF, L2-normalised (TfidfTransformer's arithmetic)."""
    values = (np.log(tf) + 1.0) * idf
    norm = float(np.sqrt(values @ values))
    return values / norm if norm else values


def library_versions() -> dict[str, str]:
    """The versions a saved model records (and :func:`check_metadata` compares on load)."""
    import platform

    import jieba
    import sklearn
    import skops

    return {"scikit-learn": sklearn.__version__, "skops": skops.__version__, "jieba": jieba.__version__,
            "numpy": np.__version__, "python": platform.python_version()}


def read_checked_model(
    path: Path, trusted_types: frozenset[str] = TRUSTED_TYPES
) -> tuple[dict[str, Any], bytes, list[str]]:
    """(metadata, file bytes, types to trust) of a saved model, after every check that it is the
    file its metadata describes, built here, and made only of reviewed types; else a clear error."""
    import skops.io as sio

    if not path.is_file():
        raise ModelNotFound(path)
    meta_path = metadata_path(path)
    if not meta_path.is_file():
        raise ModelMetadataMismatch(path, f"its metadata file {meta_path.name} is missing")
    metadata = read_metadata(meta_path, path)
    check_metadata(metadata, path)
    blob = path.read_bytes()
    if metadata.get("model_sha256") != hashlib.sha256(blob).hexdigest():
        raise ModelMetadataMismatch(path, "the model file does not match the sha256 recorded in its metadata")
    untrusted = sio.get_untrusted_types(data=blob)
    unknown = [t for t in untrusted if t not in trusted_types]
    if unknown:
        raise UntrustedModelTypes(path, unknown)
    return metadata, blob, list(untrusted)


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
    blob = sio.dumps(pipeline, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    path.write_bytes(blob)
    metadata = {**metadata, "format": MODEL_FORMAT, "model_sha256": hashlib.sha256(blob).hexdigest()}
    metadata_path(path).write_text(
        json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return metadata


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])
