"""`annotator session create|list|progress|reveal|adjudicate|promote|note|round|summary|close|
packs|merge`:
calibration sessions from the command line (the calibration screen does the same)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from annotator.base.errors import AnnotatorError
from annotator.base.lazy import lazy_module
from annotator.cli.choices import SESSION_MODES
from annotator.cli.common import (
    add_bootstrap_arguments,
    add_json_flag,
    add_project_argument,
    open_from_args,
    print_json,
    print_records,
    split_names,
)

# Loaded on first use: they pull in the statistics stack (numpy, pandas).
cal = lazy_module("annotator.calibration.sessions")
decisions = lazy_module("annotator.calibration.decisions")
reveal_module = lazy_module("annotator.calibration.reveal")
summaries = lazy_module("annotator.calibration.summary")


def register(subparsers: argparse._SubParsersAction) -> None:
    session = subparsers.add_parser(
        "session",
        help="calibration sessions: blind round, reveal, adjudicate, round 2, summary",
    )
    commands = session.add_subparsers(dest="session_command", metavar="ACTION", required=True)

    create = commands.add_parser(
        "create",
        help="create a session with its blind round 1",
        description=(
            "Create a calibration session: its participants, its items (one way: --items, "
            "--lowest N, --anchors [N] or --sample N), the rubric version and the mode "
            "(room: one machine, participants take turns; packs: one work pack each)."
        ),
    )
    add_project_argument(create)
    create.add_argument("--name", required=True, help="the session's name")
    create.add_argument("--participants", required=True, help="comma-separated names: A,B,C")
    which = create.add_mutually_exclusive_group(required=True)
    which.add_argument("--items", help="comma-separated item ids, in the order to show them")
    which.add_argument("--items-file", type=Path, help="a file with one item id per line")
    which.add_argument("--lowest", type=int, metavar="N", help="the N lowest-agreement items")
    which.add_argument(
        "--anchors", nargs="?", const=0, type=int, metavar="N", help="active anchors (N of them)"
    )
    which.add_argument("--sample", type=int, metavar="N", help="a random sample of N items")
    create.add_argument("--criterion", help="with --lowest: agreement on this criterion only")
    create.add_argument("--sources", help="with --lowest: only these sources' labels (A,B)")
    create.add_argument("--seed", type=int, help="seed for --sample and --anchors N")
    create.add_argument("--rubric-version", help="version number or NAME:NUMBER (default: current)")
    create.add_argument("--mode", choices=SESSION_MODES, default="room")
    add_json_flag(create)
    create.set_defaults(func=cmd_create)

    lst = commands.add_parser("list", help="list sessions")
    add_project_argument(lst)
    add_json_flag(lst)
    lst.set_defaults(func=cmd_list)

    def with_session(name: str, help_text: str, func: Any, round_arg: bool = True) -> Any:
        parser = commands.add_parser(name, help=help_text)
        add_project_argument(parser)
        parser.add_argument("session", help="session id or name")
        if round_arg:
            parser.add_argument("--round", type=int, help="round number (default: the latest)")
        parser.set_defaults(func=func)
        return parser

    progress = with_session("progress", "who has answered how many items (no values)", cmd_progress)
    add_json_flag(progress)

    shown = with_session("reveal", "reveal a round and show everyone's values", cmd_reveal)
    shown.add_argument(
        "--force",
        action="store_true",
        help="reveal even though some participants have not answered every item",
    )
    add_bootstrap_arguments(shown, seed=False)
    add_json_flag(shown)

    decide = with_session(
        "adjudicate", "set the consensus value of an item and criterion", cmd_adjudicate, False
    )
    decide.add_argument("item", help="item id")
    decide.add_argument("criterion", help="criterion key")
    decide.add_argument("value", help="the value (multilabel: a;b)")
    decide.add_argument("--rationale", default="", help="why (kept with the decision)")
    decide.add_argument(
        "--promote", action="store_true", help="then make the item an anchor with the decisions"
    )
    add_json_flag(decide)

    promote = with_session("promote", "make a decided item an anchor", cmd_promote, False)
    promote.add_argument("item", help="item id")
    promote.add_argument("--rationale", default="", help="the anchor's rationale")
    add_json_flag(promote)

    note = with_session("note", "write a guideline note", cmd_note, False)
    note.add_argument("text", help="the note")
    note.add_argument("--item", help="the item it is about")
    note.add_argument("--criterion", help="the criterion it is about")

    again = with_session("round", "start the next blind round", cmd_round, False)
    again.add_argument("--items", help="fresh item ids A,B (default: round 1's items)")
    again.add_argument("--rubric-version", help="version (default: the current one)")
    add_json_flag(again)

    summary = with_session(
        "summary", "participants, agreement before/after, decisions", cmd_summary, False
    )
    add_bootstrap_arguments(summary, seed=False)
    add_json_flag(summary)

    with_session("close", "close a session", cmd_close, False)

    made = with_session("packs", "write a blind work pack per participant (packs mode)", cmd_packs)
    made.add_argument("--out", type=Path, required=True, help="the folder to write them to")
    add_json_flag(made)

    merge = with_session("merge", "merge participants' packs into the round", cmd_merge)
    merge.add_argument("files", nargs="+", type=Path, help="pack files")
    add_json_flag(merge)


def cmd_create(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        items = None
        if args.items:
            items = split_names(args.items)
        elif args.items_file:
            text = args.items_file.read_text(encoding="utf-8")
            items = [line.strip() for line in text.splitlines() if line.strip()]
        selection = cal.select_items(
            project,
            items=items,
            lowest=args.lowest,
            criterion=args.criterion,
            sources=split_names(args.sources) if args.sources else None,
            anchors=(args.anchors or True) if args.anchors is not None else None,
            sample=args.sample,
            seed=args.seed,
        )
        session = cal.create_session(
            project,
            args.name,
            split_names(args.participants),
            selection,
            rubric_version=args.rubric_version,
            mode=args.mode,
        )
    if args.json:
        print_json(session.to_dict())
    else:
        print(
            f"Session {session.id} {session.name!r}: {len(session.items)} items, "
            f"participants {', '.join(session.participants)}; round 1 is open and blind."
        )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        sessions = cal.list_sessions(project)
    return print_records(
        args, sessions, "No calibration sessions yet ('annotator session create').", _session_line
    )


def _session_line(s: cal.Session) -> str:
    rounds = ", ".join(f"round {r.number} {r.status}" for r in s.rounds)
    return (
        f"{s.id}  {s.name}  {s.mode}  {s.status}  {len(s.items)} items  "
        f"{', '.join(s.participants)}  ({rounds})"
    )


def cmd_progress(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        counts = cal.round_progress(project, args.session, args.round)
    if args.json:
        print_json({name: {"answered": d, "items": n} for name, (d, n) in counts.items()})
    else:
        for name, (done, total) in counts.items():
            print(f"{name}: {done} of {total}")
    return 0


def cmd_reveal(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        if not args.force:
            _refuse_unfinished(project, args.session, args.round)
        cal.reveal_round(project, args.session, args.round)
        shown = reveal_module.reveal(project, args.session, args.round, n_boot=args.n_boot)
    if args.json:
        print_json(shown.to_dict())
        return 0
    print(f"{shown.session.name}, round {shown.round.number} under {shown.version.label}")
    for name, figures in shown.agreement.items():
        alpha = figures.get("alpha")
        ci = figures.get("alpha_ci")
        text = (
            "—"
            if alpha is None
            else f"{alpha:.2f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")
        )
        print(f"  alpha {name}: {text}")
    for item in shown.items:
        score = "—" if item.disagreement is None else f"{item.disagreement:.2f}"
        print(f"\n{item.item_id}  (disagreement {score})")
        for criterion in item.criteria:
            values = "  |  ".join(f"{who}: {text}" for who, _, text in criterion.values)
            print(f"  {criterion.title}: {values}")
        for answer in item.answers:
            said = " ".join(x for x in (answer.rationale, answer.note) if x)
            if said:
                print(f"    {answer.participant}: {said}")
        if item.missing:
            print(f"    no answer from {', '.join(item.missing)}")
    return 0


def _refuse_unfinished(project: Any, session: str, number: int | None) -> None:
    """A blind round is revealed once: not before every answer is in, unless forced
    (the calibration screen asks the same question)."""
    if cal.get_session(project, session).round(number).revealed:
        return
    counts = cal.round_progress(project, session, number)
    missing = [
        f"{name} {done} of {total}" for name, (done, total) in counts.items() if done < total
    ]
    if missing:
        raise AnnotatorError(
            f"Round not finished: {', '.join(missing)} answered. Revealing ends the blind "
            "round for good; wait for the answers, or pass --force to reveal now."
        )


def cmd_adjudicate(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        decision = decisions.adjudicate_item(
            project, args.session, args.item, args.criterion, args.value, args.rationale or None
        )
        anchor = (
            decisions.promote_to_anchor(project, args.session, args.item) if args.promote else None
        )
    if args.json:
        out = decision.to_dict()
        out["anchor"] = anchor.to_dict() if anchor else None
        print_json(out)
    else:
        print(f"Decided {args.item} {args.criterion} = {decision.value!r}.")
        if anchor:
            print(f"{args.item} is now an anchor with reference {anchor.reference}.")
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        anchor = decisions.promote_to_anchor(
            project, args.session, args.item, args.rationale or None
        )
    if args.json:
        print_json(anchor.to_dict())
    else:
        print(f"{args.item} is now an anchor with reference {anchor.reference}.")
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        cal.add_note(project, args.session, args.text, item_id=args.item, criterion=args.criterion)
    print("Note kept.")
    return 0


def cmd_round(args: argparse.Namespace) -> int:
    # lazy: the rubric (yaml, the store) loads for this command, never for --help
    from annotator.rubric.versions import get_version

    with open_from_args(args) as project:
        chosen = cal.start_round(
            project,
            args.session,
            split_names(args.items) if args.items else None,
            rubric_version=args.rubric_version,
        )
        version = get_version(project, chosen.rubric_version_id)
    if args.json:
        print_json(chosen.to_dict())
    else:
        print(
            f"Round {chosen.number} is open and blind: {len(chosen.items)} items "
            f"under {version.label}."
        )
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        data = summaries.session_summary(project, args.session, n_boot=args.n_boot)
    if args.json:
        print_json(data)
    else:
        print(summaries.summary_markdown(data))
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        session = cal.close_session(project, args.session)
    print(f"Session {session.name!r} is closed.")
    return 0


def cmd_packs(args: argparse.Namespace) -> int:
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.calibration.packs import make_round_packs

    with open_from_args(args) as project:
        made = make_round_packs(project, args.session, args.out, args.round)
    if args.json:
        print_json([info.to_dict() for info in made])
    elif not made:
        print("Every participant already has a pack for this round.")
    for info in made if not args.json else []:
        print(f"{info.annotator}: {info.path} ({info.items} items)")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.calibration.packs import merge_round_packs

    with open_from_args(args) as project:
        report, linked = merge_round_packs(project, args.session, args.files, args.round)
    if args.json:
        print_json({"merge": report.to_dict(), "linked": linked})
    else:
        print(report.summary())
        print("Answers added to the round: " + ", ".join(f"{k} {n}" for k, n in linked.items()))
    return 0
