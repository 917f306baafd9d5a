"""Small helpers shared by the command modules."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from annotator.store.project import Project, open_project


def add_project_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, help="the project file (.annotator)")


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def open_from_args(args: argparse.Namespace) -> Project:
    return open_project(args.project, actor=getattr(args, "actor", None))


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def print_result(args: argparse.Namespace, result: Any) -> int:
    """Print a result object as JSON (`--json`) or as its one-paragraph summary."""
    if getattr(args, "json", False):
        print_json(result.to_dict())
    else:
        print(result.summary())
    return 0


def print_records(
    args: argparse.Namespace, records: Sequence[Any], empty: str, line: Callable[[Any], str]
) -> int:
    """A list command's output: the records as JSON (`--json`), else one line each, or
    `empty` when there are none."""
    if getattr(args, "json", False):
        print_json([record.to_dict() for record in records])
        return 0
    if not records:
        print(empty)
    for record in records:
        print(line(record))
    return 0


def split_names(text: str) -> list[str]:
    """'A,B, C' -> ['A', 'B', 'C']."""
    return [name.strip() for name in text.split(",") if name.strip()]
