"""Understander: every item leaves with a domain, a lead unit, urgency, kind and reasons."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import yaml

from nlp.errors import ConfigError, ModelNotFound
from nlp.understand import Understander, Understanding
from nlp.units import UnitDirectory


@pytest.fixture(scope="module")
def unit_ids(county_dir: Path) -> frozenset[str]:
    return UnitDirectory.load(county_dir / "units.yaml").ids


def _check_shape(result: Understanding, unit_ids: frozenset[str]) -> None:
    assert result.lead_unit in unit_ids
    assert set(result.co_units) <= unit_ids and result.lead_unit not in result.co_units
    assert result.urgency in {"特急", "紧急", "一般"}
    assert result.kind in {"咨询", "求助", "建议", "投诉", "举报"}
    assert result.sentiment in {"negative", "neutral", "positive"}
    assert {"domain", "urgency"} <= set(result.confidences)
    assert all(0.0 <= p <= 1.0 for p in result.confidences.values())
    assert result.reasons and all(isinstance(r, str) and r for r in result.reasons)
    assert result.model_version
    assert len(result.keywords) <= 5


def test_wage_arrears_in_a_town(understander: Understander, unit_ids: frozenset[str]) -> None:
    result = understander.understand(
        "老隆镇工地拖欠农民工工资", "我们几十个工人干了一年活，老板跑了，恳请帮助讨薪"
    )
    _check_shape(result, unit_ids)
    assert (result.domain, result.lead_unit, result.place) == ("劳动和社会保障", "hrss", "老隆镇")
    assert "town-laolong" in result.co_units
    assert result.urgency == "紧急" and result.kind == "求助" and not result.needs_triage
    assert any(r.startswith("关键词") and "劳动和社会保障" in r for r in result.reasons)
    assert result.model_version == understander.model_version


def test_fire_is_very_urgent(understander: Understander, unit_ids: frozenset[str]) -> None:
    result = understander.understand("小区3号楼发生火灾", "有人被困在楼上")
    _check_shape(result, unit_ids)
    assert result.urgency == "特急"
    assert any("火灾" in r and "特急" in r for r in result.reasons)


def test_empty_item_goes_to_triage(understander: Understander, unit_ids: frozenset[str]) -> None:
    result = understander.understand("", "")
    _check_shape(result, unit_ids)
    assert result.lead_unit == "data-bureau" and result.needs_triage
    assert result.domain == "" and result.confidences["domain"] == 0.0
    assert result.urgency == "一般" and result.keywords == ()


def test_emoji_only_item_goes_to_triage(understander: Understander, unit_ids: frozenset[str]) -> None:
    result = understander.understand("😀😀", "🔥👍 ！！")
    _check_shape(result, unit_ids)
    assert result.needs_triage and result.lead_unit == "data-bureau"


def test_mixed_language_text(understander: Understander, unit_ids: frozenset[str]) -> None:
    result = understander.understand(
        "Bus 班車 delayed again", "The No.3 bus to 佗城 is always late, 公交車經常晚點 😀 ＡＢＣ"
    )
    _check_shape(result, unit_ids)
    assert result.place == "佗城镇"


def test_one_megabyte_item_is_handled_quickly(understander: Understander, unit_ids: frozenset[str]) -> None:
    body = "<p>龙川县老隆镇新城路的路灯坏了，晚上一片漆黑。</p>" * 35_000
    assert len(body) > 1_000_000
    start = time.perf_counter()
    result = understander.understand("路灯坏了", body)
    assert time.perf_counter() - start < 5.0
    _check_shape(result, unit_ids)


def test_kind_hint_and_spread(understander: Understander) -> None:
    assert understander.understand("举报某村干部", "", kind_hint="建议").kind == "建议"
    assert understander.understand("举报某村干部", "", kind_hint="不是类型").kind == "举报"
    quiet = understander.understand("路灯坏了", "新城路的路灯坏了")
    loud = understander.understand("路灯坏了", "新城路的路灯坏了", reply_count=1000)
    assert (quiet.urgency, loud.urgency) == ("一般", "紧急")


def test_low_confidence_is_flagged_for_triage(understander: Understander) -> None:
    result = understander.understand("有个事情", "想反映一下情况")
    assert result.confidences["domain"] < 0.45 and result.needs_triage
    assert any("研判" in r for r in result.reasons)


def test_labelled_messages_route_to_their_domain_units(
    understander: Understander, labelled_csv: Path
) -> None:
    import csv

    with labelled_csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))[:60]
    leads = {understander.routing.domain_route(r["一级分类"]).lead for r in rows}  # type: ignore[union-attr]
    results = [understander.understand(r["留言主题"], r["留言详情"]) for r in rows]
    assert sum(u.domain == r["一级分类"] for u, r in zip(results, rows, strict=True)) >= 50
    assert {u.lead_unit for u in results} & leads


def test_county_directory_is_data(county_dir: Path, tmp_path: Path) -> None:
    for name in ("routing.yaml", "units.yaml"):
        shutil.copy(county_dir / name, tmp_path / name)
    routing = yaml.safe_load((tmp_path / "routing.yaml").read_text(encoding="utf-8"))
    routing["domains"][0]["lead"] = "justice"  # 劳动和社会保障 -> 县司法局, for this county only
    (tmp_path / "routing.yaml").write_text(yaml.safe_dump(routing, allow_unicode=True), encoding="utf-8")
    (tmp_path / "urgency.yaml").write_text(
        "levels:\n  特急:\n    - {name: 测试, terms: [路灯坏了]}\n", encoding="utf-8"
    )
    custom = Understander.load(county_dir=tmp_path)
    result = custom.understand("劳动合同纠纷", "公司不签劳动合同，社保也不交")
    assert result.domain == "劳动和社会保障" and result.lead_unit == "justice"
    assert custom.understand("路灯坏了", "").urgency == "特急"


def test_missing_files_raise_errors_that_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="routing.yaml"):
        Understander.load(county_dir=tmp_path)
    with pytest.raises(ModelNotFound, match="huiying nlp train"):
        Understander.load(model_path=tmp_path / "none.skops")


def test_a_batch_gives_the_same_results_as_one_by_one(understander: Understander) -> None:
    from nlp.understand import Message

    items = [
        ("老隆镇工地拖欠农民工工资", "我们几十个工人干了一年活，老板跑了"),
        ("", ""),
        ("😀😀", "🔥👍"),
        ("小区3号楼发生火灾", "有人被困在楼上"),
        ("景区门票太贵", "游客被宰，请市场监管部门查处"),
        ("龍川縣醫院收費不合理", "住院費用清單看不懂"),
    ]
    batch = understander.understand_many([Message(t, b) for t, b in items])
    assert batch == [understander.understand(t, b) for t, b in items]


def test_rumours_crowds_and_media_bring_in_propaganda_and_police(understander: Understander) -> None:
    rumour = understander.understand("网传老隆镇化工厂爆炸", "有人造谣说死了很多人，大家都在转发")
    assert rumour.co_units[:2] == ("propaganda", "public-security") and rumour.opinion == ("谣言",)
    assert any(r.startswith("舆情（谣言）") for r in rumour.reasons)
    crowd = understander.understand("几百名业主聚集堵路", "业主们聚集在国道上拉横幅，把路堵死了")
    assert {"propaganda", "public-security"} <= set(crowd.co_units) and crowd.urgency == "特急"
    media = understander.understand("小区垃圾清运不及时", "已经有记者来采访了，准备向媒体曝光")
    assert "propaganda" in media.co_units and "public-security" not in media.co_units
    plain = understander.understand("路灯坏了", "新城路的路灯坏了一个多月")
    assert plain.opinion == () and "propaganda" not in plain.co_units


def test_near_duplicates_are_marked_and_a_burst_raises_urgency(understander: Understander) -> None:
    from datetime import datetime, timedelta

    from nlp.dedupe import NearDuplicateIndex

    body = "新城路与文化路交叉口的路灯已经坏了一个多月，晚上一片漆黑，行人和车辆都看不清，请尽快修复"
    understander.duplicates = NearDuplicateIndex()
    try:
        start = datetime(2026, 3, 2, 9)
        first = understander.understand("路灯坏了", body, item_id=1, posted_at=start)
        assert first.near_duplicates == () and first.urgency == "一般"
        results = [
            understander.understand(f"路灯坏了{i}", body + "！" * i, item_id=i, posted_at=start + timedelta(hours=i))
            for i in range(2, 8)
        ]
    finally:
        understander.duplicates = None
    assert results[0].near_duplicates[0][0] == 1 and any("可并单" in r for r in results[0].reasons)
    assert results[-1].urgency == "紧急" and any("相似留言" in r for r in results[-1].reasons)


def test_keywords_come_from_the_words_already_cut(understander: Understander) -> None:
    result = understander.understand("景区门票太贵", "景区门票一百多元，游客都说太贵，景区管理混乱")
    assert "景区" in "".join(result.keywords) and len(result.keywords) <= 5
    assert result.domain == "商贸旅游"


def test_a_crowd_is_an_opinion_incident_with_propaganda_and_police(understander: Understander) -> None:
    u = understander.understand("", "上百人聚集堵住国道路口，车辆无法通行，现场有人拍视频发抖音")
    assert set(u.opinion) >= {"聚集"}
    assert {"propaganda", "public-security"} <= set(u.co_units)
    assert u.kind == "舆情"  # answered on the 48-hour 政务舆情 clock
    assert any("舆情事件" in r for r in u.reasons)


def test_a_rumour_goes_to_propaganda_and_police_even_without_a_title(understander: Understander) -> None:
    u = understander.understand("", "网上传言老隆镇自来水被污染，大家都在抢购矿泉水，是真的吗")
    assert u.opinion == ("谣言",)
    assert {"propaganda", "public-security", "town-laolong"} <= set(u.co_units)


def test_a_title_less_emergency_reads_its_first_sentence_as_the_title(understander: Understander) -> None:
    u = understander.understand("", "幸福小区3栋楼道燃气泄漏，气味很重，已有老人头晕，请马上派人！")
    assert (u.urgency, u.sentiment) == ("特急", "negative")


def test_traditional_script_is_understood_as_its_simplified_form(understander: Understander) -> None:
    traditional = understander.understand("老隆鎮工地拖欠農民工工資", "幾十個工人一年沒拿到錢，老闆跑了")
    simplified = understander.understand("老隆镇工地拖欠农民工工资", "几十个工人一年没拿到钱，老板跑了")
    assert (traditional.domain, traditional.lead_unit, traditional.co_units, traditional.urgency, traditional.place) == (
        simplified.domain, simplified.lead_unit, simplified.co_units, simplified.urgency, simplified.place)
    assert traditional.confidences["domain"] == simplified.confidences["domain"]
