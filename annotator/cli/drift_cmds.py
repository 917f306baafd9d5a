"""`annotator drift` (quality over time, alerts), `annotator review-stats` (assisted review:
suggestions accepted, decoys, expert agreement with and without a suggestion) and
`annotator report` (one HTML file)."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli.common import (
    add_bootstrap_arguments,
    add_json_flag,
    add_project_argument,
    one_blas_thread,
    open_from_args,
    print_json,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    drift = subparsers.add_parser(
        "drift",
        help="anchor accuracy, agreement and label distributions over time, with alerts",
    )
    add_project_argument(drift)
    add_json_flag(drift)
    drift.add_argument(
        "--apply",
        action="store_true",
        help="raise the anchor rate of annotators with new alerts (each alert once)",
    )
    drift.add_argument(
        "--series", action="store_true", help="with --json: include every point of each chart"
    )
    drift.set_defaults(func=cmd_drift)

    review = subparsers.add_parser(
        "review-stats",
        help="assisted review: suggestions accepted, decoys, agreement with and without them",
        description="Per annotator and queue: the share of suggested values accepted, decoys "
        "accepted as shown and agreement with their expert answers, expert agreement with and "
        "without a suggestion, dwell time; and the assisted-review alerts (also in `drift`).",
    )
    add_project_argument(review)
    add_json_flag(review)
    review.set_defaults(func=cmd_review_stats)

    report = subparsers.add_parser(
        "report",
        help="write agreement, drift and consensus as one self-contained HTML file",
        description="One HTML file with the dashboard's tables and charts, no script and no "
        "external link. Annotators appear under pseudonyms unless --real-names.",
    )
    add_project_argument(report)
    report.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    report.add_argument(
        "--real-names",
        action="store_true",
        help="name annotators (default: pseudonyms, as in the exports)",
    )
    add_bootstrap_arguments(report)
    report.set_defaults(func=cmd_report)


def cmd_drift(args: argparse.Namespace) -> int:
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.quality.alerts import apply_drift_alerts
    from annotator.quality.drift import drift_report, format_drift

    with open_from_args(args) as project:
        report = drift_report(project)
        applied, changes = apply_drift_alerts(project, report.alerts) if args.apply else ([], [])
    if args.json:
        out = report.to_dict(series=args.series)
        if args.apply:
            out["applied"] = [a.key for a in applied]
            out["rate_changes"] = [c.to_dict() for c in changes]
        print_json(out)
        return 0
    print(format_drift(report))
    if args.apply:
        print(f"\nApplied {len(applied)} new alert(s); {len(changes)} anchor-rate change(s).")
    return 0


def cmd_review_stats(args: argparse.Namespace) -> int:
    # lazy: the review figures are needed only by this command
    from annotator.quality.review.stats import format_review, review_stats

    with open_from_args(args) as project:
        stats = review_stats(project)
    if args.json:
        print_json({**stats, "alerts": [a.to_dict() for a in stats["alerts"]]})
        return 0
    print(format_review(stats))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    one_blas_thread()  # the same small bootstrap products as `agreement`
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.report.html import write_report

    with open_from_args(args) as project:
        path = write_report(
            project, args.out, n_boot=args.n_boot, seed=args.seed, real_names=args.real_names
        )
    names = "real names" if args.real_names else "annotators under pseudonyms"
    print(f"Wrote {path} ({names})")
    return 0
