"""Inter-annotator agreement: every coefficient the app reports, in one place.

Callers (project layer, CLI, dashboard) import from here:

    >>> from annotator.stats.agreement import compute_all
    >>> results = compute_all(data, "ordinal", n_boot=1000, seed=0)
    >>> results["alpha"].value, results["alpha"].ci, results["gwet_ac1"].reason

Each coefficient returns a :class:`Coefficient`; one that cannot be computed
on the data has `value=None` and a `reason` sentence, never NaN or an
exception. Intervals are percentile bootstraps over items, seeded, so the same
call gives the same interval. This module holds Fleiss' kappa, Gwet's AC1 and
percent agreement (all functions of each item's value counts); alpha and
Cohen's kappa live in `alpha` and `kappa` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence

import numpy as np

from annotator.stats import bootstrap as item_bootstrap
from annotator.stats.alpha import bootstrap_alpha, krippendorff_alpha
from annotator.stats.bootstrap import BootstrapDraws, ItemPatterns
from annotator.stats.coefficient import (
    LEVELS,
    Coefficient,
    Level,
    check_level,
    show_value,
    undefined,
)
from annotator.stats.defaults import N_BOOT
from annotator.stats.disagreement import ItemDisagreement, item_disagreement
from annotator.stats.kappa import (
    PairwiseKappa,
    cohen_kappa,
    cohen_kappa_from_table,
    cohen_kappa_pairwise,
)
from annotator.stats.reliability import ReliabilityData, ReliabilityError

__all__ = [
    "LEVELS",
    "BootstrapDraws",
    "Coefficient",
    "ItemDisagreement",
    "Level",
    "PairwiseKappa",
    "ReliabilityData",
    "bootstrap_alpha",
    "cohen_kappa",
    "cohen_kappa_from_table",
    "cohen_kappa_pairwise",
    "compute_all",
    "fleiss_kappa",
    "fleiss_kappa_from_counts",
    "gwet_ac1",
    "item_disagreement",
    "krippendorff_alpha",
    "percent_agreement",
]

FLEISS = "Fleiss' kappa"
AC1 = "Gwet's AC1"
PERCENT = "Percent agreement"


def compute_all(
    data: ReliabilityData,
    level: Level,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    confidence: float = 0.95,
    keys: Collection[str] | None = None,
) -> dict[str, Coefficient]:
    """Every coefficient for one criterion's ratings (or only those in `keys`).

    Keys: `alpha` (at `level`), then `cohen_kappa`, `cohen_kappa_linear` and
    `cohen_kappa_quadratic` only when there are exactly two raters (the
    weighted ones are not defined at the nominal level), then `fleiss_kappa`,
    `gwet_ac1` and `percent_agreement` (these three treat values as nominal
    categories whatever the level). Each coefficient draws its resamples from
    `seed` afresh, so leaving some out changes none of the others.
    """
    level = check_level(level)
    options = {"n_boot": n_boot, "seed": seed, "confidence": confidence}

    def wanted(key: str) -> bool:
        return keys is None or key in keys

    results = {}
    if wanted("alpha"):
        results["alpha"] = krippendorff_alpha(data, level, **options)
    if data.n_raters == 2:
        if wanted("cohen_kappa"):
            results["cohen_kappa"] = cohen_kappa(data, **options)
        for weights in ("linear", "quadratic"):
            key = f"cohen_kappa_{weights}"
            if not wanted(key):
                continue
            if level == "nominal":
                results[key] = undefined(
                    f"Cohen's kappa ({weights} weights)",
                    "weights need ordered values and the level is nominal",
                )
            else:
                results[key] = cohen_kappa(data, weights=weights, **options)  # type: ignore[arg-type]
    if wanted("fleiss_kappa"):
        results["fleiss_kappa"] = fleiss_kappa(data, **options)
    if wanted("gwet_ac1"):
        results["gwet_ac1"] = gwet_ac1(data, **options)
    if wanted("percent_agreement"):
        results["percent_agreement"] = percent_agreement(data, **options)
    return results


# -- shared checks --------------------------------------------------------------------------------


def _thin_data_reason(data: ReliabilityData) -> str | None:
    """Why no agreement coefficient can be computed at all, or None."""
    if data.n_labels == 0:
        return "there are no labels"
    raters = data.raters_with_labels
    if len(raters) < 2:
        return f"only one rater ({show_value(data.raters[raters[0]])}) gave labels"
    if not (data.ratings_per_item >= 2).any():
        return "no item has labels from two or more raters"
    return None


def estimate(
    name: str,
    statistic: item_bootstrap.Statistic,
    patterns: ItemPatterns,
    n_labels: int,
    undefined_because: str,
    n_boot: int,
    seed: int | None,
    confidence: float,
) -> Coefficient:
    """A coefficient from item patterns: the point value and a bootstrap interval over items."""
    value = item_bootstrap.point(statistic, patterns)
    if value is None:
        return undefined(name, undefined_because, patterns.n_items, n_labels)
    ci = None
    if n_boot > 0:
        ci = item_bootstrap.bootstrap(statistic, patterns, n_boot, seed).interval(confidence)
    return Coefficient(name, value, ci, patterns.n_items, n_labels)


def pairwise_agreement_rows(rows: np.ndarray) -> np.ndarray:
    """(P,) share of agreeing ordered rater pairs in each row (0 where fewer than 2 labels)."""
    m = rows.sum(axis=1)
    agreeing = (rows * (rows - 1)).sum(axis=1)
    pairs = m * (m - 1)
    return np.divide(agreeing, pairs, out=np.zeros(len(m)), where=pairs > 0)


def fleiss_statistic(patterns: ItemPatterns, raters: int) -> item_bootstrap.Statistic:
    """Fleiss' kappa as a function of item weights (every item has `raters` labels)."""
    agreement = pairwise_agreement_rows(patterns.rows)
    category_rows = patterns.rows.astype(float)

    def statistic(weights: np.ndarray) -> np.ndarray:
        items = weights.sum(axis=1)
        observed = weights @ agreement / items
        shares = weights @ category_rows / (items * raters)[:, None]
        chance = (shares**2).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = (observed - chance) / (1 - chance)
        return np.where(1 - chance > 1e-12, value, np.nan)

    return statistic


