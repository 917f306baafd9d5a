"""The charts, drawn once with matplotlib for both the dashboard and the HTML report.

The rows and palette they share with the hand-drawn report charts
(`annotator.report.svg`) are `annotator.report.chart_rows`, which needs no matplotlib.

Each function returns a `matplotlib.figure.Figure` (no pyplot, no global
state): the dashboard wraps it in a Qt canvas, the report saves it as inline
SVG. `colors` lets the dashboard pass its light or dark palette.

    >>> figure = agreement_chart(overview.agreement)
    >>> svg = to_svg(figure)
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import offset_copy

from annotator.quality.drift import AnchorSeries
from annotator.quality.drift_settings import DriftSettings
from annotator.report.chart_rows import (  # re-exported: the screens read them from here
    LIGHT,
    MAX_POINTS,
    SERIES,
    VERSION_HEADERS,
    agreement_rows,
    scope_color,
    segment_keep,
    thin,
    version_rows,
    version_segments,
)
from annotator.stats.control_chart import rolling_accuracy


def _figure(
    width: float, height: float, colors: dict[str, str], constrained: bool = False
) -> Figure:
    """A figure; fixed margins unless `constrained` (that layout costs a second a chart)."""
    figure = Figure(figsize=(width, height), dpi=100, facecolor=colors["surface"])
    if constrained:
        figure.set_layout_engine("constrained")
    return figure


def _style(ax: Any, colors: dict[str, str]) -> None:
    ax.set_facecolor(colors["surface"])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(colors["border"])
    ax.tick_params(colors=colors["muted"], labelsize=8)
    ax.xaxis.label.set_color(colors["muted"])
    ax.yaxis.label.set_color(colors["muted"])
    ax.title.set_color(colors["text"])
    ax.grid(True, color=colors["grid"], linewidth=0.8)
    ax.set_axisbelow(True)


def to_svg(figure: Figure) -> str:
    """The figure as an inline `<svg>` element (text kept as text)."""
    # lazy: matplotlib loads only when a chart is drawn
    from matplotlib import rc_context

    buffer = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "annotator"}):
        figure.savefig(buffer, format="svg", facecolor=figure.get_facecolor())
    text = buffer.getvalue()
    text = re.sub(r"<\?xml[^>]*>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    return text


# -- agreement ------------------------------------------------------------------------------


def agreement_chart(
    agreement: dict[str, Any], colors: dict[str, str] | None = None, key: str = "alpha"
) -> Figure:
    """Alpha (or another coefficient) with its interval, per criterion and scope, over
    Krippendorff's bands (0.8 and up: reliable; 0.667 to 0.8: tentative)."""
    colors = colors or LIGHT
    rows = [r for r in agreement_rows(agreement) if r[2].get(key) is not None]
    criteria = list(dict.fromkeys(r[0] for r in rows))
    height = max(2.2, 0.3 * (len(rows) + len(criteria)) + 0.9)
    figure = _figure(7.6, height, colors)
    # Margins from the labels' lengths instead of the constrained layout (which costs most
    # of a second to draw): the scope labels (8 pt) and criterion headings (9 pt bold) on
    # the left, the scale above, the scale and a two-line caption below.
    widest = max([len(r[1]) * 8 * 0.6 for r in rows] + [len(c) * 9 * 0.68 for c in criteria]
                 + [0.0])  # fmt: skip
    figure.subplots_adjust(
        left=min((widest / 72 + 0.2) / 7.6, 0.6),
        right=0.97,
        top=1 - 0.32 / height,
        bottom=0.72 / height,
    )
    ax = figure.add_subplot()
    _style(ax, colors)
    ax.grid(False)
    low = min([0.0] + [min(r[2].get(f"{key}_ci") or [r[2][key]]) for r in rows])
    left = min(low - 0.05, -0.05)
    if key == "alpha":
        ax.axvspan(0.667, 0.8, color=colors["warn"], alpha=0.07, linewidth=0)
        ax.axvspan(0.8, 1.08, color=colors["ok"], alpha=0.08, linewidth=0)
    y = 0.0
    ticks, labels, heads = [], [], []
    for criterion in criteria:
        heads.append((y, criterion))
        y -= 1
        for _, scope, entry in (r for r in rows if r[0] == criterion):
            color = scope_color(scope, colors)
            ci = entry.get(f"{key}_ci")
            if ci:
                ax.plot(ci, [y, y], color=color, linewidth=2.4, solid_capstyle="round")
            ax.plot([entry[key]], [y], "o", color=color, markersize=6.5,
                    markeredgecolor=colors["surface"], markeredgewidth=1)  # fmt: skip
            right = max(ci[1] if ci else entry[key], entry[key])
            ax.text(right + 0.015, y, f"{entry[key]:.2f}", va="center", fontsize=7.5,
                    color=colors["muted"])  # fmt: skip
            ticks.append(y)
            labels.append(scope)
            y -= 1
        y -= 0.4
    ax.axvline(0, color=colors["border"], linewidth=1)
    ax.set_yticks(ticks, labels)
    for ypos, criterion in heads:
        ax.text(0.0, ypos, criterion, transform=ax.get_yaxis_transform(), ha="right",
                va="center", fontsize=9, fontweight="bold", color=colors["text"])  # fmt: skip
    ax.set_ylim(y + 0.6, 0.8)
    ax.set_xlim(left, 1.08)
    # The scale on top as well as below: a tall chart scrolls, and each end needs its scale.
    ax.tick_params(axis="x", top=True, labeltop=True)
    ax.spines["top"].set_visible(True)
    ax.spines["top"].set_color(colors["border"])
    if key == "alpha":
        ax.set_xlabel("Krippendorff's alpha, 95% bootstrap interval\n"
                      "bands: 0.667 tentative, 0.8 reliable")  # fmt: skip
    else:
        ax.set_xlabel(key)
    if not rows:
        ax.text(0.5, 0.5, "no agreement to show yet", ha="center", transform=ax.transAxes,
                color=colors["muted"])  # fmt: skip
    return figure


