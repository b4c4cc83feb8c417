"""Running ``huiying crawl`` (the one-off crawl) in a subprocess and reading its JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_oneoff(platform: str, url: str, out: Path, *extra: str, expect_ok: bool = True) -> list[dict[str, Any]]:
    command = [sys.executable, "-m", "huiying.cli", "crawl", "--platform", platform, "--url", url, "--out", str(out),
               "--fast", *extra]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if expect_ok:
        assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
