"""Commands that run the product: the demo (the main job) and the board."""

from __future__ import annotations

import argparse

from huiying.cliutil import common_options, config_from, print_json


def cmd_demo(args: argparse.Namespace) -> int:
    import dataclasses
    import os

    from huiying.demo import run_demo, run_headless

    config = config_from(args)
    if "HUIYING_CALENDAR_WEEKDAY_FALLBACK" not in os.environ:
        # The demo must run on any date; deadlines in a year the official calendar does not cover
        # yet are counted Monday–Friday and marked provisional. Real installations choose.
        config = dataclasses.replace(config, calendar_weekday_fallback=True)
    if args.headless:
        print_json(run_headless(config))
        return 0
    return run_demo(config)


def cmd_board(args: argparse.Namespace) -> int:
    from huiying.board import run_board

    return run_board(config_from(args))


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="serve the demo sites, crawl, understand, route and open the board")
    common_options(p)
    p.add_argument("--headless", action="store_true", help="one full cycle without the board; print a JSON summary")
    p.add_argument("--port", type=int, help="board port (default 8501)")
    p.add_argument("--interval", type=float, help="seconds between crawl cycles (default 20)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("board", help="open the board on the configured data")
    common_options(p)
    p.add_argument("--port", type=int, help="board port (default 8501)")
    p.set_defaults(func=cmd_board)
