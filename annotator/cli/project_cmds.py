"""`annotator init`, `stats`, `demo`, `open`, `recover`: making, describing and opening
projects, and applying answers a full disk kept in the recovery file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.cli.common import add_json_flag, add_project_argument, open_from_args, print_json

if TYPE_CHECKING:
    from annotator.workbench.recovery import Recovery


def register(subparsers: argparse._SubParsersAction) -> None:
    init = subparsers.add_parser("init", help="create a new, empty project file")
    add_project_argument(init)
    init.add_argument("--name", help="the project's display name (default: the file name)")
    init.set_defaults(func=cmd_init)

    stats = subparsers.add_parser("stats", help="counts of items, labels, annotators, sources")
    add_project_argument(stats)
    add_json_flag(stats)
    stats.set_defaults(func=cmd_stats)

    demo = subparsers.add_parser(
        "demo",
        help="open the app on the demo project (created on first run in your data folder)",
    )
    demo.add_argument(
        "--no-open", action="store_true", help="only create (if needed) and print the demo's path"
    )
    demo.add_argument(
        "--rebuild", action="store_true", help="rebuild the demo project from scratch"
    )
    demo.set_defaults(func=prepare_demo, gui=True, prepare=prepare_demo)

    recover = subparsers.add_parser(
        "recover",
        help="apply (or --list, --discard) answers a full disk kept in the recovery file",
    )
    recover.add_argument(
        "project", type=Path, nargs="?", help="the project file (without: list what waits)"
    )
    what = recover.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true", help="only say what is waiting")
    what.add_argument("--discard", action="store_true", help="forget this project's answers")
    add_json_flag(recover)
    recover.set_defaults(func=cmd_recover)

    open_ = subparsers.add_parser("open", help="open a project (or work pack) in the app")
    open_.add_argument("project", type=Path, nargs="?", help="project or pack file")
    open_.set_defaults(func=lambda args: 0, gui=True)


def cmd_init(args: argparse.Namespace) -> int:
    # lazy: the store (sqlite3, the schema) loads to make a project, never for --help
    from annotator.store.project import create_project

    project = create_project(args.project, name=args.name, actor=args.actor)
    print(f"Created project {project.name!r} at {project.path}")
    project.close()
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    # lazy: the counts' module loads for `stats` only, never for --help
    from annotator.quality.headline import format_stats, project_stats

    with open_from_args(args) as project:
        stats = project_stats(project)
    if args.json:
        print_json(stats)
    else:
        print(format_stats(stats))
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    """Headless twin of the app's recovery banner: the same core calls, so a person on a
    machine without a display (or a lead helping them) can land the kept answers."""
    # lazy: the workbench (store, sessions) loads for this command only
    from annotator.base.errors import AnnotatorError
    from annotator.workbench import recovery

    if args.project is None:
        if args.discard:
            raise AnnotatorError("--discard needs the PROJECT whose answers to forget.")
        waiting = recovery.waiting_recoveries()
        if args.json:
            print_json([_recovery_dict(r) for r in waiting])
            return 0
        if not waiting:
            print(f"Nothing is waiting in {recovery.recovery_path()}.")
        for part in waiting:
            print(f"{part.project_path}: {_what(part)} kept {part.written_at[:16]}")
        return 0
    with open_from_args(args) as project:
        part = recovery.recovery_for(project)
        if args.list or part is None:
            if args.json:
                print_json(None if part is None else _recovery_dict(part))
            else:
                print(
                    f"{project.path}: " + ("nothing is waiting." if part is None else _what(part))
                )
            return 0
        if args.discard:
            recovery.discard_recovery(project)
            print(f"Discarded {_what(part)} for {project.path}.")
            return 0
        outcome = recovery.apply_recovery(project)
    if args.json:
        print_json(vars(outcome))
    else:
        print(
            f"Wrote {outcome.landed} label(s) and restored {outcome.drafts} draft(s)"
            + (f"; {outcome.left} still unwritten (kept in the file)." if outcome.left else ".")
        )
    if outcome.error:
        print(f"annotator: {outcome.error}", file=sys.stderr)
        return 1
    return 0


def _what(part: Recovery) -> str:
    labels, drafts = len(part.labels), len(part.drafts)
    return f"{labels} unwritten label(s) and {drafts} draft(s)"


def _recovery_dict(part: Recovery) -> dict:
    return {
        "project_id": part.project_id,
        "project_path": part.project_path,
        "written_at": part.written_at,
        "labels": len(part.labels),
        "drafts": len(part.drafts),
        "annotators": sorted({e.annotator for e in part.labels}),
    }


def prepare_demo(args: argparse.Namespace) -> None:
    """Create the demo project before the GUI opens it (headless, in the core)."""
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.demo import ensure_demo

    args.project = ensure_demo(rebuild=args.rebuild)
    if args.no_open:
        print(args.project)
        args.gui = False
