"""A chunk of label rows as numpy columns: value codes per criterion, the newest label of
each annotator on each item, and per-item value counts (what agreement and consensus need).

The rows are transposed once, as they are read (`raw_columns`): every later step (costs,
anchor figures, the exported tables) takes whole columns, never a Python tuple per label.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import orjson
import pandas as pd

from annotator.labels.data import CriterionSpec, same_value
from annotator.stats.reliability import is_number


class RowLayout(Protocol):
    """What a chunk's rows hold: one raw value column per key, the criteria with
    agreement, and the sources in scope (None: all). `LabelStream` is one; the
    columns need only this, so they sit below the stream, not beside it."""

    keys: list[str]
    specs: list[CriterionSpec]
    source_ids: set[int] | None


# Columns of a label row, in the order the stream's SELECT gives them (see label_stream).
L_ID, L_UID, L_SEQ, L_RATER, L_SOURCE, L_VERSION = range(6)
L_STARTED, L_SUBMITTED, L_DURATION, L_COST, L_TOKENS, L_RATIONALE = range(6, 12)
L_ANCHOR_N, L_ANCHOR_OK = 12, 13
L_VALUES = 14  # then one raw value per criterion key, in `keys` order
# Column dtypes by position: ids int64, figures float64 (NaN: NULL), the rest object.
_INT_COLUMNS = (L_ID, L_SEQ, L_RATER, L_SOURCE, L_VERSION, L_ANCHOR_N)
_FLOAT_COLUMNS = (L_DURATION, L_COST, L_TOKENS, L_ANCHOR_OK)


def raw_columns(rows: list[tuple[Any, ...]], width: int) -> list[np.ndarray]:
    """The label rows (L_* layout, `width` columns) as one numpy array per column."""
    if not rows:
        return [_empty(k) for k in range(width)]
    out = []
    for k, values in enumerate(zip(*rows, strict=True)):
        if k in _INT_COLUMNS:
            out.append(np.array(values, dtype=np.int64))
        elif k in _FLOAT_COLUMNS:
            out.append(np.array(values, dtype=float))  # None becomes NaN
        else:
            column = np.empty(len(values), dtype=object)
            column[:] = values
            out.append(column)
    return out


def parse_values(texts: Any, keys: list[str]) -> dict[str, np.ndarray] | None:
    """Each key's value per label from the labels' values_json texts, as json_extract gives
    it (a JSON boolean as 1 or 0, a missing key as None); None when a text is not a JSON
    object or a value is an array or object (json_extract's own text is needed then).

    Each distinct text is parsed once (a chunk of labels on one scale has few of them),
    and the values spread back to the labels by position."""
    if not keys:
        return {}
    n = len(texts)
    if n == 0:
        return {key: np.zeros(0, dtype=object) for key in keys}
    where, distinct = _factorize(texts)
    if where is None or (where < 0).any() or set(map(type, distinct)) != {str}:
        return None
    try:
        objects = orjson.loads("[" + ",".join(distinct) + "]")
    except orjson.JSONDecodeError:
        return None
    if len(objects) != len(distinct) or set(map(type, objects)) != {dict}:
        return None
    out = {}
    for key in keys:
        values = [o.get(key) for o in objects]
        kinds = set(map(type, values))
        if list in kinds or dict in kinds:
            return None
        if bool in kinds:
            values = [int(v) if type(v) is bool else v for v in values]
        column = np.empty(len(values), dtype=object)
        column[:] = values
        out[key] = column[where]
    return out


def _factorize(texts: Any) -> tuple[np.ndarray | None, list[Any]]:
    """(position of each text among the distinct ones, the distinct texts)."""
    if isinstance(texts, np.ndarray):
        where, distinct = pd.factorize(pd.Series(texts, dtype=object), use_na_sentinel=True)
        return where, distinct.tolist()
    encoded = texts.dictionary_encode()  # an Arrow string array
    if encoded.null_count:
        return None, []
    return encoded.indices.to_numpy().astype(np.int64), encoded.dictionary.to_pylist()


_SMALL = 1 << 20  # ids below this are counted with bincount, not sorted


def distinct_ids(values: np.ndarray) -> np.ndarray:
    """`np.unique(values)` for small non-negative integer ids, by counting, not sorting."""
    return distinct_counts(values)[0]


def distinct_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_counts=True)` for small non-negative integer ids."""
    if not _countable(values):
        return np.unique(values, return_counts=True)
    counts = np.bincount(values)
    distinct = np.nonzero(counts)[0]
    return distinct.astype(values.dtype), counts[distinct]


def distinct_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_inverse=True)` for small non-negative integer ids."""
    if not _countable(values):
        return np.unique(values, return_inverse=True)
    counts = np.bincount(values)
    distinct = np.nonzero(counts)[0]
    position = np.cumsum(counts > 0) - 1
    return distinct.astype(values.dtype), position[values]


def _countable(values: np.ndarray) -> bool:
    return (
        values.ndim == 1
        and values.dtype.kind in "iu"
        and len(values) > 0
        and int(values.min()) >= 0
        and int(values.max()) < _SMALL
    )


def pick(column: Any, where: np.ndarray) -> Any:
    """The column (numpy, or an Arrow array from `arrow_read`) at a mask or positions."""
    if isinstance(column, np.ndarray):
        return column[where]
    import pyarrow as pa  # lazy: Arrow columns exist only when an export loaded pyarrow

    if where.dtype == bool:
        return column.filter(pa.array(where, type=pa.bool_()))
    return column.take(pa.array(np.asarray(where, dtype=np.int64)))


def as_objects(column: Any) -> np.ndarray:
    """The column as a numpy array (an Arrow text column as Python objects)."""
    if isinstance(column, np.ndarray):
        return column
    out = np.empty(len(column), dtype=object)
    out[:] = column.to_pylist()
    return out


def _empty(k: int) -> np.ndarray:
    if k in _INT_COLUMNS:
        return np.zeros(0, dtype=np.int64)
    return np.zeros(0, dtype=float if k in _FLOAT_COLUMNS else object)


def spec_counts(
    spec: CriterionSpec,
    codes: dict[str, np.ndarray],
    numbers: dict[str, np.ndarray],
    use: np.ndarray,
    item_index: np.ndarray,
    n_items: int,
) -> tuple[np.ndarray | None, tuple[Any, ...]]:
    """(items x values label counts, the values) for one criterion over the labels `use`."""
    if spec.kind == "numeric":
        values = numbers[spec.name]
        mask = use & np.isfinite(values)
        if not mask.any():
            return None, ()
        domain = np.unique(values[mask])
        criterion = spec.criterion
        if (
            criterion is not None
            and criterion.minimum is not None
            and criterion.maximum is not None
        ):
            domain = np.unique(np.concatenate([domain, [criterion.minimum, criterion.maximum]]))
        code = np.searchsorted(domain, values[mask])
        shown = tuple(int(v) if float(v).is_integer() else float(v) for v in domain.tolist())
    else:
        all_codes = codes[spec.name]
        mask = use & (all_codes >= 0)
        if not mask.any():
            return None, ()
        code = all_codes[mask]
        shown = tuple(spec.values)
    k = len(shown)
    flat = item_index[mask].astype(np.int64) * k + code
    return np.bincount(flat, minlength=n_items * k).reshape(n_items, k), shown


@dataclass
class Columns:
    """A chunk's label rows as numpy columns, with each criterion's value codes."""

    raw: list[np.ndarray]  # every column of the rows (L_* positions), see `raw_columns`
    label_id: np.ndarray
    item: np.ndarray
    item_index: np.ndarray
    rater: np.ndarray
    source: np.ndarray
    in_scope: np.ndarray
    latest: np.ndarray
    codes: dict[str, np.ndarray]
    numbers: dict[str, np.ndarray]

    @classmethod
    def of(
        cls, raw: list[np.ndarray], stream: RowLayout, seq: np.ndarray, items: list[Any]
    ) -> Columns:
        n = len(raw[L_ID])
        label_id, item, rater = raw[L_ID], raw[L_SEQ], raw[L_RATER]
        source, version = raw[L_SOURCE], raw[L_VERSION]
        item_index = np.searchsorted(seq, item)
        in_scope = (
            np.isin(source, sorted(stream.source_ids))
            if stream.source_ids is not None
            else np.ones(n, dtype=bool)
        )
        pairwise = (
            np.array([bool(row["pairwise"]) for row in items], dtype=bool)[item_index]
            if n
            else np.zeros(0, bool)
        )
        codes: dict[str, np.ndarray] = {}
        numbers: dict[str, np.ndarray] = {}
        raws = {key: as_objects(raw[L_VALUES + k]) for k, key in enumerate(stream.keys)}
        for spec in stream.specs:
            values = raws[spec.key]
            if spec.kind == "numeric":
                numbers[spec.name] = np.array(
                    [float(v) if is_number(v) else math.nan for v in values.tolist()], dtype=float
                )
            elif spec.kind == "multilabel":
                codes[spec.name] = _ticked(spec, values, pairwise)
            else:
                codes[spec.name] = option_codes(spec, values)
            # a label made under a version where the criterion had another kind is no label
            # of it (as in label_data): its value means something else there
            other = ~np.isin(version, spec.versions)
            if other.any():
                if spec.kind == "numeric":
                    numbers[spec.name][other] = math.nan
                else:
                    codes[spec.name][other] = -1
        return cls(
            raw,
            label_id,
            item,
            item_index,
            rater,
            source,
            in_scope,
            _latest(item, rater, label_id),
            codes,
            numbers,
        )

    def subset(self, mask: np.ndarray, new_index: np.ndarray) -> Columns:
        return Columns(
            [pick(column, mask) for column in self.raw],
            self.label_id[mask],
            self.item[mask],
            new_index[self.item_index[mask]],
            self.rater[mask],
            self.source[mask],
            self.in_scope[mask],
            self.latest[mask],
            {k: v[mask] for k, v in self.codes.items()},
            {k: v[mask] for k, v in self.numbers.items()},
        )


def option_codes(spec: CriterionSpec, raw: Any) -> np.ndarray:
    """Positions of raw values (as json_extract gives them) on the spec's scale; -1: none."""
    values = raw if isinstance(raw, np.ndarray) and raw.dtype == object else list(raw)
    found, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    position = np.full(len(uniques) + 1, -1, dtype=np.int32)  # the last slot: no value
    for u, value in enumerate(uniques.tolist()):
        for v, option in enumerate(spec.values):
            if same_value(option, value):
                position[u] = v
                break
    return position[found]


def ticked_codes(
    spec: CriterionSpec, raw: Any, pairwise: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(1 when the multilabel option is ticked, else 0; whether the criterion applies to
    the item: a pairwise-only criterion does not apply to a single answer, and back)."""
    criterion = spec.criterion
    applies = np.ones(len(pairwise), dtype=bool)
    if criterion is not None and criterion.applies_to != "all":
        applies = pairwise == (criterion.applies_to == "pairwise")
    code = np.zeros(len(pairwise), dtype=np.int32)
    cache: dict[Any, int] = {}
    for i, value in enumerate(raw):
        if value is None:
            continue
        hit = cache.get(value)
        if hit is None:
            chosen = json.loads(value) if isinstance(value, str) else []
            hit = int(any(same_value(spec.option, c) for c in chosen))
            cache[value] = hit
        code[i] = hit
    return code, applies


def _ticked(spec: CriterionSpec, raw: Any, pairwise: np.ndarray) -> np.ndarray:
    """1 when a multilabel option is ticked, 0 when not, -1 where the criterion does not apply."""
    code, applies = ticked_codes(spec, raw, pairwise)
    code[~applies] = -1
    return code


def _latest(item: np.ndarray, rater: np.ndarray, label_id: np.ndarray) -> np.ndarray:
    """True for the newest label of each (item, annotator) pair."""
    n = len(item)
    if n < 2:
        return np.ones(n, dtype=bool)
    key = item * (int(rater.max()) + 1) + rater
    order = np.lexsort((-label_id, key))
    first = np.ones(n, dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    out = np.zeros(n, dtype=bool)
    out[order[first]] = True
    return out


def label_rows(raw: list[np.ndarray]) -> list[tuple[Any, ...]]:
    """The columns back as rows (L_* layout, NULL figures as None), for code that wants rows."""
    columns = []
    for k, column in enumerate(raw):
        values = as_objects(column).tolist()
        if k in _FLOAT_COLUMNS and column.dtype.kind == "f" and np.isnan(column).any():
            values = [None if v != v else v for v in values]
        if k in (L_TOKENS,):
            values = [None if v is None else int(v) for v in values]
        columns.append(values)
    return list(zip(*columns, strict=True)) if columns else []


def arrow_columns(table: Any, width: int) -> list[Any] | None:
    """An adbc result in `raw_columns`' layout (text columns stay Arrow arrays), or None
    when a column is not of the type its SQLite column gives (read it with sqlite3 then)."""
    import pyarrow as pa  # lazy: only an export's pass reads through adbc

    if table is None or table.num_columns != width:
        return None
    n = table.num_rows
    out: list[Any] = []
    for k in range(width):
        column = table.column(k).combine_chunks()
        kind = column.type
        if k in _INT_COLUMNS:
            if not pa.types.is_integer(kind) or column.null_count:
                return None
            out.append(column.to_numpy().astype(np.int64))
        elif k in _FLOAT_COLUMNS:
            if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
                return None
            out.append(column.to_numpy(zero_copy_only=False).astype(float))  # null: NaN
        elif pa.types.is_string(kind):
            out.append(column)
        elif column.null_count == n:
            out.append(pa.nulls(n, type=pa.string()))
        else:
            return None
    return out


__all__ = [
    "Columns",
    "arrow_columns",
    "as_objects",
    "distinct_counts",
    "distinct_ids",
    "distinct_inverse",
    "label_rows",
    "pick",
    "option_codes",
    "parse_values",
    "raw_columns",
    "spec_counts",
]
