"""Commands over the records: search, one case, the leaders' figures, accounts."""

from __future__ import annotations

import argparse
import sys

from huiying.cliutil import common_options, config_from, print_json


def cmd_search(args: argparse.Namespace) -> int:
    from huiying.runtime import open_runtime
    from index.store import SearchFilter

    runtime = open_runtime(config_from(args), load_county=False)
    try:
        flt = SearchFilter(units=tuple(args.unit or ()), urgencies=tuple(args.urgency or ()))
        result = runtime.search.search(args.query, flt, limit=args.limit)
        backend = getattr(runtime.search, "backend", "") or runtime.store.url.split(":", 1)[0]
    finally:
        runtime.close()
    hits = [
        {"id": h.item_id, "case_id": h.case_id, "title": h.title, "unit": h.lead_unit, "urgency": h.urgency,
         "status": h.status, "posted_at": h.posted_at.isoformat() if h.posted_at else None, "source": h.source,
         "snippet": h.snippet}
        for h in result.hits
    ]
    if result.note:  # the configured backend could not answer; the record store did
        print(f"注意：{result.note}", file=sys.stderr)
    if args.json:
        print_json({"total": result.total, "hits": hits, "backend": backend, "note": result.note})
    else:
        print(f"{result.total} 条结果")
        for h in hits:
            print(f"[{h['id']}] {h['posted_at'] or ''} {h['urgency']} {h['unit']} {h['title']}")
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    from huiying.reports import case_document
    from huiying.runtime import open_runtime

    runtime = open_runtime(config_from(args), load_county=False)
    try:
        doc = case_document(runtime, args.id)
    finally:
        runtime.close()
    if args.json:
        print_json(doc)
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

    runtime = open_runtime(config_from(args), load_county=False)
    try:
        doc = kpi_document(runtime, args.date_from, args.date_to)
    finally:
        runtime.close()
    if args.json:
        print_json(doc)
    else:
        print(f"{doc['from'] or '开始'} — {doc['to'] or '现在'}")
        for u in doc["units"]:
            print(f"  {u['unit_name']}: 交办 {u['assigned']} 答复 {u['replied']} 按时答复 {u['reply_on_time']} "
                  f"答复用时中位数 {u['median_reply_hours']} 小时 超期 {u['overdue_now']}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    import getpass

    from huiying.runtime import open_runtime
    from workflow.accounts import create_user

    runtime = open_runtime(config_from(args))
    try:
        password = args.password or getpass.getpass("密码 (至少 8 位): ")
        create_user(runtime.store, args.username, password, args.role, args.name or args.username, args.unit or "")
    finally:
        runtime.close()
    print(f"账号 {args.username} 已创建（角色 {args.role}）")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("search", help="full-text search over stored items")
    common_options(p)
    p.add_argument("query")
    p.add_argument("--unit", action="append", help="only this lead unit (repeatable)")
    p.add_argument("--urgency", action="append", choices=["特急", "紧急", "一般"])
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    case = sub.add_parser("case", help="look at cases").add_subparsers(dest="case_command", metavar="CASE_COMMAND")
    p = case.add_parser("show", help="status, units, deadline, remaining time and the full timeline of a case")
    common_options(p)
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_case_show)

    p = sub.add_parser("kpi", help="the leaders' figures per unit over a period")
    common_options(p)
    p.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD (default: from the start)")
    p.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD, included (default: today)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_kpi)

    user = sub.add_parser("user", help="manage accounts").add_subparsers(dest="user_command", metavar="USER_COMMAND")
    p = user.add_parser("add", help="create or replace an account")
    common_options(p)
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["admin", "coordinator", "unit_handler", "unit_leader", "leader"])
    p.add_argument("--unit", help="unit id for unit roles (see the county's units.yaml)")
    p.add_argument("--name", help="display name")
    p.add_argument("--password", help="password (asked for when omitted)")
    p.set_defaults(func=cmd_user_add)
