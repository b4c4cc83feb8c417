"""Commands of the understanding layer: train, evaluate and retrain the models, classify one message.

``huiying nlp train``             domain model (+ urgency model) from the labelled file, unlabelled text, taxonomy
``huiying nlp evaluate FILE``     domain macro-F1 on a labelled file
``huiying nlp evaluate-urgency``  urgency macro-F1 and per-level precision/recall on an annotated file
``huiying nlp retrain``           the same training with officers' corrections from the case history
``huiying nlp curve``             macro-F1 as labelled examples grow
``huiying classify "TEXT"``       domain, units, urgency, kind, sentiment, place and reasons of one message
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from huiying.cliutil import common_options, config_from, print_json

UNLABELLED_FILES = ("unlabeled_messages_2801.csv", "messages_with_votes_4326.csv", "messages_with_replies_2816.csv")


def _shared() -> Path:
    from huiying.settings import REPO_DIR

    return REPO_DIR.parent / "shared" / "data"


def _default_training_data() -> Path:
    return _shared() / "teddy2020c" / "labeled_messages_495.csv"


def _default_unlabelled() -> list[str]:
    return [str(p) for name in UNLABELLED_FILES if (p := _shared() / "teddy2020c" / name).is_file()]


def _default_taxonomy() -> str | None:
    path = _shared() / "teddy2020c" / "taxonomy_517.csv"
    return str(path) if path.is_file() else None


def _default_emergency_corpus() -> str | None:
    path = _shared() / "cec" / "cec_docs.csv"
    return str(path) if path.is_file() else None


def _default_urgency_holdout() -> list[str]:
    """The urgency evaluation set stays out of training (it is the only check we have)."""
    from huiying.settings import REPO_DIR

    path = REPO_DIR / "tests" / "nlp" / "fixtures" / "urgency_eval.csv"
    return [str(path)] if path.is_file() else []


def _training_options(p: argparse.ArgumentParser) -> None:
    common_options(p)
    p.add_argument("--data", default=str(_default_training_data()), help="labelled CSV/XLSX (留言主题, 留言详情, 一级分类)")
    p.add_argument("--unlabelled", action="append", help="unlabelled messages CSV/XLSX; repeatable "
                   "(default: the unlabelled, votes and replies files of ../shared/data/teddy2020c)")
    p.add_argument("--no-unlabelled", action="store_true", help="train on the labelled file only")
    p.add_argument("--taxonomy", default=_default_taxonomy(), help="taxonomy CSV (一级分类, 二级分类, 三级分类)")
    p.add_argument("--no-taxonomy", action="store_true", help="do not use the taxonomy as seed documents")
    p.add_argument("--emergency-corpus", default=_default_emergency_corpus(),
                   help="CEC cec_docs.csv for the urgency model (default: ../shared/data/cec/cec_docs.csv)")
    p.add_argument("--no-urgency", action="store_true", help="train the domain model only")
    p.add_argument("--out", help="folder for the models (default: beside HUIYING_MODEL_PATH)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-cv", action="store_true", help="skip the cross-validation recorded in the metadata")
    p.add_argument("--json", action="store_true")


def _train(args: argparse.Namespace, corrections: list[Any], default_out: Path | None = None) -> dict[str, Any]:
    """Train the domain model (and the urgency model) as the options say; the metadata of both."""
    from nlp.training import train_from_file
    from nlp.urgency_model import save_urgency_model, train_urgency_from_files

    config = config_from(args)
    out_dir = Path(args.out) if args.out else (default_out or config.model_path.parent)
    unlabelled = [] if args.no_unlabelled else (args.unlabelled or _default_unlabelled())
    taxonomy = None if args.no_taxonomy else args.taxonomy
    domain = train_from_file(
        Path(args.data), out_dir, seed=args.seed, unlabelled_paths=unlabelled, taxonomy_path=taxonomy,
        corrections=corrections, cv=not args.no_cv,
    )
    result: dict[str, Any] = {"domain": domain, "out": str(out_dir)}
    if not args.no_urgency and args.emergency_corpus:
        model = train_urgency_from_files(
            args.emergency_corpus, [args.data, *unlabelled], holdout_files=_default_urgency_holdout(),
            corrections=corrections, seed=args.seed,
        )
        result["urgency"] = save_urgency_model(model, out_dir / "urgency.skops")
    return result


def _summary(result: dict[str, Any]) -> str:
    domain = result["domain"]
    cv = domain.get("cv") or {}
    text = f"model {domain['model_version']} written to {result['out']}"
    if cv:
        text += f"; cross-validated macro-F1 {cv['macro_f1']:.3f} (accuracy {cv['accuracy']:.3f})"
    corrections = domain.get("corrections", {})
    if corrections.get("domain") or corrections.get("urgency"):
        text += f"; corrections used: {corrections.get('domain', 0)} domain, {corrections.get('urgency', 0)} urgency"
    if "urgency" in result:
        text += f"; urgency model {result['urgency']['model_version']}"
    return text


def cmd_nlp_train(args: argparse.Namespace) -> int:
    result = _train(args, [])
    print_json(result) if args.json else print(_summary(result))
    return 0


def cmd_nlp_retrain(args: argparse.Namespace) -> int:
    """Fold officers' corrections (reclassify events) into the training data and train again."""
    from huiying.runtime import open_runtime

    runtime = open_runtime(config_from(args), load_county=False)
    try:
        corrections = corrections_from_store(runtime.store)
    finally:
        runtime.close()
    # The installation's own model goes to its data folder (picked up there by every command and the
    # crawler from the next start); the shipped model stays as it was built.
    result = _train(args, corrections, default_out=config_from(args).data_dir / "models")
    result["corrections_found"] = len(corrections)
    print_json(result) if args.json else print(f"{len(corrections)} correction(s) found; " + _summary(result))
    return 0


