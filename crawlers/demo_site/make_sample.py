"""Write ``messages.json``: a small, reproducible sample of real citizen messages for the demo site.

The bundled demo must look like the real thing without shipping the data set (it is not ours to
redistribute in full), so this script is run once by a developer who has the Teddy Cup 2020 files
and the result (a few hundred messages, < 1.5 MB) is committed. Re-running it with the same seed
and the same input files writes the same file byte for byte.

    python -m crawlers.demo_site.make_sample --data /work/shared/data/teddy2020c
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from nlp.normalize import normalize_text

SEED = 20200
"""Fixed seed: the sample must not change between runs."""

REPLIES_FILE = "messages_with_replies_2816.csv"
UNLABELLED_FILE = "unlabeled_messages_2801.csv"
DEFAULT_COUNTS = {REPLIES_FILE: 190, UNLABELLED_FILE: 170}
REF_PREFIX = {REPLIES_FILE: "replies", UNLABELLED_FILE: "unlabeled"}
MAX_TEXT_CHARS = 4000
"""Longer bodies or replies are cut (a handful of rows); the demo needs variety, not length."""

OUTPUT = Path(__file__).with_name("messages.json")
MAX_OUTPUT_BYTES = 1_500_000


def _time(value: str) -> str:
    """The CSV's ``2019/4/25 9:32:09`` as ISO 8601 in China Standard Time."""
    parsed = datetime.strptime(value.strip(), "%Y/%m/%d %H:%M:%S")
    return parsed.strftime("%Y-%m-%dT%H:%M:%S+08:00")


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS] + "……"


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def sample(data_dir: Path, counts: dict[str, int], seed: int = SEED) -> list[dict[str, object]]:
    """Pick ``counts[file]`` usable rows from each file, normalised, oldest first."""
    rng = random.Random(seed)
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, object]] = []
    for name in sorted(counts):
        rows = [r for r in _rows(data_dir / name) if normalize_text(r["留言主题"]) and normalize_text(r["留言详情"])]
        rows.sort(key=lambda r: int(r["留言编号"]))
        picked = 0
        for row in rng.sample(rows, len(rows)):
            if picked >= counts[name]:
                break
            title, body = normalize_text(row["留言主题"]), _cut(normalize_text(row["留言详情"]))
            if (title, body) in seen:
                continue
            seen.add((title, body))
            record: dict[str, object] = {
                "ref": f"{REF_PREFIX.get(name, name)}:{row['留言编号']}",
                "title": title,
                "body": body,
                "author": row["留言用户"].strip(),
                "posted_at": _time(row["留言时间"]),
                "reply": None,
            }
            reply = normalize_text(row.get("答复意见") or "")
            if reply and (row.get("答复时间") or "").strip():
                record["reply"] = {"body": _cut(reply), "posted_at": _time(row["答复时间"])}
            out.append(record)
            picked += 1
    out.sort(key=lambda r: (str(r["posted_at"]), str(r["ref"])))
    return out


def build(data_dir: Path, counts: dict[str, int] | None = None, seed: int = SEED) -> dict[str, object]:
    counts = counts or DEFAULT_COUNTS
    messages = sample(data_dir, counts, seed)
    return {
        "about": (
            "Real citizen messages sampled from the Teddy Cup 2020 problem C public data "
            "(a provincial government online message board). Place names are masked as in the "
            "original (A市, A2区, ...). Used only to make the bundled demo site look real."
        ),
        "source": "Teddy Cup 2020 (第八届泰迪杯数据挖掘挑战赛) problem C, files: " + ", ".join(sorted(counts)),
        "seed": seed,
        "counts": counts,
        "normalised_with": "nlp.normalize.normalize_text",
        "max_text_chars": MAX_TEXT_CHARS,
        "messages": messages,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/teddy2020c"))
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    payload = json.dumps(build(args.data, seed=args.seed), ensure_ascii=False, indent=1) + "\n"
    size = len(payload.encode("utf-8"))
    if size > MAX_OUTPUT_BYTES:
        raise SystemExit(f"sample is {size} bytes, above the {MAX_OUTPUT_BYTES} byte budget; lower the counts")
    args.out.write_text(payload, encoding="utf-8")
    print(f"wrote {args.out} ({size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
