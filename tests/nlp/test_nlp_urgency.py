"""Urgency rules: 特急 for emergencies happening now, 紧急 for concrete hazards, else 一般."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.errors import LexiconError
from nlp.urgency import UrgencyRules


@pytest.fixture(scope="module")
def rules() -> UrgencyRules:
    return UrgencyRules.load()


@pytest.mark.parametrize(
    ("title", "body", "term"),
    [
        ("老隆镇新街发生火灾", "三楼有人被困，请马上派人", "火灾"),
        ("化工厂爆炸", "巨响之后浓烟滚滚", "爆炸"),
        ("村里山体滑坡", "泥土冲进了民房", "滑坡"),
        ("小区燃气泄漏", "整栋楼都是煤气味", "燃气泄漏"),
        ("学校几十名学生食物中毒", "午饭后呕吐送医", "中毒"),
        ("有人扬言要报复社会", "他在群里说要杀人", "扬言"),
        ("我家孩子走失了", "6岁男孩在车站附近不见", "走失"),
        ("上百村民围堵国道", "车辆无法通行", "围堵"),
        ("有人站在楼顶要跳楼", "请赶紧来人", "跳楼"),
        ("大桥上两车相撞", "多人受伤", "相撞"),
        ("反映情况", "刚刚三号楼起火了，火很大", "起火"),
    ],
)
def test_emergencies_are_very_urgent(rules: UrgencyRules, title: str, body: str, term: str) -> None:
    result = rules.assess(title, body)
    assert result.level == "特急"
    assert any(term in reason and "特急" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("老街有危房", "墙体开裂，住户还住在里面"),
        ("路边电线裸露", "小孩经常在旁边玩"),
        ("人行道井盖缺失", "晚上看不见"),
        ("黑校车接送学生", "一辆面包车坐了二十个孩子"),
        ("学校食堂饭菜变质", "孩子吃了拉肚子"),
        ("工厂每天偷排污水", "河里全是死鱼"),
        ("工地拖欠工资", "几十名农民工一年没拿到钱"),
        ("独居老人无人照顾", "老人瘫痪在床"),
        ("全体业主联名投诉", "开发商不交房"),
        ("百年古树要被砍", "明天就要砍伐古树"),
    ],
)
def test_concrete_hazards_are_urgent(rules: UrgencyRules, title: str, body: str) -> None:
    assert rules.assess(title, body).level == "紧急"


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("消防检查情况", "我们小区没有发生火灾，只是想问检查时间"),
        ("防溺水宣传", "建议学校加强防溺水教育"),
        ("小区安全隐患", "楼道堆放杂物，存在安全隐患，请物业清理"),
        ("跳楼价甩卖是否合法", "商场天天喊跳楼价"),
        ("咨询养老保险", "请问城乡居民养老保险怎么缴费"),
        ("路灯不亮", "新城路的路灯坏了一个月"),
        ("", ""),
    ],
)
def test_ordinary_items_stay_routine(rules: UrgencyRules, title: str, body: str) -> None:
    result = rules.assess(title, body)
    assert result.level == "一般", result.reasons
    assert result.reasons


def test_feared_or_past_incidents_are_at_most_urgent(rules: UrgencyRules) -> None:
    assert rules.assess("消防通道被堵，一旦发生火灾后果不堪设想", "").level == "紧急"
    assert rules.assess("消防通道被堵", "一旦发生火灾后果不堪设想").level == "一般"
    assert rules.assess("赔偿问题", "2013年酒店起火，至今没有赔偿").level == "一般"


def test_background_mention_in_body_is_not_an_emergency(rules: UrgencyRules) -> None:
    result = rules.assess("子女户口问题", "孩子父亲因车祸去世，现在户口怎么迁")
    assert result.level == "一般"
    assert "车祸" in result.reasons[0] and "不作为紧急依据" in result.reasons[0]


def test_threats_told_in_passing_stay_urgent(rules: UrgencyRules) -> None:
    result = rules.assess("拆迁补偿不公", "拆迁干部多次恐吓我们，说不签字就断水断电")
    assert result.level == "紧急"
    assert "仅正文提及" in result.reasons[0]


def test_spread_raises_one_level(rules: UrgencyRules) -> None:
    assert rules.assess("路灯不亮", "", reply_count=5, view_count=100).level == "一般"
    bumped = rules.assess("路灯不亮", "", view_count=50_000)
    assert bumped.level == "紧急" and any("浏览" in r for r in bumped.reasons)
    assert rules.assess("路边电线裸露", "", reply_count=500).level == "特急"


def test_huge_text_is_assessed_quickly(rules: UrgencyRules) -> None:
    import time

    body = "路灯不亮，" * 200_000 + "刚刚发生火灾"
    start = time.perf_counter()
    assert rules.assess("", body).level == "特急"
    assert time.perf_counter() - start < 2.0


def test_malformed_lexicon_is_refused_with_the_entry_named(tmp_path: Path) -> None:
    path = tmp_path / "urgency.yaml"
    path.write_text("levels:\n  特急:\n    - {name: 火灾}\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="火灾"):
        UrgencyRules.load(path)
    path.write_text("levels:\n  很急: []\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="特急"):
        UrgencyRules.load(path)