def corrections_from_store(store: Any) -> list[Any]:
    """Every officer's domain or urgency correction (`reclassify` events), with the item's text."""
    from nlp.training_data import Correction

    corrections: list[Correction] = []
    after_id = 0
    while True:
        events = store.events_since(after_id)
        if not events:
            break
        after_id = max(e.id or after_id for e in events)
        for event in events:
            if event.action != "reclassify":
                continue
            domain = str(event.after.get("domain", "") or "")
            urgency = str(event.after.get("urgency", "") or "")
            if not (domain or urgency):
                continue
            item = store.get_item(store.get_case(event.case_id).item_id)
            corrections.append(Correction(
                title=item.title, body=item.body, domain=domain, urgency=urgency,
                at=event.at.isoformat(), ref=f"case {event.case_id} event {event.id}",
            ))
    return corrections


def cmd_nlp_evaluate(args: argparse.Namespace) -> int:
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


def cmd_nlp_evaluate_urgency(args: argparse.Namespace) -> int:
    from nlp.evaluation import evaluate_urgency_file
    from nlp.understand import Understander

    config = config_from(args)
    understander = Understander.load(config.model_path, config.county_dir, args.urgency_model)
    result = evaluate_urgency_file(understander, Path(args.file), split=args.split)
    if args.json:
        print_json(result)
    else:
        print(f"n={result['n']} macro-F1={result['macro_f1']:.3f}")
        for level, row in result["per_class"].items():
            print(f"  {level}: P={row['precision']:.2f} R={row['recall']:.2f} n={row['support']}")
    return 0


def cmd_nlp_curve(args: argparse.Namespace) -> int:
    from nlp.learning_curve import learning_curve
    from nlp.taxonomy import Taxonomy
    from nlp.training_data import read_labelled_rows, read_messages

    rows = read_labelled_rows(args.data)
    unlabelled = [] if args.no_unlabelled else read_messages(args.unlabelled or _default_unlabelled())
    taxonomy = None if args.no_taxonomy or not args.taxonomy else Taxonomy.load(args.taxonomy)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    result = learning_curve(
        rows, unlabelled=unlabelled, taxonomy=taxonomy, sizes=sizes, repeats=args.repeats,
        test_size=args.test_size, seed=args.seed, baseline=args.baseline,
    )
    if args.json:
        print_json(result)
    else:
        for name in ("semi_supervised", "labelled_only"):
            for point in result.get(name, []):
                print(f"{name:16} n={point['n']:4} macro-F1={point['macro_f1']:.3f} ±{point['std']:.3f}")
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
        "opinion": list(result.opinion),
        "confidences": result.confidences,
        "needs_triage": result.needs_triage,
        "reasons": list(result.reasons),
        "model_version": result.model_version,
    }
    if args.json:
        print_json(out)
    else:
        print(f"{out['domain'] or '（待研判）'} → {out['lead_unit_name']} · {out['urgency']} · {out['kind']}")
        for reason in out["reasons"]:
            print(f"  - {reason}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    nlp = sub.add_parser("nlp", help="train and evaluate the understanding models").add_subparsers(
        dest="nlp_command", metavar="NLP_COMMAND")
    p = nlp.add_parser("train", help="train the domain model (and the urgency model) reproducibly")
    _training_options(p)
    p.set_defaults(func=cmd_nlp_train)
    p = nlp.add_parser("retrain", help="train again with officers' corrections from the case history")
    _training_options(p)
    p.set_defaults(func=cmd_nlp_retrain)
    p = nlp.add_parser("evaluate", help="macro-F1, accuracy and per-class figures on a labelled file")
    common_options(p)
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_nlp_evaluate)
    p = nlp.add_parser("evaluate-urgency", help="urgency macro-F1 and per-level precision/recall on an annotated file")
    common_options(p)
    p.add_argument("file", help="CSV/XLSX with 留言主题, 留言详情 and urgency (特急/紧急/一般)")
    p.add_argument("--split", help="only rows whose `split` column has this value (e.g. test)")
    p.add_argument("--urgency-model", help="urgency model .skops (default: beside the shipped domain model)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_nlp_evaluate_urgency)
    p = nlp.add_parser("curve", help="macro-F1 as labelled examples grow (repeated stratified splits)")
    common_options(p)
    p.add_argument("--data", default=str(_default_training_data()))
    p.add_argument("--unlabelled", action="append")
    p.add_argument("--no-unlabelled", action="store_true")
    p.add_argument("--taxonomy", default=_default_taxonomy())
    p.add_argument("--no-taxonomy", action="store_true")
    p.add_argument("--sizes", default="50,100,200,300,400,445")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--test-size", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--baseline", action="store_true", help="also run without unlabelled text and taxonomy")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_nlp_curve)

    p = sub.add_parser("classify", help="classify one message: domain, units, urgency, reasons")
    common_options(p)
    p.add_argument("text", help='message text ("title\\nbody" or just the body; "-" reads standard input)')
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_classify)
