"""Agreement from distinct item count rows and how often each occurs: memory that does not
grow with the number of items.

Alpha, Fleiss' kappa, Gwet's AC1 and percent agreement depend only on each
item's value counts, so a million items reduce to a few hundred distinct rows
and their frequencies (`item_bootstrap`'s "patterns"). A streaming pass keeps
just those (`PatternCounts`); this module computes every coefficient and its
bootstrap interval from them with the same statistics and the same seeded
draws as `agreement.compute_all` on the full items x raters table (a test
checks the two are equal, intervals included).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from annotator.quality.project_agreement import Settings
from annotator.stats import bootstrap as item_bootstrap
from annotator.stats.agreement import (
    ac1_statistic,
    estimate,
    fleiss_statistic,
    percent_statistic,
)
from annotator.stats.alpha import NAME as ALPHA
from annotator.stats.alpha import alpha_statistic
from annotator.stats.bootstrap import ItemPatterns
from annotator.stats.coefficient import Coefficient, show_value, undefined

FLEISS = "Fleiss' kappa"
AC1 = "Gwet's AC1"
PERCENT = "Percent agreement"


class PatternCounts:
    """Distinct count rows (int32, one width) and their frequencies, added chunk by chunk."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.freq: dict[bytes, int] = {}

    def add(self, rows: np.ndarray) -> None:
        rows = np.ascontiguousarray(rows, dtype=np.int32)
        if len(rows) == 0:
            return
        distinct, counts = _distinct_rows(rows)
        for row, n in zip(distinct, counts.tolist(), strict=True):
            key = row.tobytes()
            self.freq[key] = self.freq.get(key, 0) + n

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows (P, width) int64, freq (P,) int64)."""
        if not self.freq:
            return np.zeros((0, self.width), dtype=np.int64), np.zeros(0, dtype=np.int64)
        rows = np.frombuffer(b"".join(self.freq), dtype=np.int32).reshape(-1, self.width)
        return rows.astype(np.int64), np.fromiter(self.freq.values(), dtype=np.int64)

    @property
    def n_items(self) -> int:
        return sum(self.freq.values())


def _distinct_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(rows, axis=0, return_counts=True)`, faster: each row of small counts is
    read as one integer (first column most significant, so the order is the same), and
    the distinct integers found with a 1-D unique; rows too wide for that take axis=0."""
    base = int(rows.max()) + 1
    width = rows.shape[1]
    if int(rows.min()) < 0 or width == 0 or base**width >= 2**62:
        return np.unique(rows, axis=0, return_counts=True)
    weights = base ** np.arange(width - 1, -1, -1, dtype=np.int64)
    keys = rows.astype(np.int64) @ weights
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    return rows[first], counts


def _patterns(rows: np.ndarray, freq: np.ndarray) -> ItemPatterns:
    """The ItemPatterns `ItemPatterns.of` would build from the items these rows stand for
    (rows in the same order, so the same seed draws the same resamples)."""
    keep = freq > 0
    rows, freq = rows[keep], freq[keep]
    if len(rows) == 0:
        return ItemPatterns.of(rows)
    order = ItemPatterns.of(rows)  # each distinct row once: its sorted order
    by_key = {r.tobytes(): n for r, n in zip(rows, freq.tolist(), strict=True)}
    sorted_freq = np.array([by_key[r.tobytes()] for r in order.rows], dtype=np.int64)
    n = int(sorted_freq.sum())
    p = len(sorted_freq)
    # Resampling item positions (many patterns, few items) needs each item's pattern;
    # otherwise draws are multinomial over patterns and the positions are never read.
    inverse = np.repeat(np.arange(p), sorted_freq) if 8 * p > n else np.zeros(0, dtype=np.int64)
    return ItemPatterns(order.rows, sorted_freq, inverse, np.arange(p))


def _estimate(
    name: str,
    statistic: item_bootstrap.Statistic,
    patterns: ItemPatterns,
    n_labels: int,
    because: str,
    settings: Settings,
) -> Coefficient:
    return estimate(
        name,
        statistic,
        patterns,
        n_labels,
        because,
        settings.n_boot,
        settings.seed,
        settings.confidence,
    )


