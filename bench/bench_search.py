"""Search at scale: SQLite and Elasticsearch side by side on the same items, in the same run.

Run: ``python -m bench.bench_search [--n 1000000] [--es http://127.0.0.1:9200]`` from the repository. Without ``--es``
a node of its own is started (and stopped) with ``.ci/elasticsearch.sh``, heap ``--es-heap``.

1. ``n`` realistic Chinese items are made by recombining the sentences of the real citizen
   messages in ``../shared/data/teddy2020c`` (a real title; the body of a real message with
   sentences of others mixed in), spread over two years, with sources, classifications (domain,
   unit, urgency, place) and cases (status) in plausible proportions. Fixed seed.
2. They are written through the record store's API (item, classification, case: three
   transactions each) into SQLite, with the search outbox on — what a county running
   Elasticsearch does. This is the SQLite ingest rate (its FTS5 copy is written in the same
   transactions).
3. The outbox is drained into Elasticsearch (read from SQLite, build documents, jieba, bulk):
   the Elasticsearch ingest rate. jieba is cached per sentence here, since recombined items repeat
   sentences (the output is checked to equal uncached jieba on a sample); the rate of uncached
   jieba on real messages is printed as well — it bounds one indexer process in production.
4. The board's main queries (full text with and without filters; counts by unit, urgency, day,
   status, source, place, domain) run ``--repeat`` times on each backend: median and 95th
   percentile latency. Then memory (this process; the ES JVM) and disk (SQLite file; ES indices).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from bench.common import MESSAGE_FILES, REPO, SHARED_DATA, machine, peak_rss_mb, report
from index.records import CST, Case, Classification, Event, Item
from index.store import SearchFilter, open_search, open_store
from nlp.normalize import normalize_text
from nlp.segment import search_tokens

START = datetime(2024, 1, 1, tzinfo=CST)
SPAN = timedelta(days=730)
SOURCES = (("leader-board", 40), ("gov-mailbox", 20), ("longchuan-bbs", 20), ("wechat", 10), ("news", 5), ("weibo", 5))
DOMAIN_UNITS = {
    "城乡建设": ("housing", "urban-management", "natural-resources"),
    "劳动和社会保障": ("hrss", "medical-security"),
    "教育文体": ("education", "culture-tourism"),
    "卫生计生": ("health",),
    "交通运输": ("transport",),
    "商贸旅游": ("market-regulation", "industry-commerce", "culture-tourism"),
    "环境保护": ("ecology",),
}
TOWNS = ("老隆镇", "义都镇", "佗城镇", "鹤市镇", "黄布镇", "紫市镇", "通衢镇", "登云镇", "丰稔镇", "四都镇", "铁场镇",
         "龙母镇", "田心镇", "黎咀镇", "黄石镇", "赤光镇", "回龙镇", "新田镇", "车田镇", "岩镇镇", "麻布岗镇")
STATUSES = (("closed", 45), ("replied", 20), ("acknowledged", 10), ("assigned", 10), ("in_progress", 8),
            ("returned", 4), ("received", 3))
SENTENCE = re.compile(r"(?<=[。！？；!?;\n])")


# -- realistic items ----------------------------------------------------------------------


def real_messages() -> list[tuple[str, list[str]]]:
    """(title, sentences) of every real message in the shared data, normalised once."""
    out: list[tuple[str, list[str]]] = []
    for name in MESSAGE_FILES:
        path = SHARED_DATA / name
        if not path.exists():
            sys.exit(f"benchmark data not found at {path}: run from a checkout with ../shared beside it")
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                title, body = normalize_text(row.get("留言主题", "")), normalize_text(row.get("留言详情", ""))
                sentences = [s for s in SENTENCE.split(body) if s.strip()]
                if title and sentences:
                    out.append((title, sentences))
    return out


def weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def generate(n: int, seed: int = 7) -> Iterator[tuple[Item, Classification, Case | None]]:
    """``n`` items recombined from real messages, in posting order (as crawls deliver them)."""
    rng = random.Random(seed)
    corpus = real_messages()
    domains = tuple(DOMAIN_UNITS)
    step = SPAN / max(n, 1)
    for i in range(n):
        title, sentences = rng.choice(corpus)
        body = list(sentences)
        for _ in range(rng.choice((0, 1, 1, 2))):  # mix in sentences of other messages
            other = rng.choice(corpus)[1]
            body.insert(rng.randrange(len(body) + 1), rng.choice(other))
        posted = START + step * i + timedelta(seconds=rng.randrange(600))
        item = Item(source=weighted(rng, SOURCES), platform="bench", url=f"bench://{i}", external_id=str(i),
                    title=title, body="".join(body), author=f"网友{rng.randrange(50_000)}", posted_at=posted,
                    fetched_at=posted + timedelta(minutes=rng.randrange(5, 120)), content_hash=f"bench-{i}",
                    reply_count=rng.randrange(30), view_count=rng.randrange(5000))
        domain = rng.choice(domains)
        unit = rng.choice(DOMAIN_UNITS[domain])
        urgency = weighted(rng, (("一般", 85), ("紧急", 12), ("特急", 3)))
        place = rng.choice(TOWNS) if rng.random() < 0.6 else ""
        classification = Classification(0, domain, unit, (), urgency, "投诉", {"domain": 0.8}, "bench", place=place,
                                        classified_at=posted)
        case = None
        if rng.random() < 0.9:
            case = Case(id=0, item_id=0, status=weighted(rng, STATUSES), lead_unit=unit, co_units=(), urgency=urgency,
                        kind="投诉", received_at=posted, deadline=posted + timedelta(days=15),
                        ack_deadline=posted + timedelta(hours=9), assigned_at=posted)
        yield item, classification, case


# -- tokenizer: jieba, cached per sentence ------------------------------------------------


@lru_cache(maxsize=400_000)
def _sentence_tokens(sentence: str) -> tuple[str, ...]:
    return tuple(search_tokens(sentence))


def cached_tokens(text: str) -> list[str]:
    """``search_tokens`` one sentence at a time, memoised: jieba never cuts across 。！？；."""
    out: list[str] = []
    for part in SENTENCE.split(text):
        if part:
            out.extend(_sentence_tokens(part))
    return out


# -- measuring ----------------------------------------------------------------------------


def latencies(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    for _ in range(2):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1)}


def board_queries(end: datetime, top_unit: str) -> dict[str, Callable[[Any], Any]]:
    last30 = SearchFilter(posted_from=end - timedelta(days=30))
    last90 = SearchFilter(posted_from=end - timedelta(days=90))
    return {
        "search 噪音 (page 1 of 20)": lambda s: s.search("噪音"),
        "search 物业 维修 基金 (3 words)": lambda s: s.search("物业 维修 基金"),
        "search 拖欠工资": lambda s: s.search("拖欠工资"),
        "search 垃圾 + unit + last 90 days": lambda s: s.search(
            "垃圾", SearchFilter(units=(top_unit,), posted_from=end - timedelta(days=90))),
        "search 学校 + 紧急": lambda s: s.search("学校", SearchFilter(urgencies=("紧急",))),
        "search 噪音 page 10": lambda s: s.search("噪音", offset=180),
        "counts by unit (all)": lambda s: s.counts_by("unit"),
        "counts by urgency (30 days)": lambda s: s.counts_by("urgency", last30),
        "counts by day (90 days)": lambda s: s.counts_by("day", last90),
        "counts by status (one unit)": lambda s: s.counts_by("status", SearchFilter(units=(top_unit,))),
        "counts by source (all)": lambda s: s.counts_by("source"),
        "counts by place (all)": lambda s: s.counts_by("place"),
        "counts by domain (30 days)": lambda s: s.counts_by("domain", last30),
    }


def start_node(heap: str) -> tuple[str, str, int]:
    """A node of our own through the CI script; returns (url, folder, pid)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = tempfile.mkdtemp(prefix="huiying-bench-es-")
    run = subprocess.run([str(REPO / ".ci" / "elasticsearch.sh"), "start", folder, str(port)], capture_output=True,
                         text=True, env={**os.environ, "HUIYING_ES_HEAP": heap}, timeout=300)
    if run.returncode != 0:
        sys.exit(f"could not start Elasticsearch: {run.stderr[-2000:]}")
    return run.stdout.strip(), folder, int(Path(folder, "es.pid").read_text())


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.monotonic() - started, 1e-6)
    print(f"  {label}: {done}/{total} ({rate:.0f}/s)", file=sys.stderr, flush=True)


