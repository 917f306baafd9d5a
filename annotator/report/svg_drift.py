"""The drift chart (and a judge's canary chart) drawn as SVG by hand for the report: what
`charts.drift_chart` draws for the screens, without importing matplotlib (half a second)
or laying out a figure (a fifth of a second a chart).

Top: the rolling accuracy with its Wilson band, the chart's usual level p0 and the drop it
watches for, alarms marked; below: the CUSUM statistic (or a canary's -log10 p) against its
threshold. With versions (a judge's answers) every line is drawn per version, never joined
across a change, each change a dashed line (id `version-break`) with the new version's
label, and the rolling accuracy restarts at each version.

    >>> svg = drift_svg(series, versions=overview.answer_versions[who][criterion])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from annotator.quality.drift_settings import DriftSettings
from annotator.report.chart_rows import LIGHT, segment_keep, thin, version_segments
from annotator.report.svg import Canvas, nice_ticks, text_width
from annotator.stats.control_chart import rolling_accuracy

WIDTH, HEIGHT = 760.0, 420.0
LEFT, RIGHT = 64.0, WIDTH - 18.0
TOP_PANEL = (70.0, 262.0)  # y from, y to
BOTTOM_PANEL = (278.0, 366.0)


def _runs(x: np.ndarray, y: np.ndarray) -> list[list[tuple[float, float]]]:
    """(x, y) points split where y is not finite (a line breaks there, as matplotlib's)."""
    out: list[list[tuple[float, float]]] = [[]]
    for a, b in zip(x.tolist(), y.tolist(), strict=True):
        if math.isfinite(b):
            out[-1].append((a, b))
        elif out[-1]:
            out.append([])
    return [run for run in out if run]


def _band(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> list[str]:
    """Polygon point lists of a band, split where either bound is not finite."""
    keep = np.isfinite(low) & np.isfinite(high)
    out, start = [], None
    for i in range(len(x) + 1):
        if i < len(x) and keep[i]:
            start = i if start is None else start
            continue
        if start is not None:
            idx = range(start, i)
            points = [(x[k], high[k]) for k in idx] + [(x[k], low[k]) for k in reversed(idx)]
            out.append(points)
            start = None
    return out


def drift_svg(
    series: Any,
    colors: dict[str, str] | None = None,
    versions: Sequence[str] | None = None,
) -> str:
    """The chart of one anchor (or canary) series; see the module docstring."""
    colors = colors or LIGHT
    if versions is None:
        versions = getattr(series, "version", None)
    canvas = Canvas(WIDTH, HEIGHT, colors)
    n = len(series.outcome)
    x = np.arange(1, n + 1, dtype=float)
    keep = thin(n)
    segments = version_segments(versions, n)
    accuracy, low, high = (np.asarray(a, dtype=float) for a in series.rolling)
    if len(segments) > 1:  # each version's own rolling accuracy: no window spans a change
        window = DriftSettings().rolling_window
        parts = [rolling_accuracy(series.outcome[a:b], window) for a, b, _ in segments]
        accuracy, low, high = (np.concatenate([p[k] for p in parts]) for k in range(3))
    chart = series.chart
    p0 = np.asarray(chart.p0, dtype=float)
    statistic = np.nan_to_num(np.asarray(chart.statistic, dtype=float), nan=0.0)
    canary = hasattr(series, "run_id")
    x_lo, x_hi = 0.5 - 0.04 * n, n + 0.5 + 0.04 * n
    top_hi = 1.08 if len(segments) > 1 else 1.04
    bottom_hi = max(float(statistic.max()) if n else 0.0, chart.threshold) * 1.1 or 1.0

    def sx(v: float) -> float:
        return LEFT + (v - x_lo) / (x_hi - x_lo) * (RIGHT - LEFT)

    def sy(v: float) -> float:  # top panel
        t0, t1 = TOP_PANEL
        return t1 - (v + 0.02) / (top_hi + 0.02) * (t1 - t0)

    def sb(v: float) -> float:  # bottom panel
        b0, b1 = BOTTOM_PANEL
        return b1 - v / bottom_hi * (b1 - b0)

    def line(xs: np.ndarray, ys: np.ndarray, scale: Any, color: str, width: float,
             dash: str | None = None) -> None:  # fmt: skip
        for run in _runs(xs, ys):
            points = [(sx(a), scale(b)) for a, b in run]
            if len(points) == 1:
                canvas.circle(points[0][0], points[0][1], width, color)
            elif dash:
                canvas.parts.append(
                    '<polyline fill="none" points="'
                    + " ".join(f"{a:.1f},{b:.1f}" for a, b in points)
                    + f'" stroke="{color}" stroke-width="{width}" stroke-dasharray="{dash}"/>'
                )
            else:
                canvas.polyline(points, color, width)

    warmup = chart.settings.warmup
    for y0, y1 in (TOP_PANEL, BOTTOM_PANEL):
        if n > warmup:
            canvas.rect(sx(x_lo), y0, sx(warmup) - sx(x_lo), y1 - y0, colors["grid"],
                        fill_opacity=0.6)  # fmt: skip
        canvas.line(LEFT, y1, RIGHT, y1, colors["border"])
        canvas.line(LEFT, y0, LEFT, y1, colors["border"])
    for t in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        canvas.line(LEFT, sy(t), RIGHT, sy(t), colors["grid"], 0.8)
        canvas.text(LEFT - 6, sy(t), f"{t:g}", 10, colors["muted"], "end")
    for t in nice_ticks(0.0, bottom_hi, 3):
        canvas.text(LEFT - 6, sb(t), f"{t:g}", 10, colors["muted"], "end")
    ticks = [t for t in nice_ticks(max(1.0, x_lo), x_hi, 8) if float(t).is_integer()]
    for t in ticks:  # answers are counted: whole numbers only
        canvas.line(sx(t), BOTTOM_PANEL[1], sx(t), BOTTOM_PANEL[1] + 4, colors["muted"])
        canvas.text(sx(t), BOTTOM_PANEL[1] + 13, f"{int(t)}", 10, colors["muted"], "middle")
    if n > warmup:
        canvas.text(sx(warmup / 2), sy(1.0) + 8, "warm-up", 9, colors["muted"], "middle")
    for alarm in chart.alarms:
        a, b = sx(alarm.since + 1), sx(alarm.at + 1)
        canvas.rect(a, TOP_PANEL[0], b - a, TOP_PANEL[1] - TOP_PANEL[0], colors["danger"],
                    fill_opacity=0.08)  # fmt: skip
    delta = chart.settings.delta
    for start, end, _label in segments:
        at = segment_keep(keep, start, end) if end > start else keep
        xs = x[at]
        for points in _band(xs, low[at], high[at]):
            canvas.parts.append(
                '<polygon points="'
                + " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in points)
                + f'" fill="{colors["accent"]}" fill-opacity="0.15" stroke="none"/>'
            )
        line(xs, accuracy[at], sy, colors["accent"], 1.6)
        if np.isfinite(p0).any():
            line(xs, p0[at], sy, colors["ok"], 1.1)
            line(xs, p0[at] - delta, sy, colors["warn"], 1.1, dash="5 3")
        line(xs, statistic[at], sb, colors["muted"], 1.2)
    for start, _end, label in segments[1:]:
        where = sx(start + 0.5)  # between the old version's last answer and the new one's first
        for y0, y1 in (TOP_PANEL, BOTTOM_PANEL):
            canvas.line(where, y0, where, y1, colors["text"], 0.9, dash="4 3", gid="version-break")
        canvas.text(where + 3, TOP_PANEL[0] - 6, label, 9, colors["text"], gid="version-label")
    if len(segments) > 1 and segments[0][2]:
        canvas.text(sx(0.5) + 3, TOP_PANEL[0] - 6, segments[0][2], 9, colors["text"],
                    gid="version-label")  # fmt: skip
    threshold = chart.threshold
    canvas.line(LEFT, sb(threshold), RIGHT, sb(threshold), colors["danger"], 1, dash="5 3")
    alarm_text = f"alarm at p < {10**-threshold:.3g}" if canary else f"alarm at {threshold:g}"
    canvas.text(sx(1) + 2, sb(threshold) - 7, alarm_text, 9, colors["danger"])
    for alarm in chart.alarms:
        px = sx(alarm.at + 1)
        for yv in (sy(float(accuracy[alarm.at])), sb(threshold)):
            canvas.parts.append(
                f'<polygon points="{px - 5:.1f},{yv - 7:.1f} {px + 5:.1f},{yv - 7:.1f} '
                f'{px:.1f},{yv + 2:.1f}" fill="{colors["danger"]}"/>'
            )
    answers = "canary" if canary else "anchor"
    title = f"{series.subject} · {series.criterion}"
    if chart.reason:
        title += f" — {chart.reason}"
    elif chart.alarms:
        title += f" — {len(chart.alarms)} alarm(s)"
    if len(segments) > 1:
        title += f" · {len(segments)} versions"
    canvas.text(LEFT, 16, title, 12, colors["text"])
    usual = "usual level p0 (earlier runs)" if canary else "usual level p0 (lower bound)"
    entries = [
        ("band", colors["accent"], "95% Wilson interval"),
        ("line", colors["accent"], "accuracy, last 50 answers"),
    ]
    if np.isfinite(p0).any():
        entries += [("line", colors["ok"], usual),
                    ("dash", colors["warn"], f"drop watched for (p0 − {delta:.2f})")]  # fmt: skip
    lx, ly = LEFT, 36.0
    for k, (kind, color, text) in enumerate(entries):
        if k == 2:
            lx, ly = LEFT, ly + 15
        if kind == "band":
            canvas.rect(lx, ly - 4, 16, 8, color, fill_opacity=0.15)
        else:
            canvas.line(lx, ly, lx + 16, ly, color, 1.6, dash="5 3" if kind == "dash" else None)
        canvas.text(lx + 21, ly, text, 9, colors["text"])
        lx += 21 + text_width(text, 9) + 18
    canvas.text(16, sum(TOP_PANEL) / 2, f"{answers} accuracy", 11, colors["muted"], "middle",
                rotate=-90)  # fmt: skip
    canvas.text(16, sum(BOTTOM_PANEL) / 2, chart.statistic_name, 11, colors["muted"], "middle",
                rotate=-90)  # fmt: skip
    canvas.text((LEFT + RIGHT) / 2, HEIGHT - 22, f"scored {answers} answers, in order", 11,
                colors["muted"], "middle")  # fmt: skip
    return canvas.svg(title)


__all__ = ["drift_svg"]
