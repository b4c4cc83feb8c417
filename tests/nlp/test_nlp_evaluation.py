"""Urgency scored on the annotated fixture, and the commands that print the figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.errors import TrainingDataError
from nlp.evaluation import evaluate_urgency_file, urgency_scores
from tests.nlp.conftest import FIXTURES

URGENCY_SET = FIXTURES / "urgency_eval.csv"


def test_scores_cover_every_level_and_the_alert_list() -> None:
    scores = urgency_scores(["特急", "紧急", "一般", "一般"], ["特急", "一般", "紧急", "一般"])
    assert set(scores["per_class"]) == {"特急", "紧急", "一般"}
    assert scores["per_class"]["特急"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert scores["alert_list"] == {"flagged": 2, "routine_among_flagged": 1, "precision": 0.5}


def test_very_urgent_items_are_found_on_the_held_out_half(understander) -> None:  # type: ignore[no-untyped-def]
    """The fixture's test half: real messages judged by hand, hand-written cases, held-out CEC reports."""
    result = evaluate_urgency_file(understander, URGENCY_SET, split="test")
    very = result["per_class"]["特急"]
    assert result["n"] > 150 and very["support"] >= 25
    assert very["recall"] >= 0.9 and very["precision"] >= 0.6
    assert result["alert_list"]["precision"] >= 0.6
    assert "real_messages_only" in result


def test_bad_urgency_files_say_what_is_wrong(understander, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "u.csv"
    path.write_text("留言主题,留言详情,urgency\n火灾,刚刚起火,很急\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="特急"):
        evaluate_urgency_file(understander, path)
    with pytest.raises(TrainingDataError, match="split"):
        evaluate_urgency_file(understander, path, split="test")


def test_commands_print_the_documented_json(capsys: pytest.CaptureFixture[str], labelled_csv: Path) -> None:
    from huiying.cli import main

    assert main(["nlp", "evaluate-urgency", str(URGENCY_SET), "--split", "dev", "--json"]) == 0
    urgency = json.loads(capsys.readouterr().out)
    assert {"n", "macro_f1", "per_class"} <= set(urgency)
    assert set(urgency["per_class"]["特急"]) >= {"precision", "recall"}

    assert main(["nlp", "evaluate", str(labelled_csv), "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"n", "macro_f1", "accuracy", "per_class"}

    assert main(["classify", "网传老隆镇化工厂爆炸\n有人造谣说死了很多人，大家都在转发", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"propaganda", "public-security"} <= set(out["units"]) and out["opinion"] == ["谣言"]
    assert out["reasons"] and set(out["confidences"]) >= {"domain", "urgency"}


def test_learning_curve_reports_each_size(small_labelled_csv: Path) -> None:
    from nlp.learning_curve import learning_curve
    from nlp.training_data import read_labelled_rows

    rows = read_labelled_rows(small_labelled_csv)
    curve = learning_curve(rows, sizes=[21, 35, 999], repeats=1, test_size=21, baseline=True)
    assert curve["sizes"] == [21, 35, 49]
    assert [p["n"] for p in curve["semi_supervised"]] == [21, 35, 49]
    assert all(0.0 <= p["macro_f1"] <= 1.0 and p["runs"] == 1 for p in curve["labelled_only"])
