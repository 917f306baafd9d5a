"""Percentile bootstrap over items, fast because items repeat.

Every coefficient here is a function of sums, over items, of a contribution
that depends only on the item's row (its value counts; for a rater pair, its
confusion cell). Items with the same row are interchangeable, so a resample is
fully described by how many times each distinct row ("pattern") is drawn.
Drawing N items uniformly with replacement gives pattern counts distributed
Multinomial(N, freq / N): we draw those directly, O(patterns) per resample
instead of O(items), and the statistic becomes a (resamples x patterns) @
(patterns x contribution) matrix product. With 5 raters and a 5-point scale
there are a few hundred patterns however many items there are, which is what
makes 1,000 resamples of 100k items take well under a second.

Resamples are drawn from `numpy.random.default_rng(seed)`: the same seed gives
the same draws, on any machine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Statistic = Callable[[np.ndarray], np.ndarray]
"""Maps weights (b, P) -- how many times each pattern is in each resample -- to (b,)
values, NaN where the statistic is not defined for that resample."""

_CHUNK_CELLS = 4_000_000  # weights held at once: b * P (32 MB of float64)
_COUNTED_KEYS = 1 << 20  # row keys below this are counted (bincount), not sorted


@dataclass(frozen=True)
class ItemPatterns:
    """The distinct rows among items and how often each occurs."""

    rows: np.ndarray  # (P, K) distinct rows
    freq: np.ndarray  # (P,) how many items have each row
    inverse: np.ndarray  # (N,) the pattern of each item
    representatives: np.ndarray  # (P,) position of the first item with each row
    # resamples already drawn from these patterns, by (n_boot, seed): every coefficient
    # on the same items then shares one draw (the same seed gives the same draws anyway)
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, rows: np.ndarray) -> ItemPatterns:
        rows = np.asarray(rows)
        if rows.ndim == 1:
            rows = rows[:, None]
        if rows.shape[0] == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(rows.reshape(0, rows.shape[1]), empty, empty, empty)
        key = row_keys(rows)
        if key is None:
            distinct, first, inverse, freq = np.unique(
                rows, axis=0, return_index=True, return_inverse=True, return_counts=True
            )
            return cls(distinct, freq, inverse.reshape(-1), first)
        patterns = cls.of_keys(key)
        first = patterns.representatives
        return cls(rows[first], patterns.freq, patterns.inverse, first)

    @classmethod
    def of_keys(cls, key: np.ndarray) -> ItemPatterns:
        """Patterns of rows given as one non-negative integer each, in increasing key
        order (`rows` holds the keys: the caller puts the rows themselves in)."""
        if int(key.max()) < max(_COUNTED_KEYS, 4 * len(key)):  # few possible keys: count
            first, inverse, freq = _counted_unique(key)
        else:  # one integer per row: a 1-D unique, many times faster than axis=0
            _, first, inverse, freq = np.unique(
                key, return_index=True, return_inverse=True, return_counts=True
            )
        return cls(key[first][:, None], freq, inverse.reshape(-1), first)

    @property
    def n_items(self) -> int:
        return int(self.freq.sum())

    @property
    def n_patterns(self) -> int:
        return len(self.freq)

    def column_totals(self) -> np.ndarray:
        """(K,) the column sums of every item's row (for value counts: labels per value)."""
        return (self.rows * self.freq[:, None]).sum(axis=0)

    def row_sums(self) -> np.ndarray:
        """(P,) each pattern's row sum (for value counts: its items' number of labels)."""
        return self.rows.sum(axis=1)


