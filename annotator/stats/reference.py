"""A reference value per item, vectorised: what "against the experts" and "against
the rest" compare each label with.

`counts[i, v]` is how many labels gave value v to item i. The reference is the
majority value (nominal), the median over the scale order (ordinal; an even
split between two middle values is a tie) or the mean (interval). A tied item
has no reference and drops out of the comparison (counted, never broken
silently). These are the rules of `consensus_methods.majority_vote`,
`median_vote` and `mean_score`, applied to all count rows at once without a
Python object per item (a million labels stay fast); a test checks both agree.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from annotator.stats.bootstrap import ItemPatterns, row_keys

_TIE = 1e-9


def reference_from_counts(
    counts: np.ndarray, level: str, values: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(reference, defined) per row.

    nominal/ordinal: reference is a value position (float, NaN where not
    defined); interval/ratio: the mean of `values` weighted by the counts.
    `defined` is False for rows without labels and for ties.
    """
    counts = np.asarray(counts)
    if level in ("interval", "ratio"):  # a mean: kept exactly as it was computed
        return _reference(counts.astype(float), level, values)
    return per_distinct_row(counts, lambda rows: _reference(rows.astype(float), level, values))


_FEW_ROWS = 1000  # below this many rows, finding the distinct ones does not pay


def per_distinct_row(
    counts: np.ndarray, compute: Callable[[np.ndarray], tuple[np.ndarray, ...]]
) -> tuple[np.ndarray, ...]:
    """`compute(counts)`, row-wise arrays out, worked out once per distinct row of
    whole-number counts (a few hundred among a million items) and spread back. Only
    for answers a row alone decides exactly (positions, ties, a count over the total)."""
    counts = np.asarray(counts)
    if counts.dtype.kind in "iu" and counts.ndim == 2 and len(counts) > _FEW_ROWS:
        key = row_keys(counts)
        patterns = ItemPatterns.of_keys(key) if key is not None else None
        if patterns is not None and patterns.n_patterns * 4 <= len(counts):
            found = compute(counts[patterns.representatives])
            return tuple(np.asarray(part)[patterns.inverse] for part in found)
    return compute(counts)


def _reference(
    counts: np.ndarray, level: str, values: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    m = counts.sum(axis=1)
    has = m > 0
    if level in ("interval", "ratio"):
        if values is None:
            raise ValueError("the interval level needs the numeric values")
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = counts @ np.asarray(values, dtype=float) / m
        return np.where(has, mean, np.nan), has
    if level == "ordinal":
        cumulative = np.cumsum(counts, axis=1)
        lower = np.argmax(cumulative > ((m - 1) // 2)[:, None], axis=1)
        upper = np.argmax(cumulative > (m // 2)[:, None], axis=1)
        defined = has & (lower == upper)
        return np.where(defined, lower, np.nan), defined
    best = counts.max(axis=1) if counts.shape[1] else np.zeros(len(counts))
    winners = (np.abs(counts - best[:, None]) <= _TIE) & (counts > 0)
    defined = has & (winners.sum(axis=1) == 1)
    return np.where(defined, counts.argmax(axis=1), np.nan), defined


def leave_one_out(
    item_index: np.ndarray,
    code: np.ndarray,
    counts: np.ndarray,
    level: str,
    values: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per label: the reference of its item's OTHER labels, and whether it is defined.

    `counts` are the items' value counts including every label; label j sits
    on row `item_index[j]` with value position `code[j]`.
    """
    counts = np.asarray(counts)
    if len(code) == 0 or counts.dtype.kind not in "iu":
        rows = np.asarray(counts, dtype=float)[item_index].copy()
        rows[np.arange(len(code)), code] -= 1
        return reference_from_counts(rows, level, values)
    # The answer depends only on (the item's count row, the label's value): work it out
    # once per distinct pair (a few hundred) instead of once per label.
    patterns = ItemPatterns.of(counts)
    n_values = counts.shape[1]
    pair = patterns.inverse[item_index].astype(np.int64) * n_values + code
    pairs = ItemPatterns.of_keys(pair)  # distinct pairs in increasing order, as np.unique
    distinct, inverse = pairs.rows[:, 0], pairs.inverse
    rows = patterns.rows[distinct // n_values].astype(float)
    rows[np.arange(len(distinct)), distinct % n_values] -= 1
    reference, defined = reference_from_counts(rows, level, values)
    return reference[inverse], defined[inverse]


def value_counts(
    item_index: np.ndarray, code: np.ndarray, n_items: int, n_values: int
) -> np.ndarray:
    """(n_items, n_values) label counts."""
    flat = item_index.astype(np.int64) * n_values + code
    return np.bincount(flat, minlength=n_items * n_values).reshape(n_items, n_values)
