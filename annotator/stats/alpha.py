"""Krippendorff's alpha, with a bootstrap fast enough for 100k items.

The point estimate comes from the `krippendorff` package, given the level of
measurement and the full value domain explicitly (an ordinal scale's unused
points change ordinal alpha). The bootstrap cannot call the package 1,000
times on 100k items, so it works from each distinct item row's contribution to
the coincidence matrix (computed once), sums them per resample with one sparse
matrix product, and finishes alpha from the resampled coincidences exactly as
the package does. A test checks that every bootstrapped value equals the
package's alpha on the resampled items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import krippendorff
import numpy as np

from annotator.stats import bootstrap as item_bootstrap
from annotator.stats.bootstrap import BootstrapDraws, ItemPatterns
from annotator.stats.coefficient import Coefficient, Level, check_level, show_value, undefined
from annotator.stats.defaults import N_BOOT
from annotator.stats.reliability import ReliabilityData, is_number

if TYPE_CHECKING:
    from scipy import sparse

NAME = "Krippendorff's alpha"
_DENSE_CELLS = 4_000_000  # (patterns x V*V) contributions held dense below this

# Above this many (items x values x values) cells the package's dense coincidence
# array costs more than the whole bootstrap (a third of a second per scope at 200k
# items); the same formula is then evaluated here, from the item patterns (a test
# checks both agree to 1e-12).
_PACKAGE_CELL_LIMIT = 1_000_000


def krippendorff_alpha(
    data: ReliabilityData,
    level: Level = "nominal",
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> Coefficient:
    """Krippendorff's alpha at `level` over items with two or more labels.

        >>> alpha = krippendorff_alpha(data, "ordinal", n_boot=1000, seed=0)
        >>> alpha.value, alpha.ci

    Missing labels are fine. `ci` is a percentile bootstrap over those items.
    """
    level = check_level(level)
    name = f"{NAME} ({level})"
    reason = alpha_reason(data, level)
    pairable = data.item_patterns(2)
    n_items, n_labels = pairable.n_items, int(pairable.row_sums() @ pairable.freq)
    if reason is not None:
        return undefined(name, reason, n_items, n_labels)
    parts = None
    if n_items * data.n_values**2 <= _PACKAGE_CELL_LIMIT:
        # the pairable items' value counts, in data order, from their patterns
        value = _package_alpha(pairable.rows[pairable.inverse], data, level)
    else:  # the package's dense (items x V x V) array would not fit: same formula here
        parts = _parts(data, level)
        value = item_bootstrap.point(parts[1], parts[0])
    if value is None:
        return undefined(name, "the expected disagreement is zero", n_items, n_labels)
    ci = None
    if n_boot > 0:
        patterns, statistic, positions = parts or _parts(data, level)
        draws = item_bootstrap.bootstrap(statistic, patterns, n_boot, seed, positions=positions)
        ci = draws.interval(confidence)
    return Coefficient(name, value, ci, n_items, n_labels)


def bootstrap_alpha(
    data: ReliabilityData,
    level: Level = "nominal",
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    keep_counts: bool = False,
) -> BootstrapDraws:
    """Alpha on `n_boot` resamples of the items with two or more labels.

    `values[b]` is NaN where a resample has no variation. With `keep_counts`,
    `item_counts(b, data.n_items)` says which items resample `b` holds.
    """
    patterns, statistic, positions = _parts(data, check_level(level))
    return item_bootstrap.bootstrap(
        statistic, patterns, n_boot, seed, keep_counts=keep_counts, positions=positions
    )


def _parts(
    data: ReliabilityData, level: Level
) -> tuple[ItemPatterns, item_bootstrap.Statistic, np.ndarray]:
    """Distinct rows of the pairable items, alpha as a function of their weights, and
    where those items sit in the data."""
    pairable = np.nonzero(data.ratings_per_item >= 2)[0]
    patterns = data.item_patterns(2)
    statistic = alpha_statistic(patterns, _distance_values(data, level), level)
    return patterns, statistic, pairable


def alpha_reason(data: ReliabilityData, level: Level) -> str | None:
    """Why alpha is not defined on this data, or None when it is."""
    if data.n_labels == 0:
        return "there are no labels"
    raters = data.raters_with_labels
    if len(raters) < 2:
        return f"only one rater ({show_value(data.raters[raters[0]])}) gave labels"
    if not (data.ratings_per_item >= 2).any():
        return "no item has labels from two or more raters"
    if level in ("interval", "ratio"):
        text = next((v for v in data.values if not is_number(v)), None)
        if text is not None:
            return (
                f"the value {show_value(text)} is not a number; the {level} level needs "
                "numbers (use nominal, or ordinal with a scale)"
            )
    used = np.nonzero(data.item_patterns(2).column_totals())[0]
    if len(used) < 2:
        return (
            f"every label on items with two or more labels is {show_value(data.values[used[0]])}, "
            "so there is no variation to tell agreement from chance"
        )
    return None


def _distance_values(data: ReliabilityData, level: Level) -> np.ndarray:
    """What the level's distance is computed on: numbers for interval/ratio, positions else."""
    if level in ("interval", "ratio"):
        return data.numeric_values()
    return np.arange(data.n_values, dtype=float)


