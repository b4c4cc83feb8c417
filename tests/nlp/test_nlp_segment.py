"""Word segmentation for the model (tokens) and for the full-text index (search_tokens)."""

from __future__ import annotations

import pickle

from nlp.segment import add_user_words, keywords, search_tokens, stopwords, tokens


def test_tokens_drop_stop_words_punctuation_numbers_and_stray_letters() -> None:
    words = tokens("尊敬的领导：您好！A市A3区的农民工被拖欠工资2019年，请求帮助。😀")
    assert "农民工" in words and "拖欠工资" in words
    for dropped in ("的", "您好", "：", "！", "，", "。", "2019", "a", "😀"):
        assert dropped not in words


def test_tokens_is_a_picklable_module_level_function() -> None:
    assert pickle.loads(pickle.dumps(tokens)) is tokens


def test_search_tokens_are_deterministic_and_match_queries() -> None:
    doc = "龙川县人民医院门口的ＡＢＣ停车场收费不合理！"
    first = search_tokens(doc)
    assert first == search_tokens(doc)
    assert "龙川县" in first and "龙川" in first and "医院" in first
    assert "abc" in first  # full-width normalised, lowercased
    assert not any(t in first for t in ("！", " ", ""))
    for word in search_tokens("人民医院 停车场"):
        assert word in first


def test_search_tokens_normalise_traditional_queries() -> None:
    assert search_tokens("醫院停車場") == search_tokens("医院停车场")


def test_search_tokens_of_empty_or_symbol_only_text() -> None:
    assert search_tokens("") == []
    assert search_tokens("！！！😀 ～") == []


def test_add_user_words_keeps_names_whole() -> None:
    add_user_words(["麻布岗镇", "县政务服务数据管理局", " ", "x"])
    assert "麻布岗镇" in tokens("麻布岗镇的道路坏了")
    assert "县政务服务数据管理局" in search_tokens("请县政务服务数据管理局回复")


def test_keywords_are_content_words() -> None:
    found = keywords("龙川县老隆镇的农民工被拖欠工资，请求帮助讨薪，农民工工资必须发放", top_k=3)
    assert len(found) == 3
    assert not set(found) & stopwords()
    assert keywords("") == ()


def test_fast_search_cut_equals_jieba(labelled_csv) -> None:  # type: ignore[no-untyped-def]
    """The faster search-mode cut must cut every real message exactly as jieba does."""
    import csv

    import jieba

    from nlp.normalize import normalize_text
    from nlp.segment import cut_for_search

    with labelled_csv.open(encoding="utf-8-sig", newline="") as handle:
        texts = [normalize_text(r["留言主题"] + "\n" + r["留言详情"]) for r in csv.DictReader(handle)]
    texts += ["", "abc DEF 123 a1b2 ℃① 한국어 😀 Hello,world! 3.14 100% C++ e-mail", "\r\n\t  x"]
    for text in texts:
        assert cut_for_search(text) == jieba.lcut_for_search(text, HMM=False), text[:40]


def test_user_word_frequency_is_jiebas_suggestion() -> None:
    import jieba

    from nlp.segment import _suggest_freq

    for word in ("景区管理", "县政务服务数据管理局", "Hello世界", "a-b", "龙川县"):
        assert _suggest_freq(word) == jieba.suggest_freq(word, tune=False)


def test_top_terms_rank_by_count_and_idf_without_repeating_parts() -> None:
    from nlp.segment import top_terms

    words = ["景区", "管理", "景区管理", "景区管理", "门票", "的", "门票"]
    idf = {"景区": 3.0, "管理": 1.0, "景区管理": 5.0, "门票": 4.0}
    assert top_terms(words, idf, 2) == ("景区管理", "门票")
    assert top_terms([], idf) == ()
