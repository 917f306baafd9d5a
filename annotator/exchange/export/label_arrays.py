"""The labels table of a chunk as Arrow arrays, built column by column from numpy.

Why Arrow: a million labels are a million Python tuples and tens of millions of
objects when built row by row; here each column is one numpy or Arrow
operation (names looked up once per distinct annotator, source or version and
spread with `take`), and the writers take the arrays as they are (Parquet) or
encode them a column at a time (JSON lines). The values are those the row
builder made before, to the byte: a value that Arrow cannot take as the
column's type goes through the same Python conversion as then. A multilabel
value is a list (`_list_column`: `[]` where asked and nothing is stored), and
times stay text here: the Parquet writer casts them to timestamps.

Imported only by an export (pyarrow is slow to load).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from annotator.exchange.export.arrow_types import SCALARS
from annotator.exchange.export.columns import CriterionColumn, convert, element_type
from annotator.labels.columns import (
    L_ID,
    L_RATER,
    L_RATIONALE,
    L_SOURCE,
    L_STARTED,
    L_SUBMITTED,
    L_TOKENS,
    L_UID,
    L_VALUES,
    L_VERSION,
    as_objects,
    distinct_inverse,
    pick,
)
from annotator.labels.stream import Chunk
from annotator.quality.by_source.tally import ChunkFigures

_TEXT_KINDS = ("multilabel", "text")  # json_extract gives these as text already
_STRING = pa.string()


def _spread(ids: np.ndarray, lookup: Callable[[int], Any], kind: Any = _STRING) -> pa.Array:
    """`lookup(id)` for each id: computed once per distinct id, spread with `take`."""
    if len(ids) == 0:
        return pa.array([], type=kind)
    distinct, where = distinct_inverse(ids)
    values = pa.array([lookup(i) for i in distinct.tolist()], type=kind)
    return values.take(pa.array(where.astype(np.int64)))


def _floats(values: np.ndarray) -> pa.Array:
    """float64, NaN as null."""
    values = np.asarray(values, dtype=float)
    nan = np.isnan(values)
    return pa.array(values, type=pa.float64(), mask=nan if nan.any() else None)


def _text(values: Any) -> pa.Array:
    """A text column (object array of str and None); anything else as `convert` writes it."""
    if isinstance(values, pa.Array):
        return values if values.type == _STRING else values.cast(_STRING)
    try:
        return pa.array(values, type=_STRING, from_pandas=False)
    except (pa.ArrowTypeError, pa.ArrowInvalid, TypeError):
        return pa.array([convert(v, "string") for v in values.tolist()], type=_STRING)


def _asked(c: CriterionColumn, pairwise: np.ndarray, version: np.ndarray) -> np.ndarray:
    """Per label: the criterion was asked (it applies to the item's kind, and the label's
    rubric version has it)."""
    asked = np.ones(len(pairwise), dtype=bool)
    if c.applies_to != "all":
        asked &= pairwise == (c.applies_to == "pairwise")
    if c.versions:
        asked &= np.isin(version, list(c.versions))
    return asked


def _list_column(c: CriterionColumn, raw: Any, asked: np.ndarray) -> pa.Array:
    """A multilabel criterion's values as lists. An exported label is submitted, and a
    submitted answer with nothing ticked stores no value (as the statistics read it,
    `labels.load`): so no value where the criterion was asked is `[]`, and null means
    only "not asked". Each distinct JSON text is parsed once."""
    kind = pa.list_(SCALARS[element_type(c.type)])
    inner = element_type(c.type)
    texts = _text(raw)
    encoded = texts.dictionary_encode()
    lists = [[convert(v, inner) for v in json.loads(t)] for t in encoded.dictionary.to_pylist()]
    n = len(lists)
    where = pc.fill_null(encoded.indices, n).to_numpy(zero_copy_only=False).astype(np.int64)
    where[(where == n) & ~asked] = n + 1  # not asked: null
    return pa.array([*lists, [], None], type=kind).take(pa.array(where))


def _value_column(c: CriterionColumn, raw: Any) -> pa.Array:
    """A criterion's raw label values (as json_extract gives them) in the column's type."""
    if c.type == "string":
        return _text(raw)
    raw = as_objects(raw)
    if c.type == "int":
        try:
            return pa.array(raw, type=pa.int64(), from_pandas=False)
        except (pa.ArrowTypeError, pa.ArrowInvalid, TypeError):
            return pa.array([None if v is None else int(v) for v in raw.tolist()], pa.int64())
    if c.type == "float":
        return pa.array([None if v is None else float(v) for v in raw.tolist()], pa.float64())
    return pa.array([None if v is None else bool(v) for v in raw.tolist()], pa.bool_())


def _by_id(ids: np.ndarray, found: dict[int, Any]) -> pa.Array:
    """`found.get(id)` per label id (all null, at once, when nothing was found)."""
    if not found:
        return pa.nulls(len(ids), type=_STRING)
    return pa.array([found.get(i) for i in ids.tolist()], type=_STRING)


def label_arrays(
    builder: Any,
    criteria: Sequence[CriterionColumn],
    chunk: Chunk,
    figures: ChunkFigures,
) -> list[pa.Array]:
    """The labels table's columns for the labels in scope (LABEL_COLUMNS, then values)."""
    picked = np.nonzero(chunk.in_scope)[0]
    raw = [pick(column, picked) for column in chunk.raw]
    n = len(picked)
    item_ids = pa.array([item["id"] for item in chunk.items], type=_STRING)
    sources, versions, annotator = builder.sources, builder.versions, builder.annotator
    source = raw[L_SOURCE]
    costs = figures.cost[picked]
    priced = ~np.isnan(costs)
    answers = figures.anchor_n[picked]
    matched = figures.anchor_ok[picked] == answers
    label_ids = raw[L_ID]
    tokens = _floats(raw[L_TOKENS]).cast(pa.int64(), safe=False)
    currency = _spread(source, lambda s: sources[s][5])
    if not priced.all():
        currency = pc.if_else(pa.array(priced), currency, pa.nulls(n, type=_STRING))
    suggested = builder.suggested
    columns: list[pa.Array] = [
        _text(raw[L_UID]),
        item_ids.take(pa.array(chunk.item_index[picked].astype(np.int64))),
        _spread(raw[L_RATER], lambda a: annotator[a]),
        *[_spread(source, lambda s, k=k: sources[s][k]) for k in range(5)],
        _by_id(label_ids, builder.judge_version),
        _spread(raw[L_VERSION], lambda v: versions[v][0]),
        _spread(raw[L_VERSION], lambda v: versions[v][1], pa.int64()),
        _text(raw[L_STARTED]),
        _text(raw[L_SUBMITTED]),
        _floats(figures.duration[picked]),
        _floats(costs),
        currency,
        tokens,
        pa.array(answers > 0, type=pa.bool_()),
        pa.array(matched, type=pa.bool_(), mask=answers <= 0),
        _text(raw[L_RATIONALE]),
        pa.array(
            np.isin(label_ids, list(suggested)) if suggested else np.zeros(n, bool), pa.bool_()
        ),
        _by_id(label_ids, suggested),
    ]
    pairwise = np.array([bool(item["pairwise"]) for item in chunk.items], dtype=bool)
    pairwise = pairwise[chunk.item_index[picked]]
    version = np.asarray(as_objects(raw[L_VERSION]))
    for k, c in enumerate(criteria):
        if c.kind == "multilabel":
            columns.append(_list_column(c, raw[L_VALUES + k], _asked(c, pairwise, version)))
        else:
            columns.append(_value_column(c, raw[L_VALUES + k]))
    return columns


__all__ = ["label_arrays"]