def pattern_coefficients(
    rows: np.ndarray,
    freq: np.ndarray,
    values: Sequence[Hashable],
    level: str,
    settings: Settings,
    n_raters: int,
) -> dict[str, Coefficient]:
    """alpha, fleiss_kappa, gwet_ac1, percent_agreement (as `compute_all` names them)."""
    rows = np.asarray(rows, dtype=np.int64)
    freq = np.asarray(freq, dtype=np.int64)
    m = rows.sum(axis=1)
    rated, pairable = m > 0, m >= 2
    n_labels = int((m * freq).sum())
    thin = None
    if n_labels == 0:
        thin = "there are no labels"
    elif n_raters < 2:
        thin = "only one rater gave labels"
    elif not (pairable & (freq > 0)).any():
        thin = "no item has labels from two or more raters"
    alpha_name = f"{ALPHA} ({level})"
    if thin is not None:
        return {
            "alpha": undefined(alpha_name, thin),
            "fleiss_kappa": undefined(FLEISS, thin),
            "gwet_ac1": undefined(AC1, thin),
            "percent_agreement": undefined(PERCENT, thin),
        }
    out: dict[str, Coefficient] = {}
    # Krippendorff's alpha over items with two or more labels.
    pair_patterns = _patterns(rows[pairable], freq[pairable])
    pair_labels = int((m[pairable] * freq[pairable]).sum())
    used = np.nonzero((pair_patterns.rows * pair_patterns.freq[:, None]).sum(axis=0))[0]
    if len(used) < 2:
        out["alpha"] = undefined(
            alpha_name,
            f"every label on items with two or more labels is {show_value(values[used[0]])}, "
            "so there is no variation to tell agreement from chance",
            pair_patterns.n_items,
            pair_labels,
        )
    else:
        distances = (
            np.asarray(values, dtype=float)
            if level in ("interval", "ratio")
            else np.arange(len(values), dtype=float)
        )
        statistic = alpha_statistic(pair_patterns, distances, level)  # type: ignore[arg-type]
        because = "the expected disagreement is zero"
        out["alpha"] = _estimate(
            alpha_name, statistic, pair_patterns, pair_labels, because, settings
        )
    # Fleiss' kappa over rated items, when every item has the same number of labels.
    rated_rows, rated_freq = rows[rated], freq[rated]
    rated_labels = int((m[rated] * rated_freq).sum())
    sizes = np.unique(m[rated][rated_freq > 0])
    if len(sizes) > 1:
        out["fleiss_kappa"] = undefined(
            FLEISS,
            f"items have different numbers of labels ({sizes.min()} to {sizes.max()}); "
            "Fleiss' kappa needs the same number on every item (Krippendorff's alpha and "
            "Gwet's AC1 allow missing labels)",
            int(rated_freq.sum()),
            rated_labels,
        )
    elif int(sizes[0]) < 2:
        out["fleiss_kappa"] = undefined(
            FLEISS, "every item has only one label", int(rated_freq.sum()), rated_labels
        )
    else:
        raters = int(sizes[0])
        patterns = _patterns(rated_rows, rated_freq)
        fleiss = fleiss_statistic(patterns, raters)
        only = show_value(values[used[0]]) if len(used) else "?"
        because = f"every label is {only}, so chance agreement is already perfect"
        out["fleiss_kappa"] = _estimate(FLEISS, fleiss, patterns, rated_labels, because, settings)
    # Gwet's AC1 over rated items (pairs from items with two or more labels).
    q = len(values)
    if q < 2:
        out["gwet_ac1"] = undefined(AC1, "there is only one value in the domain")
    else:
        patterns = _patterns(rated_rows, rated_freq)
        ac1 = ac1_statistic(patterns, q)
        because = "no item has labels from two or more raters"
        out["gwet_ac1"] = _estimate(AC1, ac1, patterns, rated_labels, because, settings)
    # Percent agreement over items with two or more labels.
    percent = percent_statistic(pair_patterns)
    because = "no item has labels from two or more raters"
    out["percent_agreement"] = _estimate(
        PERCENT, percent, pair_patterns, pair_labels, because, settings
    )
    return out


__all__ = ["PatternCounts", "pattern_coefficients"]
