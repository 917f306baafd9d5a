"""The report's "Throughput" section and the weekly chart the team screen shows too:
labels and active hours per ISO week, the table per queue, source and overall, the day
the backlog clears, time per item, and what clearing it by a date would take.

The figures are `annotator.queue.throughput.throughput` (its docstring defines them).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from annotator.queue.throughput import HEADERS, Throughput, table_rows, time_lines
from annotator.report.chart_rows import LIGHT
from annotator.report.svg import weekly_svg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SECTION_ID = "throughput-section"
MAX_WEEKS = 52  # the chart shows the last year


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def weekly_chart(weekly: list[dict[str, Any]], colors: dict[str, str] | None = None) -> Figure:
    """Labels per ISO week (bars) and active hours (a line on the right axis)."""
    # lazy: matplotlib only for the team screen's chart; the report draws `weekly_svg`
    from matplotlib.figure import Figure

    colors = colors or LIGHT
    weeks = weekly[-MAX_WEEKS:]
    figure = Figure(figsize=(8.0, 2.6), dpi=100, facecolor=colors["surface"])
    figure.subplots_adjust(left=0.08, right=0.92, top=0.88, bottom=0.16)
    ax = figure.add_subplot()
    hours_ax = ax.twinx()
    x = list(range(len(weeks)))
    ax.bar(x, [w["labels"] for w in weeks], color=colors["accent"], width=0.7, label="labels")
    hours_ax.plot(
        x, [w["active_hours"] for w in weeks], color=colors["warn"], marker="o", markersize=3,
        linewidth=1.6, label="active hours",
    )  # fmt: skip
    for axis in (ax, hours_ax):
        axis.set_facecolor("none")
        for side in ("top",):
            axis.spines[side].set_visible(False)
        for side in ("left", "right", "bottom"):
            axis.spines[side].set_color(colors["border"])
        axis.tick_params(colors=colors["muted"], labelsize=8)
    ax.set_facecolor(colors["surface"])
    ax.grid(True, axis="y", color=colors["grid"], linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_zorder(hours_ax.get_zorder() - 1)
    ax.patch.set_visible(True)
    hours_ax.patch.set_visible(False)
    step = max(1, len(weeks) // 10)
    ax.set_xticks(x[::step], [str(w["week"])[2:] for w in weeks][::step])
    ax.set_ylabel("labels", color=colors["muted"], fontsize=9)
    hours_ax.set_ylabel("active hours", color=colors["muted"], fontsize=9)
    ax.set_ylim(bottom=0)
    hours_ax.set_ylim(bottom=0)
    ax.set_title("Labels and active hours per week", color=colors["text"], fontsize=10)
    handles = ax.get_legend_handles_labels()[0] + hours_ax.get_legend_handles_labels()[0]
    legend = ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
    for text in legend.get_texts():
        text.set_color(colors["muted"])
    return figure


def throughput_section(figures: Throughput, figure: Callable[[str, str], str]) -> str:
    """The section's HTML; `figure(svg, caption)` wraps a chart as the report does."""
    head = "".join(f"<th>{_e(h)}</th>" for h in HEADERS)
    body = []
    for row in table_rows(figures):
        cells = "".join(
            f"<td>{_e(cell)}</td>" if c < 2 else f"<td class='num'>{_e(cell)}</td>"
            for c, cell in enumerate(row)
        )
        body.append(f"<tr data-who='{_e(row[0])}' data-clears='{_e(row[-1])}'>{cells}</tr>")
    parts = [
        f"<h2 id='{SECTION_ID}'>Throughput</h2>",
        "<p class='note'>As of "
        f"{_e(figures.at[:16].replace('T', ' '))} UTC. Labels: submitted records; active "
        "hours: the active time the app measured (skips and flags included); left: entries "
        "still planned in each queue. The day a queue clears is its backlog over its pace: "
        f"labels a week over the last {figures.window_days} days. A source and the team "
        "clear when their last queue does.</p>",
        f"<table id='throughput'><thead><tr>{head}</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>",
    ]
    if figures.pooled_clears_at and figures.total.backlog:
        parts.append(
            f"<p>Shared at the team's pace, the backlog clears on "
            f"<b>{_e(figures.pooled_clears_at[:10])}</b>.</p>"
        )
    if figures.target is not None:
        parts.append(f"<p id='throughput-target'>{_e(figures.target.line())}</p>")
    lines = time_lines(figures)
    if lines:
        parts.append("<p class='note'>" + "<br>".join(_e(line) for line in lines) + "</p>")
    if figures.notes:
        parts.append("<p class='note'>" + "<br>".join(_e(n) for n in figures.notes) + "</p>")
    if figures.weekly:
        parts.append(figure(weekly_svg(figures.weekly[-MAX_WEEKS:]), "Per ISO week (UTC)."))
    return "".join(parts)
