"""`annotator queue PROJECT --status`: throughput per queue, per source and overall, the
day the backlog clears at the current pace, and what clearing it by a date would take."""

from __future__ import annotations

import argparse

from annotator.cli.common import open_from_args, print_json


def cmd_queue_status(args: argparse.Namespace) -> int:
    # lazy: the figures need numpy, which `annotator --help` must not load
    from annotator.queue.throughput import HEADERS, table_rows, throughput, time_lines

    with open_from_args(args) as project:
        figures = throughput(project, at=args.at, by_date=args.by, annotator=args.annotator)
    if args.json:
        print_json(figures.to_dict())
        return 0
    print(
        f"Throughput as of {figures.at[:16].replace('T', ' ')} UTC; pace: labels a week over "
        f"the last {figures.window_days} days."
    )
    rows = [list(HEADERS), *table_rows(figures)]
    widths = [max(len(row[c]) for row in rows) for c in range(len(HEADERS))]
    for row in rows:
        cells = [
            cell.ljust(widths[c]) if c < 2 else cell.rjust(widths[c]) for c, cell in enumerate(row)
        ]
        print("  ".join(cells).rstrip())
    if figures.pooled_clears_at and figures.total.backlog:
        print(f"Shared at the team's pace, the backlog clears on {figures.pooled_clears_at[:10]}.")
    recent = figures.weekly[-6:]
    if recent:
        print(
            "Weekly labels (active hours): "
            + ", ".join(f"{w['week']} {w['labels']} ({w['active_hours']:.1f} h)" for w in recent)
        )
    for line in time_lines(figures):
        print(line)
    for note in figures.notes:
        print(f"Note: {note}")
    if figures.target is not None:
        print("What would it take: " + figures.target.line())
    return 0
