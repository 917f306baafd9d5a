"""`annotator pack create|open|finish|merge|topup|list`: offline work packs."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.base.errors import AnnotatorError
from annotator.base.lazy import lazy_module
from annotator.cli.common import (
    add_json_flag,
    add_project_argument,
    open_from_args,
    print_json,
    print_result,
    split_names,
)

# Loaded on first use: packs pull in the store, the queue, the rubric and yaml, which
# building the parser (`annotator --help`) must not pay for.
packs = lazy_module("annotator.exchange.packs")


def register(subparsers: argparse._SubParsersAction) -> None:
    pack = subparsers.add_parser(
        "pack",
        help="offline work packs: make one per annotator, open it, merge it back",
        description=(
            "A work pack is one file with an annotator's items (anchors mixed in, no answers), "
            "the rubric version and who it is for. The annotator labels it in the app, offline; "
            "the lead merges it back, checked and idempotent."
        ),
    )
    commands = pack.add_subparsers(dest="pack_command", metavar="PACK_COMMAND", required=True)

    create = commands.add_parser("create", help="write a pack for one annotator")
    add_project_argument(create)
    create.add_argument("--annotator", required=True, help="who the pack is for")
    _add_item_options(create)
    create.add_argument("--out", required=True, type=Path, help="the pack file to write")
    create.add_argument("--rubric-version", help="label under this version (default: current)")
    create.add_argument("--no-anchors", action="store_true", help="mix no anchors in")
    create.add_argument("--no-repeats", action="store_true", help="no test-retest repeats")
    create.add_argument("--anchor-rate", type=float, help="share of anchors (default: in force)")
    create.add_argument("--note", default="", help="a note kept in the pack and the project")
    add_json_flag(create)
    create.set_defaults(func=cmd_create)

    open_ = commands.add_parser("open", help="open a pack in the app to label it")
    open_.add_argument("project", type=Path, metavar="FILE", help="the pack file")
    open_.set_defaults(func=lambda args: 0, gui=True)

    finish = commands.add_parser(
        "finish",
        help="ready to send: make the pack whole, check it, and say what to send",
        description=(
            "The annotator's last step before sending a pack (the app's File ▸ Ready to "
            "send): recovers what a crash left beside the file, runs SQLite's full "
            "integrity check and checks every label, then says what to send."
        ),
    )
    finish.add_argument("pack", type=Path, metavar="FILE", help="the pack file")
    add_json_flag(finish)
    finish.set_defaults(func=cmd_finish)

    merge = commands.add_parser(
        "merge", help="merge packs into the project (all or nothing; merging again adds nothing)"
    )
    add_project_argument(merge)
    merge.add_argument("packs", nargs="+", type=Path, metavar="FILE", help="pack file(s)")
    add_json_flag(merge)
    merge.set_defaults(func=cmd_merge)

    topup = commands.add_parser(
        "topup", help="a new version of a pack with more items, keeping its labels"
    )
    add_project_argument(topup)
    topup.add_argument("pack", type=Path, metavar="FILE", help="the pack to top up")
    _add_item_options(topup)
    topup.add_argument("--out", required=True, type=Path, help="the new pack file to write")
    topup.add_argument("--no-anchors", action="store_true", help="mix no anchors in")
    topup.add_argument("--anchor-rate", type=float, help="share of anchors (default: in force)")
    add_json_flag(topup)
    topup.set_defaults(func=cmd_topup)

    listing = commands.add_parser("list", help="the packs this project made, and their merges")
    add_project_argument(listing)
    add_json_flag(listing)
    listing.set_defaults(func=cmd_list)


def _add_item_options(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--items", help="comma-separated item ids: ID,ID,...")
    which.add_argument("--items-file", type=Path, help="a file with one item id per line")
    parser.add_argument(
        "--next", type=int, metavar="N", dest="next_n", help="the next N items of the queue"
    )


def read_item_ids(args: argparse.Namespace) -> list[str] | None:
    if args.items is not None:
        return split_names(args.items)
    if args.items_file is None:
        return None
    path = Path(args.items_file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise AnnotatorError(f"{path}: cannot read the item list ({reason}).") from None
    ids = [line.strip() for line in text.splitlines()]
    return [i for i in ids if i and not i.startswith("#")]


def cmd_create(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        info = packs.create_pack(
            project,
            args.annotator,
            args.out,
            read_item_ids(args),
            next_n=args.next_n,
            rubric_version=args.rubric_version,
            anchors=not args.no_anchors,
            repeats=not args.no_repeats,
            anchor_rate=args.anchor_rate,
            note=args.note,
        )
    return print_result(args, info)


def cmd_finish(args: argparse.Namespace) -> int:
    return print_result(args, packs.finish_pack(args.pack))


def cmd_merge(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        report = packs.merge_packs(project, args.packs)
    return print_result(args, report)


def cmd_topup(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        info = packs.top_up_pack(
            project,
            args.pack,
            read_item_ids(args),
            out=args.out,
            next_n=args.next_n,
            anchors=not args.no_anchors,
            anchor_rate=args.anchor_rate,
        )
    if args.json:
        print_json(info.to_dict())
    else:
        if info.merged is not None:
            print(info.merged.summary())
        print(info.summary())
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        rows = packs.list_packs(project)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("No work packs yet. Make one with 'annotator pack create'.")
        return 0
    head = f"{'pack':10} {'annotator':20} {'ver':>3} {'items':>6} {'answered':>8} {'merged':>7}"
    print(f"{head}  file")
    for row in rows:
        print(
            f"{row['pack_id'][:8]:10} {row['annotator'][:20]:20} {row['version']:>3} "
            f"{row['items']:>6} {row['answered']:>8} {row['labels_merged']:>7}  {row['file_name']}"
        )
    return 0
