"""Tone of a message: complaints and emergencies read negative, thanks positive, names are not feelings."""

from __future__ import annotations

import pytest

from nlp.sentiment import SentimentLexicon


@pytest.fixture(scope="module")
def lexicon() -> SentimentLexicon:
    return SentimentLexicon.load()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("幸福小区3栋楼道燃气泄漏，气味很重，已有老人头晕，请马上派人！", "negative"),  # "幸福" is the estate's name
        ("和谐路的工地拖欠农民工工资一年了，没人管", "negative"),
        ("感谢县住建局及时处理，我们幸福小区的路灯修好了", "positive"),
        ("咨询今年秋季小学招生的报名时间", "neutral"),
        ("服务很不满意", "negative"),
        ("工作人员不耐心", "negative"),  # a negator flips the word after it
    ],
)
def test_tone(lexicon: SentimentLexicon, text: str, label: str) -> None:
    assert lexicon.read(text).label == label


def test_a_word_that_is_part_of_a_place_name_is_not_counted(lexicon: SentimentLexicon) -> None:
    assert lexicon.read("幸福小区").score == 0
    assert lexicon.read("生活很幸福").score == 1