def _counted_unique(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first index, inverse, counts) of non-negative integer keys, as np.unique gives
    them (distinct keys in increasing order), by counting instead of sorting."""
    counts = np.bincount(key)
    present = np.nonzero(counts)[0]
    renumber = np.zeros(len(counts), dtype=np.int64)
    renumber[present] = np.arange(len(present))
    first = np.full(len(counts), len(key), dtype=np.int64)
    np.minimum.at(first, key, np.arange(len(key)))
    return first[present], renumber[key], counts[present]


def distinct_ints(values: np.ndarray) -> np.ndarray:
    """`np.unique` of integers (sorted, same dtype), by counting instead of sorting or
    hashing when their range is small (item seqs, rater ids, week numbers)."""
    values = np.asarray(values)
    if len(values) == 0 or values.dtype.kind not in "iu":
        return np.unique(values)
    low, high = int(values.min()), int(values.max())
    if high - low >= max(_COUNTED_KEYS, 4 * len(values)):
        return np.unique(values)
    present = np.nonzero(np.bincount((values - low).astype(np.int64)))[0]
    return (present + low).astype(values.dtype)


def row_keys(rows: np.ndarray) -> np.ndarray | None:
    """Each non-negative integer row as one int64, or None if no exact key fits.

    Narrow rows are read as digits (base max + 1). Wide count rows with small
    sums (a 101-point scale, 5 raters) are keyed by their multiset of column
    positions instead: at most (row sum) digits in base (columns + 1).
    """
    if rows.dtype.kind not in "iu" or rows.size == 0 or rows.min() < 0:
        return None
    n_rows, width = rows.shape
    base = int(rows.max()) + 1
    if base**width < 2**62:
        weights = base ** np.arange(width, dtype=np.int64)
        return rows.astype(np.int64) @ weights
    sums = rows.sum(axis=1)
    digits = int(sums.max())
    if (width + 1) ** digits >= 2**62:
        return None
    row, column = np.nonzero(rows)
    repeat = rows[row, column]
    row, column = np.repeat(row, repeat), np.repeat(column, repeat)
    slot = np.arange(len(row)) - np.repeat(np.cumsum(sums) - sums, sums)
    positions = np.full((n_rows, digits), width, dtype=np.int64)  # `width` pads short rows
    positions[row, slot] = column
    return positions @ ((width + 1) ** np.arange(digits, dtype=np.int64))


@dataclass(frozen=True)
class BootstrapDraws:
    """The statistic on each resample, and (if kept) which items each resample drew."""

    values: np.ndarray  # (B,) NaN where the statistic is not defined on that resample
    patterns: ItemPatterns
    counts: np.ndarray | None = None  # (B, P) pattern counts, when asked for
    positions: np.ndarray | None = None  # where the resampled items sit in the data

    def interval(self, confidence: float = 0.95) -> tuple[float, float] | None:
        return percentile_interval(self.values, confidence)

    def item_counts(self, b: int, n_items: int | None = None) -> np.ndarray:
        """Resample `b` as how many times it holds each item.

        Each pattern's count is given to its first item: items with the same row
        are interchangeable, so a dataset holding these items that many times has
        exactly the statistic `values[b]`. With `positions` and `n_items` the
        counts are laid over all `n_items` items of the data (others get 0).
        Needs `keep_counts=True`.
        """
        if self.counts is None:
            raise ValueError("draw with keep_counts=True to see which items were drawn")
        local = np.zeros(self.patterns.inverse.shape[0], dtype=np.int64)
        local[self.patterns.representatives] = self.counts[b]
        if self.positions is None or n_items is None:
            return local
        out = np.zeros(n_items, dtype=np.int64)
        out[self.positions] = local
        return out


def draw_counts(
    patterns: ItemPatterns, n_boot: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Chunks of (b, P) pattern counts, n_boot rows in all; each row sums to N.

    Few patterns: multinomial over patterns. Nearly as many patterns as items
    (e.g. many raters or a fine numeric scale): resample item positions and count
    their patterns, which is cheaper there. Both are the same distribution.
    """
    n, p = patterns.n_items, patterns.n_patterns
    by_pattern = 8 * p <= n
    held_per_resample = p if by_pattern else max(n, p)
    chunk = max(1, min(n_boot, _CHUNK_CELLS // max(held_per_resample, 1)))
    probabilities = patterns.freq / n if n else patterns.freq
    index_type = np.int32 if max(n, chunk * p) < 2**31 else np.int64
    inverse = patterns.inverse.astype(index_type)
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        if by_pattern:
            counts = rng.multinomial(n, probabilities, size=b)
        else:
            drawn = inverse[rng.integers(0, n, size=(b, n), dtype=index_type)]
            drawn += (np.arange(b, dtype=index_type) * p)[:, None]
            counts = np.bincount(drawn.reshape(-1), minlength=b * p).reshape(b, p)
        yield counts
        done += b


def bootstrap(
    statistic: Statistic,
    patterns: ItemPatterns,
    n_boot: int,
    seed: int | None,
    keep_counts: bool = False,
    positions: np.ndarray | None = None,
) -> BootstrapDraws:
    """Evaluate `statistic` on `n_boot` item resamples drawn with `seed`."""
    values: list[np.ndarray] = []
    kept: list[np.ndarray] = []
    for counts, weights in _draws(patterns, n_boot, seed):
        values.append(np.asarray(statistic(weights), dtype=float))
        if keep_counts:
            kept.append(counts)
    out = np.concatenate(values) if values else np.zeros(0)
    counts = np.vstack(kept) if keep_counts and kept else None
    return BootstrapDraws(out, patterns, counts, positions)


_MEMO_CELLS = 2_000_000  # resamples x patterns kept for the next coefficient (16 MB)


def _draws(
    patterns: ItemPatterns, n_boot: int, seed: int | None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(counts, counts as float weights) chunks for `seed`, drawn once per patterns
    when they are small enough to keep (a whole-number seed only: None means fresh)."""
    key = ("draws", n_boot, seed)
    if key in patterns.memo:
        yield from patterns.memo[key]
        return
    keep = isinstance(seed, int) and n_boot * max(patterns.n_patterns, 1) <= _MEMO_CELLS
    chunks = []
    for counts in draw_counts(patterns, n_boot, np.random.default_rng(seed)):
        pair = (counts, counts.astype(float))
        if keep:
            for array in pair:
                array.flags.writeable = False  # shared with the next coefficient
            chunks.append(pair)
        yield pair
    if keep:
        patterns.memo[key] = chunks


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float] | None:
    """The central `confidence` percentile interval of the defined (finite) samples."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return None
    tail = (1 - confidence) / 2
    ordered = np.sort(finite)
    return _linear_quantile(ordered, tail), _linear_quantile(ordered, 1 - tail)


def _linear_quantile(ordered: np.ndarray, q: float) -> float:
    """`numpy.quantile(ordered, q)` (its default "linear" method) of sorted finite values,
    computed as numpy does it, to the last bit, without its per-call overhead (a
    report takes thousands of intervals)."""
    n = len(ordered)
    virtual = (n - 1) * q
    below = math.floor(virtual)
    if virtual >= n - 1:
        return float(ordered[-1])
    a, b = float(ordered[below]), float(ordered[below + 1])
    gamma = virtual - below
    difference = b - a
    return b - difference * (1 - gamma) if gamma >= 0.5 else a + difference * gamma


def point(statistic: Statistic, patterns: ItemPatterns) -> float | None:
    """The statistic on the data itself (every item once); None where not defined."""
    value = float(statistic(patterns.freq[None, :].astype(float))[0])
    return value if np.isfinite(value) else None