def matrix_chart(
    matrix: dict[str, Any], title: str, colors: dict[str, str] | None = None
) -> Figure:
    """Pairwise Cohen's kappa between annotators as a heat map (grey: too few shared items)."""
    colors = colors or LIGHT
    raters = matrix["raters"]
    n = len(raters)
    size = min(max(3.2, 0.42 * n + 2.2), 9.0)
    figure = _figure(size + 1.0, size, colors)
    figure.subplots_adjust(left=0.22, right=0.95, bottom=0.2, top=0.93)
    ax = figure.add_subplot()
    ax.set_facecolor(colors["surface"])
    values = np.array(
        [[np.nan if v is None else v for v in row] for row in matrix["kappa"]], dtype=float
    ).reshape(n, n)
    cmap = LinearSegmentedColormap.from_list(
        "kappa", [colors["danger"], "#f7f7f7", colors["accent"]]
    ).with_extremes(bad=colors["border"])
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=-1, vmax=1)
    ax.set_xticks(range(n), [_short(r) for r in raters], rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), [_short(r) for r in raters], fontsize=8)
    ax.tick_params(colors=colors["muted"])
    if n <= 16:
        for i in range(n):
            for j in range(n):
                if np.isfinite(values[i, j]):
                    ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=7,
                            color=colors["text"])  # fmt: skip
    weights = matrix.get("weights") or "unweighted"
    ax.set_title(f"{title}: Cohen's kappa ({weights})", fontsize=10, color=colors["text"])
    bar = figure.colorbar(image, ax=ax, shrink=0.8)
    bar.ax.tick_params(colors=colors["muted"], labelsize=7)
    return figure


def _short(name: str, width: int = 18) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


# -- drift ---------------------------------------------------------------------------------


