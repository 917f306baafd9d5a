"""How much the raters of each item disagree, to sort items for review and calibration.

The score of an item is the mean distance over all pairs of its labels, scaled
to 0 (everyone agrees) .. 1:

- nominal: the share of label pairs that differ (1 - share of agreeing pairs);
- ordinal: the mean gap in scale positions, divided by the scale's span;
- interval: the mean squared difference, divided by the squared range of the scale;
- ratio: the mean of ((a - b) / (a + b))^2, Krippendorff's ratio distance.

Items with fewer than two labels have no score (NaN) and sort last.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np

from annotator.stats.coefficient import Level, check_level
from annotator.stats.reliability import ReliabilityData


@dataclass(frozen=True)
class ItemDisagreement:
    """Per item: disagreement score (NaN below two labels) and number of labels."""

    items: tuple[Hashable, ...]
    scores: np.ndarray
    n_labels: np.ndarray
    level: Level

    def ranked(self, top: int | None = None) -> list[tuple[Hashable, float, int]]:
        """(item, score, n_labels), most disagreement first; unscored items left out.
        Equal scores keep the data's item order."""
        scored = np.nonzero(np.isfinite(self.scores))[0]
        order = scored[np.argsort(-self.scores[scored], kind="stable")]
        if top is not None:
            order = order[:top]
        return [(self.items[i], float(self.scores[i]), int(self.n_labels[i])) for i in order]


def item_disagreement(data: ReliabilityData, level: Level = "nominal") -> ItemDisagreement:
    """Disagreement score of every item at `level` (see the module docstring)."""
    level = check_level(level)
    # an item's score depends only on its value counts: one per distinct row
    patterns = data.item_patterns(0)
    counts = patterns.rows.astype(float)
    m = counts.sum(axis=1)
    distance = _distances(data, level)
    pair_distance = ((counts @ distance) * counts).sum(axis=1)
    pairs = m * (m - 1)
    scores = np.full(len(counts), np.nan)
    np.divide(pair_distance, pairs, out=scores, where=pairs > 0)
    at = patterns.inverse
    return ItemDisagreement(data.items, scores[at], m.astype(np.int64)[at], level)


def _distances(data: ReliabilityData, level: Level) -> np.ndarray:
    """(V, V) distances between values, each in 0..1, zero on the diagonal."""
    v = data.n_values
    if level == "nominal":
        return 1.0 - np.eye(v)
    if level == "ordinal":
        idx = np.arange(v, dtype=float)
        return np.abs(idx[:, None] - idx[None, :]) / max(v - 1, 1)
    values = data.numeric_values()
    a, b = values[:, None], values[None, :]
    if level == "interval":
        span = values.max() - values.min() if v else 0.0
        return (a - b) ** 2 / span**2 if span > 0 else np.zeros((v, v))
    total = a + b
    safe = np.where(total != 0, total, 1.0)
    return np.where(total != 0, ((a - b) / safe) ** 2, 0.0)
