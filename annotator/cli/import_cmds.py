"""`annotator import-items` and `import-labels`."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli import choices
from annotator.cli.choices import ITEM_FORMATS, LABEL_FORMATS, SOURCE_KINDS
from annotator.cli.common import add_json_flag, add_project_argument, open_from_args, print_json

LIMITS_TEXT = (
    f"A record may nest {choices.DEFAULT_NESTING} levels and hold "
    f"{choices.DEFAULT_FIELD_MB:g} MB per field (set {choices.NESTING_ENV} and "
    f"{choices.FIELD_MB_ENV} to allow more)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    items = subparsers.add_parser(
        "import-items",
        help="import eval items from JSONL, CSV or Parquet (all rows or nothing)",
        description=(
            "Import eval items. Default fields: id, input, output (or output_a/output_b), "
            "metadata; also reference, context, tags, model, model_version, prompt_version, "
            "source_system, created_at. Every row is validated first; any bad row means "
            f"nothing is imported, unless --skip-invalid. {LIMITS_TEXT}"
        ),
    )
    add_project_argument(items)
    items.add_argument("file", type=Path, nargs="+", help="file(s) of items")
    items.add_argument("--format", choices=ITEM_FORMATS, help="default: from the file extension")
    items.add_argument(
        "--map",
        action="append",
        metavar="FIELD=COLUMN",
        help="take FIELD from COLUMN (repeatable; tag.NAME=COLUMN makes a slice tag)",
    )
    items.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows and write a report of the rejected ones",
    )
    items.add_argument("--report", type=Path, help="where to write the rejected-rows report")
    add_json_flag(items)
    items.set_defaults(func=cmd_import_items)

    labels = subparsers.add_parser(
        "import-labels",
        help="import labels made elsewhere (JSONL, CSV, MTurk batch results)",
        description=(
            "Import labels from one source. JSONL: {item_id, annotator, values, rationale?, "
            "started_at?, submitted_at?, duration_s?, cost?}; CSV: item_id, annotator and one "
            "column per criterion; MTurk batch results CSV (detected from its header). "
            f"{LIMITS_TEXT}"
        ),
    )
    add_project_argument(labels)
    labels.add_argument("file", type=Path, nargs="+", help="file(s) of labels")
    labels.add_argument("--source", required=True, help="label source name (created if missing)")
    labels.add_argument("--kind", required=True, choices=SOURCE_KINDS, help="the source's kind")
    labels.add_argument("--format", choices=LABEL_FORMATS, help="default: from the extension")
    labels.add_argument(
        "--map",
        action="append",
        metavar="CRITERION=COLUMN",
        help="take a criterion (or item_id, annotator, ...) from COLUMN (repeatable)",
    )
    labels.add_argument("--item-column", help="MTurk: the column holding the item id")
    labels.add_argument(
        "--item-map",
        type=Path,
        help="MTurk: a CSV mapping a batch column (e.g. HITId) to item ids",
    )
    labels.add_argument("--cost-per-label", type=float, help="the source's cost per label")
    labels.add_argument("--currency", default=None, help="currency of the cost (default USD)")
    labels.add_argument(
        "--rubric-version", help="version the labels were made under (default: the current one)"
    )
    labels.add_argument("--model", help="LLM judge labels: the model that made them")
    labels.add_argument("--model-version", help="LLM judge labels: the model's version")
    labels.add_argument("--prompt-version", help="LLM judge labels: the prompt's version")
    labels.add_argument("--skip-invalid", action="store_true", help="import only the valid rows")
    labels.add_argument("--report", type=Path, help="where to write the rejected-rows report")
    add_json_flag(labels)
    labels.set_defaults(func=cmd_import_labels)


def report_for(report: Path | None, path: Path, files: int) -> Path | None:
    """Where one file's rejected rows go: --report itself for one file; for several,
    one report each beside it (REPORT.FILESTEM.jsonl), so none overwrites another."""
    if report is None or files == 1:
        return report
    return report.with_name(f"{report.stem}.{path.stem}{report.suffix}")


def _print_reports(reports: list, as_json: bool) -> None:
    if as_json:
        print_json([report.to_dict() for report in reports])
    else:
        for report in reports:
            print(report.summary())


def cmd_import_items(args: argparse.Namespace) -> int:
    # lazy: the importers (readers, store, rubric) load for an import, never for --help
    from annotator.base.readers import parse_mapping
    from annotator.exchange.item_import import ALLOWED_MAP_FIELDS, import_items

    mapping = parse_mapping(args.map, ALLOWED_MAP_FIELDS)
    with open_from_args(args) as project:
        reports = [
            import_items(
                project,
                path,
                args.format,
                mapping,
                skip_invalid=args.skip_invalid,
                report_path=report_for(args.report, path, len(args.file)),
            )
            for path in args.file
        ]
    _print_reports(reports, args.json)
    return 0


def cmd_import_labels(args: argparse.Namespace) -> int:
    # lazy: the importers (readers, store, rubric) load for an import, never for --help
    from annotator.base.readers import parse_mapping
    from annotator.exchange.label_import import import_labels

    mapping = parse_mapping(args.map)
    with open_from_args(args) as project:
        reports = [
            import_labels(
                project,
                path,
                source=args.source,
                kind=args.kind,
                fmt=args.format,
                mapping=mapping,
                item_column=args.item_column,
                item_map=args.item_map,
                cost_per_label=args.cost_per_label,
                currency=args.currency,
                rubric_version=args.rubric_version,
                skip_invalid=args.skip_invalid,
                report_path=report_for(args.report, path, len(args.file)),
                provenance={
                    "model_id": args.model,
                    "model_version": args.model_version,
                    "prompt_version": args.prompt_version,
                },
            )
            for path in args.file
        ]
    _print_reports(reports, args.json)
    return 0
