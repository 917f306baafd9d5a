"""`annotator agreement`: inter-annotator agreement on a project, or on a label file.

Two modes share one command: `annotator agreement PROJECT [...]` measures a
project's labels (per criterion, source and scope); `annotator agreement
--labels FILE` measures a long CSV/JSONL of labels with no project. Statistics
modules are imported inside the handlers, so `annotator --help` stays fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.base.errors import AnnotatorError
from annotator.base.levels import LEVELS
from annotator.cli.common import (
    add_bootstrap_arguments,
    one_blas_thread,
    open_from_args,
    print_json,
)

BY = ("annotator", "source", "slice", "week", "rubric-version")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "agreement",
        help="inter-annotator agreement with intervals (a project, or a label file)",
        description=(
            "Krippendorff's alpha, Fleiss' kappa, Gwet's AC1, percent agreement (and Cohen's "
            "kappa for two raters), each with a bootstrap interval. On a project: per "
            "criterion, per label source, and each source against the expert consensus. "
            "With --labels FILE (columns item, rater, value): the file alone."
        ),
    )
    parser.add_argument("project", type=Path, nargs="?", help="the project file (.annotator)")
    parser.add_argument("--labels", type=Path, metavar="FILE", help="long CSV or JSONL of labels")
    parser.add_argument(
        "--level", choices=LEVELS, help="with --labels: level of measurement (default nominal)"
    )
    parser.add_argument(
        "--scale", metavar="V1,V2,...", help="with --labels: every value in order, e.g. 1,2,3,4,5"
    )
    parser.add_argument(
        "--consensus",
        choices=("majority", "median", "mean", "dawid_skene"),
        help="with --labels: also each item's consensus value by this method",
    )
    parser.add_argument(
        "--criterion", action="append", metavar="KEY", help="only this criterion (repeatable)"
    )
    parser.add_argument("--source", metavar="NAME", help="only labels from this source")
    parser.add_argument("--by", choices=BY, help="also split by annotator, source, slice, week...")
    parser.add_argument(
        "--rubric-version", metavar="N", help="only labels made under this rubric version"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_bootstrap_arguments(parser, confidence=True)
    parser.set_defaults(func=cmd_agreement)


def cmd_agreement(args: argparse.Namespace) -> int:
    one_blas_thread()
    if args.labels is not None:
        if args.project is not None:
            raise AnnotatorError(
                "Give either a PROJECT or --labels FILE, not both: --labels measures the file "
                "on its own."
            )
        args.level = args.level or "nominal"
        return _quick(args)
    if args.project is None:
        raise AnnotatorError(
            "Name a project (annotator agreement PROJECT) or a label file (--labels FILE)."
        )
    if args.level or args.scale or args.consensus:
        raise AnnotatorError(
            "--level, --scale and --consensus are for --labels files; in a project each "
            "criterion's level and scale come from its rubric."
        )
    if not 0 < args.confidence < 1:
        raise AnnotatorError(f"--confidence must be between 0 and 1, got {args.confidence}.")
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.quality.agreement_report import agreement_report, format_report
    from annotator.quality.project_agreement import Settings
    from annotator.rubric.versions import resolve_version

    with open_from_args(args) as project:
        version = resolve_version(project, args.rubric_version).id if args.rubric_version else None
        report = agreement_report(
            project,
            criteria=args.criterion,
            source=args.source,
            by=args.by,
            rubric_version=version,
            settings=Settings(args.n_boot, args.seed, args.confidence),
            brief=not args.json,  # the table shows three coefficients: compute only those
        )
    if args.json:
        print_json(report)
    else:
        print(format_report(report))
    return 0


def _quick(args: argparse.Namespace) -> int:
    """Quick mode: every coefficient on the file, and with --consensus each item's value."""
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.stats.quick import format_table, read_labels, run_quick

    result = run_quick(
        args.labels,
        level=args.level,
        scale=args.scale,
        n_boot=args.n_boot,
        seed=args.seed,
        confidence=args.confidence,
    )
    if args.consensus:
        labels = read_labels(args.labels, args.level, args.scale)
        result["consensus"] = _file_consensus(labels, args.consensus)
    if args.json:
        print_json(result)
        return 0
    print(format_table(result))
    if args.consensus:
        print(f"\nConsensus ({args.consensus}):")
        for item, entry in result["consensus"]["items"].items():
            value = (
                "tie " + "/".join(map(str, entry["tied_values"]))
                if entry["tie"]
                else entry["value"]
            )
            confidence = entry["confidence"]
            shown = f"{confidence:.2f}" if confidence is not None else "-"
            print(f"  {item:<24} {value!s:<12} confidence {shown}  ({entry['n_labels']} labels)")
    return 0


def _file_consensus(labels: object, method: str) -> dict[str, object]:
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.stats.consensus import dawid_skene, majority_vote, mean_score, median_vote

    data = labels.data  # type: ignore[attr-defined]
    records = data.to_records()
    scale = labels.scale  # type: ignore[attr-defined]
    if method == "majority":
        result = majority_vote(records, scale=scale)
    elif method == "median":
        result = median_vote(records, scale=scale or data.values)
    elif method == "mean":
        result = mean_score(records)
    else:
        result = dawid_skene(records, classes=scale)
    return {
        "method": result.method,
        "items": {
            str(c.item): {
                "value": c.value,
                "confidence": c.confidence,
                "n_labels": c.n_labels,
                "tie": c.tie,
                "tied_values": list(c.tied_values),
            }
            for c in result.items
        },
    }
