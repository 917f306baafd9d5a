"""Cohen's kappa for two raters, unweighted or weighted, and for every pair of raters.

Kappa is computed from the raters' contingency table over the items both
rated, with sklearn's definition: kappa = 1 - sum(w * observed) / sum(w *
expected), where w is 0/1 (unweighted), |i - j| (linear) or (i - j)^2
(quadratic) over positions on the scale, so weighted kappa respects the scale
order and its unused points. Computing it from the table (rather than calling
sklearn per pair) lets the bootstrap resample the table's cells, and a test
checks the result against `sklearn.metrics.cohen_kappa_score`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from annotator.stats import bootstrap as item_bootstrap
from annotator.stats.bootstrap import ItemPatterns
from annotator.stats.coefficient import Coefficient, show_value, undefined
from annotator.stats.defaults import N_BOOT
from annotator.stats.reliability import ReliabilityData, ReliabilityError

if TYPE_CHECKING:
    import pandas as pd

Weights = Literal["linear", "quadratic"] | None
_NAMES = {
    None: "Cohen's kappa",
    "linear": "Cohen's kappa (linear weights)",
    "quadratic": "Cohen's kappa (quadratic weights)",
}


def cohen_kappa(
    data: ReliabilityData,
    rater_a: Hashable | None = None,
    rater_b: Hashable | None = None,
    *,
    weights: Weights = None,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> Coefficient:
    """Cohen's kappa between two raters over the items both labeled.

        >>> cohen_kappa(data, "ann", "bob", weights="quadratic").value

    With exactly two raters in `data` they may be left out.
    """
    a, b = _pair(data, rater_a, rater_b)
    key = ("kappa cells", a, b)
    if key not in data.memo:  # the three weightings share one table and one draw
        both = data.rated[:, a] & data.rated[:, b]
        cells = data.codes[both, a].astype(np.int64) * data.n_values + data.codes[both, b]
        data.memo[key] = _Cells(cells)
    cells = data.memo[key]
    return _kappa_from_cells(
        cells.cells,
        data.values,
        weights,
        (data.raters[a], data.raters[b]),
        n_boot=n_boot,
        seed=seed,
        confidence=confidence,
        patterns=cells.patterns() if n_boot > 0 and len(cells.cells) else None,
    )


class _Cells:
    """A rater pair's table cells, with their patterns found once when an interval asks
    (a point value needs only the table)."""

    def __init__(self, cells: np.ndarray) -> None:
        self.cells = cells
        self._patterns: ItemPatterns | None = None

    def patterns(self) -> ItemPatterns:
        if self._patterns is None:
            self._patterns = ItemPatterns.of(self.cells)
        return self._patterns


def cohen_kappa_from_table(
    table: Sequence[Sequence[int]] | np.ndarray,
    *,
    categories: Sequence[Hashable] | None = None,
    weights: Weights = None,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> Coefficient:
    """Cohen's kappa from a square contingency table (rows: rater A, columns: rater B),
    categories in scale order."""
    counts = np.asarray(table)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ReliabilityError(f"a contingency table must be square, not of shape {counts.shape}")
    if (counts < 0).any() or not np.array_equal(counts, np.round(counts)):
        raise ReliabilityError("a contingency table holds counts: whole numbers, none negative")
    n_values = counts.shape[0]
    values = tuple(categories) if categories is not None else tuple(range(n_values))
    if len(values) != n_values:
        raise ReliabilityError(f"{len(values)} categories for a {n_values}x{n_values} table")
    cells = np.repeat(np.arange(n_values * n_values), counts.reshape(-1).astype(np.int64))
    return _kappa_from_cells(
        cells, values, weights, ("A", "B"), n_boot=n_boot, seed=seed, confidence=confidence
    )


@dataclass(frozen=True)
class PairwiseKappa:
    """Cohen's kappa for every pair of raters.

    `values[i, j]` is kappa between raters i and j (symmetric; NaN on the
    diagonal and where not defined, for a heatmap); `n_shared[i, j]` counts the
    items both labeled (the diagonal: items rater i labeled). `coefficients`
    holds the full result, with its reason, per pair in rater order.
    """

    raters: tuple[Hashable, ...]
    weights: Weights
    values: np.ndarray
    n_shared: np.ndarray
    coefficients: dict[tuple[Hashable, Hashable], Coefficient]

    def get(self, rater_a: Hashable, rater_b: Hashable) -> Coefficient:
        """The result for one pair, in either order."""
        if (rater_a, rater_b) in self.coefficients:
            return self.coefficients[(rater_a, rater_b)]
        if (rater_b, rater_a) in self.coefficients:
            return self.coefficients[(rater_b, rater_a)]
        raise ReliabilityError(
            f"no pair ({rater_a!r}, {rater_b!r}); raters are {list(self.raters)}"
        )

    def to_frame(self) -> pd.DataFrame:
        """Long table: rater_a, rater_b, kappa, ci_low, ci_high, n_items, reason."""
        import pandas as pd  # lazy: only this table needs pandas; agreement itself does not

        rows = []
        for (a, b), c in self.coefficients.items():
            lo, hi = c.ci if c.ci is not None else (None, None)
            rows.append((a, b, c.value, lo, hi, c.n_items, c.reason))
        columns = ["rater_a", "rater_b", "kappa", "ci_low", "ci_high", "n_items", "reason"]
        return pd.DataFrame(rows, columns=columns)


def cohen_kappa_pairwise(
    data: ReliabilityData,
    *,
    weights: Weights = None,
    n_boot: int = 0,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> PairwiseKappa:
    """Cohen's kappa for every pair of raters (intervals only when `n_boot` > 0)."""
    rated = (data.codes >= 0).astype(np.int64)
    n_shared = rated.T @ rated
    n = data.n_raters
    values = np.full((n, n), np.nan)
    coefficients: dict[tuple[Hashable, Hashable], Coefficient] = {}
    for i in range(n):
        for j in range(i + 1, n):
            result = cohen_kappa(
                data,
                data.raters[i],
                data.raters[j],
                weights=weights,
                n_boot=n_boot,
                seed=seed,
                confidence=confidence,
            )
            coefficients[(data.raters[i], data.raters[j])] = result
            if result.value is not None:
                values[i, j] = values[j, i] = result.value
    return PairwiseKappa(data.raters, weights, values, n_shared, coefficients)


