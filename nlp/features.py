"""What the domain model sees of a message: word and character TF-IDF, counted once.

A message is prepared as "title, title, opening of the body" (:func:`prepare_normalized`): the
title is its densest summary and the opening says what it is about. Two blocks of features are
built from it, each TF-IDF weighted and normalised on its own (as a scikit-learn FeatureUnion
would): jieba words of the title and the first ``WORD_BODY_CHARS`` of the body, and character
1-3-grams of the title and the first ``CHAR_BODY_CHARS`` of the body, which still work when jieba
cuts an unseen name badly. Capping the body keeps segmentation, the slowest step, to one short
pass per message (development cross-validation macro-F1: 0.907 with 120 body characters, 0.894
with 200, 0.898 with 80; 120 also makes the whole understand step about 10% faster than 200).

The vocabularies and IDF weights are fitted on unlabelled messages as well as labelled ones: a
word's rarity is measured over thousands of real messages instead of a few hundred (development
macro-F1 +0.02). :class:`CountedCorpus` counts every document's terms once, so the features for
any subset of documents (a cross-validation fold, a learning-curve sample) are array sums
instead of another pass over the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from nlp.segment import tokens

TITLE_REPEAT = 2
CHAR_BODY_CHARS = 400
WORD_BODY_CHARS = 120
CHAR_NGRAMS = (1, 3)


def prepare_normalized(title: str, body: str) -> str:
    """The model's input from an already normalised title and body: title twice, then the body's opening."""
    title = title.replace("\n", " ").strip()
    return "\n".join([title] * TITLE_REPEAT + [body[:CHAR_BODY_CHARS]])


def message_tokens(prepared: str) -> list[str]:
    """Words of a prepared message: the title's words twice and the words of the body's opening."""
    title, _, rest = prepared.partition("\n")
    body = rest.split("\n", TITLE_REPEAT - 1)[-1] if TITLE_REPEAT > 1 else rest
    title_words = tokens(title)
    return title_words * TITLE_REPEAT + tokens(body[:WORD_BODY_CHARS])


def pass_tokens(words: list[str]) -> list[str]:
    """Analyzer for already segmented documents (module level, so skops can save a reference)."""
    return words


class CompactTfidfVectorizer(TfidfVectorizer):
    """A TfidfVectorizer whose saved state keeps the vocabulary as one array of terms.

    skops writes a dict entry by entry into its JSON schema: 95,000 terms made a 46 MB schema
    that took 1.3 s to load. An array of terms (position = column) loads in milliseconds and
    the dict is rebuilt on load, so behaviour is exactly that of TfidfVectorizer.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("stop_words_", None)  # terms cut by min_df: only for introspection, often megabytes
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


def word_vectorizer(min_df: int = 2) -> CompactTfidfVectorizer:
    """TF-IDF over segmented words (documents arrive as word lists)."""
    return CompactTfidfVectorizer(analyzer=pass_tokens, lowercase=False, sublinear_tf=True, min_df=min_df)


def char_vectorizer(min_df: int = 5) -> CompactTfidfVectorizer:
    """TF-IDF over character n-grams within word boundaries."""
    return CompactTfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True, min_df=min_df)


class MessageFeatures(TransformerMixin, BaseEstimator):
    """Word + character TF-IDF of prepared messages, as one sparse matrix (words first)."""

    def __init__(self, word_min_df: int = 2, char_min_df: int = 5) -> None:
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df

    def fit(self, X: Sequence[str], y: Any = None) -> MessageFeatures:
        """Fit both vocabularies on the given prepared texts (training uses :class:`CountedCorpus`)."""
        self.words_ = word_vectorizer(self.word_min_df).fit([message_tokens(x) for x in X])
        self.chars_ = char_vectorizer(self.char_min_df).fit(list(X))
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        """Features of prepared texts (segments them)."""
        return self.transform_segmented(list(X), [message_tokens(x) for x in X])

    def transform_segmented(self, texts: list[str], words: list[list[str]]) -> sp.csr_matrix:
        """Features of prepared texts whose words are already known (no second segmentation)."""
        return sp.hstack([self.words_.transform(words), self.chars_.transform(texts)], format="csr")

    @property
    def n_word_features(self) -> int:
        return len(self.words_.vocabulary_)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.concatenate([self.words_.get_feature_names_out(), self.chars_.get_feature_names_out()])


