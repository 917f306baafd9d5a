"""Reliability data: who gave which value to which item, as one dense code matrix.

Every agreement coefficient starts from the same table: items x raters, each
cell the position of a value in an ordered value domain, -1 where the rater did
not rate the item. Building it once, vectorised, keeps the coefficients fast on
100k items, and carrying the domain with it matters for the statistics: an
ordinal scale's unused points change ordinal alpha, and the number of possible
categories changes Gwet's AC1.

    >>> data = ReliabilityData.from_records(
    ...     [("q1", "ann", 4), ("q1", "bob", 5), ("q2", "ann", 2)], value_domain=[1, 2, 3, 4, 5]
    ... )
    >>> data.codes.tolist()
    [[3, 4], [1, -1]]
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from annotator.base.errors import AnnotatorError
from annotator.stats.bootstrap import ItemPatterns

if TYPE_CHECKING:
    import pandas as pd

MISSING = -1
"""Code of a cell whose rater did not rate the item."""

_FEW_RATERS = 32  # up to this many rater columns, per-item sums go column by column


class ReliabilityError(AnnotatorError):
    """Ratings cannot be arranged as reliability data (a duplicate, a value off the scale)."""


def is_missing(value: Any) -> bool:
    """None and float NaN stand for "no rating" wherever a value is expected."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def is_number(value: Any) -> bool:
    """A real number that is not a bool (True would otherwise count as 1)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def factorize(values: Iterable[Any]) -> tuple[np.ndarray, list[Any]]:
    """(codes, uniques) in order of first appearance, -1 for None and NaN.

    What `pandas.factorize` gives on objects (equal values share a code: 1, 1.0 and
    True are one value, the first seen), without importing pandas for it.
    """
    seen: dict[Any, int] = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values), dtype=np.int64)
    uniques = list(seen)
    missing = [is_missing(v) for v in uniques]
    if any(missing):
        kept = np.cumsum([not m for m in missing]) - 1
        position = np.where(missing, -1, kept)
        codes = position[codes] if codes.size else codes
        uniques = [v for v, m in zip(uniques, missing, strict=True) if not m]
    return codes, uniques


def _pandas_frame(records: Any) -> bool:
    """Whether `records` is a DataFrame (pandas cannot have made one if it is not loaded)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(records, pandas.DataFrame)


def _sort_key(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, str(value))


def _ordered_uniques(uniques: Sequence[Any]) -> list[Any]:
    """Observed values in their natural order; mixed types fall back to (type, text)."""
    try:
        return sorted(uniques)
    except TypeError:
        return sorted(uniques, key=_sort_key)


def _object_array(values: Sequence[Any]) -> np.ndarray:
    """A 1-D object array even when the values are tuples (np.asarray would make 2-D)."""
    return np.fromiter(values, dtype=object, count=len(values))


