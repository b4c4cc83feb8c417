"""How well ``workflow.replies.check_reply`` agrees with people, on 100 real replies labelled by hand.

Run from the repository root: ``python -m bench.bench_reply_quality [--data FILE] [--tune-only]
[--show-tune-errors]``.

The data (TeddyCup 2020 C, ``reply_quality_labels_100.csv``) has, per reply, 完整性指标 (is the
reply complete) and 可解释性指标 (does it explain itself), each 0 or 1. We compare:

* the check's overall verdict (``ReplyCheck.ok``) with 完整性指标;
* its basis-or-next-step part (``ReplyCheck.basis.ok``) with 可解释性指标.

The rows are split once, by a hash of 留言编号, into a *tune* half (the only rows anyone may look at
while changing the rules; ``--show-tune-errors`` lists its disagreements) and a *held-out* half,
whose figures are the ones to quote. Each figure is printed next to the majority-class baseline
(always predict the class that is commoner in the tune half). The unit that replied is not in the
data, so ``unit_name`` is empty and a unit is recognised only by self-reference or an organisation
name in the text.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import SHARED_DATA, report
from workflow.replies import ReplyCheck, check_reply

DATA = SHARED_DATA / "reply_quality_labels_100.csv"


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    body: str
    reply: str
    complete: int
    explained: int

    @property
    def half(self) -> str:
        """A fixed split that does not depend on file order or a library's random generator."""
        return "tune" if hashlib.sha256(self.id.encode()).digest()[0] % 2 == 0 else "held-out"


def load(path: Path) -> list[Row]:
    if not path.exists():
        sys.exit(f"labelled replies not found at {path}: pass --data or put ../shared beside the checkout")
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [Row(r["留言编号"], r["留言主题"], r["留言详情"], r["答复意见"], int(float(r["完整性指标"])),
                    int(float(r["可解释性指标"]))) for r in csv.DictReader(f)]


def agreement(predicted: Sequence[int], truth: Sequence[int], majority: int) -> dict[str, object]:
    """Accuracy, precision/recall for the 0 class (a bad reply caught), confusion matrix, baseline."""
    pairs = list(zip(predicted, truth, strict=True))
    tp0 = sum(p == 0 and t == 0 for p, t in pairs)
    fp0 = sum(p == 0 and t == 1 for p, t in pairs)
    fn0 = sum(p == 1 and t == 0 for p, t in pairs)
    tp1 = sum(p == 1 and t == 1 for p, t in pairs)
    n = len(pairs)
    return {
        "n": n,
        "accuracy": round((tp0 + tp1) / n, 3),
        "baseline_accuracy": round(sum(t == majority for t in truth) / n, 3),
        "precision_0": round(tp0 / (tp0 + fp0), 3) if tp0 + fp0 else None,
        "recall_0": round(tp0 / (tp0 + fn0), 3) if tp0 + fn0 else None,
        "confusion[true0→pred0,pred1 | true1→pred0,pred1]": [[tp0, fn0], [fp0, tp1]],
    }


def majority(rows: Sequence[Row], label: Callable[[Row], int]) -> int:
    ones = sum(label(r) for r in rows)
    return 1 if ones * 2 >= len(rows) else 0


def run(path: Path, show_tune_errors: bool, halves: Sequence[str] = ("tune", "held-out")) -> None:
    rows = load(path)
    checks = {r.id: check_reply(r.reply, r.title, r.body, unit_name="") for r in rows}
    tune = [r for r in rows if r.half == "tune"]
    targets: dict[str, tuple[Callable[[Row], int], Callable[[ReplyCheck], bool]]] = {
        "overall vs 完整性指标": (lambda r: r.complete, lambda c: c.ok),
        "basis/next step vs 可解释性指标": (lambda r: r.explained, lambda c: c.basis.ok),
    }
    for name, (label, verdict) in targets.items():
        base = majority(tune, label)
        for half in halves:
            part = [r for r in rows if r.half == half]
            figures = agreement([int(verdict(checks[r.id])) for r in part], [label(r) for r in part], base)
            report(f"reply quality · {name} · {half}", {**figures, "majority_class": base})
    _part_rates([r for r in rows if r.half in halves], checks)
    if show_tune_errors:
        _show_errors(tune, checks)


def _part_rates(rows: Sequence[Row], checks: dict[str, ReplyCheck]) -> None:
    n = len(rows)
    rates = {
        "names_unit": sum(checks[r.id].names_unit.ok for r in rows) / n,
        "answers": sum(checks[r.id].answers.ok for r in rows) / n,
        "basis": sum(checks[r.id].basis.ok for r in rows) / n,
        "too_short": sum(checks[r.id].too_short for r in rows) / n,
        "boilerplate_only": sum(checks[r.id].boilerplate_only for r in rows) / n,
    }
    report(f"reply quality · share of the {n} replies above passing each part", {k: round(v, 2) for k, v in rates.items()})


def _show_errors(tune: Sequence[Row], checks: dict[str, ReplyCheck]) -> None:
    for r in tune:
        c = checks[r.id]
        if int(c.ok) != r.complete or int(c.basis.ok) != r.explained:
            print(f"-- {r.id} 完整性={r.complete} ok={int(c.ok)} 可解释性={r.explained} basis={int(c.basis.ok)} "
                  f"[{c.names_unit.evidence}|{c.answers.evidence}|{c.basis.evidence}] {c.problems}")
            print("   " + r.reply[:300])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--show-tune-errors", action="store_true", help="list disagreements on the tune half only")
    parser.add_argument("--tune-only", action="store_true",
                        help="print only the tune half (while changing the rules, so the held-out half stays unseen)")
    args = parser.parse_args(argv)
    run(args.data, args.show_tune_errors, ("tune",) if args.tune_only else ("tune", "held-out"))


if __name__ == "__main__":
    main()
