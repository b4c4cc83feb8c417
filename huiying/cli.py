"""The ``huiying`` command: every job an operator or a script runs, listed by ``huiying --help``.

Each area registers its own subcommands (``cmd_*.py``); this module only assembles them and turns
an error into a message that says what went wrong instead of a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from huiying import cmd_crawl, cmd_demo, cmd_index, cmd_nlp, cmd_records

COMMAND_MODULES = (cmd_demo, cmd_crawl, cmd_nlp, cmd_records, cmd_index)
"""Areas whose commands ``huiying`` offers, in the order ``--help`` lists them."""

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="huiying",
        description="回应 Huiying — 县级政务舆情监测与回应协同 (public-opinion monitoring and response coordination)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


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
        if "HUIYING_DEBUG" in os.environ:
            raise
        return 1


if __name__ == "__main__":
    sys.exit(main())
