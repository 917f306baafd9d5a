"""`annotator assign --assisted --decoy-rate R --suggest-from JUDGE`: the assisted-review
queue settings, set per annotator after the assignment (kept apart from queue_cmds)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from annotator.cli.common import split_names

if TYPE_CHECKING:
    from annotator.store.project import Project


def add_review_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--assisted",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a judge's answer and rationale beside the form (off by default)",
    )
    parser.add_argument(
        "--decoy-rate",
        type=float,
        help="share of entries that are decoys: known-answer items with a wrong suggestion "
        "(at most the anchor rate; e.g. 0.05)",
    )
    parser.add_argument(
        "--suggest-from", metavar="JUDGE", help="judge (or source) whose labels are suggested"
    )


def check_review_arguments(project: Project, args: argparse.Namespace) -> None:
    """Refuse, before anything is assigned, a decoy rate the anchor rate cannot carry."""
    if args.decoy_rate is None:
        return
    # lazy: the queue settings load with the store, for assigning only
    from annotator.queue.settings import DEFAULT_ANCHOR_RATE, QueueError, get_settings

    if not 0.0 <= args.decoy_rate < 1.0:
        raise QueueError(f"The decoy rate must be at least 0 and below 1 (got {args.decoy_rate}).")
    for name in split_names(args.annotators):
        row = project.row("SELECT id FROM annotators WHERE name = ?", (name,))
        current = get_settings(project, row[0]) if row else None
        anchor = args.anchor_rate
        if anchor is None:
            anchor = current.anchor_rate if current and current.stored else DEFAULT_ANCHOR_RATE
        if args.decoy_rate > anchor:
            raise QueueError(
                f"{name}: decoys ride on anchors, so the decoy rate ({args.decoy_rate}) cannot "
                f"exceed the anchor rate ({anchor}); raise --anchor-rate or lower --decoy-rate. "
                "Nothing was assigned."
            )


def apply_review_arguments(project: Project, args: argparse.Namespace) -> None:
    """Set the assisted-review settings of every named annotator (when any was given)."""
    changes = {
        "assisted": args.assisted,
        "decoy_rate": args.decoy_rate,
        "suggest_from": args.suggest_from,
    }
    if all(value is None for value in changes.values()):
        return
    # lazy: labels and the queue settings load with the store, for assigning only
    from annotator.labels.labels import require_annotator
    from annotator.queue.settings import configure

    with project.transaction():
        for name in split_names(args.annotators):
            configure(project, require_annotator(project, name).id, **changes)
