"""The ``huiying`` command: every job an operator or a script runs, listed by ``huiying --help``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from huiying.settings import load_config

Handler = Callable[[argparse.Namespace], int]


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=None, default=str))


def _config(args: argparse.Namespace) -> Any:
    return load_config({
        "data_dir": getattr(args, "data_dir", None),
        "store_url": getattr(args, "store", None),
        "model_path": getattr(args, "model", None),
        "board_port": getattr(args, "port", None),
        "demo_interval": getattr(args, "interval", None),
    })


# -- handlers ---------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    import dataclasses
    import os

    from huiying.demo import run_demo, run_headless

    config = _config(args)
    if "HUIYING_CALENDAR_WEEKDAY_FALLBACK" not in os.environ:
        # The demo must run on any date; deadlines in a year the official calendar does not cover
        # yet are counted Monday–Friday and marked provisional. Real installations choose.
        config = dataclasses.replace(config, calendar_weekday_fallback=True)
    if args.headless:
        _print_json(run_headless(config))
        return 0
    return run_demo(config)


def cmd_board(args: argparse.Namespace) -> int:
    from huiying.board import run_board

    return run_board(_config(args))


def cmd_nlp_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nlp.training import train_from_file

    config = _config(args)
    out_dir = Path(args.out) if args.out else config.model_path.parent
    meta = train_from_file(Path(args.data), out_dir, seed=args.seed)
    _print_json(meta) if args.json else print(
        f"model {meta.get('model_version')} written to {out_dir}; cross-validated macro-F1 "
        f"{meta.get('metrics', {}).get('cv_macro_f1')}"
    )
    return 0


def cmd_nlp_evaluate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nlp.training import evaluate_file

    config = _config(args)
    result = evaluate_file(config.model_path, Path(args.file))
    if args.json:
        _print_json(result)
    else:
        print(f"n={result['n']} macro-F1={result['macro_f1']:.3f} accuracy={result['accuracy']:.3f}")
        for label, row in result["per_class"].items():
            print(f"  {label}: P={row['precision']:.2f} R={row['recall']:.2f} F1={row['f1']:.2f} n={row['support']}")
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from huiying.county import load_units
    from nlp.understand import Understander

    config = _config(args)
    understander = Understander.load(config.model_path, config.county_dir)
    text = args.text if args.text != "-" else sys.stdin.read()
    title, _, body = text.partition("\n")
    result = understander.understand(title if body else "", body or title)
    names = {u.id: u.name for u in load_units(config.county_dir)}
    out = {
        "domain": result.domain,
        "units": [result.lead_unit, *result.co_units],
        "lead_unit": result.lead_unit,
        "lead_unit_name": names.get(result.lead_unit, result.lead_unit),
        "co_units": list(result.co_units),
        "urgency": result.urgency,
        "kind": result.kind,
        "sentiment": result.sentiment,
        "place": result.place,
        "keywords": list(result.keywords),
        "confidences": result.confidences,
        "needs_triage": result.needs_triage,
        "reasons": list(result.reasons),
        "model_version": result.model_version,
    }
    if args.json:
        _print_json(out)
    else:
        print(f"{out['domain']} → {out['lead_unit_name']} · {out['urgency']} · {out['kind']}")
        for reason in out["reasons"]:
            print(f"  - {reason}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from huiying.runtime import open_runtime
    from index.store import SearchFilter

    runtime = open_runtime(_config(args), load_county=False)
    try:
        flt = SearchFilter(units=tuple(args.unit or ()), urgencies=tuple(args.urgency or ()))
        result = runtime.store.search(args.query, flt, limit=args.limit)
    finally:
        runtime.close()
    hits = [
        {"id": h.item_id, "case_id": h.case_id, "title": h.title, "unit": h.lead_unit, "urgency": h.urgency,
         "status": h.status, "posted_at": h.posted_at.isoformat() if h.posted_at else None, "source": h.source,
         "snippet": h.snippet}
        for h in result.hits
    ]
    if args.json:
        _print_json({"total": result.total, "hits": hits})
    else:
        print(f"{result.total} 条结果")
        for h in hits:
            print(f"[{h['id']}] {h['posted_at'] or ''} {h['urgency']} {h['unit']} {h['title']}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    import getpass

    from huiying.runtime import open_runtime
    from workflow.accounts import create_user

    runtime = open_runtime(_config(args))
    try:
        password = args.password or getpass.getpass("密码 (至少 8 位): ")
        create_user(runtime.store, args.username, password, args.role, args.name or args.username, args.unit or "")
    finally:
        runtime.close()
    print(f"账号 {args.username} 已创建（角色 {args.role}）")
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    from huiying.reports import case_document
    from huiying.runtime import open_runtime

    runtime = open_runtime(_config(args), load_county=False)
    try:
        doc = case_document(runtime, args.id)
    finally:
        runtime.close()
    if args.json:
        _print_json(doc)
    else:
        print(f"案件 {doc['id']} · {doc['status_name']} · 主办 {doc['lead_unit_name']} · 期限 {doc['deadline']}"
              f"（{doc['remaining']}）")
        print(f"  {doc['item']['title']}")
        for e in doc["timeline"]:
            print(f"  {e['at']}  {e['actor']}  {e['action_name']}  {e['reason']}")
    return 0


def cmd_kpi(args: argparse.Namespace) -> int:
    from huiying.reports import kpi_document
    from huiying.runtime import open_runtime

    runtime = open_runtime(_config(args), load_county=False)
    try:
        doc = kpi_document(runtime, args.date_from, args.date_to)
    finally:
        runtime.close()
    if args.json:
        _print_json(doc)
    else:
        print(f"{doc['from'] or '开始'} — {doc['to'] or '现在'}")
        for u in doc["units"]:
            print(f"  {u['unit_name']}: 交办 {u['assigned']} 答复 {u['replied']} 按时答复 {u['reply_on_time']} "
                  f"答复用时中位数 {u['median_reply_hours']} 小时 超期 {u['overdue_now']}")
    return 0


# -- parser -----------------------------------------------------------------------------------


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="data folder (HUIYING_DATA_DIR)")
    p.add_argument("--store", "--index", dest="store", help="storage URL, e.g. sqlite:///huiying.db (HUIYING_STORE_URL)")
    p.add_argument("--model", help="domain model .skops file (HUIYING_MODEL_PATH)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="huiying",
        description="回应 Huiying — 县级政务舆情监测与回应协同 (public-opinion monitoring and response coordination)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="serve the demo sites, crawl, understand, route and open the board")
    _common(p)
    p.add_argument("--headless", action="store_true", help="one full cycle without the board; print a JSON summary")
    p.add_argument("--port", type=int, help="board port (default 8501)")
    p.add_argument("--interval", type=float, help="seconds between crawl cycles (default 20)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("board", help="open the board on the configured data")
    _common(p)
    p.add_argument("--port", type=int, help="board port (default 8501)")
    p.set_defaults(func=cmd_board)

    nlp = sub.add_parser("nlp", help="train and evaluate the understanding models").add_subparsers(dest="nlp_command", metavar="NLP_COMMAND")
    p = nlp.add_parser("train", help="train the domain model reproducibly from labelled messages")
    _common(p)
    p.add_argument("--data", default=str(_default_training_data()), help="CSV/XLSX laid out like labeled_messages_495.csv")
    p.add_argument("--out", help="folder for domain.skops and domain.json (default: beside HUIYING_MODEL_PATH)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_nlp_train)
    p = nlp.add_parser("evaluate", help="macro-F1, accuracy and per-class figures on a labelled file")
    _common(p)
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_nlp_evaluate)

    p = sub.add_parser("classify", help="classify one message: domain, units, urgency, reasons")
    _common(p)
    p.add_argument("text", help='message text ("title\\nbody" or just the body; "-" reads standard input)')
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("search", help="full-text search over stored items")
    _common(p)
    p.add_argument("query")
    p.add_argument("--unit", action="append", help="only this lead unit (repeatable)")
    p.add_argument("--urgency", action="append", choices=["特急", "紧急", "一般"])
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    case = sub.add_parser("case", help="look at cases").add_subparsers(dest="case_command", metavar="CASE_COMMAND")
    p = case.add_parser("show", help="status, units, deadline, remaining time and the full timeline of a case")
    _common(p)
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_case_show)

    p = sub.add_parser("kpi", help="the leaders' figures per unit over a period")
    _common(p)
    p.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD (default: from the start)")
    p.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD, included (default: today)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_kpi)

    user = sub.add_parser("user", help="manage accounts").add_subparsers(dest="user_command", metavar="USER_COMMAND")
    p = user.add_parser("add", help="create or replace an account")
    _common(p)
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["admin", "coordinator", "unit_handler", "unit_leader", "leader"])
    p.add_argument("--unit", help="unit id for unit roles (see the county's units.yaml)")
    p.add_argument("--name", help="display name")
    p.add_argument("--password", help="password (asked for when omitted)")
    p.set_defaults(func=cmd_user_add)
    return parser


def _default_training_data() -> object:
    from huiying.settings import REPO_DIR

    return REPO_DIR.parent / "shared" / "data" / "teddy2020c" / "labeled_messages_495.csv"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Handler | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the operator gets the reason, not a traceback
        zh = getattr(exc, "zh", "")
        print(f"huiying: error: {exc}" + (f"\n{zh}" if zh else ""), file=sys.stderr)
        if "HUIYING_DEBUG" in __import__("os").environ:
            raise
        return 1


if __name__ == "__main__":
    sys.exit(main())
