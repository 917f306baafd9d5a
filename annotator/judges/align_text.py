"""What `annotator judge align` prints: per criterion the figures, the verdict, where it errs,
and with `--by` a compact table per group."""

from __future__ import annotations

from typing import Any

from annotator.judges.align_rows import Alignment, CriterionAlignment, ceiling_relation
from annotator.stats.coefficient import Coefficient

_AGAINST = {
    "consensus": "the expert consensus (adjudicated value first)",
    "experts": "the expert labels' consensus",
}


def _ci(ci: Any) -> str:
    return f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _coefficient(c: Coefficient) -> str:
    if c.value is None:
        return f"  {c.name}: {c.reason}"
    return f"  {c.name}: {c.value:.3f}{_ci(c.ci)}"


def _bias_lines(row: CriterionAlignment) -> list[str]:
    b = row.bias
    if "rates" in b:
        rates = ", ".join(
            f"{r['value']} {r['judge']:.2f} vs {r['reference']:.2f}" for r in b["rates"]
        )
        return [f"  option rates (judge vs reference): {rates}"]
    if b["mean_difference"] is not None:
        return [
            f"  bias (judge - reference): {b['mean_difference']:+.3f}{_ci(b['ci'])}; "
            f"higher on {b['share_higher']:.0%}, lower on {b['share_lower']:.0%}"
        ]
    return []


def _correlations(figures: dict[str, Any]) -> str:
    p, s = figures["pearson"], figures["spearman"]
    return (
        f"Pearson {_number(p['value'])}{_ci(p['ci'])}, "
        f"Spearman {_number(s['value'])}{_ci(s['ci'])} (n {figures['n']})"
    )


def _length_lines(row: CriterionAlignment) -> list[str]:
    length = row.length_bias
    if not length:
        return []
    lines = [f"  length bias ({length['gap']} vs output length): {_correlations(length)}"]
    if length.get("a_minus_b"):
        lines.append(f"    vs len(A) - len(B): {_correlations(length['a_minus_b'])}")
    return lines


def _position_lines(row: CriterionAlignment) -> list[str]:
    p = row.position
    if not p:
        return []
    lines = [
        f"  position (A and B exchanged): {p['flips']} of {p['n_pairs']} answers flip, "
        f"rate {p['flip_rate']:.3f}{_ci(p['ci'])}; chose the first shown {p['first_rate']:.0%}"
    ]
    main = p["consistent"].get(row.coefficient)
    if main is not None:
        value = main["value"]
        shown = main.get("reason") if value is None else f"{value:.3f}{_ci(main.get('ci'))}"
        lines.append(f"    on the {p['n_consistent_items']} consistent items: {shown}")
    return lines


def _group_table(row: CriterionAlignment) -> list[str]:
    if not row.groups:
        return []
    by = row.groups[0]["by"]
    width = max(len(g["group"]) for g in row.groups) + 2
    lines = [f"  by {by} ({row.coefficient}):"]
    lines.append(f"    {'group':<{width}}{'n':>5}  {'coefficient':<24}{'ceiling':>9}  verdict")
    for g in row.groups:
        if "agreement" not in g:
            lines.append(
                f"    {g['group']:<{width}}{g['n_items']:>5}  {'':<24}{'':>9}  {g['verdict']}"
            )
            continue
        main = g["agreement"][g["coefficient"]]
        shown = "n/a" if main["value"] is None else f"{main['value']:.3f}{_ci(main['ci'])}"
        ceiling = _number(g["ceiling"]["value"])
        lines.append(
            f"    {g['group']:<{width}}{g['n_items']:>5}  {shown:<24}{ceiling:>9}  {g['verdict']}"
        )
    return lines


def _errs_lines(row: CriterionAlignment) -> list[str]:
    lines = []
    if row.weakest_slices:
        name = row.weakest_slices[0]["name"]
        lines.append(f"  where it errs (slices with the lowest {name}; judge run --items FILTER):")
        lines += [
            f"    {w['group']}: {_number(w['value'])}{_ci(w['ci'])}, {w['n_items']} items  "
            f"({w['filter']})"
            for w in row.weakest_slices
        ]
    if row.errs:
        lines.append("  largest gaps (item: reference -> judge):")
        lines += [f"    {e['item']}: {e['reference']} -> {e['judge']}" for e in row.errs]
    return lines


def format_alignment(result: Alignment) -> str:
    """What `annotator judge align` prints."""
    against = _AGAINST.get(result.against, f"source {result.against!r}")
    s = result.settings
    lines = [
        f"Judge {result.judge} ({result.kind}) against {against}; "
        f"{s['n_boot']} resamples, seed {s['seed']}",
        f"Thresholds: {result.thresholds.describe()}",
    ]
    for row in result.criteria:
        lines += ["", f"{row.criterion} ({row.level}, {row.n_items} items)"]
        lines += [_coefficient(c) for c in row.agreement.values()]
        c = row.ceiling
        if c["value"] is None:
            lines.append("  human ceiling: not defined (fewer than two experts on these items)")
        else:
            lines.append(
                f"  human ceiling: {c['value']:.3f}{_ci(c['ci'])} ({len(c['experts'])} experts, "
                f"each against the rest); the judge {ceiling_relation(row)}"
            )
        lines += _bias_lines(row)
        lines += _length_lines(row)
        lines += _position_lines(row)
        if row.confusion is not None:
            width = max(len(str(v)) for v in [*row.scale, *sum(row.confusion, [])]) + 1
            lines.append("  confusion (rows: reference, columns: judge):")
            lines.append("    " + " " * width + "".join(f"{v!s:>{width}}" for v in row.scale))
            for value, counts in zip(row.scale, row.confusion, strict=True):
                lines.append(f"    {value!s:>{width}}" + "".join(f"{n:>{width}}" for n in counts))
        lines.append(f"  verdict: {row.verdict} ({row.reason})")
        lines += _group_table(row)
        lines += _errs_lines(row)
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)
