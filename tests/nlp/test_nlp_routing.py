"""The routing table is data, checked against the county's units when loaded."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from nlp.errors import ConfigError, RoutingConfigError
from nlp.routing import RoutingTable
from nlp.units import UnitDirectory


@pytest.fixture(scope="module")
def table(county_dir: Path) -> RoutingTable:
    return RoutingTable.load(county_dir / "routing.yaml")


def test_shipped_table_names_only_known_units(table: RoutingTable) -> None:
    ids = table.units.ids
    for route in table.domains:
        assert route.lead in ids and set(route.assist) <= ids
    for rule in table.keywords:
        assert (not rule.lead or rule.lead in ids) and set(rule.assist) <= ids
    assert table.triage_unit == "data-bureau"


def test_every_first_level_domain_of_the_taxonomy_has_a_route(
    table: RoutingTable, taxonomy_csv: Path
) -> None:
    with taxonomy_csv.open(encoding="utf-8-sig", newline="") as handle:
        domains = {row["一级分类"] for row in csv.DictReader(handle)}
    assert len(domains) == 15
    assert {d for d in domains if table.domain_route(d) is None} == set()


def test_domain_gives_lead_and_co_units(table: RoutingTable) -> None:
    route = table.route("城乡建设", 0.8, "小区路面破损", "小区门口的路面破损严重")
    assert route.lead_unit == "housing"
    assert route.co_units == ("urban-management",)
    assert not route.needs_triage
    assert any("城乡建设" in r for r in route.reasons)


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        ("工地老板欠薪三个月", "hrss"),
        ("医保报销比例太低", "medical-security"),
        ("公积金提取很麻烦", "housing-fund"),
        ("派出所办户籍太慢", "public-security"),
    ],
)
def test_keyword_overrides_take_the_lead_and_keep_the_domain_lead_as_co_unit(
    table: RoutingTable, text: str, lead: str
) -> None:
    route = table.route("城乡建设", 0.9, text, "")
    assert route.lead_unit == lead
    assert "housing" in route.co_units
    assert route.domain == "城乡建设"  # a confident model keeps its domain


def test_broad_terms_need_the_title_or_repeated_mentions(table: RoutingTable) -> None:
    once = table.route("城乡建设", 0.9, "小区门口的问题", "我已经报警了")
    assert once.lead_unit == "housing"
    twice = table.route("城乡建设", 0.9, "小区门口的问题", "我报警了，报警后没人来")
    assert twice.lead_unit == "public-security"


def test_keyword_domain_applies_only_when_the_model_is_unsure(table: RoutingTable) -> None:
    unsure = table.route("劳动和社会保障", 0.30, "低保被取消", "我家的低保被取消了")
    assert (unsure.domain, unsure.lead_unit, unsure.needs_triage) == ("民政", "civil-affairs", True)
    sure = table.route("劳动和社会保障", 0.90, "低保被取消", "我家的低保被取消了")
    assert (sure.domain, sure.lead_unit) == ("劳动和社会保障", "civil-affairs")


def test_town_named_in_text_becomes_place_and_co_unit(table: RoutingTable) -> None:
    route = table.route("交通运输", 0.9, "老隆镇到佗城的班车停运", "每天都要等很久")
    assert route.place == "老隆镇"
    assert route.co_units[:2] == ("town-laolong", "town-tuocheng")


def test_no_domain_falls_back_to_the_triage_unit(table: RoutingTable) -> None:
    route = table.route("", 0.0, "", "")
    assert route.lead_unit == "data-bureau" and route.needs_triage
    assert any("研判" in r for r in route.reasons)


def _county_copy(county_dir: Path, tmp_path: Path, edit: Callable[[dict[str, Any]], object]) -> Path:
    """A copy of the shipped county directory with one edit to its routing table."""
    for name in ("routing.yaml", "units.yaml"):
        shutil.copy(county_dir / name, tmp_path / name)
    data = yaml.safe_load((tmp_path / "routing.yaml").read_text(encoding="utf-8"))
    edit(data)
    (tmp_path / "routing.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path / "routing.yaml"


def test_unknown_lead_unit_is_refused_with_the_domain_named(county_dir: Path, tmp_path: Path) -> None:
    path = _county_copy(county_dir, tmp_path, lambda d: d["domains"][2].update(lead="education-bureau"))
    with pytest.raises(RoutingConfigError) as error:
        RoutingTable.load(path)
    message = str(error.value)
    assert "教育文体" in message and "education-bureau" in message and "units.yaml" in message


def test_unknown_co_unit_in_a_keyword_rule_is_refused(county_dir: Path, tmp_path: Path) -> None:
    path = _county_copy(county_dir, tmp_path, lambda d: d["keywords"][0].update(assist=["nobody"]))
    with pytest.raises(RoutingConfigError, match="keywords entry #1.*nobody"):
        RoutingTable.load(path)


def test_keyword_rule_with_a_domain_missing_from_the_table_is_refused(
    county_dir: Path, tmp_path: Path
) -> None:
    path = _county_copy(county_dir, tmp_path, lambda d: d["keywords"][0].update(domain="外太空"))
    with pytest.raises(RoutingConfigError, match="外太空"):
        RoutingTable.load(path)


def test_duplicate_domain_rows_are_refused(county_dir: Path, tmp_path: Path) -> None:
    path = _county_copy(
        county_dir, tmp_path, lambda d: d["domains"].append({"domain": "政法", "lead": "justice"})
    )
    with pytest.raises(RoutingConfigError, match="政法"):
        RoutingTable.load(path)


def test_broken_yaml_and_missing_files_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "routing.yaml").write_text("domains: [unclosed", encoding="utf-8")
    with pytest.raises(RoutingConfigError, match="routing.yaml"):
        RoutingTable.load(tmp_path / "routing.yaml")
    with pytest.raises(ConfigError, match="not found"):
        RoutingTable.load(tmp_path / "absent.yaml")


def test_units_file_with_duplicate_ids_is_refused(tmp_path: Path) -> None:
    (tmp_path / "units.yaml").write_text(
        "units:\n  - {id: a, name: 甲, role: handler}\n  - {id: a, name: 乙, role: handler}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="twice"):
        UnitDirectory.load(tmp_path / "units.yaml")
