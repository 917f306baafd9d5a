"""What the charts show, without drawing anything: the palette, the agreement chart's
rows, the rubric-version table's cells and which points a line keeps. The matplotlib
charts (`charts`, for the screens) and the hand-drawn SVG ones (`svg`, for the report)
both read them, so this module imports no matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

LIGHT = {
    "surface": "#ffffff",
    "text": "#1d2127",
    "muted": "#5f6b7a",
    "border": "#d8dce2",
    "accent": "#2f6bd8",
    "warn": "#b54708",
    "ok": "#1a7f37",
    "danger": "#c0362c",
    "grid": "#eceef1",
}
MAX_POINTS = 2_000  # a chart never draws more points than this per line
SERIES = ("#2f6bd8", "#b54708", "#1a7f37", "#8e44ad", "#c0362c", "#16808a", "#7a5c00")


def agreement_rows(agreement: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(criterion, scope, figures) for every scope the overview measured."""
    rows = []
    for name, entry in agreement["criteria"].items():
        rows.append((name, "all labels", entry))
        for source, data in agreement["sources"].items():
            if name in data["criteria"]:
                rows.append((name, f"{source} ({data['kind']})", data["criteria"][name]))
        for source, data in agreement["vs_expert_consensus"].items():
            if name in data and data[name].get("alpha") is not None:
                rows.append((name, f"{source} vs expert consensus", data[name]))
    return rows


def scope_color(scope: str, colors: dict[str, str]) -> str:
    if scope == "all labels":
        return colors["text"]
    if scope.endswith("vs expert consensus"):
        return "#8e44ad"
    if scope.endswith("(expert)"):
        return colors["ok"]
    if scope.endswith("(llm_judge)"):
        return colors["warn"]
    return colors["accent"]


VERSION_HEADERS = [
    "Criterion", "Versions", "Items", "Jensen-Shannon", "α before → after",
    "Same person changed", "Mean shift",
]  # fmt: skip


def version_rows(versions: list[dict[str, Any]]) -> list[list[str]]:
    """The rubric-version comparison as table cells, the same in the dashboard and report."""

    def num(value: float | None, digits: int = 2) -> str:
        return "–" if value is None else f"{value:.{digits}f}"

    return [
        [
            v["criterion"], f"{v['from']} → {v['to']}", f"{v['n_items']:,}", num(v["jsd"]),
            f"{num(v['alpha_from']['value'])} → {num(v['alpha_to']['value'])}",
            num(v["changed_share"]), num(v["mean_shift"]),
        ]
        for v in versions
    ]  # fmt: skip


def thin(n: int) -> np.ndarray:
    """Indices to draw when a line has more than MAX_POINTS points."""
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, MAX_POINTS).astype(int))


def version_segments(versions: Sequence[str] | None, n: int) -> list[tuple[int, int, str]]:
    """(start, end, version) runs of equal versions over answers 0..n-1; one run without."""
    if versions is None or len(versions) == 0 or n == 0:  # a numpy array has no truth value
        return [(0, n, "")]
    labels = [str(v) for v in list(versions)[:n]]
    labels += ["?"] * (n - len(labels))  # answers past the given versions: unknown
    out, start = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            out.append((start, i, labels[start]))
            start = i
    return out


def segment_keep(keep: np.ndarray, start: int, end: int) -> np.ndarray:
    """The thinned indices inside [start, end), with both ends kept so no run loses its edge."""
    inside = keep[(keep >= start) & (keep < end)]
    return np.unique(np.concatenate([[start, end - 1], inside])).astype(int)


__all__ = [
    "LIGHT",
    "MAX_POINTS",
    "SERIES",
    "VERSION_HEADERS",
    "agreement_rows",
    "scope_color",
    "segment_keep",
    "thin",
    "version_rows",
    "version_segments",
]
