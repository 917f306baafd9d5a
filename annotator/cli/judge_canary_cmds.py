"""`annotator judge canary add|list|remove|run` and `judge run --canary`: a judge's canary
set (items with known answers it is asked on every canary run) and its runs."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Callable

from annotator.cli.common import add_json_flag, add_project_argument, open_from_args, print_json


def register(sub: argparse._SubParsersAction) -> None:
    """Add `judge canary ...` to the judge subcommands, and `--canary` to `judge run`."""
    canary = sub.add_parser(
        "canary",
        help="a judge's canary set: known answers it is re-asked to catch silent drift",
        description=(
            "Canaries are anchors or expert-labeled items whose expected answers are frozen "
            "when chosen and never sent to the judge. A canary run asks every canary again "
            "and scores the answers; `annotator drift` charts them and alerts on a drop."
        ),
    )
    verbs = canary.add_subparsers(dest="canary_command", metavar="SUBCOMMAND", required=True)

    add = verbs.add_parser("add", help="add items to a judge's canary set")
    add_project_argument(add)
    add.add_argument("name", help="the judge")
    add.add_argument("--anchors", action="store_true", help="the active anchors")
    add.add_argument(
        "--expert", action="store_true", help="expert-labeled items (adjudicated, else consensus)"
    )
    add.add_argument("--items", nargs="+", metavar="ID", help="these items")
    add.add_argument("--n", type=int, help="at most this many new canaries (import order)")
    add.add_argument("--by", default="lead", help="who chose them (default: lead)")
    add_json_flag(add)
    add.set_defaults(func=cmd_canary_add)

    listing = verbs.add_parser("list", help="a judge's canary set and expected answers")
    add_project_argument(listing)
    listing.add_argument("name", help="the judge")
    listing.add_argument("--removed", action="store_true", help="past canaries too")
    add_json_flag(listing)
    listing.set_defaults(func=cmd_canary_list)

    remove = verbs.add_parser("remove", help="take items out of the set (answers stay)")
    add_project_argument(remove)
    remove.add_argument("name", help="the judge")
    group = remove.add_mutually_exclusive_group(required=True)
    group.add_argument("--items", nargs="+", metavar="ID", help="these items")
    group.add_argument("--all", action="store_true", help="the whole set")
    add_json_flag(remove)
    remove.set_defaults(func=cmd_canary_remove)

    run = verbs.add_parser("run", help="ask every canary again and score the answers")
    add_project_argument(run)
    run.add_argument("name", help="the judge")
    run.add_argument("--concurrency", type=int, default=4, help="calls in flight (default 4)")
    run.add_argument(
        "--accept-new-version",
        action="store_true",
        help="when the server reports another model or fingerprint, go on under a new version",
    )
    add_json_flag(run)
    run.set_defaults(func=cmd_canary_run)

    judge_run = sub.choices["run"]
    judge_run.add_argument(
        "--canary", action="store_true", help="run the judge's canary set first, then the items"
    )
    judge_run.set_defaults(func=_with_canaries(judge_run.get_default("func")))


def cmd_canary_add(args: argparse.Namespace) -> int:
    # lazy: the judges package loads only for judge commands
    from annotator.judges.canary import CanaryError, add_canaries

    choice = "+".join(c for c, on in (("anchors", args.anchors), ("expert", args.expert)) if on)
    if args.items and choice:
        raise CanaryError("Give --items, or --anchors and/or --expert, not both.")
    if not args.items and not choice:
        raise CanaryError("Say which items: --anchors, --expert or --items ID ...")
    with open_from_args(args) as project:
        change = add_canaries(project, args.name, args.items or choice, n=args.n, by=args.by)
    if args.json:
        print_json(change.to_dict())
    else:
        print(change.summary())
    return 0


def cmd_canary_list(args: argparse.Namespace) -> int:
    # lazy: json prints the list, never needed to build the parser
    import json

    # lazy: the judges package loads only for judge commands
    from annotator.judges.canary import list_canaries

    with open_from_args(args) as project:
        canaries = list_canaries(project, args.name, removed=args.removed)
    if args.json:
        print_json([c.to_dict() for c in canaries])
        return 0
    if not canaries:
        print(f"Judge {args.name!r} has no canaries; add some with `judge canary add`.")
    for c in canaries:
        gone = f", removed {c.removed_at}" if c.removed_at else ""
        expected = json.dumps(c.expected, ensure_ascii=False, sort_keys=True)
        print(
            f"{c.item_id} ({c.origin}, added {c.added_at[:10]} by {c.added_by}{gone}): {expected}"
        )
    return 0


def cmd_canary_remove(args: argparse.Namespace) -> int:
    # lazy: the judges package loads only for judge commands
    from annotator.judges.canary import remove_canaries

    with open_from_args(args) as project:
        change = remove_canaries(project, args.name, None if args.all else args.items)
    if args.json:
        print_json(change.to_dict())
    else:
        print(change.summary())
    return 0


def cmd_canary_run(args: argparse.Namespace) -> int:
    # lazy: the judges package (and openai) load only for judge commands
    from annotator.judges.canary_run import format_canary_run, run_canaries

    result = run_canaries(
        args.project,
        args.name,
        concurrency=args.concurrency,
        accept_new_version=args.accept_new_version,
    )
    if args.json:
        print_json(result.to_dict())
    else:
        print(format_canary_run(result))
    return _exit_code(result.stopped_reason)


def _exit_code(stopped: str | None) -> int:
    return 3 if stopped == "version_changed" else (130 if stopped else 0)


Command = Callable[[argparse.Namespace], int]


def _with_canaries(run_items: Command) -> Command:
    """`judge run` with `--canary`: the canary run first (a stop there ends the command),
    then the run as usual; with --json both results in one object."""

    def run(args: argparse.Namespace) -> int:
        if not args.canary or args.dry_run:
            return run_items(args)
        # lazy: the judges package (and openai) load only for judge commands
        from annotator.judges.canary_run import format_canary_run, run_canaries

        first = run_canaries(
            args.project,
            args.name,
            concurrency=args.concurrency,
            accept_new_version=args.accept_new_version,
        )
        if first.stopped_reason is not None or not args.json:
            if args.json:
                print_json({"canary": first.to_dict()})
            else:
                print(format_canary_run(first))
                sys.stdout.flush()
            if first.stopped_reason is not None:
                return _exit_code(first.stopped_reason)
            return run_items(args)
        import json  # lazy: with the judge run, not when the parser is built

        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            code = run_items(args)
        print_json({**json.loads(captured.getvalue()), "canary": first.to_dict()})
        return code

    return run
