"""Kind (咨询/求助/建议/投诉/举报) and sentiment from cue words."""

from __future__ import annotations

import pytest

from nlp.kind import KINDS, KindRules
from nlp.sentiment import SentimentLexicon


@pytest.fixture(scope="module")
def kinds() -> KindRules:
    return KindRules.load()


@pytest.mark.parametrize(
    ("title", "body", "kind"),
    [
        ("请问城乡居民养老保险怎么交", "", "咨询"),
        ("A7县居民养老保险网上可以交吗？", "", "咨询"),
        ("能否告知公积金提取流程", "", "咨询"),
        ("关于增设公交线路的建议", "", "建议"),
        ("举报某村干部侵占集体资金", "", "举报"),
        ("求助：孩子重病无钱医治", "", "求助"),
        ("反映情况", "恳请帮助我们解决孩子上学问题", "求助"),
        ("小区噪音扰民", "每天晚上施工，建议相关部门处理", "投诉"),
        ("", "", "投诉"),
    ],
)
def test_kind_from_cues(kinds: KindRules, title: str, body: str, kind: str) -> None:
    decision = kinds.decide(title, body)
    assert decision.kind == kind
    assert decision.reason


def test_valid_hint_wins_and_invalid_hint_is_ignored(kinds: KindRules) -> None:
    assert kinds.decide("举报某村干部", "", hint="建议").kind == "建议"
    decision = kinds.decide("举报某村干部", "", hint="其他")
    assert decision.kind == "举报" and "忽略" in decision.reason
    assert set(KINDS) == {"咨询", "求助", "建议", "投诉", "举报"}


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("物业推诿扯皮，我们非常气愤，对处理结果很不满意", "negative"),
        ("感谢县人社局及时帮我们讨回工资，非常满意", "positive"),
        ("请问公积金怎么提取", "neutral"),
        ("", "neutral"),
    ],
)
def test_sentiment(text: str, label: str) -> None:
    assert SentimentLexicon.load().read(text).label == label


def test_negator_flips_a_positive_word() -> None:
    lexicon = SentimentLexicon.load()
    assert lexicon.read("对答复不满意").label == "negative"
    assert lexicon.read("对这次处理没有满意").score < 0