# -- the run ------------------------------------------------------------------------------


def run(n: int, es_url: str | None, heap: str, repeat: int, batch: int, workdir: Path) -> dict[str, Any]:
    own_node = None
    if es_url is None:
        print(f"starting Elasticsearch ({heap} heap) …", file=sys.stderr, flush=True)
        es_url, folder, pid = start_node(heap)
        own_node = (folder, pid)
    try:
        return _run(n, es_url, repeat, batch, workdir, own_node[1] if own_node else None)
    finally:
        if own_node:
            subprocess.run([str(REPO / ".ci" / "elasticsearch.sh"), "stop", own_node[0]], check=False)
            shutil.rmtree(own_node[0], ignore_errors=True)


def _run(n: int, es_url: str, repeat: int, batch: int, workdir: Path, es_pid: int | None) -> dict[str, Any]:
    db = workdir / "bench.db"
    records = open_store(f"sqlite:///{db}", tokenizer=search_tokens)
    prefix = f"bench-{os.getpid()}"
    es = open_search(f"{es_url}/{prefix}", records, tokenizer=cached_tokens, fallback=False, batch=batch)
    out: dict[str, Any] = {"items": n}

    # jieba alone, uncached, on real messages: what bounds one indexer process in production
    sample = [(t, "".join(s)) for t, s in real_messages()[:2000]]
    jieba_s = time.perf_counter()
    for title, body in sample:
        search_tokens(title)
        search_tokens(body)
    out["jieba_uncached_items_per_s"] = round(len(sample) / (time.perf_counter() - jieba_s), 1)

    print(f"writing {n} items into SQLite (item + classification + case, outbox on) …", file=sys.stderr, flush=True)
    started = time.monotonic()
    last_note = started
    end = START
    checked: list[str] = []
    for i, (item, classification, case) in enumerate(generate(n), 1):
        item_id = records.add_item(item).item_id
        records.save_classification(Classification(**{**classification.__dict__, "item_id": item_id}))
        if case is not None:
            records.insert_case(Case(**{**case.__dict__, "item_id": item_id}), Event(0, "bench", "open_assign",
                                                                                     case.received_at))
        end = max(end, item.posted_at or end)
        if len(checked) < 300:
            checked.append(item.title + "\n" + item.body)
        if time.monotonic() - last_note > 30:
            progress("SQLite", i, n, started)
            last_note = time.monotonic()
    sqlite_s = time.monotonic() - started
    out["sqlite_ingest_items_per_s"] = round(n / sqlite_s, 1)
    out["sqlite_ingest_s"] = round(sqlite_s, 1)
    same = sum(cached_tokens(text) == search_tokens(text) for text in checked)
    out["cached_jieba_equal_to_uncached"] = f"{same}/{len(checked)}"

    print(f"draining the outbox into Elasticsearch ({records.search_outbox_lag().waiting} rows) …",
          file=sys.stderr, flush=True)
    started = time.monotonic()
    total = records.search_outbox_lag().waiting
    indexed = 0
    while True:
        report_ = es.indexer.drain(max_rows=20_000)
        if report_.refused:
            print(f"  refused {report_.refused}: {next(iter(report_.refusals.values()))}", file=sys.stderr)
        if not report_.indexed:
            break
        indexed += report_.indexed
        progress("Elasticsearch", indexed, total, started)
    es.refresh()
    es_s = time.monotonic() - started
    out["es_ingest_items_per_s"] = round(indexed / es_s, 1)
    out["es_ingest_s"] = round(es_s, 1)
    out["es_indexed"] = indexed

    top_unit = max(records.counts_by("unit").items(), key=lambda kv: kv[1])[0]
    queries = board_queries(end, top_unit)
    print(f"{len(queries)} board queries × {repeat} on each backend …", file=sys.stderr, flush=True)
    for name, query in queries.items():
        sql_answer, es_answer = query(records), query(es)
        if hasattr(sql_answer, "total"):
            agree = sql_answer.total == es_answer.total
            sizes = f"{sql_answer.total} hits"
        else:
            agree = sql_answer == es_answer
            sizes = f"{len(sql_answer)} groups"
        sql_t, es_t = latencies(lambda q=query: q(records), repeat), latencies(lambda q=query: q(es), repeat)
        out[f"{name} [{sizes}{'' if agree else ', BACKENDS DISAGREE'}]"] = (
            f"SQLite {sql_t['median_ms']} / {sql_t['p95_ms']} ms · ES {es_t['median_ms']} / {es_t['p95_ms']} ms")

    health = es.health()
    out["sqlite_disk_mb"] = round(sum(p.stat().st_size for p in workdir.glob("bench.db*")) / 2**20, 1)
    out["es_disk_mb"] = round((health["size_bytes"] or 0) / 2**20, 1)
    out["es_documents"] = health["documents"]
    nodes = es.client.nodes.stats(metric="jvm")["nodes"]
    heap_used = sum(node["jvm"]["mem"]["heap_used_in_bytes"] for node in nodes.values())
    out["es_heap_used_mb"] = round(heap_used / 2**20, 1)
    out["es_jvm_rss_mb"] = rss_mb(es_pid) if es_pid else "n/a (cluster not started here)"
    out["bench_process_peak_rss_mb"] = round(peak_rss_mb(), 1)
    es.client.indices.delete(index=es.layout.pattern)
    es.client.indices.delete_index_template(name=es.layout.template_name)
    es.close()
    records.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="items (default 1,000,000)")
    parser.add_argument("--es", help="an Elasticsearch to use (default: start one with .ci/elasticsearch.sh)")
    parser.add_argument("--es-heap", default="1g", help="heap of the node started here (default 1g)")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query per backend (default 20)")
    parser.add_argument("--batch", type=int, default=1000, help="items per bulk request (default 1000)")
    parser.add_argument("--workdir", help="folder for the SQLite file (default: a temporary folder, deleted)")
    args = parser.parse_args()
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        figures = run(args.n, args.es, args.es_heap, args.repeat, args.batch, Path(args.workdir))
    else:
        with tempfile.TemporaryDirectory(prefix="huiying-bench-") as tmp:
            figures = run(args.n, args.es, args.es_heap, args.repeat, args.batch, Path(tmp))
    report("search at scale: SQLite vs Elasticsearch (median / p95 latency)", {**figures, **machine()})


if __name__ == "__main__":
    main()