def drift_chart(
    series: AnchorSeries,
    alerts: list[Any] | None = None,
    colors: dict[str, str] | None = None,
    versions: Sequence[str] | None = None,
) -> Figure:
    """Rolling anchor accuracy with its Wilson band, the chart's usual level and the drop
    it watches for; below, the CUSUM statistic against its threshold; alarms marked.

    `versions` (default: the series' own `version`, as a judge's series has): one version
    label per answer. Every line is then drawn per version, never joined across a change,
    and each change is marked with a dashed vertical line and the new version's label; the
    rolling accuracy restarts at each version, so no window mixes two of them."""
    colors = colors or LIGHT
    if versions is None:
        versions = getattr(series, "version", None)
    figure = _figure(7.6, 4.2, colors)
    figure.subplots_adjust(left=0.1, right=0.97, bottom=0.12, top=0.86, hspace=0.12)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[2.2, 1])
    for ax in (top, bottom):
        _style(ax, colors)
    n = len(series.outcome)
    x = np.arange(1, n + 1)
    keep = thin(n)
    segments = version_segments(versions, n)
    accuracy, low, high = series.rolling
    if len(segments) > 1:  # each version's own rolling accuracy: no window spans a change
        window = DriftSettings().rolling_window
        parts = [rolling_accuracy(series.outcome[a:b], window) for a, b, _ in segments]
        accuracy, low, high = (np.concatenate([p[k] for p in parts]) for k in range(3))
    chart = series.chart
    p0 = chart.p0
    statistic = np.nan_to_num(chart.statistic, nan=0.0)
    canary = hasattr(series, "run_id")  # a judge's canary series: each run against the earlier
    watched = f"drop watched for (p0 − {chart.settings.delta:.2f})"
    usual = "usual level p0 (earlier runs)" if canary else "usual level p0 (lower bound)"
    alarm_text = (
        f" alarm at p < {10**-chart.threshold:.3g}"
        if canary
        else (f" alarm at {chart.threshold:g}")
    )
    for number, (start, end, _label) in enumerate(segments):
        at = segment_keep(keep, start, end) if end > start else keep
        first = number == 0  # one legend entry per line, not one per version
        top.fill_between(x[at], low[at], high[at], color=colors["accent"], alpha=0.15,
                         linewidth=0, label="95% Wilson interval" if first else None)  # fmt: skip
        top.plot(x[at], accuracy[at], color=colors["accent"], linewidth=1.6,
                 label="accuracy, last 50 answers" if first else None)  # fmt: skip
        if np.isfinite(p0).any():
            top.plot(x[at], p0[at], color=colors["ok"], linewidth=1.1,
                     label=usual if first else None)  # fmt: skip
            top.plot(x[at], p0[at] - chart.settings.delta, color=colors["warn"], linewidth=1.1,
                     linestyle="--",
                     label=watched if first else None)  # fmt: skip
        bottom.plot(x[at], statistic[at], color=colors["muted"], linewidth=1.2)
    beside = offset_copy(top.transData, figure, x=3, units="points")  # a label beside its line
    for start, _end, label in segments[1:]:
        where = start + 0.5  # between the last answer of the old version and the first of the new
        for ax in (top, bottom):
            ax.axvline(where, color=colors["text"], linewidth=0.9, linestyle=(0, (4, 3)),
                       gid="version-break")  # fmt: skip
        top.text(where, 1.02, label, ha="left", va="bottom", fontsize=7.5, color=colors["text"],
                 gid="version-label", transform=beside)  # fmt: skip
    if len(segments) > 1 and segments[0][2]:
        top.text(0.5, 1.02, segments[0][2], ha="left", va="bottom", fontsize=7.5,
                 color=colors["text"], gid="version-label", transform=beside)  # fmt: skip
    for alarm in chart.alarms:
        top.axvspan(alarm.since + 1, alarm.at + 1, color=colors["danger"], alpha=0.08)
        top.plot([alarm.at + 1], [accuracy[alarm.at]], marker="v", color=colors["danger"],
                 markersize=9, linestyle="none")  # fmt: skip
    top.set_ylim(-0.02, 1.08 if len(segments) > 1 else 1.04)
    answers = "canary" if canary else "anchor"
    top.set_ylabel(f"{answers} accuracy")
    title = f"{series.subject} · {series.criterion}"
    if chart.reason:
        title += f" — {chart.reason}"
    elif chart.alarms:
        title += f" — {len(chart.alarms)} alarm(s)"
    if len(segments) > 1:
        title += f" · {len(segments)} versions"
    top.set_title(title, fontsize=10, loc="left", pad=24, color=colors["text"])
    top.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False,
               labelcolor=colors["text"],
               ncols=2)  # fmt: skip
    bottom.axhline(chart.threshold, color=colors["danger"], linewidth=1, linestyle="--")
    bottom.text(1, chart.threshold, alarm_text, va="bottom", fontsize=7,
                color=colors["danger"])  # fmt: skip
    for alarm in chart.alarms:
        bottom.plot([alarm.at + 1], [chart.threshold], marker="v", color=colors["danger"],
                    markersize=8, linestyle="none")  # fmt: skip
    warmup = chart.settings.warmup
    if n > warmup:
        for ax in (top, bottom):
            ax.axvspan(0, warmup, color=colors["grid"], alpha=0.6, linewidth=0)
        top.text(warmup / 2, 1.0, "warm-up", ha="center", va="top", fontsize=7,
                 color=colors["muted"])  # fmt: skip
    bottom.set_ylabel(chart.statistic_name)
    bottom.set_xlabel(f"scored {answers} answers, in order")
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))  # answers are counted: 1, 2, 3
    bottom.set_ylim(bottom=0)
    return figure


