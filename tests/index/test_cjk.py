"""Chinese full-text tokens: a word is found wherever it occurs, however a segmenter split it."""

from index.cjk import index_tokens, match_expression


def test_chinese_runs_become_overlapping_bigrams_and_latin_words_stay_words():
    assert index_tokens("路灯不亮 G205国道") == ["路灯", "灯不", "不亮", "g205", "国道"]


def test_a_lone_character_is_kept():
    assert index_tokens("灯") == ["灯"]


def test_a_query_word_is_a_phrase_of_its_bigrams():
    assert match_expression(["灯不亮"]) == '"灯不 不亮"'
    assert match_expression(["路"]) == "路*"
    assert match_expression(['"*()']) == ""
