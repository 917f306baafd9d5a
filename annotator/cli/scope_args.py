"""The filter options `annotator sources` and `annotator export` share, and their parsing."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from annotator.cli.choices import ANCHOR_CHOICES
from annotator.cli.common import split_names

if TYPE_CHECKING:
    from annotator.labels.scope import Scope
    from annotator.store.project import Project


def add_scope_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters")
    group.add_argument(
        "--rubric-version", metavar="N", help="only labels made under this rubric version"
    )
    group.add_argument(
        "--criterion", action="append", metavar="KEY", help="only this criterion (repeatable)"
    )
    group.add_argument(
        "--tag",
        action="append",
        metavar="KEY=VALUE",
        help="only items with this slice tag (repeatable; the same key twice allows either)",
    )
    group.add_argument(
        "--source",
        action="append",
        metavar="NAME",
        help="only labels from these sources or kinds (repeatable, or comma-separated)",
    )
    group.add_argument("--since", metavar="TIME", help="labels submitted at or after (ISO 8601)")
    group.add_argument("--until", metavar="TIME", help="labels submitted before (ISO 8601)")
    group.add_argument(
        "--min-agreement",
        type=float,
        metavar="SHARE",
        help="only items whose agreement (0..1, 1 - disagreement) is at least this; "
        "items with fewer than two labels are left out",
    )
    group.add_argument(
        "--anchors",
        choices=ANCHOR_CHOICES,
        default="include",
        help="anchor items in (default), out, or only",
    )


def scope_from_args(project: Project, args: argparse.Namespace) -> Scope:
    # lazy: the scope and the rubric load with the command, never for --help
    from annotator.labels.scope import Scope
    from annotator.rubric.versions import resolve_version

    version = resolve_version(project, args.rubric_version).id if args.rubric_version else None
    sources = [name for text in args.source or [] for name in split_names(text)]
    return Scope.parse(
        rubric_version=version,
        criteria=args.criterion,
        tags=args.tag,
        sources=sources or None,
        since=args.since,
        until=args.until,
        min_agreement=args.min_agreement,
        anchors=args.anchors,
    )