def distribution_chart(
    entry: dict[str, Any],
    colors: dict[str, str] | None = None,
    breaks: Sequence[tuple[str, str]] | None = None,
) -> Figure:
    """Share of each value per week (stacked), baseline week outlined, shifted weeks marked.

    `breaks`: (time of its first label, version) for each new version of a judge
    (`judges.label_versions.version_starts`): a dashed line and the version's label before
    the week it began (that week may hold labels of both)."""
    colors = colors or LIGHT
    weeks = entry["weeks"]
    figure = _figure(7.6, 3.0, colors)
    figure.subplots_adjust(left=0.09, right=0.84, bottom=0.2, top=0.88)
    ax = figure.add_subplot()
    _style(ax, colors)
    counts = np.array([w["counts"] for w in weeks], dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    x = np.arange(len(weeks))
    bottom = np.zeros(len(weeks))
    palette = LinearSegmentedColormap.from_list(
        "values", [colors["danger"], "#e8e2c8", colors["accent"]]
    )
    k = max(len(entry["values"]), 1)
    for v, name in enumerate(entry["values"]):
        color = palette(v / max(k - 1, 1))
        ax.bar(x, shares[:, v], bottom=bottom, color=color, width=0.8, label=name,
               edgecolor=colors["surface"], linewidth=0.5)  # fmt: skip
        bottom += shares[:, v]
    for i, week in enumerate(weeks):
        if week["week"] == entry.get("baseline_week"):
            ax.text(i, 1.02, "baseline", ha="center", fontsize=7, color=colors["muted"])
        if week.get("shifted"):
            ax.text(i, 1.02, f"JS {week['jsd']:.2f}", ha="center", fontsize=7,
                    color=colors["danger"])  # fmt: skip
    for first, label in breaks or ():
        at = sum(1 for w in weeks if w["week"] <= first[:10]) - 1
        if at < 0 or at >= len(weeks):
            continue
        ax.axvline(at - 0.5, color=colors["text"], linewidth=0.9, linestyle=(0, (4, 3)),
                   gid="version-break")  # fmt: skip
        ax.text(at - 0.5, 1.06, label, ha="left", va="bottom", fontsize=7, color=colors["text"],
                gid="version-label",
                transform=offset_copy(ax.transData, figure, x=3, units="points"))  # fmt: skip
    ax.set_xticks(x, [f"{w['week'][5:]}\n{w['n']}" for w in weeks], fontsize=7)
    ax.set_ylim(0, 1.16 if breaks else 1.1)
    ax.set_ylabel("share of labels")
    ax.set_title(f"{entry['criterion']} · {entry['subject']} (week, labels)", fontsize=10,
                 loc="left", color=colors["text"])  # fmt: skip
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="center left", bbox_to_anchor=(1.0, 0.5),
              fontsize=7, frameon=False)  # fmt: skip
    return figure


def version_chart(entry: dict[str, Any], colors: dict[str, str] | None = None) -> Figure:
    """The same items' labels under the old and the new version: the share of each value,
    one stacked bar per version, so a moved scale point shows at a glance."""
    colors = colors or LIGHT
    figure = _figure(7.6, 2.6, colors)
    figure.subplots_adjust(left=0.2, right=0.84, bottom=0.2, top=0.8)
    ax = figure.add_subplot()
    _style(ax, colors)
    counts = np.array([entry["distribution_to"], entry["distribution_from"]], dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    palette = LinearSegmentedColormap.from_list(
        "values", [colors["danger"], "#e8e2c8", colors["accent"]]
    )
    k = max(len(entry["values"]), 1)
    left = np.zeros(2)
    for v, name in enumerate(entry["values"]):
        ax.barh([0, 1], shares[:, v], left=left, color=palette(v / max(k - 1, 1)), height=0.6,
                label=name, edgecolor=colors["surface"], linewidth=0.5)  # fmt: skip
        left += shares[:, v]
    ax.set_yticks([0, 1], [entry["to"], entry["from"]], fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of labels on the same items")
    before, after = entry["alpha_from"]["value"], entry["alpha_to"]["value"]
    alphas = "" if before is None or after is None else f" · α {before:.2f} → {after:.2f}"
    jsd = "" if entry["jsd"] is None else f" · JS {entry['jsd']:.2f}"
    ax.set_title(f"{entry['criterion']} · {entry['n_items']:,} items{alphas}{jsd}",
                 fontsize=10, loc="left", color=colors["text"])  # fmt: skip
    ax.legend(
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        fontsize=7,
        frameon=False,
        labelcolor=colors["text"],
    )
    return figure


__all__ = [
    "LIGHT",
    "MAX_POINTS",
    "SERIES",
    "VERSION_HEADERS",
    "agreement_chart",
    "agreement_rows",
    "distribution_chart",
    "drift_chart",
    "matrix_chart",
    "scope_color",
    "to_svg",
    "version_chart",
    "version_rows",
    "version_segments",
]
