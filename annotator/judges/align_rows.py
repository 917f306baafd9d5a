"""One row of `judge align`: a judge against the reference on one criterion's items.

The same row serves the whole criterion and each group of it (a slice, a week, a
rubric version; `align_groups`), so a group's verdict rests on exactly the figures
and `Thresholds` the criterion's does: every coefficient with bootstrap intervals,
the confusion matrix, bias, the human ceiling on those items, position bias for
preference criteria, and the items with the largest gaps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from annotator.judges.align_bias import (
    mean_bias,
    option_rates,
    plain,
    position_bias,
)
from annotator.judges.align_pairs import Boot, against_the_rest, coefficients
from annotator.labels.data import LabelTable, Names, item_ids
from annotator.labels.reference import EXPERT, Reference, consensus
from annotator.labels.reference import is_numeric as numeric
from annotator.stats.coefficient import Coefficient
from annotator.store.project import Project

STANDS_IN = "stands in"
ASSIST_ONLY = "assist only"
NOT_TRUSTED = "not trusted"
N_ERRS = 10


@dataclass(frozen=True)
class Thresholds:
    """When a judge stands in for people, only assists, or is not trusted.

    stands in: the lower bound of its agreement interval >= human ceiling - margin,
    and |bias| <= max_bias (criterion units; nominal: every option's rate within
    max_rate_gap of the reference's). not trusted: agreement below not_trusted_below
    (or not defined), or (preference criteria) its answer flips on more than
    max_flip_rate of the items asked again with A and B exchanged. Otherwise: assist only."""

    stands_in_margin: float = 0.05
    max_bias: float = 0.25
    max_rate_gap: float = 0.10
    not_trusted_below: float = 0.40
    max_flip_rate: float = 0.20

    def describe(self) -> str:
        return (
            f"stands in: agreement lower bound >= human ceiling - {self.stands_in_margin:g} "
            f"and |bias| <= {self.max_bias:g} (nominal: option rates within "
            f"{self.max_rate_gap:g}); not trusted: agreement < {self.not_trusted_below:g}, "
            f"or a position flip rate > {self.max_flip_rate:g} (preference criteria)"
        )


@dataclass
class CriterionAlignment:
    criterion: str
    level: str
    scale: list[Any]
    coefficient: str  # the key of `agreement` the verdict rests on
    n_items: int
    agreement: dict[str, Coefficient]
    confusion: list[list[int]] | None
    bias: dict[str, Any]
    ceiling: dict[str, Any]
    verdict: str
    reason: str
    errs: list[dict[str, Any]]
    paired: dict[str, list[Any]] = field(repr=False, default_factory=dict)  # item, reference, judge
    position: dict[str, Any] | None = None  # preference criteria with swapped answers
    length_bias: dict[str, Any] | None = None
    weakest_slices: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)

    def main(self) -> Coefficient:
        return self.agreement[self.coefficient]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["agreement"] = {k: c.to_dict() for k, c in self.agreement.items()}
        out.pop("paired")
        out["ceiling_relation"] = ceiling_relation(self)
        return out


@dataclass
class Alignment:
    project: str
    judge: str
    kind: str
    against: str
    thresholds: Thresholds
    settings: dict[str, Any]
    criteria: list[CriterionAlignment]
    notes: list[str] = field(default_factory=list)
    by: str | None = None

    def criterion(self, key: str) -> CriterionAlignment:
        return next(c for c in self.criteria if c.criterion == key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "judge": self.judge,
            "kind": self.kind,
            "against": self.against,
            "by": self.by,
            "thresholds": asdict(self.thresholds),
            "thresholds_text": self.thresholds.describe(),
            "settings": self.settings,
            "criteria": [c.to_dict() for c in self.criteria],
            "notes": self.notes,
        }


@dataclass(frozen=True)
class RowContext:
    """What every row of one criterion shares: the full table, the reference, the settings."""

    project: Project
    table: LabelTable
    reference: Reference
    names: Names
    name: str
    settings: Boot
    thresholds: Thresholds
    swaps: dict[int, list[dict[str, Any]]]

    @property
    def nominal(self) -> bool:
        return self.table.level == "nominal"

    @property
    def key(self) -> str:
        return "cohen_kappa" if self.nominal else "cohen_kappa_quadratic"


def scale_numbers(table: LabelTable) -> np.ndarray:
    """A number per scale position: the option itself when all are numbers, else its position."""
    values = table.values
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=float)
    return np.arange(len(values), dtype=float)


def pairs(ctx: RowContext, judged: LabelTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(item seqs, judge value, reference value) on the items both have; the judge's value
    is its consensus over its labels in `judged`."""
    mine = consensus(judged)
    if mine is None:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty
    reference = ctx.reference
    common, in_mine, in_ref = np.intersect1d(mine.items, reference.items, return_indices=True)
    return common, mine.value[in_mine], reference.value[in_ref]


def agreement_of(
    ctx: RowContext, common: np.ndarray, own: np.ndarray, ref: np.ndarray, settings: Boot
) -> dict[str, Coefficient]:
    raters = ("reference", ctx.name)
    agreement = coefficients(ref, own, ctx.table, common.tolist(), raters, settings)
    if ctx.nominal:  # weights need ordered values: not defined, not shown
        agreement = {k: c for k, c in agreement.items() if not k.startswith("cohen_kappa_")}
    return agreement


def criterion_row(ctx: RowContext, judged: LabelTable) -> CriterionAlignment:
    """The row for the judge's labels in `judged` (the criterion's, or one group's)."""
    table, settings = ctx.table, ctx.settings
    common, own, ref = pairs(ctx, judged)
    agreement = agreement_of(ctx, common, own, ref, settings)
    key = ctx.key
    scale = list(table.values)
    if numeric(table):
        own_n, ref_n = own, ref
        confusion = None
        shown_ref, shown_own = ref.tolist(), own.tolist()
    else:
        numbers = scale_numbers(table)
        own_n, ref_n = numbers[own.astype(int)], numbers[ref.astype(int)]
        matrix = np.zeros((len(scale), len(scale)), dtype=np.int64)
        np.add.at(matrix, (ref.astype(int), own.astype(int)), 1)
        confusion = matrix.tolist()
        shown_ref = table.value_of(ref.astype(int))
        shown_own = table.value_of(own.astype(int))
    if ctx.nominal:
        bias = option_rates(own.astype(int), ref.astype(int), scale)
        gap = (own != ref).astype(float)
    else:
        bias = mean_bias(own_n - ref_n, settings)
        gap = np.abs(own_n - ref_n)
    ceiling = _ceiling(table, ctx.names, common, key, settings)
    raters = ("reference", ctx.name)
    position = position_bias(table, judged, ctx.swaps, (common, own, ref), raters, settings)
    verdict, reason = verdict_of(agreement[key], bias, ceiling, ctx.nominal, ctx.thresholds)
    verdict, reason = _position_verdict(verdict, reason, position, ctx.thresholds)
    order = np.lexsort((common, -gap))[:N_ERRS]
    order = order[gap[order] > 0]
    ids = item_ids(ctx.project, common[order].tolist())
    errs = []
    for i in order.tolist():
        item = ids.get(int(common[i]), str(int(common[i])))
        errs.append(
            {
                "item": item,
                "filter": item,
                "reference": plain(shown_ref[i]),
                "judge": plain(shown_own[i]),
                "gap": float(gap[i]),
            }
        )
    return CriterionAlignment(
        table.spec.name,
        table.level,
        [plain(v) for v in scale],
        key,
        len(common),
        agreement,
        confusion,
        bias,
        ceiling,
        verdict,
        reason,
        errs,
        {
            "item": common.tolist(),
            "reference": ref_n.tolist(),
            "judge": own_n.tolist(),
            "own_code": own.tolist(),
            "reference_code": ref.tolist(),
        },
        position,
    )


def _ceiling(
    table: LabelTable, names: Names, items: np.ndarray, key: str, settings: Boot
) -> dict[str, Any]:
    """Each expert against every other expert label on these items, averaged."""
    experts = [s for s, kind in names.source_kinds.items() if kind == EXPERT]
    mine = table.subset(np.isin(table.source, experts) & np.isin(table.item, items))
    values, lows, highs, who = [], [], [], []
    for rater in np.unique(mine.rater).tolist():
        shown = names.annotators.get(rater, str(rater))
        found = against_the_rest(mine, rater, shown, settings).get(key)
        if found is None or found.value is None:
            continue
        values.append(found.value)
        who.append(shown)
        if found.ci is not None:
            lows.append(found.ci[0])
            highs.append(found.ci[1])
    if not values:
        return {"value": None, "ci": None, "experts": [], "per_expert": []}
    ci = [float(np.mean(lows)), float(np.mean(highs))] if lows else None
    return {
        "value": float(np.mean(values)),
        "ci": ci,
        "experts": who,
        "per_expert": [float(v) for v in values],
    }


def verdict_of(
    main: Coefficient,
    bias: dict[str, Any],
    ceiling: dict[str, Any],
    nominal: bool,
    t: Thresholds,
) -> tuple[str, str]:
    if main.value is None:
        return NOT_TRUSTED, f"{main.name} is {main.reason}"
    if main.value < t.not_trusted_below:
        return NOT_TRUSTED, f"{main.name} {main.value:.3f} < {t.not_trusted_below:g}"
    lower = main.ci[0] if main.ci is not None else main.value
    if nominal:
        off, bias_ok = bias["max_rate_gap"], bias["max_rate_gap"] <= t.max_rate_gap
        bias_text = (
            f"largest option-rate gap {off:.3f} {'<=' if bias_ok else '>'} {t.max_rate_gap:g}"
        )
    else:
        off = abs(bias["mean_difference"])
        bias_ok = off <= t.max_bias
        bias_text = f"|bias| {off:.3f} {'<=' if bias_ok else '>'} {t.max_bias:g}"
    if ceiling["value"] is None:
        return ASSIST_ONLY, "no human ceiling (fewer than two experts on these items); " + bias_text
    bar = ceiling["value"] - t.stands_in_margin
    close = lower >= bar
    text = (
        f"lower bound {lower:.3f} {'>=' if close else '<'} ceiling "
        f"{ceiling['value']:.3f} - {t.stands_in_margin:g}; {bias_text}"
    )
    return (STANDS_IN if close and bias_ok else ASSIST_ONLY), text


def _position_verdict(
    verdict: str, reason: str, position: dict[str, Any] | None, t: Thresholds
) -> tuple[str, str]:
    """A judge whose preference flips when A and B are exchanged is not trusted."""
    if position is None:
        return verdict, reason
    rate = position["flip_rate"]
    if rate > t.max_flip_rate:
        return NOT_TRUSTED, (
            f"flip rate {rate:.3f} > {t.max_flip_rate:g}: the answer changes when A and B "
            f"are exchanged ({position['flips']} of {position['n_pairs']}); {reason}"
        )
    return verdict, f"{reason}; flip rate {rate:.3f} <= {t.max_flip_rate:g}"


def ceiling_relation(row: CriterionAlignment) -> str:
    """Whether the judge's agreement interval exceeds, overlaps or falls below the ceiling's."""
    main, ceiling = row.main(), row.ceiling
    if main.value is None or ceiling["value"] is None:
        return "not comparable"
    low, high = main.ci if main.ci is not None else (main.value, main.value)
    c_low, c_high = ceiling["ci"] or (ceiling["value"], ceiling["value"])
    if low > c_high:
        return "exceeds it"
    if high < c_low:
        return "falls below it"
    return "overlaps it"
