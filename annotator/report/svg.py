"""The report's simplest charts drawn as SVG by hand: the agreement forest plot, the
annotator matrices, the label distributions and the weekly throughput.

Why: the report is one file written from the command line, and matplotlib costs half a
second to import and about a tenth of a second a chart to lay out and save; these four
kinds are rectangles, lines and text, so writing the elements directly takes a few
milliseconds. They show what the matplotlib versions in `charts` (which the screens
draw) show, from the same rows and palette (`chart_rows`); text stays text. The drift,
canary and rubric-version charts stay matplotlib's (imported only when there is one).

Text widths are estimated (`text_width`: an average DejaVu Sans advance), generously, so
a label never runs into its neighbour.

    >>> svg = agreement_svg(overview.agreement)
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from annotator.report.chart_rows import LIGHT, agreement_rows, scope_color

FONT = "-apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
EM = 0.6  # average advance of a character, in font sizes (DejaVu Sans runs about 0.55)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """An estimate of the text's width in pixels at `size` px."""
    return len(text) * size * (EM + (0.05 if bold else 0.0))


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


class Canvas:
    """SVG elements in order, then `svg()`: the `<svg>` element with a title."""

    def __init__(self, width: float, height: float, colors: dict[str, str]) -> None:
        self.width, self.height, self.colors = width, height, colors
        self.parts: list[str] = []
        self.defs: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str, **extra: Any) -> None:
        attrs = "".join(f' {k.replace("_", "-")}="{_e(v)}"' for k, v in extra.items())
        self.parts.append(
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(max(w, 0))}" height="{_f(max(h, 0))}" '
            f'fill="{fill}"{attrs}/>'
        )

    def line(
        self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1.0,
        dash: str | None = None, gid: str | None = None, cap: str | None = None,
    ) -> None:  # fmt: skip
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        extra += f' id="{gid}"' if gid else ""
        extra += f' stroke-linecap="{cap}"' if cap else ""
        self.parts.append(
            f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="{stroke}" '
            f'stroke-width="{_f(width)}"{extra}/>'
        )

    def polyline(self, points: Sequence[tuple[float, float]], stroke: str, width: float) -> None:
        text = " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
        self.parts.append(
            f'<polyline points="{text}" fill="none" stroke="{stroke}" stroke-width="{_f(width)}" '
            'stroke-linejoin="round"/>'
        )

    def circle(self, x: float, y: float, r: float, fill: str, stroke: str | None = None) -> None:
        ring = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
        self.parts.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" fill="{fill}"{ring}/>')

    def text(
        self, x: float, y: float, text: str, size: float = 11, fill: str | None = None,
        anchor: str = "start", bold: bool = False, rotate: float | None = None,
        baseline: str = "central", gid: str | None = None,
    ) -> None:  # fmt: skip
        extra = ' font-weight="bold"' if bold else ""
        extra += f' transform="rotate({_f(rotate)} {_f(x)} {_f(y)})"' if rotate else ""
        extra += f' id="{gid}"' if gid else ""
        self.parts.append(
            f'<text x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}" '
            f'fill="{fill or self.colors["text"]}" text-anchor="{anchor}" '
            f'dominant-baseline="{baseline}"{extra}>{_e(text)}</text>'
        )

    def svg(self, title: str) -> str:
        defs = f"<defs>{''.join(self.defs)}</defs>" if self.defs else ""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(self.width)}" '
            f'height="{_f(self.height)}" viewBox="0 0 {_f(self.width)} {_f(self.height)}" '
            f'font-family="{_e(FONT)}" role="img"><title>{_e(title)}</title>{defs}'
            f'<rect width="100%" height="100%" fill="{self.colors["surface"]}"/>'
            + "".join(self.parts)
            + "</svg>"
        )


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values from low to high, about `count` of them (1, 2, 2.5 or 5 x 10^k)."""
    span = high - low
    if not math.isfinite(span) or span <= 0:
        return [low]
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks, k = [], 0
    while first + k * step <= high + 1e-9 * step:
        ticks.append(round(first + k * step, 10))
        k += 1
    return ticks


def _tick_text(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1e-9 else "0"


def _hex(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def blend(stops: Sequence[str], at: float) -> str:
    """The colour at `at` (0..1) along evenly spaced `stops`, mixed linearly in RGB (as
    matplotlib's `LinearSegmentedColormap.from_list`)."""
    at = min(max(at, 0.0), 1.0) * (len(stops) - 1)
    k = min(int(at), len(stops) - 2)
    share = at - k
    a, b = _hex(stops[k]), _hex(stops[k + 1])
    mixed = (round(x + (y - x) * share) for x, y in zip(a, b, strict=True))
    return "#" + "".join(f"{v:02x}" for v in mixed)


# -- agreement ------------------------------------------------------------------------------


def agreement_svg(
    agreement: dict[str, Any], colors: dict[str, str] | None = None, key: str = "alpha"
) -> str:
    """Alpha (or another coefficient) with its interval, per criterion and scope, over
    Krippendorff's bands (0.8 and up: reliable; 0.667 to 0.8: tentative)."""
    colors = colors or LIGHT
    rows = [r for r in agreement_rows(agreement) if r[2].get(key) is not None]
    criteria = list(dict.fromkeys(r[0] for r in rows))
    labels = [r[1] for r in rows] + ["no agreement to show yet"]
    left = min(max(text_width(t, 11) for t in labels) + 24, 380)
    left = max(left, max((text_width(c, 12, bold=True) for c in criteria), default=0) + 12)
    width, row_h, top, bottom = 760.0, 22.0, 34.0, 62.0
    height = top + bottom + row_h * (len(rows) + len(criteria)) + 0.4 * row_h * len(criteria)
    height = max(height, 160.0)
    canvas = Canvas(width, height, colors)
    low = min([0.0] + [min(r[2].get(f"{key}_ci") or [r[2][key]]) for r in rows])
    lo, hi = min(low - 0.05, -0.05), 1.08
    plot_l, plot_r = left, width - 24
    plot_t, plot_b = top, height - bottom

    def x_of(v: float) -> float:
        return plot_l + (v - lo) / (hi - lo) * (plot_r - plot_l)

    if key == "alpha":
        canvas.rect(x_of(0.667), plot_t, x_of(0.8) - x_of(0.667), plot_b - plot_t,
                    colors["warn"], fill_opacity=0.07)  # fmt: skip
        canvas.rect(x_of(0.8), plot_t, x_of(hi) - x_of(0.8), plot_b - plot_t, colors["ok"],
                    fill_opacity=0.08)  # fmt: skip
    ticks = nice_ticks(lo, hi, 6)
    for t in ticks:  # the scale on top as well as below: a tall chart scrolls
        x = x_of(t)
        canvas.line(x, plot_t, x, plot_b, colors["grid"], 0.8)
        canvas.text(x, plot_t - 10, _tick_text(t), 10, colors["muted"], "middle")
        canvas.text(x, plot_b + 12, _tick_text(t), 10, colors["muted"], "middle")
    canvas.line(plot_l, plot_t, plot_r, plot_t, colors["border"])
    canvas.line(plot_l, plot_b, plot_r, plot_b, colors["border"])
    canvas.line(plot_l, plot_t, plot_l, plot_b, colors["border"])
    canvas.line(x_of(0), plot_t, x_of(0), plot_b, colors["border"])
    y = plot_t + row_h * 0.7
    for criterion in criteria:
        canvas.text(plot_l - 8, y, criterion, 12, colors["text"], "end", bold=True)
        y += row_h
        for _, scope, entry in (r for r in rows if r[0] == criterion):
            color = scope_color(scope, colors)
            ci = entry.get(f"{key}_ci")
            if ci:
                canvas.line(x_of(ci[0]), y, x_of(ci[1]), y, color, 3.2, cap="round")
            canvas.circle(x_of(entry[key]), y, 4.6, color, colors["surface"])
            right = max(ci[1] if ci else entry[key], entry[key])
            canvas.text(x_of(right) + 6, y, f"{entry[key]:.2f}", 10, colors["muted"])
            canvas.text(plot_l - 8, y, scope, 11, colors["muted"], "end")
            y += row_h
        y += 0.4 * row_h
    if not rows:
        canvas.text((plot_l + plot_r) / 2, (plot_t + plot_b) / 2, labels[-1], 12,
                    colors["muted"], "middle")  # fmt: skip
    caption = "Krippendorff's alpha, 95% bootstrap interval" if key == "alpha" else key
    canvas.text((plot_l + plot_r) / 2, plot_b + 32, caption, 11, colors["muted"], "middle")
    if key == "alpha":
        canvas.text((plot_l + plot_r) / 2, plot_b + 48, "bands: 0.667 tentative, 0.8 reliable",
                    11, colors["muted"], "middle")  # fmt: skip
    return canvas.svg(f"Agreement per criterion and scope ({key})")


# -- annotator matrix -----------------------------------------------------------------------


def _short(name: str, width: int = 18) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def matrix_svg(matrix: dict[str, Any], title: str, colors: dict[str, str] | None = None) -> str:
    """Pairwise Cohen's kappa between annotators as a heat map (grey: too few shared items)."""
    colors = colors or LIGHT
    raters = matrix["raters"]
    n = len(raters)
    names = [_short(r) for r in raters]
    cell = max(14.0, min(40.0, 320.0 / max(n, 1)))
    label_w = max((text_width(t, 10) for t in names), default=0) + 10
    left, top = label_w + 8, 34.0
    bottom = label_w * 0.72 + 16  # names at 45 degrees
    grid = cell * n
    width = left + grid + 90
    height = top + grid + bottom
    canvas = Canvas(width, height, colors)
    stops = [colors["danger"], "#f7f7f7", colors["accent"]]
    weights = matrix.get("weights") or "unweighted"
    canvas.text(left + grid / 2, 16, f"{title}: Cohen's kappa ({weights})", 12, colors["text"],
                "middle")  # fmt: skip
    for i in range(n):
        for j in range(n):
            value = matrix["kappa"][i][j]
            finite = value is not None and math.isfinite(value)
            fill = blend(stops, (value + 1) / 2) if finite else colors["border"]
            canvas.rect(left + j * cell, top + i * cell, cell, cell, fill)
            if finite and n <= 16:
                canvas.text(left + (j + 0.5) * cell, top + (i + 0.5) * cell, f"{value:.2f}",
                            min(9.0, cell * 0.3), colors["text"], "middle")  # fmt: skip
    for k, name in enumerate(names):
        canvas.text(left - 6, top + (k + 0.5) * cell, name, 10, colors["muted"], "end")
        x = left + (k + 0.5) * cell
        canvas.text(x, top + grid + 8, name, 10, colors["muted"], "end", rotate=-45,
                    baseline="hanging")  # fmt: skip
    bar_x, bar_w = left + grid + 22, 14.0
    canvas.defs.append(
        '<linearGradient id="kappa-scale" x1="0" y1="1" x2="0" y2="0">'
        + "".join(f'<stop offset="{k / 2:g}" stop-color="{c}"/>' for k, c in enumerate(stops))
        + "</linearGradient>"
    )
    canvas.rect(bar_x, top, bar_w, grid, "url(#kappa-scale)", stroke=colors["border"])
    for t in (-1.0, -0.5, 0.0, 0.5, 1.0):
        y = top + (1 - (t + 1) / 2) * grid
        canvas.line(bar_x + bar_w, y, bar_x + bar_w + 4, y, colors["muted"])
        canvas.text(bar_x + bar_w + 7, y, _tick_text(t), 9, colors["muted"])
    return canvas.svg(f"{title}: Cohen's kappa between annotators")


# -- label distributions --------------------------------------------------------------------


def distribution_svg(
    entry: dict[str, Any],
    colors: dict[str, str] | None = None,
    breaks: Sequence[tuple[str, str]] | None = None,
) -> str:
    """Share of each value per week (stacked), baseline week and shifted weeks marked;
    `breaks`: (time of its first label, version) per new judge version, a dashed line
    before the week it began (see `charts.distribution_chart`)."""
    colors = colors or LIGHT
    weeks = entry["weeks"]
    values = [str(v) for v in entry["values"]]
    legend_w = min(max((text_width(v, 10) for v in values), default=0) + 30, 200)
    width, height = 760.0, 300.0
    left, right, top, bottom = 56.0, width - legend_w - 10, 48.0, 50.0
    plot_b = height - bottom
    canvas = Canvas(width, height, colors)
    canvas.text(left, 18, f"{entry['criterion']} · {entry['subject']} (week, labels)", 12,
                colors["text"])  # fmt: skip
    span = 1.16 if breaks else 1.1

    def y_of(share: float) -> float:
        return plot_b - share / span * (plot_b - top)

    for t in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        canvas.line(left, y_of(t), right, y_of(t), colors["grid"], 0.8)
        canvas.text(left - 6, y_of(t), _tick_text(t), 10, colors["muted"], "end")
    canvas.text(14, (top + plot_b) / 2, "share of labels", 11, colors["muted"], "middle",
                rotate=-90)  # fmt: skip
    slot = (right - left) / max(len(weeks), 1)
    k = max(len(values), 1)
    palette = [colors["danger"], "#e8e2c8", colors["accent"]]
    shades = [blend(palette, v / max(k - 1, 1)) for v in range(len(values))]
    for i, week in enumerate(weeks):
        counts = [float(c) for c in week["counts"]]
        total = sum(counts)
        x = left + slot * (i + 0.1)
        level = 0.0
        for v, count in enumerate(counts[: len(values)]):
            share = count / total if total > 0 else 0.0
            if share > 0:
                canvas.rect(x, y_of(level + share), slot * 0.8, y_of(level) - y_of(level + share),
                            shades[v], stroke=colors["surface"], stroke_width=0.5)  # fmt: skip
            level += share
        middle = left + slot * (i + 0.5)
        if week["week"] == entry.get("baseline_week"):
            canvas.text(middle, y_of(1.04), "baseline", 9, colors["muted"], "middle")
        if week.get("shifted"):
            canvas.text(middle, y_of(1.04), f"JS {week['jsd']:.2f}", 9, colors["danger"],
                        "middle")  # fmt: skip
        canvas.text(middle, plot_b + 12, str(week["week"])[5:], 9, colors["muted"], "middle")
        canvas.text(middle, plot_b + 25, str(week["n"]), 9, colors["muted"], "middle")
    for first, label in breaks or ():
        at = sum(1 for w in weeks if w["week"] <= first[:10]) - 1
        if at < 0 or at >= len(weeks):
            continue
        x = left + slot * at
        canvas.line(x, top, x, plot_b, colors["text"], 0.9, dash="4 3", gid="version-break")
        canvas.text(x + 3, y_of(1.1), label, 9, colors["text"], gid="version-label")
    canvas.line(left, plot_b, right, plot_b, colors["border"])
    canvas.line(left, top, left, plot_b, colors["border"])
    y = (top + plot_b) / 2 - 9 * len(values)
    for v in reversed(range(len(values))):  # the top of the stack first, as drawn
        canvas.rect(right + 14, y - 5, 10, 10, shades[v])
        canvas.text(right + 29, y, values[v], 10, colors["text"])
        y += 18
    return canvas.svg(f"Label distribution per week: {entry['criterion']}, {entry['subject']}")


# -- weekly throughput ----------------------------------------------------------------------


def weekly_svg(weekly: list[dict[str, Any]], colors: dict[str, str] | None = None) -> str:
    """Labels per ISO week (bars) and active hours (a line on the right axis), as
    `report.throughput.weekly_chart` draws for the team screen."""
    colors = colors or LIGHT
    width, height = 800.0, 260.0
    left, right, top, bottom = 64.0, width - 64.0, 30.0, 40.0
    plot_b = height - bottom
    canvas = Canvas(width, height, colors)
    canvas.text(width / 2, 14, "Labels and active hours per week", 12, colors["text"], "middle")
    labels = [float(w["labels"]) for w in weekly]
    hours = [float(w["active_hours"]) for w in weekly]
    label_ticks = nice_ticks(0.0, max(labels + [1.0]) * 1.05, 5)
    hour_ticks = nice_ticks(0.0, max(hours + [1e-9]) * 1.05 or 1.0, 5)
    label_top = max(label_ticks[-1], max(labels + [1.0]) * 1.05)
    hour_top = max(hour_ticks[-1], max(hours + [0.0]) * 1.05) or 1.0

    def y_of(value: float, scale: float) -> float:
        return plot_b - value / scale * (plot_b - top)

    for t in label_ticks:
        y = y_of(t, label_top)
        canvas.line(left, y, right, y, colors["grid"], 0.8)
        canvas.text(left - 6, y, f"{t:,.{0 if float(t).is_integer() else 1}f}", 10,
                    colors["muted"], "end")  # fmt: skip
    for t in hour_ticks:
        canvas.text(right + 6, y_of(t, hour_top), _tick_text(t), 10, colors["muted"])
    canvas.text(14, (top + plot_b) / 2, "labels", 11, colors["muted"], "middle", rotate=-90)
    canvas.text(width - 12, (top + plot_b) / 2, "active hours", 11, colors["muted"], "middle",
                rotate=90)  # fmt: skip
    slot = (right - left) / max(len(weekly), 1)
    step = max(1, len(weekly) // 10)
    points = []
    for i, week in enumerate(weekly):
        x = left + slot * (i + 0.15)
        canvas.rect(x, y_of(labels[i], label_top), slot * 0.7,
                    plot_b - y_of(labels[i], label_top), colors["accent"])  # fmt: skip
        middle = left + slot * (i + 0.5)
        points.append((middle, y_of(hours[i], hour_top)))
        if i % step == 0:
            canvas.text(middle, plot_b + 12, str(week["week"])[2:], 10, colors["muted"], "middle")
    if points:
        canvas.polyline(points, colors["warn"], 1.6)
        for x, y in points:
            canvas.circle(x, y, 2.4, colors["warn"])
    for x in (left, right):
        canvas.line(x, top, x, plot_b, colors["border"])
    canvas.line(left, plot_b, right, plot_b, colors["border"])
    canvas.rect(left + 10, top + 4, 12, 8, colors["accent"])
    canvas.text(left + 27, top + 8, "labels", 10, colors["muted"])
    canvas.line(left + 80, top + 8, left + 94, top + 8, colors["warn"], 1.6)
    canvas.text(left + 99, top + 8, "active hours", 10, colors["muted"])
    return canvas.svg("Labels and active hours per week")


__all__ = [
    "Canvas",
    "agreement_svg",
    "blend",
    "distribution_svg",
    "matrix_svg",
    "nice_ticks",
    "text_width",
    "weekly_svg",
]
