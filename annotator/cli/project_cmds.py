"""`annotator init`, `stats`, `demo`, `open`: making, describing and opening projects."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli.common import add_json_flag, add_project_argument, open_from_args, print_json


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


def prepare_demo(args: argparse.Namespace) -> None:
    """Create the demo project before the GUI opens it (headless, in the core)."""
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.demo import ensure_demo

    args.project = ensure_demo(rebuild=args.rebuild)
    if args.no_open:
        print(args.project)
        args.gui = False
