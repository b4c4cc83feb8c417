"""Features are counted once and must equal what scikit-learn's vectorisers would compute."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nlp.domain_model import DomainModel, _char_wb_keys, _gram_key
from nlp.features import CountedCorpus, MessageFeatures, message_tokens, prepare_normalized
from nlp.training import read_labelled


def test_counted_corpus_equals_fitting_the_vectorisers(small_labelled_csv: Path) -> None:
    texts, _ = read_labelled(small_labelled_csv)
    words = [message_tokens(t) for t in texts]
    corpus = CountedCorpus(texts, words)
    fit = np.arange(50)
    fitted = corpus.features(fit, fit, word_min_df=2, char_min_df=2)
    reference = MessageFeatures(word_min_df=2, char_min_df=2).fit([texts[i] for i in fit])
    assert fitted[0].words_.vocabulary_ == reference.words_.vocabulary_
    assert fitted[0].chars_.vocabulary_ == reference.chars_.vocabulary_
    rest = np.arange(50, len(texts))
    assert abs(corpus.matrix(fitted, rest) - reference.transform([texts[i] for i in rest])).max() < 1e-12


def test_vocabulary_is_restricted_to_terms_the_classifier_saw(small_labelled_csv: Path) -> None:
    texts, _ = read_labelled(small_labelled_csv)
    corpus = CountedCorpus(texts, [message_tokens(t) for t in texts])
    everything, few = np.arange(len(texts)), np.arange(10)
    features, _, _ = corpus.features(everything, few, word_min_df=1, char_min_df=1)
    seen = set().union(*(message_tokens(texts[i]) for i in few))
    assert set(features.words_.vocabulary_) == seen


def test_prepared_text_repeats_the_title_and_caps_the_body() -> None:
    prepared = prepare_normalized("工资\n拖欠", "正文" * 1000)
    title, again, body = prepared.split("\n", 2)
    assert title == again == "工资 拖欠" and len(body) == 400
    assert message_tokens(prepared)[:4] == ["工资", "拖欠", "工资", "拖欠"]


def test_character_ngram_keys_match_scikit_learn() -> None:
    analyzer = DomainModel.load().pipeline.named_steps["features"].chars_.build_analyzer()
    for text in ("", "a", " x ", "Ab  c\nde", "景区 门票\n\n太贵", "😀 emoji 😀", "a\ud800b", "龍川縣 ＡＢＣ"):
        assert sorted(_char_wb_keys(text).tolist()) == sorted(_gram_key(g) for g in analyzer(text))
