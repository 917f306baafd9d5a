"""How the Alignment tab words and colours a judge's alignment: the table's cells, the
detail's sentences, the groups, verdict tints and the confusion matrix's heat.

Everything reads `Alignment.to_dict()` with `.get`, so keys a core adds (`groups`,
`weakest_slices`, `length_bias`, `position`) show as soon as they appear, and a row
without them still shows the rest.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor

from annotator.judges.align import ASSIST_ONLY, NOT_TRUSTED, STANDS_IN
from ui.widgets.theme import current_colors

SHORT_NAMES = {
    "cohen_kappa_quadratic": "κ quadratic",
    "cohen_kappa_linear": "κ linear",
    "cohen_kappa": "Cohen's κ",
    "alpha": "α",
    "gwet_ac1": "AC1",
    "percent_agreement": "% agreement",
    "fleiss_kappa": "Fleiss' κ",
}
VERDICT_COLOURS = {STANDS_IN: "ok", ASSIST_ONLY: "warn", NOT_TRUSTED: "danger"}


# -- cells --------------------------------------------------------------------------------


def number(value: Any, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def with_ci(value: Any, ci: Any, signed: bool = False) -> str:
    if value is None:
        return "–"
    if not ci:
        return number(value, signed)
    return f"{number(value, signed)}  [{number(ci[0], signed)}, {number(ci[1], signed)}]"


def main_coefficient(row: dict[str, Any]) -> dict[str, Any]:
    return row.get("agreement", {}).get(row.get("coefficient", ""), {}) or {}


def agreement_text(row: dict[str, Any]) -> str:
    main = main_coefficient(row)
    if main.get("value") is None:
        return "not defined"
    return with_ci(main.get("value"), main.get("ci"))


def ceiling_text(row: dict[str, Any]) -> str:
    ceiling = row.get("ceiling") or {}
    if ceiling.get("value") is None:
        return "not defined"
    return with_ci(ceiling["value"], ceiling.get("ci"))


def is_nominal_bias(bias: dict[str, Any]) -> bool:
    return "rates" in bias


def bias_text(row: dict[str, Any]) -> str:
    """Mean difference judge - reference with its interval; nominal: the largest rate gap."""
    bias = row.get("bias") or {}
    if is_nominal_bias(bias):
        return f"rate gap {bias.get('max_rate_gap', 0.0):.3f}"
    return with_ci(bias.get("mean_difference"), bias.get("ci"), signed=True)


def bias_detail(row: dict[str, Any]) -> str:
    """The bias in a sentence (rich text), for the detail pane."""
    bias = row.get("bias") or {}
    if is_nominal_bias(bias):
        cells = "".join(
            f"<tr><td>{r['value']}</td><td align='right'>{r['judge']:.0%}</td>"
            f"<td align='right'>{r['reference']:.0%}</td>"
            f"<td align='right'>{r['judge'] - r['reference']:+.0%}</td></tr>"
            for r in bias.get("rates", [])
        )
        return (
            "How often each option is chosen:<table cellspacing='0' cellpadding='3'>"
            "<tr><th align='left'>Option</th><th>Judge</th><th>Reference</th><th>Gap</th></tr>"
            f"{cells}</table>"
        )
    mean = bias.get("mean_difference")
    if mean is None:
        return "No bias: no shared items."
    higher, lower = bias.get("share_higher") or 0.0, bias.get("share_lower") or 0.0
    return (
        f"Judge − reference: <b>{with_ci(mean, bias.get('ci'), signed=True)}</b> on average. "
        f"The judge scores higher on {higher:.0%} of the items, lower on {lower:.0%}."
    )


def ceiling_detail(row: dict[str, Any]) -> str:
    ceiling = row.get("ceiling") or {}
    if ceiling.get("value") is None:
        return "Human ceiling: not defined (fewer than two experts labeled these items)."
    each = ", ".join(
        f"{who} {value:.3f}"
        for who, value in zip(
            ceiling.get("experts", []), ceiling.get("per_expert", []), strict=False
        )
    )
    return (
        f"Human ceiling {ceiling_text(row)}: each expert against the others ({each}). "
        f"The judge {row.get('ceiling_relation', 'not comparable')}."
    )


def other_coefficients(row: dict[str, Any]) -> str:
    parts = []
    for key, c in (row.get("agreement") or {}).items():
        if key == row.get("coefficient"):
            continue
        shown = SHORT_NAMES.get(key, c.get("name", key))
        parts.append(f"{shown} {number(c.get('value'))}" if c.get("value") is not None else "")
    return "Also: " + " · ".join(p for p in parts if p) if any(parts) else ""


def _correlations(figures: dict[str, Any]) -> str:
    p, s = figures.get("pearson") or {}, figures.get("spearman") or {}
    n = figures.get("n")
    return (
        f"Pearson {with_ci(p.get('value'), p.get('ci'), signed=True)}, "
        f"Spearman {with_ci(s.get('value'), s.get('ci'), signed=True)}"
        + (f" over {n:,} items" if isinstance(n, int) else "")
    )


def length_text(length: Any) -> str:
    """Does the judge's error grow with the output's length? (the correlations, in words)"""
    if not isinstance(length, dict):
        return ""
    if all((length.get(k) or {}).get("value") is None for k in ("pearson", "spearman")):
        return "Length bias: not measurable here (the outputs' lengths hardly vary)."
    text = f"Length bias ({length.get('gap', 'gap')} vs output length): {_correlations(length)}."
    if isinstance(length.get("a_minus_b"), dict):
        text += f" Against len(A) − len(B): {_correlations(length['a_minus_b'])}."
    return text


def position_text(position: Any, coefficient: str) -> str:
    """How often the answer flips when A and B are exchanged (preference criteria)."""
    if not isinstance(position, dict) or "flip_rate" not in position:
        return ""
    text = (
        f"Position: {position.get('flips', 0)} of {position.get('n_pairs', 0)} answers flip "
        f"when A and B are exchanged, rate {with_ci(position['flip_rate'], position.get('ci'))}"
        f"; it chose the answer shown first {position.get('first_rate', 0.0):.0%} of the time."
    )
    main = (position.get("consistent") or {}).get(coefficient)
    if isinstance(main, dict) and main.get("value") is not None:
        text += (
            f" On the {position.get('n_consistent_items', 0)} consistent items: "
            f"{with_ci(main['value'], main.get('ci'))}."
        )
    return text


def extra_facts(row: dict[str, Any], result: dict[str, Any]) -> str:
    """Length bias and position effects, when the core reports them (per row or overall)."""
    length = row.get("length_bias", result.get("length_bias"))
    position = row.get("position", result.get("position"))
    lines = [length_text(length), position_text(position, row.get("coefficient", ""))]
    return "<br>".join(line for line in lines if line)


# -- groups (from a core that groups its rows) ----------------------------------------------


def group_name(entry: dict[str, Any]) -> str:
    for key in ("group", "slice", "name", "label", "key", "value", "week", "rubric_version"):
        if entry.get(key) is not None and not isinstance(entry[key], dict):
            return str(entry[key])
    return entry.get("filter", "–")


def group_items(entry: dict[str, Any]) -> str:
    for key in ("n_items", "items", "n"):
        if isinstance(entry.get(key), int):
            return f"{entry[key]:,}"
    return "–"


def group_agreement(entry: dict[str, Any], coefficient: str) -> str:
    found = entry.get("agreement")
    if isinstance(found, dict) and isinstance(found.get(coefficient), dict):
        found = found[coefficient]
    if not isinstance(found, dict):
        found = entry.get("main") if isinstance(entry.get("main"), dict) else entry
    value = found.get("value")
    return with_ci(value, found.get("ci")) if isinstance(value, int | float) else "–"


def group_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The row's groups, the weakest slice among them marked; without groups, the weakest
    slices (each with its item selection)."""
    groups = [g for g in row.get("groups") or [] if isinstance(g, dict)]
    weakest = [w for w in row.get("weakest_slices") or [] if isinstance(w, dict)]
    if not groups:
        return [{**w, "_weakest": False} for w in weakest]
    lowest = weakest[0].get("filter") if weakest else None
    return [{**g, "_weakest": lowest is not None and g.get("filter") == lowest} for g in groups]


