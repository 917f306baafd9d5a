"""Small helpers shared by the command modules."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.stats.defaults import CONFIDENCE, N_BOOT, SEED

if TYPE_CHECKING:
    from annotator.store.project import Project


def add_project_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, help="the project file (.annotator)")


def resamples(text: str) -> int:
    """An argparse type: a bootstrap resample count, 0 (no intervals) or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def add_bootstrap_arguments(
    parser: argparse.ArgumentParser, *, seed: bool = True, confidence: bool = False
) -> None:
    """--bootstrap N (also spelled --n-boot), and --seed and --confidence where they apply:
    every command that draws intervals takes them alike, with the core's defaults."""
    parser.add_argument(
        "--bootstrap",
        "--n-boot",
        type=resamples,
        default=N_BOOT,
        metavar="N",
        dest="n_boot",
        help="bootstrap resamples for the intervals; 0 for none (default: %(default)s)",
    )
    if seed:
        parser.add_argument(
            "--seed",
            type=int,
            default=SEED,
            help="bootstrap seed, for the same intervals again (default: %(default)s)",
        )
    if confidence:
        parser.add_argument(
            "--confidence",
            type=float,
            default=CONFIDENCE,
            help="interval coverage (default: %(default)s)",
        )


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def open_from_args(args: argparse.Namespace) -> Project:
    # lazy: the store (sqlite3, the schema) loads when a command opens a project, not for --help
    from annotator.store.project import open_project

    project = open_project(args.project, actor=getattr(args, "actor", None))
    if project.read_only:  # said once, on stderr: the command's output stays clean
        print(
            f"annotator: note: {project.path} is on a read-only medium; opened read-only "
            "(reading works, changes are refused).",
            file=sys.stderr,
        )
    return project


def print_json(data: Any) -> None:
    import json  # lazy: a command prints JSON long after the parser is built, --help never

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


def assign_options(args: argparse.Namespace) -> dict[str, Any]:
    """`assign`'s queue options as keyword arguments of `assignments.assign` (plain and
    judge-routed assignment take the same ones)."""
    return {
        "overlap": args.overlap,
        "k": args.k,
        "seed": args.seed,
        "source": args.source,
        "anchor_rate": args.anchor_rate,
        "repeat_rate": args.repeat_rate,
        "min_gap": args.min_gap,
        "jitter": args.jitter,
        "anchor_window_items": args.anchor_window,
        "anchor_window_days": args.anchor_window_days,
        "repeat_delay": args.repeat_delay,
    }


def one_blas_thread() -> None:
    """Have OpenBLAS use one thread in this process, unless the user chose a number.

    The bootstrap's matrix products are small (1,000 resamples x a few hundred item
    patterns); OpenBLAS's other threads only spin waiting for work, which on the demo
    project cost more CPU than the statistics (0.45 s -> 0.29 s for the whole command)
    and changes no number. OpenBLAS reads this when numpy loads: later it does nothing.
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
