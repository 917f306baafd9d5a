"""`annotator agreement --labels FILE`: agreement on a label file, without a project.

Only the arguments and the handler live here; the command tree in
`annotator.cli` decides where they hang. User errors raise AnnotatorError,
which the CLI's main turns into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.base.lazy import lazy_module
from annotator.base.levels import LEVELS
from annotator.cli.common import add_bootstrap_arguments, one_blas_thread, print_json

quick = lazy_module("annotator.stats.quick")  # numpy and pandas, on first use


def add_quick_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --labels, --level, --scale, --json, --bootstrap, --seed, --confidence."""
    parser.add_argument(
        "--labels",
        type=Path,
        metavar="FILE",
        required=True,
        help="long CSV or JSONL of labels with columns item, rater, value (one label a row; "
        "item_id and annotator, as import-labels names them, work too)",
    )
    parser.add_argument(
        "--level",
        choices=LEVELS,
        default="nominal",
        help="level of measurement for Krippendorff's alpha (default: nominal)",
    )
    parser.add_argument(
        "--scale",
        metavar="V1,V2,...",
        help="every value a label could take, in order, e.g. 1,2,3,4,5 (unused points count)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_bootstrap_arguments(parser, confidence=True)


def run_quick_command(args: argparse.Namespace) -> int:
    """Compute and print (JSON with --json, else a table); 0 on success."""
    one_blas_thread()
    result = quick.run_quick(
        args.labels,
        level=args.level,
        scale=args.scale,
        n_boot=args.n_boot,
        seed=args.seed,
        confidence=args.confidence,
    )
    if args.json:
        print_json(result)
    else:
        print(quick.format_table(result))
    return 0
