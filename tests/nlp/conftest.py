"""Shared fixtures for the understanding layer's tests: real files, no mocks."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
LABELLED = SHARED / "data" / "teddy2020c" / "labeled_messages_495.csv"
LABELLED_XLSX = SHARED / "data" / "teddy2020c" / "labeled_messages_495.xlsx"
TAXONOMY = SHARED / "data" / "teddy2020c" / "taxonomy_517.csv"
COUNTY_DIR = REPO / "huiying" / "county" / "longchuan"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
UNLABELLED_FILES = ("unlabeled_messages_2801.csv", "messages_with_votes_4326.csv", "messages_with_replies_2816.csv")


def need(path: Path) -> Path:
    """Skip the test when the shared data set beside the checkout is absent."""
    if not path.exists():
        pytest.skip(f"shared data not available at {path} (expected ../shared beside the checkout)")
    return path


@pytest.fixture(scope="session")
def labelled_csv() -> Path:
    return need(LABELLED)


@pytest.fixture(scope="session")
def labelled_xlsx() -> Path:
    return need(LABELLED_XLSX)


@pytest.fixture(scope="session")
def taxonomy_csv() -> Path:
    return need(TAXONOMY)


@pytest.fixture(scope="session")
def county_dir() -> Path:
    """The shipped demo county (龙川县): routing.yaml and units.yaml."""
    return COUNTY_DIR


@pytest.fixture(scope="session")
def small_labelled_csv(tmp_path_factory: pytest.TempPathFactory, labelled_csv: Path) -> Path:
    """The first 10 messages of each domain: enough to train and cross-validate in a few seconds."""
    with labelled_csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    kept: list[dict[str, str]] = []
    per_label: dict[str, int] = {}
    for row in rows:
        label = row["一级分类"]
        if per_label.get(label, 0) < 10:
            per_label[label] = per_label.get(label, 0) + 1
            kept.append(row)
    out = tmp_path_factory.mktemp("data") / "small.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return out


@pytest.fixture(scope="session")
def small_unlabelled_csv(tmp_path_factory: pytest.TempPathFactory, labelled_csv: Path) -> Path:
    """300 unlabelled messages (a slice of unlabeled_messages_2801): enough to shape a vocabulary."""
    source = need(labelled_csv.parent / UNLABELLED_FILES[0])
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))[:300]
    out = tmp_path_factory.mktemp("data") / "unlabelled.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out


@pytest.fixture(scope="session")
def understander():  # type: ignore[no-untyped-def]
    from nlp.understand import Understander

    return Understander.load()
