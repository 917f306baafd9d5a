"""`annotator rubric publish|list|show|diff|stale|requeue|compare`."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli.common import (
    add_bootstrap_arguments,
    add_json_flag,
    add_project_argument,
    open_from_args,
    print_json,
    print_result,
    split_names,
)


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

    _register_evolution(commands)


def cmd_publish(args: argparse.Namespace) -> int:
    # lazy: the rubric modules (yaml, the store) load for this command, never for --help
    from annotator.revision.publish import publish
    from annotator.rubric.yaml_file import load_rubric_file

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
    # lazy: the rubric modules (yaml, the store) load for this command, never for --help
    from annotator.rubric.versions import list_versions

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
    # lazy: the rubric modules (yaml, the store) load for this command, never for --help
    from annotator.rubric.versions import resolve_version
    from annotator.rubric.yaml_file import rubric_to_yaml

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
    # lazy: the rubric modules (yaml, the store) load for this command, never for --help
    from annotator.rubric.diff import diff_rubrics
    from annotator.rubric.versions import resolve_version

    with open_from_args(args) as project:
        old = resolve_version(project, args.v1)
        new = resolve_version(project, args.v2)
    diff = diff_rubrics(old, new, old.label, new.label)
    if args.json:
        print_json(diff.to_dict())
    else:
        print(diff.to_text())
    return 0


# -- rubric evolution: stale labels, requeue, the same items under two versions ----------------


def _register_evolution(commands: argparse._SubParsersAction) -> None:
    stale = commands.add_parser(
        "stale",
        help="labels made under an earlier version on criteria whose meaning changed",
        description=(
            "List the stale labels: effective labels made under an earlier version of the "
            "current rubric, on criteria whose kind, options, scale, help text, option "
            "descriptions or guideline section changed since. They are never rewritten."
        ),
    )
    add_project_argument(stale)
    add_json_flag(stale)
    stale.set_defaults(func=cmd_stale)

    requeue = commands.add_parser(
        "requeue",
        help="ask people again for the items on which they hold a stale label",
        description=(
            "Each named person gets back, first in their queue, the items on which they hold "
            "a stale label (only those stale on --criterion, if given), judged under the "
            "current version. The new label supersedes the stale one, which stays in the "
            "history. Asking twice adds nothing."
        ),
    )
    add_project_argument(requeue)
    requeue.add_argument("--annotators", required=True, help="comma-separated names: A,B")
    requeue.add_argument("--criterion", help="only labels stale on this criterion")
    add_json_flag(requeue)
    requeue.set_defaults(func=cmd_requeue)

    compare = commands.add_parser(
        "compare", help="the same items under two versions: agreement and changed values"
    )
    add_project_argument(compare)
    compare.add_argument("v1", help="older version (number or NAME:NUMBER)")
    compare.add_argument("v2", help="newer version")
    compare.add_argument("--criterion", help="one criterion only")
    add_bootstrap_arguments(compare, seed=False)
    add_json_flag(compare)
    compare.set_defaults(func=cmd_compare)


def cmd_stale(args: argparse.Namespace) -> int:
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.revision.evolution import stale_labels

    with open_from_args(args) as project:
        report = stale_labels(project)
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.to_text())
    return 0


def cmd_requeue(args: argparse.Namespace) -> int:
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.revision.evolution import requeue_stale

    with open_from_args(args) as project:
        result = requeue_stale(project, split_names(args.annotators), args.criterion)
    return print_result(args, result)


def cmd_compare(args: argparse.Namespace) -> int:
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.quality.version_compare import compare_versions
    from annotator.rubric.versions import resolve_version

    with open_from_args(args) as project:
        old = resolve_version(project, args.v1)
        new = resolve_version(project, args.v2)
        result = compare_versions(project, old, new, criterion=args.criterion, n_boot=args.n_boot)
    if args.json:
        print_json(result)
        return 0
    print(f"{result['items']} items labeled under both {result['from']} and {result['to']}.")
    for key, entry in result["criteria"].items():
        share = entry["changed_share"]
        moved = "—" if share is None else f"{100 * share:.0f}%"
        print(
            f"  {key}: {entry['changed']} of {entry['same_person_pairs']} answers by the same "
            f"person changed ({moved})"
        )
    return 0
