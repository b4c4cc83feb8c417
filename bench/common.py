"""What every benchmark shares: the real messages it runs on, memory readings, and printing."""

from __future__ import annotations

import csv
import json
import platform
import resource
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data" / "teddy2020c"
MESSAGE_FILES = (
    "unlabeled_messages_2801.csv",
    "messages_with_votes_4326.csv",
    "messages_with_replies_2816.csv",
    "labeled_messages_495.csv",
)


def messages(n: int) -> list[tuple[str, str]]:
    """``n`` real (title, body) pairs from the shared data, repeating the files when n is larger."""
    rows: list[tuple[str, str]] = []
    for name in MESSAGE_FILES:
        path = SHARED_DATA / name
        if not path.exists():
            sys.exit(f"benchmark data not found at {path}: run from a checkout with ../shared beside it")
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows.extend((r.get("留言主题", ""), r.get("留言详情", "")) for r in csv.DictReader(f))
    if not rows:
        sys.exit("no messages found in the benchmark data")
    out: list[tuple[str, str]] = []
    while len(out) < n:
        out.extend(rows[: n - len(out)])
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "machine": platform.machine(), "cpus": _cpus()}


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def report(name: str, figures: dict[str, Any]) -> None:
    """Print the figures as a table for people and one JSON line for scripts."""
    print(f"== {name}")
    for key, value in figures.items():
        print(f"  {key:<34} {value}")
    print("JSON " + json.dumps({"benchmark": name, **figures, **machine()}, ensure_ascii=False))


def chunks(seq: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]