@dataclass(frozen=True, eq=False)
class ReliabilityData:
    """Ratings as an items x raters matrix of value codes.

    `codes[i, r]` is the position in `values` of the value rater `raters[r]`
    gave item `items[i]`, or -1 (`MISSING`). `values` is the ordered value
    domain: for ordinal and interval data its order is the scale's order.
    """

    codes: np.ndarray
    values: tuple[Hashable, ...]
    items: tuple[Hashable, ...]
    raters: tuple[Hashable, ...]

    def __post_init__(self) -> None:
        codes = np.asarray(self.codes)
        if codes.ndim != 2:
            raise ReliabilityError(f"codes must be a 2-D items x raters matrix, not {codes.ndim}-D")
        if codes.shape != (len(self.items), len(self.raters)):
            raise ReliabilityError(
                f"codes have shape {codes.shape} but there are {len(self.items)} items "
                f"and {len(self.raters)} raters"
            )
        if codes.size and (codes.min() < MISSING or codes.max() >= len(self.values)):
            raise ReliabilityError("codes must be -1 (missing) or positions in values")
        if len(set(self.values)) != len(self.values):
            raise ReliabilityError("the value domain lists a value twice")
        codes = codes.astype(np.int32, copy=True)
        codes.setflags(write=False)
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "values", tuple(self.values))
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "raters", tuple(self.raters))

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_records(
        cls,
        records: Iterable[tuple[Hashable, Hashable, Any]] | pd.DataFrame,
        value_domain: Sequence[Hashable] | None = None,
    ) -> ReliabilityData:
        """Build from long `(item, rater, value)` records (or a DataFrame with those columns).

        Items and raters keep their order of first appearance. A value of None or
        NaN counts as no rating. With `value_domain` (e.g. the full scale 1..5,
        including points nobody used) values are coded in that order and a value
        outside it is an error; without it the domain is the sorted observed values.
        A rater rating the same item twice is an error: pass current labels only.
        """
        # lazy: pandas' hashing of arbitrary objects, only for records given by hand or file
        import pandas as pd

        items, raters, values = _columns(records)
        keep = ~pd.isna(pd.Series(values, dtype=object)).to_numpy()
        if not keep.all():
            items, raters, values = items[keep], raters[keep], values[keep]
        item_codes, item_ids = pd.factorize(pd.Series(items, dtype=object), sort=False)
        rater_codes, rater_ids = pd.factorize(pd.Series(raters, dtype=object), sort=False)
        value_codes, domain = _code_values(values, items, raters, value_domain)
        n_items, n_raters = len(item_ids), len(rater_ids)
        if n_raters:
            key = item_codes.astype(np.int64) * n_raters + rater_codes
            _refuse_duplicates(key, items, raters)
        codes = np.full((n_items, n_raters), MISSING, dtype=np.int32)
        codes[item_codes, rater_codes] = value_codes
        return cls(codes, tuple(domain), tuple(item_ids), tuple(rater_ids))

    @classmethod
    def from_matrix(
        cls,
        matrix: Sequence[Sequence[Any]] | np.ndarray,
        *,
        layout: str = "raters x items",
        value_domain: Sequence[Hashable] | None = None,
        items: Sequence[Hashable] | None = None,
        raters: Sequence[Hashable] | None = None,
    ) -> ReliabilityData:
        """Build from a wide matrix (`"raters x items"`, as Krippendorff prints it, or
        `"items x raters"`); None or NaN marks a missing rating. Ids default to 0, 1, ..."""
        rows = [list(row) for row in matrix]
        if layout == "items x raters":
            rows = [list(col) for col in zip(*rows, strict=True)] if rows else []
        elif layout != "raters x items":
            raise ReliabilityError(
                f"unknown layout {layout!r}; use 'raters x items' or 'items x raters'"
            )
        n_raters = len(rows)
        n_items = len(rows[0]) if rows else 0
        rater_ids = list(raters) if raters is not None else list(range(n_raters))
        item_ids = list(items) if items is not None else list(range(n_items))
        if len(rater_ids) != n_raters or len(item_ids) != n_items:
            raise ReliabilityError("the item or rater ids do not match the matrix's shape")
        records = [
            (item_ids[i], rater_ids[r], rows[r][i])
            for i in range(n_items)
            for r in range(n_raters)
            if not is_missing(rows[r][i])
        ]
        data = cls.from_records(records, value_domain=value_domain)
        # Keep every row and column, even one with no ratings at all.
        return data.reindex(items=item_ids, raters=rater_ids)

    @classmethod
    def from_category_counts(
        cls,
        counts: Sequence[Sequence[int]] | np.ndarray,
        values: Sequence[Hashable] | None = None,
        items: Sequence[Hashable] | None = None,
    ) -> ReliabilityData:
        """Build from the "subjects x category counts" layout (Fleiss 1971's table).

        `counts[i][j]` raters put item i in category `values[j]`. Who those raters
        were is not known, so each item's labels go to anonymous rater slots
        0, 1, ...: fine for alpha, Fleiss' kappa, AC1 and percent agreement,
        meaningless for Cohen's kappa between slots.
        """
        table = np.asarray(counts)
        if table.ndim != 2:
            raise ReliabilityError(
                f"counts must be an items x categories table, not {table.ndim}-D"
            )
        if (table < 0).any() or not np.array_equal(table, np.round(table)):
            raise ReliabilityError("counts must be whole numbers, none negative")
        table = table.astype(np.int64)
        domain = tuple(values) if values is not None else tuple(range(table.shape[1]))
        if len(domain) != table.shape[1]:
            raise ReliabilityError(f"{len(domain)} values for {table.shape[1]} count columns")
        item_ids = tuple(items) if items is not None else tuple(range(table.shape[0]))
        if len(item_ids) != table.shape[0]:
            raise ReliabilityError(f"{len(item_ids)} item ids for {table.shape[0]} rows")
        per_item = table.sum(axis=1)
        width = int(per_item.max()) if table.size else 0
        codes = np.full((table.shape[0], width), MISSING, dtype=np.int32)
        rows = np.repeat(np.arange(table.shape[0]), per_item)
        labels = np.repeat(np.tile(np.arange(table.shape[1]), table.shape[0]), table.reshape(-1))
        slots = np.arange(len(rows)) - np.repeat(np.cumsum(per_item) - per_item, per_item)
        codes[rows, slots] = labels
        return cls(codes, domain, item_ids, tuple(range(width)))

    # -- shape and views ----------------------------------------------------------------------

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_raters(self) -> int:
        return len(self.raters)

    @property
    def n_values(self) -> int:
        return len(self.values)

    @cached_property
    def rated(self) -> np.ndarray:
        """(n_items, n_raters) whether each cell holds a rating."""
        return self.codes >= 0

    @cached_property
    def n_labels(self) -> int:
        """How many ratings there are (non-missing cells)."""
        return int(self.ratings_per_item.sum())

    @cached_property
    def ratings_per_item(self) -> np.ndarray:
        """(n_items,) number of ratings each item has."""
        if 0 < self.n_raters <= _FEW_RATERS:  # column by column: several times faster
            return sum(
                (self.rated[:, r] for r in range(1, self.n_raters)),
                self.rated[:, 0].astype(np.int64),
            )
        return self.rated.sum(axis=1)

    @cached_property
    def raters_with_labels(self) -> np.ndarray:
        """Positions of the raters who gave at least one rating."""
        if self.n_raters <= _FEW_RATERS:  # a column's any() stops at its first rating
            return np.array([r for r in range(self.n_raters) if self.rated[:, r].any()], np.intp)
        return np.nonzero(self.rated.any(axis=0))[0]

    def item_patterns(self, minimum: int) -> ItemPatterns:
        """The distinct value-count rows of the items with `minimum` or more labels,
        found once and shared by every coefficient (and their bootstrap draws)."""
        key = ("patterns", minimum)
        if key not in self.memo:
            keep = self.ratings_per_item >= minimum
            found = self._patterns_from_codes(keep)
            self.memo[key] = (
                found if found is not None else ItemPatterns.of(self.value_counts[keep])
            )
        return self.memo[key]

    def _patterns_from_codes(self, keep: np.ndarray) -> ItemPatterns | None:
        """`ItemPatterns.of(value_counts[keep])` without the (items x values) counts: each
        item's row read as one integer straight from its codes (value v is digit v in a
        base above any count), which orders the rows as `ItemPatterns.of` does, so the
        patterns come out identical. None where that key would not fit (or not pay)."""
        width, base = self.n_values, self.n_raters + 1
        if not 0 < self.n_raters <= _FEW_RATERS or width == 0 or base**width >= 2**62:
            return None
        if "row keys" not in self.memo:
            digits = np.zeros(width + 1, dtype=np.int64)  # code -1 (missing) adds 0
            digits[1:] = base ** np.arange(width, dtype=np.int64)
            shifted = self.codes + 1
            columns = (digits[shifted[:, r]] for r in range(self.n_raters))
            self.memo["row keys"] = sum(columns, np.zeros(self.n_items, dtype=np.int64))
        keys = self.memo["row keys"][keep]
        if len(keys) == 0:
            return None
        patterns = ItemPatterns.of_keys(keys)
        codes = self.codes[np.nonzero(keep)[0][patterns.representatives]]
        return replace(patterns, rows=_count_rows(codes, width))

    @cached_property
    def memo(self) -> dict[Any, Any]:
        """What the coefficients on this data share (patterns, rater-pair tables)."""
        return {}

    @cached_property
    def value_counts(self) -> np.ndarray:
        """(n_items, n_values) how many raters gave each value to each item."""
        return _count_rows(self.codes, self.n_values)

    def numeric_values(self) -> np.ndarray:
        """The domain as floats; raises when a value is not a number."""
        for value in self.values:
            if not is_number(value):
                raise ReliabilityError(
                    f"the value {value!r} is not a number; interval and ratio levels need numbers"
                )
        return np.asarray(self.values, dtype=float)

    def rater_index(self, rater: Hashable) -> int:
        try:
            return self.raters.index(rater)
        except ValueError:
            raise ReliabilityError(f"no rater {rater!r}; raters are {list(self.raters)}") from None

    def select_items(self, index: Sequence[int] | np.ndarray) -> ReliabilityData:
        """Items at these positions (repeats allowed: a bootstrap resample)."""
        index = np.asarray(index, dtype=np.intp)
        return ReliabilityData(
            self.codes[index], self.values, tuple(self.items[i] for i in index), self.raters
        )

    def reindex(
        self, items: Sequence[Hashable] | None = None, raters: Sequence[Hashable] | None = None
    ) -> ReliabilityData:
        """The same ratings laid over these items/raters, in this order.

        New ids get no ratings; every id that has ratings must stay listed, so
        nothing is dropped silently."""
        item_ids = list(self.items if items is None else items)
        rater_ids = list(self.raters if raters is None else raters)
        item_pos = {item: i for i, item in enumerate(item_ids)}
        rater_pos = {rater: r for r, rater in enumerate(rater_ids)}
        missing = [i for i in self.items if i not in item_pos] + [
            r for r in self.raters if r not in rater_pos
        ]
        if missing:
            raise ReliabilityError(f"reindex would drop rated ids: {missing[:5]}")
        codes = np.full((len(item_ids), len(rater_ids)), MISSING, dtype=np.int32)
        rows = np.array([item_pos[i] for i in self.items], dtype=np.intp)
        cols = np.array([rater_pos[r] for r in self.raters], dtype=np.intp)
        if rows.size and cols.size:
            codes[np.ix_(rows, cols)] = self.codes
        return ReliabilityData(codes, self.values, tuple(item_ids), tuple(rater_ids))

    def to_records(self) -> list[tuple[Hashable, Hashable, Hashable]]:
        """Back to long `(item, rater, value)` records, item-major."""
        rows, cols = np.nonzero(self.codes >= 0)
        return [
            (self.items[i], self.raters[r], self.values[self.codes[i, r]])
            for i, r in zip(rows.tolist(), cols.tolist(), strict=True)
        ]


