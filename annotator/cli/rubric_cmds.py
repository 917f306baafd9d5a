"""`annotator rubric publish|list|show|diff`."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli.common import add_json_flag, add_project_argument, open_from_args, print_json
from annotator.rubric_diff import diff_rubrics
from annotator.rubric_file import load_rubric_file, rubric_to_yaml
from annotator.rubrics import list_versions, publish, resolve_version


def register(subparsers: argparse._SubParsersAction) -> None:
    rubric = subparsers.add_parser("rubric", help="publish, list, show and diff rubric versions")
    commands = rubric.add_subparsers(dest="rubric_command", metavar="ACTION", required=True)

    pub = commands.add_parser("publish", help="publish a rubric YAML file as a new version")
    add_project_argument(pub)
    pub.add_argument("file", type=Path, help="rubric YAML (keys: rubric, guidelines, criteria)")
    pub.add_argument("--note", default="", help="change note for this version")
    pub.add_argument("--activate", action="store_true", help="make this the project's rubric")
    add_json_flag(pub)
    pub.set_defaults(func=cmd_publish)

    lst = commands.add_parser("list", help="list published versions")
    add_project_argument(lst)
    add_json_flag(lst)
    lst.set_defaults(func=cmd_list)

    show = commands.add_parser("show", help="show a version (default: the current one)")
    add_project_argument(show)
    show.add_argument("version", nargs="?", help="version number, or NAME:NUMBER")
    show.add_argument("--yaml", action="store_true", help="print it as a rubric file")
    add_json_flag(show)
    show.set_defaults(func=cmd_show)

    diff = commands.add_parser("diff", help="what changed between two versions")
    add_project_argument(diff)
    diff.add_argument("v1", help="older version (number or NAME:NUMBER)")
    diff.add_argument("v2", help="newer version")
    add_json_flag(diff)
    diff.set_defaults(func=cmd_diff)


def cmd_publish(args: argparse.Namespace) -> int:
    draft = load_rubric_file(args.file)
    source_text = args.file.read_text(encoding="utf-8")
    with open_from_args(args) as project:
        result = publish(
            project, draft, note=args.note, source_text=source_text, activate=args.activate or None
        )
    version = result.version
    if args.json:
        print_json({"rubric": version.name, "version": version.version, "created": result.created})
    elif result.created:
        print(f"Published {version.label} ({len(version.criteria)} criteria).")
    else:
        print(f"Unchanged: {args.file} is identical to {version.label}; nothing published.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        versions = list_versions(project)
    rows = [
        {
            "rubric": v.name,
            "version": v.version,
            "criteria": v.keys,
            "published_at": v.published_at,
            "published_by": v.published_by,
            "note": v.note,
        }
        for v in versions
    ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(
                f"{row['rubric']} v{row['version']}  {row['published_at']}  "
                f"{row['published_by']}  {', '.join(row['criteria'])}  {row['note']}"
            )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        version = resolve_version(project, args.version)
    if args.json:
        print_json({"version": version.version, "note": version.note, **version.content_dict()})
    elif args.yaml:
        print(rubric_to_yaml(version), end="")
    else:
        print(f"{version.label} (published {version.published_at} by {version.published_by})")
        if version.note:
            print(f"  note: {version.note}")
        for criterion in version.criteria:
            required = " (required)" if criterion.required else ""
            print(f"  {criterion.key}: {criterion.kind}{required}, {criterion.scale_text()}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    with open_from_args(args) as project:
        old = resolve_version(project, args.v1)
        new = resolve_version(project, args.v2)
    diff = diff_rubrics(old, new, old.label, new.label)
    if args.json:
        print_json(diff.to_dict())
    else:
        print(diff.to_text())
    return 0
