"""`annotator assign`, `queue`, `unassign`, `anchors ...` and `annotators mode`: the lead's
controls over who labels what, the anchors hidden in it, and training mode."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from annotator.base.lazy import lazy_module
from annotator.cli import throughput_cmd
from annotator.cli.choices import DEFAULT_SOURCE
from annotator.cli.common import (
    add_json_flag,
    add_project_argument,
    assign_options,
    open_from_args,
    print_json,
    print_records,
    print_result,
    split_names,
)
from annotator.cli.review_args import (
    add_review_arguments,
    apply_review_arguments,
    check_review_arguments,
)
from annotator.cli.route_cmds import (
    add_route_arguments,
    check_route_only,
    cmd_route_assign,
    cmd_routing_log,
)

# Loaded on first use: the queue and anchors pull in the store, the rubric and yaml,
# which building the parser (`annotator --help`) must not pay for.
anchors = lazy_module("annotator.anchors.anchors")
anchor_rate = lazy_module("annotator.anchors.rate")
anchor_scoring = lazy_module("annotator.anchors.scoring")
assignments = lazy_module("annotator.queue.assignments")
queue = lazy_module("annotator.queue.queue")


def register(subparsers: argparse._SubParsersAction) -> None:
    _register_assign(subparsers)
    _register_queue(subparsers)
    _register_anchors(subparsers)
    _register_annotators(subparsers)


# -- assign / unassign --------------------------------------------------------------------
def _register_assign(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "assign",
        help="assign items to annotators (with overlap for agreement), and set their queues",
        description=(
            "Distribute items over annotators: all unassigned items, a random sample, or one "
            "slice tag. A share (--overlap) goes to k annotators each, balanced so every pair "
            "of annotators shares items; the rest to one each. Anchors and items already "
            "assigned are left out. Missing annotators are created in --source."
        ),
    )
    add_project_argument(parser)
    parser.add_argument("--annotators", required=True, help="comma-separated names: A,B,C")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--sample", type=int, metavar="N", help="a random sample of N items")
    which.add_argument("--slice", metavar="KEY=VALUE", help="only items with this slice tag")
    parser.add_argument(
        "--overlap", type=float, default=0.0, help="share of items labeled by k annotators"
    )
    parser.add_argument("--k", type=int, help="annotators per overlapped item (default 3)")
    parser.add_argument("--anchor-rate", type=float, help="share of anchors in the queue (0.1)")
    parser.add_argument("--repeat-rate", type=float, help="share of repeats (e.g. 0.03)")
    parser.add_argument("--seed", type=int, help="seed for the split and the queue order")
    parser.add_argument(
        "--source",
        default=DEFAULT_SOURCE,
        help="label source for new annotators (default: experts, kind expert)",
    )
    parser.add_argument("--min-gap", type=int, help="at least this many items between anchors")
    parser.add_argument("--jitter", type=float, help="spread of the gap between anchors (0..1)")
    parser.add_argument(
        "--anchor-window", type=int, help="items before an anchor may come back to a person"
    )
    parser.add_argument(
        "--anchor-window-days", type=float, help="days before an anchor may come back"
    )
    parser.add_argument("--repeat-delay", type=int, help="items before a repeat may come back")
    add_review_arguments(parser)
    add_route_arguments(parser)
    add_json_flag(parser)
    parser.set_defaults(func=cmd_assign)

    remove = subparsers.add_parser(
        "unassign", help="take items out of one annotator's queue (skipped ones stay away)"
    )
    add_project_argument(remove)
    remove.add_argument("--annotator", required=True, help="whose queue")
    remove.add_argument("items", nargs="+", metavar="ITEM_ID", help="item id(s)")
    remove.add_argument("--reason", default="", help="why (kept in the audit log)")
    remove.set_defaults(func=cmd_unassign)


def cmd_assign(args: argparse.Namespace) -> int:
    check_route_only(args)
    if args.route_by_judge:
        return cmd_route_assign(args)
    with open_from_args(args) as project:
        check_review_arguments(project, args)
        result = assignments.assign(
            project,
            split_names(args.annotators),
            sample=args.sample,
            slice_=assignments.parse_slice(args.slice) if args.slice else None,
            **assign_options(args),
        )
        apply_review_arguments(project, args)
    return print_result(args, result)


def cmd_unassign(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        count = assignments.remove_from_queue(project, args.annotator, args.items, args.reason)
    print(f"Took {count} item(s) out of {args.annotator}'s queue.")
    return 0


# -- queue -----------------------------------------------------------------------------------
def _register_queue(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "queue",
        help="show what an annotator will see next (lead only: it marks anchors and repeats)",
    )
    add_project_argument(parser)
    parser.add_argument(
        "--annotator", help="whose queue (required without --status; with it: only theirs)"
    )
    parser.add_argument("--next", type=int, default=20, metavar="N", help="how many (default 20)")
    parser.add_argument(
        "--status",
        action="store_true",
        help="throughput instead: labels per active hour, backlog, the day it clears",
    )
    parser.add_argument(
        "--routing",
        action="store_true",
        help="judge-first routing decisions instead: when, how many to people and why",
    )
    parser.add_argument("--judge", metavar="NAME", help="with --routing: only this judge's")
    parser.add_argument(
        "--by", metavar="DATE", help="with --status: what clearing the backlog by DATE takes"
    )
    parser.add_argument(
        "--at", metavar="TIME", help="with --status: figures as of this time (default now)"
    )
    add_json_flag(parser)
    parser.set_defaults(func=cmd_queue)


def cmd_queue(args: argparse.Namespace) -> int:
    if args.status and args.routing:
        # lazy: the queue's error loads only to be raised
        from annotator.queue.settings import QueueError

        raise QueueError("Choose one: --status or --routing.")
    if args.routing:
        return cmd_routing_log(args)
    if args.judge:
        # lazy: as above
        from annotator.queue.settings import QueueError

        raise QueueError("--judge goes with --routing.")
    if args.status:
        return throughput_cmd.cmd_queue_status(args)
    # lazy: the queue's error and the labels load for this command, never for --help
    from annotator.labels.labels import require_annotator
    from annotator.queue.settings import QueueError

    if not args.annotator:
        raise QueueError("Name whose queue to show (--annotator NAME), or use --status.")
    if args.by or args.at:
        raise QueueError("--by and --at go with --status.")
    with open_from_args(args) as project:
        person = require_annotator(project, args.annotator)
        entries = queue.preview(project, person.id, max(0, args.next))
        status = queue.queue_status(project, person.id)
    if args.json:
        print_json([entry.to_dict() for entry in entries])
        return 0
    print(f"{args.annotator}: {status.done} done, about {status.remaining} to go.")
    if not entries:
        print("  The queue is empty.")
    for entry in entries:
        print(f"  {entry.position:>7}  {entry.kind:<7} {entry.item_id}")
    return 0


# -- anchors --------------------------------------------------------------------------------
def _register_anchors(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "anchors", help="anchor items with reference answers: add, list, retire, confirm"
    )
    commands = parser.add_subparsers(dest="anchors_command", metavar="ACTION", required=True)

    add = commands.add_parser(
        "add",
        help="add anchors from a JSONL file (all or nothing)",
        description=(
            'Each line: {"item_id": ..., "values": {criterion: value}, "rationale": "...", '
            '"tolerance": {criterion: number}} (tolerance optional). Every line is checked '
            "against the rubric version; one bad line means nothing is added. Adding an item "
            "that is already an anchor replaces its reference."
        ),
    )
    add_project_argument(add)
    add.add_argument("file", type=Path, help="JSONL file of anchors")
    add.add_argument("--rubric-version", help="version the references are for (default: current)")
    add_json_flag(add)
    add.set_defaults(func=cmd_anchors_add)

    list_ = commands.add_parser("list", help="list anchors (reference answers included)")
    add_project_argument(list_)
    list_.add_argument(
        "--status",
        choices=("active", "needs_review", "retired", "all"),
        help="default: every anchor in use (active and needs_review)",
    )
    add_json_flag(list_)
    list_.set_defaults(func=cmd_anchors_list)

    retire = commands.add_parser("retire", help="stop using items as anchors")
    add_project_argument(retire)
    retire.add_argument("items", nargs="+", metavar="ITEM_ID")
    retire.add_argument("--reason", default="", help="why (kept in the audit log)")
    retire.set_defaults(func=cmd_anchors_retire)

    confirm = commands.add_parser(
        "confirm", help="confirm an anchor's reference still holds after a rubric change"
    )
    add_project_argument(confirm)
    confirm.add_argument("items", nargs="+", metavar="ITEM_ID")
    confirm.add_argument(
        "--criterion", action="append", help="only this criterion (repeatable; default: all)"
    )
    confirm.set_defaults(func=cmd_anchors_confirm)

    rate_log = commands.add_parser("rate-log", help="when and why anchor rates changed")
    add_project_argument(rate_log)
    rate_log.add_argument("--annotator", help="only this annotator")
    add_json_flag(rate_log)
    rate_log.set_defaults(func=cmd_anchors_rate_log)

    accuracy = commands.add_parser("accuracy", help="anchor accuracy per annotator and criterion")
    add_project_argument(accuracy)
    add_json_flag(accuracy)
    accuracy.set_defaults(func=cmd_anchors_accuracy)


def cmd_anchors_add(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        report = anchors.add_anchor_file(project, args.file, args.rubric_version)
    if args.json:
        print_json(
            {"added": report.added, "replaced": report.replaced, "unchanged": report.unchanged}
        )
    else:
        print(f"{args.file.name}: {report.summary()}")
    return 0


def cmd_anchors_list(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        found = anchors.list_anchors(project, args.status)
    return print_records(args, found, "No anchors.", _anchor_line)


def _anchor_line(anchor: Any) -> str:
    review = f"  review: {', '.join(sorted(anchor.review))}" if anchor.review else ""
    return f"{anchor.item_id:<24} {anchor.status:<13} {anchor.reference}{review}"


def cmd_anchors_retire(args: argparse.Namespace) -> int:
    with open_from_args(args) as project, project.transaction():
        for item_id in args.items:
            anchors.retire_anchor(project, item_id, args.reason)
    print(f"Retired {len(args.items)} anchor(s).")
    return 0


def cmd_anchors_confirm(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        for item_id in args.items:
            anchor = anchors.confirm_anchor(project, item_id, args.criterion)
            print(f"{item_id}: {anchor.status}")
    return 0


def cmd_anchors_rate_log(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        changes = anchor_rate.rate_log(project, args.annotator)
    return print_records(
        args,
        changes,
        "No anchor-rate changes.",
        lambda c: f"{c.at}  {c.annotator:<20} {c.old_rate:.2f} -> {c.new_rate:.2f}  {c.reason}",
    )


def cmd_anchors_accuracy(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        rows = anchor_scoring.anchor_accuracy(project)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("No scored anchor labels yet.")
    for row in rows:
        print(
            f"{row['annotator']:<20} {row['criterion']:<16} {row['accuracy']:.0%}  (n={row['n']})"
        )
    return 0


# -- annotators -----------------------------------------------------------------------------
def _register_annotators(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("annotators", help="annotators' modes")
    commands = parser.add_subparsers(dest="annotators_command", metavar="ACTION", required=True)
    mode = commands.add_parser(
        "mode",
        help="training (show the anchor's reference after submit) or silent (production)",
    )
    add_project_argument(mode)
    mode.add_argument("name", help="the annotator")
    mode.add_argument("mode", choices=("training", "silent"))
    mode.set_defaults(func=cmd_annotators_mode)


def cmd_annotators_mode(args: argparse.Namespace) -> int:
    # lazy: labels and sources load with the store, for this command only
    from annotator.labels.labels import require_annotator
    from annotator.sources.sources import set_annotator_mode

    with open_from_args(args) as project:
        require_annotator(project, args.name)
        person = set_annotator_mode(project, args.name, args.mode)
    print(f"{person.name} is now in {person.mode} mode.")
    return 0
