"""Comparing two count vectors: Jensen-Shannon distance and Pearson's chi-square test.

Why not scipy: importing scipy.stats costs more than a second, more than everything
else a drift check computes. Both are a few lines of numpy; the chi-square tail
uses the closed form for whole degrees of freedom (a contingency table always
has them). Tests check both against scipy on random tables.

    >>> js_distance(np.array([1, 1]), np.array([1, 0]))     # base 2
    >>> pearson_chi2(np.array([[20, 30], [30, 20]]))         # (4.0, 1, 0.0455...)
"""

from __future__ import annotations

import math

import numpy as np


def js_distance(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon distance (base 2) of two distributions (normalised here), as
    scipy.spatial.distance.jensenshannon(p, q, base=2)."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    p = p / p.sum()
    q = q / q.sum()
    m = (p + q) / 2
    divergence = (_relative_entropy(p, m) + _relative_entropy(q, m)) / 2
    return float(math.sqrt(max(divergence / math.log(2), 0.0)))


def _relative_entropy(x: np.ndarray, y: np.ndarray) -> float:
    """sum x log(x / y), 0 where x is 0 (scipy.special.rel_entr summed)."""
    used = x > 0
    with np.errstate(divide="ignore"):
        return float(np.sum(x[used] * np.log(x[used] / y[used])))


def pearson_chi2(table: np.ndarray) -> tuple[float, int, float]:
    """(statistic, degrees of freedom, p) of Pearson's chi-square test of independence
    without continuity correction, as scipy.stats.chi2_contingency(correction=False)."""
    observed = np.asarray(table, dtype=float)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    dof = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    return statistic, dof, chi2_sf(statistic, dof) if dof > 0 else 1.0


def chi2_sf(x: float, dof: int) -> float:
    """P(X > x) for X chi-square with a whole number `dof` of degrees of freedom.

    The upper regularised gamma Q(k/2, x/2) in closed form: for even k a Poisson
    tail, for odd k erfc plus a series. Every term is positive (no cancellation)."""
    if dof < 1 or int(dof) != dof:
        raise ValueError(f"degrees of freedom must be a whole number >= 1, got {dof}")
    if x <= 0:
        return 1.0
    half = x / 2
    log_half = math.log(half)
    if dof % 2 == 0:  # e^-y sum_{i < k/2} y^i / i!
        total = sum(math.exp(i * log_half - math.lgamma(i + 1) - half) for i in range(dof // 2))
        return min(1.0, total)
    # erfc(sqrt y) + e^-y sum_{1 <= i <= (k-1)/2} y^(i - 1/2) / Gamma(i + 1/2)
    series = sum(
        math.exp((i - 0.5) * log_half - math.lgamma(i + 0.5) - half)
        for i in range(1, (dof + 1) // 2)
    )
    return min(1.0, math.erfc(math.sqrt(half)) + series)
