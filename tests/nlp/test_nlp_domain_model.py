"""The shipped domain model: checked metadata, safe loading, identical predictions after a round trip."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import sklearn

from nlp.domain_model import DEFAULT_MODEL_PATH, DomainModel, metadata_path, prepare_text, save_model
from nlp.errors import ModelMetadataMismatch, ModelNotFound, UntrustedModelTypes

SAMPLES = [
    ("工地拖欠农民工工资", "我们几十个工人干了一年活，老板跑了"),
    ("孩子上学难", "学校说没有学位，请问怎么办"),
    ("出租车拒载", "高铁站的出租车不打表"),
    ("化工厂排放废气", "每天晚上气味刺鼻"),
    ("医院收费不合理", "住院费用清单看不懂"),
    ("景区门票太贵", "游客被宰"),
    ("小区路面破损", "物业不管"),
    ("", ""),
    ("Hello 😀", "mixed 中文 text"),
]


@pytest.fixture(scope="module")
def model() -> DomainModel:
    return DomainModel.load()


def _copy_model(tmp_path: Path) -> Path:
    target = tmp_path / "domain.skops"
    shutil.copy(DEFAULT_MODEL_PATH, target)
    shutil.copy(metadata_path(DEFAULT_MODEL_PATH), metadata_path(target))
    return target


def test_shipped_model_loads_quickly_with_its_metadata() -> None:
    DomainModel.load()  # first load pays for imports
    start = time.perf_counter()
    model = DomainModel.load()
    assert time.perf_counter() - start < 1.0
    meta = model.metadata
    assert list(model.labels) == meta["labels"] and len(model.labels) == 15  # the taxonomy's domains
    assert len(meta["labelled_domains"]) == 7 and set(meta["labelled_domains"]) <= set(model.labels)
    assert model.seed_only_domains == set(model.labels) - set(meta["labelled_domains"])
    assert meta["cv"]["folds"] == 5 and 0.85 < meta["cv"]["macro_f1"] <= 1.0
    assert set(meta["library_versions"]) >= {"scikit-learn", "skops", "jieba"}
    assert len(meta["training_data"]["sha256"]) == 64
    assert meta["unlabelled"]["unlabelled_used"] > 5000 and meta["seed_documents"] > 400
    assert DEFAULT_MODEL_PATH.stat().st_size < 5_000_000


def test_predictions_are_probabilities_with_evidence(model: DomainModel) -> None:
    prediction = model.predict("工地拖欠农民工工资", "我们几十个工人干了一年活，老板跑了")
    assert prediction.domain == "劳动和社会保障"
    assert abs(sum(p for _, p in prediction.ranking) - 1.0) < 1e-3
    assert prediction.ranking[0] == (prediction.domain, round(prediction.confidence, 4))
    assert prediction.evidence and all(isinstance(w, str) and w for w in prediction.evidence)


def test_fast_path_equals_the_scikit_learn_pipeline(model: DomainModel) -> None:
    """Prediction skips scikit-learn's per-call checks; the probabilities must not change."""
    from nlp.features import message_tokens

    texts = [prepare_text(t, b) for t, b in SAMPLES] + [prepare_text("龍川縣醫院收費", "收費不合理 ＡＢＣ"), "\n\n"]
    words = [message_tokens(t) for t in texts]
    expected = model.pipeline.predict_proba(texts)
    assert np.allclose(model.probabilities(model.vectorize(texts, words)), expected, atol=1e-9)
    features = model.pipeline.named_steps["features"].transform(texts)
    assert abs(model.vectorize(texts, words) - features).max() < 1e-12
    for text, row in zip(texts, expected, strict=True):
        prediction = model.predict_prepared(text)
        assert prediction.domain == model.labels[int(np.argmax(row))]
        assert dict(prediction.ranking) == {label: round(float(p), 4) for label, p in zip(model.labels, row, strict=True)}
    assert model.predict_many(texts) == [str(p) for p in model.pipeline.predict(texts)]


def test_seeded_domains_are_predicted_when_a_message_clearly_names_them(model: DomainModel) -> None:
    assert model.predict("村里低保评定不公", "村干部的亲戚都吃低保，真正困难的人申请不到低保").domain == "民政"
    assert model.predict("咨询身份证挂失", "身份证丢了怎么补办，要去哪个派出所").domain == "政法"


def test_save_load_round_trip_gives_identical_predictions(model: DomainModel, tmp_path: Path) -> None:
    path = tmp_path / "copy" / "domain.skops"
    save_model(model.pipeline, dict(model.metadata), path)
    again = DomainModel.load(path)
    texts = [prepare_text(t, b) for t, b in SAMPLES]
    assert again.predict_many(texts) == model.predict_many(texts)
    for text in texts:
        assert again.predict_prepared(text) == model.predict_prepared(text)


def test_missing_model_or_metadata_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="huiying nlp train"):
        DomainModel.load(tmp_path / "absent.skops")
    path = _copy_model(tmp_path)
    metadata_path(path).unlink()
    with pytest.raises(ModelMetadataMismatch, match="huiying nlp train"):
        DomainModel.load(path)


def test_model_from_another_scikit_learn_is_refused(tmp_path: Path) -> None:
    path = _copy_model(tmp_path)
    meta = json.loads(metadata_path(path).read_text(encoding="utf-8"))
    major, minor = sklearn.__version__.split(".")[:2]
    meta["library_versions"]["scikit-learn"] = f"{major}.{int(minor) + 1}.0"
    metadata_path(path).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelMetadataMismatch, match=r"scikit-learn .* `huiying nlp train`"):
        DomainModel.load(path)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda m: m.update(format=99), "format"),
        (lambda m: m.pop("labels"), "labels"),
        (lambda m: m.update(model_sha256="0" * 64), "sha256"),
        (lambda m: m.update(labels=["甲", "乙"]), "labels"),
    ],
)
def test_wrong_metadata_is_refused(tmp_path: Path, edit, problem: str) -> None:  # type: ignore[no-untyped-def]
    path = _copy_model(tmp_path)
    meta = json.loads(metadata_path(path).read_text(encoding="utf-8"))
    edit(meta)
    metadata_path(path).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelMetadataMismatch, match=problem):
        DomainModel.load(path)


def test_unreadable_metadata_is_refused(tmp_path: Path) -> None:
    path = _copy_model(tmp_path)
    metadata_path(path).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelMetadataMismatch, match="JSON"):
        DomainModel.load(path)


def test_model_with_types_off_the_allow_list_is_refused(model: DomainModel, tmp_path: Path) -> None:
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    features = model.pipeline.named_steps["features"]
    rogue = Pipeline(
        [
            ("features", features),
            ("odd", FunctionTransformer(json.dumps)),
            ("classifier", model.pipeline.named_steps["classifier"]),
        ]
    )
    path = tmp_path / "rogue.skops"
    save_model(rogue, dict(model.metadata), path)
    with pytest.raises(UntrustedModelTypes, match="allow-list"):
        DomainModel.load(path)
