"""The layout stays as designed: layers point one way, and the code passes the linter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_layers_point_one_way():
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.fail("import-linter is not installed: run pip install -e '.[test]'")
    run = subprocess.run([exe], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_code_passes_ruff():
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_top_level_layout_is_the_product_layout():
    for name in ("crawlers", "nlp", "index", "dashboard", "tests", "bench", "workflow", "huiying"):
        assert (REPO / name).is_dir(), f"{name}/ is missing"
    assert (REPO / "pyproject.toml").is_file() and (REPO / "README.md").is_file() and (REPO / ".ci" / "run").is_file()
