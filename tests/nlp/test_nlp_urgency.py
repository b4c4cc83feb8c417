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
    assert rules.assess("楼道堆满杂物，一旦发生火灾后果不堪设想", "").level == "紧急"
    assert rules.assess("楼道堆满杂物", "一旦发生火灾后果不堪设想").level == "一般"
    assert rules.assess("赔偿问题", "2013年酒店起火，至今没有赔偿").level == "一般"


@pytest.mark.parametrize(
    ("title", "body", "level"),
    [
        ("火灾善后处置不到位", "2018年12月28日下午家里发生火灾，至今没有赔偿", "一般"),  # aftermath request
        ("烧烤店老板打伤我，还在逍遥法外", "7月1日晚被老板殴打，派出所至今未抓人", "一般"),
        ("城管暴力执法殴打残疾人", "2018年11月15日下午我在市场被城管打伤", "紧急"),  # dated, threats persist
        ("河堤垮塌一直没有修复", "今年4月份大雨造成河堤垮塌，至今没有修复", "紧急"),  # past, harm persists
        ("村里发生山体滑坡", "泥土冲进了民房", "特急"),  # nothing says it is past
        ("小区燃气泄漏", "刚刚整栋楼都是煤气味", "特急"),
    ],
)
def test_past_incidents_count_as_their_background(rules: UrgencyRules, title: str, body: str, level: str) -> None:
    result = rules.assess(title, body)
    assert result.level == level, result.reasons


def test_background_mention_in_body_is_not_an_emergency(rules: UrgencyRules) -> None:
    result = rules.assess("子女户口问题", "孩子父亲因车祸去世，现在户口怎么迁")
    assert result.level == "一般"
    assert "车祸" in result.reasons[0] and "不作为紧急依据" in result.reasons[0]


def test_threats_the_writer_dwells_on_stay_urgent(rules: UrgencyRules) -> None:
    result = rules.assess("拆迁补偿不公", "拆迁干部多次恐吓我们，说不签字就断水断电，还上门恐吓家里老人")
    assert result.level == "紧急"
    assert "正文提及" in result.reasons[0]
    passing = rules.assess("养猪场臭气熏天", "养猪户还恐吓过我，请求取缔养猪场")
    assert passing.level == "一般", passing.reasons


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


def test_questions_suggestions_and_resolved_matters_raise_no_alert(rules: UrgencyRules) -> None:
    assert rules.assess("建议小区组织火灾逃生演练", "每年组织一次").level == "一般"
    assert rules.assess("网上说下个月要地震是真的吗", "希望辟谣").level == "一般"
    assert rules.assess("井盖缺失的问题已经解决了，谢谢", "已经补上了").level == "一般"


def test_crowd_words_must_be_near_a_road_block(rules: UrgencyRules) -> None:
    assert rules.assess("村里为修路堵路", "我们村民出行很不方便").level == "一般"
    assert rules.assess("几百名业主堵路讨说法", "").level == "特急"


def test_spread_signals_raise_one_level(rules: UrgencyRules) -> None:
    from nlp.urgency import Spread

    assert rules.assess("路灯不亮", "", spread=Spread(replies_per_hour=50)).level == "紧急"
    burst = rules.assess("路灯不亮", "", spread=Spread(near_duplicates_24h=8))
    assert burst.level == "紧急" and any("相似留言" in r for r in burst.reasons)
    media = rules.assess("小区垃圾堆积", "这件事已经上了热搜")
    assert media.level == "紧急" and any("媒体关注" in r for r in media.reasons)


def test_the_emergency_language_model_is_evidence_not_the_only_reason() -> None:
    from nlp.urgency_model import UrgencyModel

    model = UrgencyModel.load()
    rules = UrgencyRules.load(model=model)
    news = ("两车相撞致3人死亡", "昨日下午，国道上一辆货车与客车相撞，造成3人死亡5人受伤，伤者已送往医院抢救")
    assert model.score(*news) > model.p999 > model.p99 > 0
    assert rules.assess(*news).level == "特急"
    routine = rules.assess("咨询养老保险缴费", "请问城乡居民养老保险怎么缴费")
    assert routine.level == "一般" and routine.model_score is not None and routine.model_score < model.p99


def test_the_model_reads_the_words_the_domain_model_cut() -> None:
    from nlp.features import message_tokens
    from nlp.urgency_model import UrgencyModel, model_text

    model = UrgencyModel.load()
    for title, body in (("小区起火", "刚刚三楼着火了"), ("路灯坏了", ""), ("", "")):
        text = model_text(title, body)
        assert abs(model.score_text(text) - model.score_words(message_tokens(text))) < 1e-12


@pytest.mark.parametrize(
    "body",
    [
        "幸福小区3栋楼道燃气泄漏，气味很重，已有老人头晕，请马上派人！",
        "东门菜市场旁边的民房起火了，火很大，里面好像还有人，快来人！",
        "我们村的河堤出现管涌，水一直往外冒，请马上派人来看看",
    ],
)
def test_an_item_without_a_title_is_read_with_its_first_sentence_as_the_title(rules: UrgencyRules, body: str) -> None:
    # hotline records and text-only posts have no title; their first sentence says what happened
    result = rules.assess("", body)
    assert result.level == "特急", result.reasons


def test_a_call_for_help_right_after_the_report_makes_a_body_incident_current(rules: UrgencyRules) -> None:
    result = rules.assess("小区情况反映", "3栋楼道燃气泄漏，气味很重，请马上派人！")
    assert result.level == "特急", result.reasons
    past = rules.assess("小区情况反映", "去年3栋楼道燃气泄漏，物业至今没有赔偿，请领导过问。")
    assert past.level != "特急", past.reasons
