"""`annotator sources`: the quality and cost of every label source and annotator."""

from __future__ import annotations

import argparse

from annotator.base.errors import AnnotatorError
from annotator.cli.choices import COST_TYPES
from annotator.cli.common import (
    add_bootstrap_arguments,
    add_json_flag,
    add_project_argument,
    open_from_args,
    print_json,
)
from annotator.cli.scope_args import add_scope_arguments, scope_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sources",
        help="quality and cost per label source and annotator, side by side",
        description=(
            "Per source and annotator: anchor accuracy, agreement with the expert consensus "
            "(kappa, alpha, match rate), Dawid-Skene reliability, self-consistency on repeats, "
            "median active time, and cost: total, per label, per item, and per correct label. "
            "Annotators are shown by pseudonym unless --real-names."
        ),
    )
    add_project_argument(parser)
    add_json_flag(parser)
    parser.add_argument(
        "--annotators", action="store_true", help="also list every annotator (the JSON always does)"
    )
    parser.add_argument(
        "--real-names", action="store_true", help="show annotators' names, not pseudonyms"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print the per-source table as markdown"
    )
    parser.add_argument(
        "--set-cost",
        nargs=3,
        metavar=("SOURCE", "TYPE", "AMOUNT"),
        help=f"first set a source's cost model: TYPE is one of {', '.join(COST_TYPES)}",
    )
    parser.add_argument("--currency", default="USD", help="with --set-cost (default: USD)")
    add_bootstrap_arguments(parser)
    add_scope_arguments(parser)
    parser.set_defaults(func=cmd_sources)


def cmd_sources(args: argparse.Namespace) -> int:
    # lazy: these load numpy and pandas, which `annotator --help` never needs
    from annotator.quality.by_source.source_quality import source_quality
    from annotator.quality.by_source.source_table import format_report, markdown_table
    from annotator.quality.project_agreement import Settings
    from annotator.sources.costs import set_cost_model
    from annotator.sources.sources import make_cost_model

    with open_from_args(args) as project:
        if args.set_cost:
            name, kind, amount = args.set_cost
            try:
                value = float(amount)
            except ValueError:
                raise AnnotatorError(
                    f"--set-cost: the amount must be a number, not {amount!r}."
                ) from None
            source = set_cost_model(project, name, make_cost_model(kind, value, args.currency))
            if not args.json:
                model = source.cost_model
                per = model.type.replace("_", " ")
                print(f"Source {name!r} now costs {model.amount:g} {model.currency} {per}.\n")
        scope = scope_from_args(project, args)
        report = source_quality(
            project, scope, settings=Settings(args.n_boot, args.seed), real_names=args.real_names
        )
    if args.json:
        print_json(report.to_dict())
    elif args.markdown:
        print(markdown_table(report))
    else:
        print(format_report(report, annotators=len(report.annotators) if args.annotators else 0))
    return 0
