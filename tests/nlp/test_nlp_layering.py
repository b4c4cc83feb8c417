"""nlp/ stands alone: it imports none of the product's other packages."""

from __future__ import annotations

import ast
from pathlib import Path

import nlp

FORBIDDEN = {"crawlers", "index", "workflow", "huiying", "dashboard"}


def test_nlp_imports_no_other_product_package() -> None:
    offenders = []
    for path in Path(nlp.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
