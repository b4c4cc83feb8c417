"""Commands of the understanding layer: train and evaluate the model, classify one message."""

from __future__ import annotations

import argparse
import sys

from huiying.cliutil import common_options, config_from, print_json


def cmd_nlp_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nlp.training import train_from_file

    config = config_from(args)
    out_dir = Path(args.out) if args.out else config.model_path.parent
    meta = train_from_file(Path(args.data), out_dir, seed=args.seed)
    print_json(meta) if args.json else print(
        f"model {meta.get('model_version')} written to {out_dir}; cross-validated macro-F1 "
        f"{meta.get('metrics', {}).get('cv_macro_f1')}"
    )
    return 0


def cmd_nlp_evaluate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nlp.training import evaluate_file

    config = config_from(args)
    result = evaluate_file(config.model_path, Path(args.file))
    if args.json:
        print_json(result)
    else:
        print(f"n={result['n']} macro-F1={result['macro_f1']:.3f} accuracy={result['accuracy']:.3f}")
        for label, row in result["per_class"].items():
            print(f"  {label}: P={row['precision']:.2f} R={row['recall']:.2f} F1={row['f1']:.2f} n={row['support']}")
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from huiying.county import load_units
    from nlp.understand import Understander

    config = config_from(args)
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
        print_json(out)
    else:
        print(f"{out['domain']} → {out['lead_unit_name']} · {out['urgency']} · {out['kind']}")
        for reason in out["reasons"]:
            print(f"  - {reason}")
    return 0


def _default_training_data() -> object:
    from huiying.settings import REPO_DIR

    return REPO_DIR.parent / "shared" / "data" / "teddy2020c" / "labeled_messages_495.csv"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    nlp = sub.add_parser("nlp", help="train and evaluate the understanding models").add_subparsers(dest="nlp_command", metavar="NLP_COMMAND")
    p = nlp.add_parser("train", help="train the domain model reproducibly from labelled messages")
    common_options(p)
    p.add_argument("--data", default=str(_default_training_data()), help="CSV/XLSX laid out like labeled_messages_495.csv")
    p.add_argument("--out", help="folder for domain.skops and domain.json (default: beside HUIYING_MODEL_PATH)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_nlp_train)
    p = nlp.add_parser("evaluate", help="macro-F1, accuracy and per-class figures on a labelled file")
    common_options(p)
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_nlp_evaluate)

    p = sub.add_parser("classify", help="classify one message: domain, units, urgency, reasons")
    common_options(p)
    p.add_argument("text", help='message text ("title\\nbody" or just the body; "-" reads standard input)')
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_classify)
