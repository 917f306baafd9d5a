"""The accuracy of a set nobody checked, from checked items of the same strata.

A judge's labels that no expert will see (the "remainder" of judge-first routing)
have an accuracy we can only estimate: from the expert-checked items that fall in
the same strata. Per stratum h, k_h of n_h checked items were right, and N_h
unchecked items share the stratum. The point estimate is the stratified rate
sum_h (N_h / N) * k_h / n_h. The interval is a posterior predictive one for the
realised share of right labels among those N items (the value a full expert pass
would find), not for an abstract rate:

- each stratum's rate p_h ~ Beta(k_h + 1/2, n_h - k_h + 1/2) (Jeffreys' prior, whose
  intervals keep their coverage near 0 and 1, where a judge's accuracy lives and
  where Wald and percentile-bootstrap intervals collapse to a point);
- the right labels among its N_h items ~ Binomial(N_h, p_h);
- the interval is the central `confidence` share of sum / N over `draws` draws.

Strata must have n_h >= 1 (the caller pools small strata first).

    >>> est = stratified_accuracy([48, 19], [50, 20], [300, 40], seed=1)
    >>> est.value, est.ci
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.stats.defaults import CONFIDENCE

DRAWS = 20_000


@dataclass(frozen=True)
class StratifiedEstimate:
    value: float | None  # None when there is nothing to estimate (no unchecked items)
    ci: tuple[float, float] | None
    n_checked: int
    n_unchecked: int
    confidence: float


def stratified_accuracy(
    right: Sequence[int],
    checked: Sequence[int],
    sizes: Sequence[int],
    *,
    confidence: float = CONFIDENCE,
    draws: int = DRAWS,
    seed: int | None = 0,
) -> StratifiedEstimate:
    """Per stratum: `right` of `checked` items were right; `sizes` unchecked items."""
    k = np.asarray(right, dtype=float)
    n = np.asarray(checked, dtype=float)
    size = np.asarray(sizes, dtype=np.int64)
    if not (len(k) == len(n) == len(size)):
        raise ValueError("right, checked and sizes need one entry per stratum")
    if np.any(n < 1) or np.any(k < 0) or np.any(k > n) or np.any(size < 0):
        raise ValueError("every stratum needs 0 <= right <= checked and checked >= 1")
    total = int(size.sum())
    if total == 0:
        return StratifiedEstimate(None, None, int(n.sum()), 0, confidence)
    weight = size / total
    value = float(np.sum(weight * k / n))
    rng = np.random.default_rng(seed)
    rates = rng.beta(k + 0.5, n - k + 0.5, size=(draws, len(k)))
    hits = rng.binomial(size, rates)
    share = hits.sum(axis=1) / total
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(share, [alpha, 1.0 - alpha])
    return StratifiedEstimate(value, (float(low), float(high)), int(n.sum()), total, confidence)


__all__ = ["DRAWS", "StratifiedEstimate", "stratified_accuracy"]
