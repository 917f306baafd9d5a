"""The exported columns' Arrow types: timestamps, lists and structs, built column-wise.

Why: a reader of Parquet (pandas, `datasets`, mlcroissant) should get a time as a
time, a multilabel answer as a list and tags as an object, not JSON text to parse.
Times are stored as ISO text; Arrow parses a column of them in one cast (a
value Arrow's parser does not take goes through `parse_time`). An object column
(tags, metadata) is a struct whose fields are every key the project's items use
(`object_fields`, one SQL pass): a key that holds one JSON scalar type has that
type, any other (nested, or mixed types) holds the value's JSON text.

Imported only by an export (pyarrow is slow to load).
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from annotator.base.clock import parse_time
from annotator.exchange.export.columns import Column, element_type

TIMESTAMP = pa.timestamp("us", tz="UTC")
SCALARS = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}


def arrow_type(column: Column, typed: bool = True) -> pa.DataType:
    """A column's Arrow type; not `typed` (JSON lines): times and objects as text."""
    kind = column.type
    if kind.startswith("list:"):
        return pa.list_(SCALARS[element_type(kind)])
    if kind == "timestamp":
        return TIMESTAMP if typed else pa.string()
    if kind == "object":
        if not typed or not column.fields:  # Parquet has no struct without fields: "{}"
            return pa.string()
        return pa.struct([pa.field(k, SCALARS[t]) for k, t in column.fields])
    return SCALARS[kind]


def timestamps(values: Any, kind: pa.DataType) -> pa.Array:
    """ISO texts (a list or an Arrow string array) as UTC timestamps, null stays null."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array) and pa.types.is_timestamp(values.type):
        return values
    texts = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    try:
        return texts.cast(kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array(
            [None if t is None else parse_time(t) for t in texts.to_pylist()], type=kind
        )


def objects(values: Any, kind: pa.StructType) -> pa.Array:
    """Objects stored as JSON text, as a struct of `kind` (a key not there: null). Each
    distinct text is parsed once (tags repeat), then spread with `take`."""
    texts = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    encoded = texts.dictionary_encode()
    as_text = {f.name for f in kind if f.type == pa.string()}
    rows = []
    for text in encoded.dictionary.to_pylist():
        found = json.loads(text)
        if not isinstance(found, dict):
            rows.append(None)
            continue
        rows.append(
            {
                k: v if k not in as_text or v is None or isinstance(v, str) else _json(v)
                for k, v in found.items()
            }
        )
    return pa.array(rows, type=kind).take(encoded.indices)


def object_json(values: Any) -> pa.Array:
    """Objects stored as JSON text, as JSON lines writes them (json.dumps' spacing),
    each distinct text re-encoded once."""
    texts = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    encoded = texts.dictionary_encode()
    shown = [json.dumps(json.loads(t), ensure_ascii=False) for t in encoded.dictionary.to_pylist()]
    return pa.array(shown, type=pa.string()).take(encoded.indices)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


__all__ = ["SCALARS", "TIMESTAMP", "arrow_type", "object_json", "objects", "timestamps"]