# -- colours --------------------------------------------------------------------------------


def blend(base: str, tint: str, amount: float) -> QColor:
    a, b = QColor(base), QColor(tint)
    t = max(0.0, min(1.0, amount))
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def readable_on(background: QColor) -> QColor:
    """Dark or light text, whichever reads on this background."""
    luminance = (
        0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF()
    )
    colors = current_colors()
    light, dark = QColor(colors["surface"]), QColor(colors["text"])
    if light.lightness() < dark.lightness():
        light, dark = dark, light
    return dark if luminance > 0.5 else light


def verdict_colours(verdict: str) -> tuple[QColor, QColor]:
    """(background, text) of a verdict cell: a soft tint of its colour, the colour's text."""
    colors = current_colors()
    hue = colors[VERDICT_COLOURS.get(verdict, "muted")]
    return blend(colors["surface"], hue, 0.18), QColor(hue)


def heat(count: int, top: int, diagonal: bool) -> QColor:
    """A confusion cell's tint: agreement in the ok colour, errors in the warning colour."""
    colors = current_colors()
    if count == 0 or top == 0:
        return QColor(colors["surface"])
    hue = colors["ok" if diagonal else "warn"]
    return blend(colors["surface"], hue, 0.15 + 0.65 * count / top)


__all__ = [
    "SHORT_NAMES",
    "agreement_text",
    "bias_detail",
    "bias_text",
    "blend",
    "ceiling_detail",
    "ceiling_text",
    "extra_facts",
    "group_agreement",
    "group_items",
    "group_name",
    "group_rows",
    "heat",
    "main_coefficient",
    "other_coefficients",
    "readable_on",
    "verdict_colours",
    "with_ci",
]
