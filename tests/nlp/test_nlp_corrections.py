"""Officers' corrections become training data: `huiying nlp retrain` changes the next model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.domain_model import DomainModel
from nlp.training_data import Correction, LabelledRow, merge_corrections

ITEM = ("小区门口新开的网吧通宵营业", "网吧里的未成年人很多，家长很担心，晚上还很吵")


def test_the_latest_correction_of_a_message_wins_over_its_label() -> None:
    rows = [LabelledRow("标题一", "正文一", "城乡建设"), LabelledRow("标题二", "正文二", "教育文体")]
    corrections = [
        Correction("标题一", "正文一", domain="商贸旅游", at="2026-01-02T00:00:00"),
        Correction("标题一", "正文一", domain="交通运输", at="2026-01-01T00:00:00"),
        Correction("新消息", "新正文", domain="环境保护", urgency="紧急", at="2026-01-03T00:00:00"),
        Correction("标题二", "正文二", urgency="特急", at="2026-01-04T00:00:00"),
    ]
    merged, stats = merge_corrections(rows, corrections, weight=2.0)
    assert [(r.title, r.label, r.weight, r.origin) for r in merged] == [
        ("标题一", "商贸旅游", 2.0, "correction"),
        ("标题二", "教育文体", 1.0, "labelled"),
        ("新消息", "环境保护", 2.0, "correction"),
    ]
    assert stats == {"domain": 2, "urgency": 2, "overrode_labelled": 1, "added": 1}


def _store_with_a_corrected_case(tmp_path: Path, county_dir: Path, new_domain: str) -> str:
    """A real SQLite store with one item, its case, and the duty officer's domain correction."""
    from huiying.county import load_units
    from index.records import Classification, Item, User, now_cst
    from index.store import open_store
    from nlp.segment import search_tokens
    from workflow.cases import CaseService
    from workflow.deadlines import DeadlineProfile

    url = f"sqlite:///{tmp_path / 'cases.db'}"
    store = open_store(url, tokenizer=search_tokens)
    try:
        store.upsert_units(load_units(county_dir))
        item = store.add_item(Item(source="test", platform="test", url="u1", external_id="1", title=ITEM[0],
                                   body=ITEM[1], content_hash="h1", fetched_at=now_cst()))
        stored = store.get_item(item.item_id)
        classification = Classification(
            item_id=item.item_id, domain="城乡建设", lead_unit="housing", co_units=(), urgency="一般", kind="投诉",
            confidences={"domain": 0.9}, model_version="t", reasons=("测试",))
        store.save_classification(classification)
        service = CaseService(store, DeadlineProfile.load())
        case = service.open_case(stored, classification)
        service.reclassify(User("duty", "值班员", "coordinator"), case.id, domain=new_domain, urgency="紧急",
                           reason="更正")
    finally:
        store.close()
    return url


def test_retrain_folds_a_correction_into_the_next_model(
    small_labelled_csv: Path, county_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from huiying.cli import main

    options = ["--data", str(small_labelled_csv), "--no-unlabelled", "--no-taxonomy", "--no-urgency", "--no-cv", "--json"]
    assert main(["nlp", "train", "--out", str(tmp_path / "before"), *options]) == 0
    before = DomainModel.load(tmp_path / "before" / "domain.skops").predict(*ITEM)
    corrected_to = before.ranking[1][0]  # the officer files it under another labelled domain
    url = _store_with_a_corrected_case(tmp_path, county_dir, corrected_to)
    capsys.readouterr()

    assert main(["nlp", "retrain", "--store", url, "--out", str(tmp_path / "after"), *options]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["corrections_found"] == 1
    assert result["domain"]["corrections"]["domain"] == 1 and result["domain"]["corrections"]["urgency"] == 1
    assert result["domain"]["model_version"].endswith("-c1")
    after = DomainModel.load(tmp_path / "after" / "domain.skops").predict(*ITEM)
    assert before.domain != corrected_to and after.domain == corrected_to


def test_corrections_are_read_from_reclassify_events(county_dir: Path, tmp_path: Path) -> None:
    from huiying.cmd_nlp import corrections_from_store
    from index.store import open_store

    url = _store_with_a_corrected_case(tmp_path, county_dir, "环境保护")
    store = open_store(url)
    try:
        corrections = corrections_from_store(store)
    finally:
        store.close()
    assert len(corrections) == 1
    correction = corrections[0]
    assert (correction.title, correction.domain, correction.urgency) == (ITEM[0], "环境保护", "紧急")
    assert correction.ref.startswith("case ") and correction.at


def test_retrain_gives_the_installation_its_own_model_and_leaves_the_shipped_one(
    small_labelled_csv: Path, county_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from huiying.cli import main
    from huiying.settings import DEFAULT_MODEL_PATH, load_config

    data_dir = tmp_path / "data"
    monkeypatch.setenv("HUIYING_DATA_DIR", str(data_dir))
    monkeypatch.delenv("HUIYING_MODEL_PATH", raising=False)
    assert load_config().model_path == DEFAULT_MODEL_PATH
    shipped = DEFAULT_MODEL_PATH.read_bytes()
    url = _store_with_a_corrected_case(tmp_path, county_dir, "环境保护")
    options = ["--data", str(small_labelled_csv), "--no-unlabelled", "--no-taxonomy", "--no-urgency", "--no-cv", "--json"]

    assert main(["nlp", "retrain", "--store", url, *options]) == 0

    assert json.loads(capsys.readouterr().out)["out"] == str(data_dir / "models")
    assert load_config().model_path == data_dir / "models" / "domain.skops"  # every command uses it from now on
    assert DomainModel.load(load_config().model_path).model_version.endswith("-c1")
    assert DEFAULT_MODEL_PATH.read_bytes() == shipped
