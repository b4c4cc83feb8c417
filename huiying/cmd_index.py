"""Commands for the search index: rebuild it from the record, feed it, and look at its health.

They act on the configured search backend (``HUIYING_SEARCH_URL`` or ``--index URL``). When search
is answered by the record store itself there is nothing to rebuild or feed, and they say so.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Any

from huiying.cliutil import common_options, config_from, print_json


class NoSearchCluster(Exception):
    """The command needs a search cluster, and search is answered by the record store."""

    zh = "当前搜索由数据库直接提供，无需重建或同步索引；如需使用 Elasticsearch，请设置 HUIYING_SEARCH_URL 或 --index。"


def _open(args: argparse.Namespace) -> tuple[Any, Any]:
    """The record store and the Elasticsearch index (without falling back to SQL: these commands
    are about the cluster itself)."""
    from huiying.runtime import open_search_index
    from index.store import open_store
    from nlp.segment import search_tokens

    config = config_from(args)
    store = open_store(config.store_url, tokenizer=search_tokens)
    index = open_search_index(config, store, fallback=False)
    if index is store:
        store.close()
        raise NoSearchCluster(
            f"search is answered by the record store ({store.url}); there is no search index to "
            f"{args.index_command}. Set HUIYING_SEARCH_URL or --index http://host:9200/prefix to use Elasticsearch."
        )
    return store, index


class ProgressLine:
    """``[#####.....]  52.0%  520000/1000000  8350 items/s  about 57 s left``, at most every ``every_s``."""

    def __init__(self, out: Any = None, every_s: float = 2.0, width: int = 30) -> None:
        self.out = out
        self.every_s = every_s
        self.width = width
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < self.every_s:
            return
        self.last = now
        share = done / total if total else 1.0
        filled = int(share * self.width)
        rate = done / max(now - self.start, 1e-6)
        left = (total - done) / rate if rate and done < total else 0.0
        bar = "#" * filled + "." * (self.width - filled)
        print(f"[{bar}] {share:6.1%}  {done}/{total}  {rate:.0f} items/s  about {left:.0f} s left",
              file=self.out or sys.stdout, flush=True)


def cmd_rebuild(args: argparse.Namespace) -> int:
    store, index = _open(args)
    try:
        print(f"rebuilding {index.safe_url} from {store._safe_url()} ({store.count_items()} items)", flush=True)
        report = index.indexer.rebuild(progress=ProgressLine(), batch_size=args.batch)
    finally:
        index.close()
        store.close()
    summary = {"total": report.total, "indexed": report.indexed, "refused": report.refused,
               "seconds": report.seconds, "drained_after": report.drained_after}
    if args.json:
        print_json(summary)
    else:
        print(f"索引重建完成：{report.indexed}/{report.total} 条，用时 {report.seconds} 秒"
              + (f"；{report.refused} 条被拒绝，已留在待同步队列（huiying index health 查看原因）" if report.refused else ""))
    return 0 if not report.refused else 1


def cmd_sync(args: argparse.Namespace) -> int:
    """Feed the cluster from the outbox: once, or every ``--interval`` seconds until Ctrl+C."""
    from index.errors import SearchUnavailable

    logging.getLogger("elastic_transport").setLevel(logging.ERROR)  # one line per round is enough
    store, index = _open(args)
    try:
        while True:
            try:
                report = index.indexer.drain()
                if report.indexed or report.refused or not args.follow:
                    print(f"indexed {report.indexed}, refused {report.refused}, "
                          f"waiting {store.search_outbox_lag().waiting}", flush=True)
            except SearchUnavailable as exc:
                if not args.follow:
                    raise
                print(f"waiting for the cluster: {exc}", file=sys.stderr, flush=True)
            if not args.follow:
                return 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0
    finally:
        index.close()
        store.close()


def cmd_health(args: argparse.Namespace) -> int:
    from huiying.runtime import open_search_index
    from index.store import open_store
    from nlp.segment import search_tokens

    config = config_from(args)
    store = open_store(config.store_url, tokenizer=search_tokens)
    index = open_search_index(config, store, fallback=False)
    try:
        health = index.health()
    finally:
        if index is not store:
            index.close()
        store.close()
    if args.json:
        print_json(health)
    else:
        outbox = health.get("outbox") or {}
        print(f"{health['backend']} {health['url']}: {'reachable' if health['reachable'] else 'UNREACHABLE'}"
              f"{' (' + str(health.get('cluster_status')) + ')' if health.get('cluster_status') else ''}")
        print(f"  documents {health.get('documents')}  size {health.get('size_bytes')} bytes")
        if outbox:
            print(f"  outbox: {outbox['waiting']} waiting (oldest {outbox['oldest_age_s']} s), {outbox['failing']} refused"
                  + (f"; last refusal: {outbox['last_error']}" if outbox["last_error"] else ""))
        if health.get("rebuild"):
            print(f"  rebuild: {health['rebuild']}")
        if health.get("error"):
            print(f"  error: {health['error']}")
    return 0 if health["reachable"] else 1


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    index = sub.add_parser("index", help="the search index: rebuild, sync, health").add_subparsers(
        dest="index_command", metavar="INDEX_COMMAND")
    p = index.add_parser("rebuild", help="re-create the search index from the record, with progress")
    common_options(p)
    p.add_argument("--batch", type=int, default=1000, help="items per bulk request (default 1000)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rebuild)

    p = index.add_parser("sync", help="index the changes waiting in the outbox (once, or --follow)")
    common_options(p)
    p.add_argument("--follow", action="store_true", help="keep feeding the index until Ctrl+C")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between rounds with --follow")
    p.set_defaults(func=cmd_sync)

    p = index.add_parser("health", help="cluster reachable, documents, size, outbox lag (exit 1 if unreachable)")
    common_options(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_health)
