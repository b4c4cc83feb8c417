"""Items per second through understand + store, next to a jieba-only baseline in the same run.

Run: ``python bench/bench_pipeline.py [--n 10000]``. Each message goes through what the crawl
pipelines do to it (normalise, hash, understand: classify, route, urgency, kind; then store the
item with its classification in a fresh SQLite file), then the relate step finds near-duplicates
and events for all of them (as after a crawl cycle); the baseline only segments the same text
with jieba. Both run on one core in this process, so the ratio says what understanding and
storage cost on top of segmentation.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import jieba

from bench.common import messages, peak_rss_mb, report, timed
from crawlers.relate import Relater
from index.records import Classification, Item, now_cst
from index.store import open_store
from nlp.normalize import content_hash, normalize_text
from nlp.segment import search_tokens
from nlp.understand import Message, Understander


def run(n: int) -> dict[str, object]:
    data = messages(n)
    jieba.initialize()
    load_s, understander = timed(Understander.load)
    understander.understand("预热", "预热一次，加载词典")
    texts = [normalize_text(t) + "\n" + normalize_text(b) for t, b in data]

    baseline_s, _ = timed(lambda: [jieba.lcut(t) for t in texts])

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}", tokenizer=search_tokens)

        def pipeline() -> int:
            stored = 0
            for i, (title, body) in enumerate(data):
                title, body = normalize_text(title), normalize_text(body)
                u = understander.understand(title, body)
                result = store.add_item(Item(
                    source="bench", platform="bench", url=f"bench://{i}", external_id=str(i), title=title,
                    body=body, content_hash=content_hash(title, body) + str(i), fetched_at=now_cst()))
                store.save_classification(Classification(
                    item_id=result.item_id, domain=u.domain, lead_unit=u.lead_unit, co_units=u.co_units,
                    urgency=u.urgency, kind=u.kind, confidences=u.confidences, model_version=u.model_version,
                    reasons=u.reasons, sentiment=u.sentiment, place=u.place, keywords=u.keywords,
                    needs_triage=u.needs_triage, classified_at=now_cst()))
                stored += 1
            return stored

        full_s, stored = timed(pipeline)
        relater = Relater.load(store)
        relate_s, related = timed(lambda: relater.run(limit=n + 1))
        understand_s, _ = timed(lambda: [understander.understand(t, b) for t, b in data[: min(n, 2000)]])
        batch_s, _ = timed(lambda: understander.understand_many([Message(t, b) for t, b in data[: min(n, 2000)]]))
        store.close()
    return {
        "messages": n,
        "stored": stored,
        "model_load_s": round(load_s, 3),
        "baseline_jieba_msgs_per_s": round(n / baseline_s, 1),
        "understand_only_msgs_per_s": round(min(n, 2000) / understand_s, 1),
        "understand_many_msgs_per_s": round(min(n, 2000) / batch_s, 1),
        "understand_and_store_msgs_per_s": round(n / full_s, 1),
        "ratio_to_jieba_baseline": round((n / full_s) / (n / baseline_s), 3),
        "relate_msgs_per_s": round(n / relate_s, 1),
        "relate_found": related,
        "intake_end_to_end_msgs_per_s": round(n / (full_s + relate_s), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    report("understand + store (SQLite)", run(args.n))


if __name__ == "__main__":
    main()