class CountedCorpus:
    """Every document's word and character counts, so features for any subset are array sums.

    ``features(fit_rows)`` gives exactly what ``MessageFeatures.fit`` on those documents would
    give (same min_df and smoothed IDF), restricted to terms that occur in ``vocab_rows`` (the
    documents a classifier is trained on: a term it never saw gets no weight, so keeping it would
    only make the model file bigger). ``matrix(features, rows)`` equals ``features.transform`` of
    those documents.
    """

    def __init__(self, texts: list[str], words: list[list[str]]) -> None:
        self.texts = texts
        word_counter = CountVectorizer(analyzer=pass_tokens, lowercase=False)
        char_counter = CountVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS)
        self.word_counts = word_counter.fit_transform(words).tocsr()
        self.char_counts = char_counter.fit_transform(texts).tocsr()
        self.word_terms = word_counter.get_feature_names_out()
        self.char_terms = char_counter.get_feature_names_out()

    def __len__(self) -> int:
        return len(self.texts)

    def features(
        self, fit_rows: np.ndarray, vocab_rows: np.ndarray, word_min_df: int = 2, char_min_df: int = 5
    ) -> tuple[MessageFeatures, np.ndarray, np.ndarray]:
        """A fitted MessageFeatures plus the kept column indexes of the word and char counts."""
        words, word_cols = _fitted(
            word_vectorizer(word_min_df), self.word_counts, self.word_terms, fit_rows, vocab_rows, word_min_df
        )
        chars, char_cols = _fitted(
            char_vectorizer(char_min_df), self.char_counts, self.char_terms, fit_rows, vocab_rows, char_min_df
        )
        features = MessageFeatures(word_min_df, char_min_df)
        features.words_, features.chars_ = words, chars
        return features, word_cols, char_cols

    def matrix(self, fitted: tuple[MessageFeatures, np.ndarray, np.ndarray], rows: np.ndarray) -> sp.csr_matrix:
        """TF-IDF rows for these documents, identical to ``features.transform`` of their texts."""
        features, word_cols, char_cols = fitted
        return sp.hstack(
            [
                _tfidf(self.word_counts[rows][:, word_cols], features.words_.idf_),
                _tfidf(self.char_counts[rows][:, char_cols], features.chars_.idf_),
            ],
            format="csr",
        )


def _fitted(
    vectorizer: CompactTfidfVectorizer,
    counts: sp.csr_matrix,
    terms: np.ndarray,
    fit_rows: np.ndarray,
    vocab_rows: np.ndarray,
    min_df: int,
) -> tuple[CompactTfidfVectorizer, np.ndarray]:
    """Set a vectorizer's vocabulary and IDF from counts, as ``fit`` on ``fit_rows`` would."""
    fit_counts = counts[fit_rows]
    df = np.bincount(fit_counts.indices, minlength=counts.shape[1])
    seen = np.bincount(counts[vocab_rows].indices, minlength=counts.shape[1]) > 0
    cols = np.flatnonzero((df >= min_df) & seen)
    n = fit_counts.shape[0]
    idf = np.log((1 + n) / (1 + df[cols])) + 1.0  # smooth_idf=True, as TfidfTransformer
    vectorizer.vocabulary_ = {str(terms[c]): i for i, c in enumerate(cols)}
    vectorizer.fixed_vocabulary_ = False
    vectorizer.idf_ = idf
    return vectorizer, cols


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF x IDF, each row L2-normalised (TfidfTransformer's arithmetic)."""
    out = counts.astype(np.float64).tocsr()
    out.data = np.log(out.data) + 1.0
    out = out.multiply(idf[np.newaxis, :]).tocsr()
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ out)