# -- internals -----------------------------------------------------------------------------------


def _pair(
    data: ReliabilityData, rater_a: Hashable | None, rater_b: Hashable | None
) -> tuple[int, int]:
    if rater_a is None and rater_b is None:
        if data.n_raters != 2:
            raise ReliabilityError(
                f"there are {data.n_raters} raters; name the two to compare "
                "(or use cohen_kappa_pairwise)"
            )
        return 0, 1
    if rater_a is None or rater_b is None:
        raise ReliabilityError("name both raters to compare, or neither when there are two")
    a, b = data.rater_index(rater_a), data.rater_index(rater_b)
    if a == b:
        raise ReliabilityError(f"compare two different raters, not {rater_a!r} with itself")
    return a, b


def disagreement_weights(n_values: int, weights: Weights) -> np.ndarray:
    """(V, V) sklearn's disagreement weights over scale positions."""
    idx = np.arange(n_values)
    diff = idx[:, None] - idx[None, :]
    if weights is None:
        return (diff != 0).astype(float)
    if weights == "linear":
        return np.abs(diff).astype(float)
    if weights == "quadratic":
        return (diff**2).astype(float)
    raise ReliabilityError(f"unknown kappa weights {weights!r}; use None, 'linear' or 'quadratic'")


def _kappa_statistic(
    cells: np.ndarray, n_values: int, weights: Weights
) -> item_bootstrap.Statistic:
    """Kappa as a function of weights over distinct table cells (b, P) -> (b,)."""
    w = disagreement_weights(n_values, weights)

    def statistic(cell_weights: np.ndarray) -> np.ndarray:
        b = cell_weights.shape[0]
        table = np.zeros((b, n_values * n_values))
        table[:, cells] = cell_weights
        table = table.reshape(b, n_values, n_values)
        total = table.sum(axis=(1, 2))
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = table.sum(axis=2)[:, :, None] * table.sum(axis=1)[:, None, :]
            expected /= total[:, None, None]
            denominator = (w * expected).sum(axis=(1, 2))
            value = 1 - (w * table).sum(axis=(1, 2)) / denominator
        return np.where((total > 0) & (denominator > 1e-12 * np.maximum(total, 1)), value, np.nan)

    return statistic


def _kappa_from_cells(
    cells: np.ndarray,
    values: tuple[Hashable, ...],
    weights: Weights,
    raters: tuple[Hashable, Hashable],
    *,
    n_boot: int,
    seed: int | None,
    confidence: float,
    patterns: ItemPatterns | None = None,
) -> Coefficient:
    disagreement_weights(1, weights)  # refuses an unknown weighting before anything else
    name = _NAMES[weights]
    n_items = len(cells)
    pair = f"raters {show_value(raters[0])} and {show_value(raters[1])}"
    if n_items == 0:
        return undefined(name, f"{pair} labeled no item in common")
    if patterns is None and n_boot <= 0:  # the point value alone: the table is enough
        every_cell = np.arange(len(values) ** 2)
        table = np.bincount(cells, minlength=len(every_cell)).astype(float)[None, :]
        raw = float(_kappa_statistic(every_cell, len(values), weights)(table)[0])
        value = raw if np.isfinite(raw) else None
    else:
        patterns = patterns if patterns is not None else ItemPatterns.of(cells)
        statistic = _kappa_statistic(patterns.rows[:, 0], len(values), weights)
        value = item_bootstrap.point(statistic, patterns)
    if value is None:
        used = np.unique(np.concatenate([cells // len(values), cells % len(values)]))
        shown = ", ".join(show_value(values[v]) for v in used)
        return undefined(
            name,
            f"{pair} gave every one of their {n_items} shared items the same value ({shown}), "
            "so chance agreement is already perfect",
            n_items,
            2 * n_items,
        )
    ci = None
    if n_boot > 0:
        ci = item_bootstrap.bootstrap(statistic, patterns, n_boot, seed).interval(confidence)
    return Coefficient(name, value, ci, n_items, 2 * n_items)