def _count_rows(codes: np.ndarray, n_values: int) -> np.ndarray:
    """(rows, n_values) how many cells of each row hold each code (-1 counts nowhere):
    one bincount, a spare column taking the missing cells."""
    n_rows = codes.shape[0]
    spare = n_values + 1
    flat = np.where(codes >= 0, codes, n_values).astype(np.int64)
    flat += (np.arange(n_rows, dtype=np.int64) * spare)[:, None]
    counts = np.bincount(flat.reshape(-1), minlength=n_rows * spare).reshape(n_rows, spare)
    return np.ascontiguousarray(counts[:, :n_values])


# -- helpers for from_records ------------------------------------------------------------------


def _columns(
    records: Iterable[tuple[Hashable, Hashable, Any]] | pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if _pandas_frame(records):
        absent = [c for c in ("item", "rater", "value") if c not in records.columns]
        if absent:
            raise ReliabilityError(f"the table has no column {absent[0]!r}")
        return tuple(  # type: ignore[return-value]
            _object_array(records[c].tolist()) for c in ("item", "rater", "value")
        )
    rows = records if isinstance(records, list) else list(records)
    if not rows:
        empty = np.empty(0, dtype=object)
        return empty, empty, empty
    try:
        if any(len(r) != 3 for r in rows):
            raise ValueError
        columns = tuple(_object_array([r[k] for r in rows]) for k in range(3))
    except (TypeError, ValueError, KeyError):
        bad = next((r for r in rows if not isinstance(r, Sequence) or len(r) != 3), rows[0])
        raise ReliabilityError(f"each record must be (item, rater, value), got {bad!r}") from None
    return columns  # type: ignore[return-value]


def _code_values(
    values: np.ndarray,
    items: np.ndarray,
    raters: np.ndarray,
    value_domain: Sequence[Hashable] | None,
) -> tuple[np.ndarray, list[Hashable]]:
    if value_domain is not None:
        domain = list(value_domain)
        if len(set(domain)) != len(domain):
            raise ReliabilityError(f"the value domain {domain} lists a value twice")
        # lazy: pandas' hashing of arbitrary objects, only for records given by hand or file
        import pandas as pd

        codes = pd.Index(domain, dtype=object).get_indexer(pd.Series(values, dtype=object))
        outside = np.nonzero(codes < 0)[0]
        if outside.size:
            at = outside[0]
            raise ReliabilityError(
                f"the value {values[at]!r} (item {items[at]!r}, rater {raters[at]!r}) is not on "
                f"the scale {domain}"
                + (f"; {outside.size} values are off it" if outside.size > 1 else "")
            )
        return codes.astype(np.int32), domain
    # lazy: pandas' hashing of arbitrary objects, only for records given by hand or file
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(values, dtype=object), sort=False)
    observed = list(uniques)
    domain = _ordered_uniques(observed)
    where = {value: position for position, value in enumerate(domain)}
    position = np.array([where[v] for v in observed], dtype=np.int32)
    return (position[codes] if codes.size else codes.astype(np.int32)), domain


def _refuse_duplicates(key: np.ndarray, items: np.ndarray, raters: np.ndarray) -> None:
    order = np.argsort(key, kind="stable")
    repeated = np.nonzero(key[order][1:] == key[order][:-1])[0]
    if repeated.size:
        at = order[repeated[0] + 1]
        raise ReliabilityError(
            f"rater {raters[at]!r} rated item {items[at]!r} more than once; pass one current "
            "label per rater and item"
        )
