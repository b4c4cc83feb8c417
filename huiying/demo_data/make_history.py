"""Derive the demo's handling history from the public Teddy Cup 2020 (problem C) replies.

Run once from a checkout with ``../shared`` beside it: ``python -m huiying.demo_data.make_history``.
It writes ``history.json``: a fixed-seed sample of real messages with the real government reply
and the real time the reply took (place names masked as in the original, e.g. A市). The demo
places these in the recent past so that the leaders' page shows real reply times on first start.
"""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path

import pandas as pd

SOURCE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "teddy2020c" / "messages_with_replies_2816.csv"
OUT = Path(__file__).with_name("history.json")
SAMPLE = 240
SEED = 20200
MAX_CHARS = 600


def _clean(text: object) -> str:
    return " ".join(str(text or "").replace("\xa0", " ").replace("\u3000", " ").split())


def main() -> None:
    frame = pd.read_csv(SOURCE)
    rows = []
    for _, r in frame.iterrows():
        try:
            posted = datetime.strptime(str(r["留言时间"]).strip(), "%Y/%m/%d %H:%M:%S")
            replied = datetime.strptime(str(r["答复时间"]).strip(), "%Y/%m/%d %H:%M:%S")
        except ValueError:
            continue
        days = (replied - posted).total_seconds() / 86400
        if not 0 < days <= 90:
            continue
        rows.append({
            "id": str(r["留言编号"]), "title": _clean(r["留言主题"]), "body": _clean(r["留言详情"])[:MAX_CHARS],
            "reply": _clean(r["答复意见"])[:MAX_CHARS], "reply_after_hours": round(days * 24, 2),
        })
    random.Random(SEED).shuffle(rows)
    sample = sorted(rows[:SAMPLE], key=lambda x: int(x["id"]))
    OUT.write_text(json.dumps({
        "source": "Teddy Cup 2020 problem C, messages_with_replies_2816.csv (public data; place names masked as in the original)",
        "sample": f"{SAMPLE} messages answered within 90 days, seed {SEED}; texts cut to {MAX_CHARS} characters",
        "messages": sample,
    }, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"wrote {len(sample)} messages to {OUT}")


if __name__ == "__main__":
    main()
