"""`annotator export`: a labeled set with provenance, consensus, and per-source cost and quality."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.cli.common import (
    add_bootstrap_arguments,
    add_project_argument,
    open_from_args,
    print_json,
)
from annotator.cli.scope_args import add_scope_arguments, scope_from_args

FORMATS = ("jsonl", "csv", "parquet", "hf", "inspect", "croissant")
METHODS = ("auto", "majority", "dawid_skene", "median", "mean")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export labeled data (JSONL, CSV, Parquet, Hugging Face, inspect_ai, Croissant)",
        description=(
            "Write the items (with the consensus label per criterion), the labels (one row each, "
            "with provenance and cost) and the sources (cost and quality) to a new folder, with a "
            "manifest.json of every file's sha256. The same project state and options give "
            "byte-identical files apart from the manifest's exported_at. Annotators appear under "
            "pseudonyms unless --real-names; CSV text cells that would run as a spreadsheet "
            "formula get a leading ' unless --csv-raw."
        ),
    )
    add_project_argument(parser)
    parser.add_argument("--format", choices=FORMATS, default="jsonl", help="default: jsonl")
    parser.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="a new or empty folder"
    )
    parser.add_argument(
        "--consensus",
        choices=METHODS,
        default="auto",
        help="how labels become one value per item and criterion, after adjudicated values "
        "(default auto: median for ordinal, mean for numeric, majority otherwise)",
    )
    parser.add_argument(
        "--real-names", action="store_true", help="name annotators (default: pseudonyms)"
    )
    parser.add_argument(
        "--csv-raw",
        action="store_true",
        help="CSV: write text cells as they are (default: a text cell beginning with =, +, -, "
        "@, tab or carriage return gets a leading ' so a spreadsheet does not run it)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty --out folder")
    parser.add_argument(
        "--include-decoys",
        action="store_true",
        help="keep labels made on decoys (assisted review; left out by default)",
    )
    parser.add_argument("--license", default="unknown", help="license for the dataset card")
    parser.add_argument(
        "--task-category",
        action="append",
        metavar="NAME",
        help="Hugging Face task category for the card (repeatable; default text-classification)",
    )
    parser.add_argument("--name", help="dataset name for the card (default: the project's)")
    parser.add_argument(
        "--prompt-template",
        metavar="TEXT",
        help="inspect: each sample's input, with {input}, {output}, {output_a}, {output_b}, "
        "{reference}, {context} or {item_id} filled in (default: the input, then "
        "'Response:' and the output, or 'Response A:' and 'Response B:' for pairwise items)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_bootstrap_arguments(parser)
    add_scope_arguments(parser)
    parser.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    # lazy: the store loads for the command, never for --help
    from annotator.store.project import check_project_file

    check_project_file(args.project)  # what is no project is refused before the slow imports
    # lazy: loads numpy and pandas, which `annotator --help` never needs
    from annotator.exchange.export import ExportOptions, export_project

    def progress(done: int, total: int) -> None:
        if not args.quiet and sys.stderr.isatty():
            sys.stderr.write(f"\rexporting: {done:,} of {total:,} items")
            sys.stderr.flush()

    with open_from_args(args) as project:
        options = ExportOptions(
            format=args.format,
            scope=scope_from_args(project, args),
            consensus=args.consensus,
            real_names=args.real_names,
            n_boot=args.n_boot,
            seed=args.seed,
            license=args.license,
            task_categories=tuple(args.task_category or ("text-classification",)),
            dataset_name=args.name,
            overwrite=args.overwrite,
            csv_raw=args.csv_raw,
            include_decoys=args.include_decoys,
            prompt_template=args.prompt_template,
        )
        result = export_project(project, args.out, options, progress=progress)
    if not args.quiet and sys.stderr.isatty():
        sys.stderr.write("\n")
    if args.json:
        print_json(
            {
                "export_id": result.export_id,
                "path": str(result.path),
                "format": result.format,
                "counts": result.counts,
                "files": result.files,
            }
        )
        return 0
    counts = result.counts
    print(
        f"Exported {counts['items']:,} items and {counts['labels']:,} labels "
        f"({args.format}) to {result.path}; export {result.export_id}."
    )
    for path in [*result.files, "manifest.json"]:
        print(f"  {path}")
    return 0