def _package_alpha(counts: np.ndarray, data: ReliabilityData, level: Level) -> float | None:
    with np.errstate(divide="ignore", invalid="ignore"):
        value = float(
            krippendorff.alpha(
                value_counts=counts,
                value_domain=_distance_values(data, level),
                level_of_measurement=level,
            )
        )
    return value if np.isfinite(value) else None


# -- the resampled statistic ---------------------------------------------------------------------


def _coincidence_cells(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pattern, cell, weight) of every non-zero contribution, cell = value * V + value.

    For an item with value counts n and m = sum(n) >= 2 labels:
    (n n^T - diag(n)) / (m - 1), Krippendorff's pairable-value coincidences.
    Each (pattern, cell) occurs once.
    """
    n_patterns, n_values = rows.shape
    pattern, value = np.nonzero(rows)
    count = rows[pattern, value].astype(float)
    per_pattern = np.bincount(pattern, minlength=n_patterns)
    start = np.cumsum(per_pattern) - per_pattern
    repeat = per_pattern[pattern]
    left = np.repeat(np.arange(len(pattern)), repeat)
    offset = np.arange(len(left)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    right = start[pattern[left]] + offset
    m = rows.sum(axis=1).astype(float)
    weight = count[left] * count[right] - np.where(left == right, count[left], 0.0)
    weight /= m[pattern[left]] - 1
    nonzero = weight != 0
    cell = value[left] * n_values + value[right]
    return pattern[left][nonzero], cell[nonzero], weight[nonzero]


def coincidence_contributions(rows: np.ndarray) -> sparse.csr_matrix:
    """(P, V*V) each pattern's contribution to the coincidence matrix, sparse (an item
    holds few distinct values however fine the scale)."""
    from scipy import sparse  # lazy: only scales too fine for a dense (P, V*V) array

    n_patterns, n_values = rows.shape
    pattern, cell, weight = _coincidence_cells(rows)
    return sparse.csr_matrix((weight, (pattern, cell)), shape=(n_patterns, n_values * n_values))


def _contributions(rows: np.ndarray) -> np.ndarray | sparse.csr_matrix:
    """(P, V*V) contributions: a dense array when it is small (most rubrics), else sparse."""
    n_patterns, n_values = rows.shape
    if n_patterns * n_values * n_values > _DENSE_CELLS:
        return coincidence_contributions(rows)
    pattern, cell, weight = _coincidence_cells(rows)
    dense = np.zeros((n_patterns, n_values * n_values))
    dense[pattern, cell] = weight
    return dense


def _fixed_distances(values: np.ndarray, level: Level) -> np.ndarray | None:
    """(V, V) squared distances that do not depend on the data; None for ordinal."""
    a, b = values[:, None], values[None, :]
    if level == "nominal":
        return (a != b).astype(float)
    if level == "interval":
        return (a - b) ** 2
    if level == "ratio":
        total = a + b
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(total != 0, (a - b) / np.where(total != 0, total, 1), 0.0)
        return ratio**2
    return None


def _ordinal_distances(n_v: np.ndarray) -> np.ndarray:
    """(b, V, V) Krippendorff's ordinal distances from each resample's value totals."""
    v = n_v.shape[1]
    upto = np.cumsum(n_v, axis=1)
    before = upto - n_v
    idx = np.arange(v)
    lo, hi = np.minimum(idx[:, None], idx[None, :]), np.maximum(idx[:, None], idx[None, :])
    between = upto[:, hi] - before[:, lo]
    return (between - (n_v[:, :, None] + n_v[:, None, :]) / 2) ** 2


def alpha_statistic(
    patterns: ItemPatterns, values: np.ndarray, level: Level
) -> item_bootstrap.Statistic:
    """Alpha as a function of pattern weights (b, P) -> (b,), NaN where undefined."""
    contributions = _contributions(patterns.rows)  # (P, V*V)
    dense = isinstance(contributions, np.ndarray)
    if not dense:
        contributions = contributions.T.tocsr()  # (V*V, P): sparse @ dense is the fast way
    n_values = patterns.rows.shape[1]
    fixed = _fixed_distances(values, level)
    eye = np.eye(n_values)

    def statistic(weights: np.ndarray) -> np.ndarray:
        b = weights.shape[0]
        out = np.full(b, np.nan)
        for start in range(0, b, _rows_per_step(n_values)):
            w = weights[start : start + _rows_per_step(n_values)]
            product = w @ contributions if dense else np.asarray(contributions @ w.T).T
            observed = product.reshape(-1, n_values, n_values)
            n_v = observed.sum(axis=2)
            total = n_v.sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                expected = (n_v[:, :, None] * n_v[:, None, :] - n_v[:, :, None] * eye) / (
                    total - 1
                )[:, None, None]
                distance = _ordinal_distances(n_v) if fixed is None else fixed[None]
                d_o = (observed * distance).sum(axis=(1, 2))
                d_e = (expected * distance).sum(axis=(1, 2))
                value = 1 - d_o / d_e
            ok = (total > 1) & (d_e > 0) & np.isfinite(value)
            out[start : start + len(w)] = np.where(ok, value, np.nan)
        return out

    return statistic


def _rows_per_step(n_values: int) -> int:
    """Resamples finished at once, so (b, V, V) arrays stay around 2M cells."""
    return max(1, 2_000_000 // (n_values * n_values))