def ac1_statistic(patterns: ItemPatterns, q: int) -> item_bootstrap.Statistic:
    """Gwet's AC1 over `q` categories as a function of item weights."""
    m = patterns.rows.sum(axis=1)
    pairable = (m >= 2).astype(float)
    agreement = pairwise_agreement_rows(patterns.rows)
    shares = patterns.rows / m[:, None]

    def statistic(weights: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            observed = (weights @ agreement) / (weights @ pairable)
            pi = (weights @ shares) / weights.sum(axis=1)[:, None]
            chance = (pi * (1 - pi)).sum(axis=1) / (q - 1)
            value = (observed - chance) / (1 - chance)
        return np.where(weights @ pairable > 0, value, np.nan)

    return statistic


def percent_statistic(patterns: ItemPatterns) -> item_bootstrap.Statistic:
    """Percent agreement (mean share of agreeing pairs) as a function of item weights."""
    agreement = pairwise_agreement_rows(patterns.rows)

    def statistic(weights: np.ndarray) -> np.ndarray:
        return weights @ agreement / weights.sum(axis=1)

    return statistic


# -- Fleiss' kappa --------------------------------------------------------------------------------


def fleiss_kappa(
    data: ReliabilityData,
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> Coefficient:
    """Fleiss' kappa (Fleiss 1971); defined only when every item has the same number
    of labels. Items with no labels are left out."""
    reason = _thin_data_reason(data)
    if reason is not None:
        return undefined(FLEISS, reason)
    return _fleiss(data.item_patterns(1), data.values, n_boot, seed, confidence)


def fleiss_kappa_from_counts(
    counts: Sequence[Sequence[int]] | np.ndarray,
    *,
    categories: Sequence[Hashable] | None = None,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> Coefficient:
    """Fleiss' kappa from the "subjects x category counts" layout (Fleiss 1971's table):
    `counts[i][j]` raters put subject i in category j. Subjects with no ratings are left out."""
    table = np.asarray(counts)
    if table.ndim != 2:
        raise ReliabilityError(f"counts must be a subjects x categories table, not {table.ndim}-D")
    if (table < 0).any() or not np.array_equal(table, np.round(table)):
        raise ReliabilityError("counts must be whole numbers, none negative")
    values = tuple(categories) if categories is not None else tuple(range(table.shape[1]))
    if len(values) != table.shape[1]:
        raise ReliabilityError(f"{len(values)} categories for {table.shape[1]} columns")
    table = table.astype(np.int64)
    patterns = ItemPatterns.of(table[table.sum(axis=1) > 0])
    return _fleiss(patterns, values, n_boot, seed, confidence)


def _labels_in(patterns: ItemPatterns) -> int:
    """How many labels the items of value-count patterns hold."""
    return int(patterns.row_sums() @ patterns.freq)


def _fleiss(
    patterns: ItemPatterns,
    values: tuple[Hashable, ...],
    n_boot: int,
    seed: int | None,
    confidence: float,
) -> Coefficient:
    """Fleiss' kappa on the value-count patterns of the items with any label (every
    figure, the reasons' too, read from the distinct rows and their frequencies)."""
    if patterns.n_items == 0:
        return undefined(FLEISS, "there are no labels")
    m = patterns.row_sums()
    n_labels = _labels_in(patterns)
    if m.min() != m.max():
        return undefined(
            FLEISS,
            f"items have different numbers of labels ({m.min()} to {m.max()}); Fleiss' kappa "
            "needs the same number on every item (Krippendorff's alpha and Gwet's AC1 allow "
            "missing labels)",
            patterns.n_items,
            n_labels,
        )
    raters = int(m[0])
    if raters < 2:
        return undefined(FLEISS, "every item has only one label", patterns.n_items, n_labels)
    statistic = fleiss_statistic(patterns, raters)
    used = np.nonzero(patterns.column_totals())[0]
    only = show_value(values[used[0]]) if len(used) else "?"
    because = f"every label is {only}, so chance agreement is already perfect"
    return estimate(FLEISS, statistic, patterns, n_labels, because, n_boot, seed, confidence)


# -- Gwet's AC1 -----------------------------------------------------------------------------------


def gwet_ac1(
    data: ReliabilityData,
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> Coefficient:
    """Gwet's AC1 for any number of raters with missing labels (Gwet 2008; Gwet 2014,
    Handbook of Inter-Rater Reliability, 4th ed., ch. 2), nominal.

    Observed agreement pa averages, over items with two or more labels, the share
    of agreeing rater pairs; chance agreement is pe = sum_k pi_k (1 - pi_k) / (q - 1),
    with pi_k the mean over items with any label of the share of the item's labels
    in category k, and q the number of values in the domain (pass the full scale:
    unused categories count). AC1 = (pa - pe) / (1 - pe).
    """
    reason = _thin_data_reason(data)
    if reason is not None:
        return undefined(AC1, reason)
    q = data.n_values
    patterns = data.item_patterns(1)
    n_labels = data.n_labels
    if q < 2:
        return undefined(
            AC1,
            f"the only value is {show_value(data.values[0])}; pass the full scale so AC1 "
            "knows how many categories a label could take",
            patterns.n_items,
            n_labels,
        )
    statistic = ac1_statistic(patterns, q)
    because = "no item has labels from two or more raters"
    return estimate(AC1, statistic, patterns, n_labels, because, n_boot, seed, confidence)


# -- percent agreement ----------------------------------------------------------------------------


def percent_agreement(
    data: ReliabilityData,
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> Coefficient:
    """Share of agreeing rater pairs per item, averaged over items with two or more
    labels (exact matches, whatever the level), as a proportion 0..1."""
    reason = _thin_data_reason(data)
    if reason is not None:
        return undefined(PERCENT, reason)
    patterns = data.item_patterns(2)
    statistic = percent_statistic(patterns)
    because = "no item has labels from two or more raters"
    n_labels = _labels_in(patterns)
    return estimate(PERCENT, statistic, patterns, n_labels, because, n_boot, seed, confidence)
