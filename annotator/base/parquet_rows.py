"""Parquet rows within the limits: no value is read into Python before its size is known.

Why: Parquet compresses and dictionary-encodes, so a 10 KB file can hold a 300
MB value, or one 8 MB value that a thousand rows repeat. Rows are read in
batches small enough that the largest dictionary entry of a row group, repeated
across a batch, stays within a budget; every value's size is measured in Arrow
(without making Python objects); a row with a field over the field limit, more
than a record's worth in all, or a NUL in its text, is refused by row and column
and never converted. The schema's nesting is checked before any row is read, and
a row group of one row whose column is over the limit is refused from the file's
metadata alone, before anything is decompressed.

Imported only when a Parquet file is read (pyarrow is slow to load).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from annotator.base import limits
from annotator.base.errors import InputError
from annotator.base.limits import Limits

BATCH_ROWS = 1024
BUDGET_RECORDS = 2  # a batch decodes to at most this many records' worth of bytes
PAGE_OVERHEAD = 64 * 1024  # a column chunk's bytes beyond its values: headers, levels
_I32 = 5  # thrift compact type of an i32 field
_DICTIONARY_PAGE = 2


def iter_parquet(path: Path, bounds: Limits) -> Iterator[tuple[int, dict[str, Any] | InputError]]:
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for bad files
        raise InputError(path, None, None, f"not a readable Parquet file ({exc})") from None
    schema = parquet.schema_arrow
    for field in schema:
        if _deeper_than(field.type, bounds.nesting - 1):  # the record is the first level
            raise InputError(path, None, field.name, limits.too_deep(bounds))
    budget = bounds.record_bytes * BUDGET_RECORDS
    number = 0
    with open(path, "rb") as handle:
        for group in range(parquet.metadata.num_row_groups):
            meta = parquet.metadata.row_group(group)
            early = _lone_row_oversize(path, meta, number, bounds)
            if early is not None:
                yield number + 1, early
                number += 1
                continue
            rows = _batch_rows(handle, meta, budget)
            for batch in parquet.iter_batches(batch_size=rows, row_groups=[group]):
                yield from _batch_records(path, batch, number, bounds, budget)
                number += batch.num_rows
    if number == 0:
        raise InputError(path, None, None, "the file has no rows")


def _deeper_than(kind: Any, levels: int) -> bool:
    """Whether a column's type nests more than `levels` levels below the record
    (stops at the limit, so a hostile schema cannot recurse without end)."""
    if pa.types.is_dictionary(kind):
        return _deeper_than(kind.value_type, levels)
    if pa.types.is_struct(kind):
        children = [kind.field(i).type for i in range(kind.num_fields)]
    elif pa.types.is_map(kind):
        children = [kind.key_type, kind.item_type]
    elif (
        pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)
    ):
        children = [kind.value_type]
    else:
        return False
    return levels < 1 or any(_deeper_than(child, levels - 1) for child in children)


def _lone_row_oversize(path: Path, group: Any, first: int, bounds: Limits) -> InputError | None:
    """A one-row row group whose column holds more than a field may, refused from the
    metadata before a page is decompressed (a 10 KB file holding one 300 MB value)."""
    if group.num_rows != 1:
        return None
    for index in range(group.num_columns):
        chunk = group.column(index)
        size = chunk.total_uncompressed_size
        if "." not in chunk.path_in_schema and size > bounds.field_bytes + PAGE_OVERHEAD:
            message = limits.field_too_big(size, bounds)
            return InputError(path, first + 1, chunk.path_in_schema, message)
    return None


def _batch_rows(handle: BinaryIO, group: Any, budget: int) -> int:
    """Rows per batch for a row group: its largest dictionary entry (times the values
    per row of its column), repeated over a batch, stays within `budget`."""
    worst = 1
    rows = max(1, group.num_rows)
    for index in range(group.num_columns):
        chunk = group.column(index)
        if not chunk.has_dictionary_page:
            continue
        entry = _dictionary_page_size(handle, chunk) or chunk.total_uncompressed_size
        worst = max(worst, entry * math.ceil(max(1, chunk.num_values) / rows))
    return max(1, min(BATCH_ROWS, budget // worst))


def _dictionary_page_size(handle: BinaryIO, chunk: Any) -> int | None:
    """The uncompressed size of a column chunk's dictionary page, from its header.

    The header is a thrift compact struct whose first three fields are i32s: the
    page type, the uncompressed size, the compressed size. None if it is not so.
    """
    handle.seek(chunk.dictionary_page_offset or chunk.data_page_offset)
    head = handle.read(32)
    values, position = [], 0
    try:
        for _ in range(3):
            marker = head[position]
            position += 1
            if marker & 0x0F != _I32 or marker >> 4 != 1:
                return None
            number, shift = 0, 0
            while True:
                byte = head[position]
                position += 1
                number |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
            values.append((number >> 1) ^ -(number & 1))
    except IndexError:
        return None
    page_type, uncompressed, _compressed = values
    return uncompressed if page_type == _DICTIONARY_PAGE and uncompressed >= 0 else None


def _batch_records(
    path: Path, batch: Any, first: int, bounds: Limits, budget: int
) -> Iterator[tuple[int, dict[str, Any] | InputError]]:
    """A batch's rows as records, or as the InputError that refuses each bad one."""
    names = batch.schema.names
    sizes = [_row_bytes(column) for column in batch.columns]
    totals = np.sum(sizes, axis=0) if sizes else np.zeros(batch.num_rows, np.int64)
    problems: dict[int, InputError] = {}
    for name, size in zip(names, sizes, strict=True):
        for row in np.flatnonzero(size > bounds.field_bytes).tolist():
            message = limits.field_too_big(int(size[row]), bounds)
            problems.setdefault(row, InputError(path, first + row + 1, name, message))
    for row in np.flatnonzero(totals > bounds.record_bytes).tolist():
        message = limits.record_too_big(bounds, int(totals[row]))
        problems.setdefault(row, InputError(path, first + row + 1, None, message))
    suspects = [
        name for name, column in zip(names, batch.columns, strict=True) if _may_hold_nul(column)
    ]
    for start, stop in _spans(batch.num_rows, problems, totals, budget):
        if stop < 0:
            yield first + start + 1, problems[start]
            continue
        for row, record in enumerate(batch.slice(start, stop - start).to_pylist(), start=start):
            yield first + row + 1, _nul_error(path, first + row + 1, record, suspects) or record


def _spans(
    count: int, problems: dict[int, InputError], totals: Any, budget: int
) -> Iterator[tuple[int, int]]:
    """(start, stop) runs of good rows within `budget`, and (row, -1) for a bad row."""
    if not problems and int(totals.sum()) <= budget:
        yield 0, count
        return
    start = 0
    while start < count:
        if start in problems:
            yield start, -1
            start += 1
            continue
        stop, used = start, 0
        while (
            stop < count
            and stop not in problems
            and (stop == start or used + totals[stop] <= budget)
        ):
            used += int(totals[stop])
            stop += 1
        yield start, stop
        start = stop


def _nul_error(
    path: Path, line: int, record: dict[str, Any], suspects: list[str]
) -> InputError | None:
    for name in suspects:
        found = limits.nul_path(record.get(name), name)
        if found is not None:
            return InputError(path, line, found[0], limits.nul_message(found[1]))
    return None


def _row_bytes(array: Any) -> Any:
    """Bytes each row's value of a column takes in Python: text and binary exactly,
    structure as the sum of its parts, other values by their width."""
    kind, count = array.type, len(array)
    if pa.types.is_dictionary(kind):
        lengths = _row_bytes(array.dictionary)
        indices = array.indices.fill_null(0).to_numpy(zero_copy_only=False)
        return lengths[indices] if len(lengths) else np.zeros(count, np.int64)
    if _is_text(kind):
        return pc.binary_length(array).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    if pa.types.is_struct(kind):
        total = np.zeros(count, np.int64)
        for child in array.flatten():
            total += _row_bytes(child)
        return total
    if pa.types.is_fixed_size_list(kind):
        parents = pc.list_parent_indices(array).to_numpy(zero_copy_only=False)
        weights = _row_bytes(array.flatten())
        return np.bincount(parents, weights=weights, minlength=count).astype(np.int64)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_map(kind):
        children = _row_bytes(array.values)
        sums = np.concatenate(([0], np.cumsum(children, dtype=np.int64)))
        offsets = array.offsets.to_numpy(zero_copy_only=False)
        return sums[offsets[1:]] - sums[offsets[:-1]]
    try:
        width = max(1, kind.bit_width // 8)
    except ValueError:  # not fixed-width (a union, an extension type): share its bytes out
        width = array.nbytes // max(1, count)
    return np.full(count, width, np.int64)


def _is_text(kind: Any) -> bool:
    return (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )


def _may_hold_nul(array: Any) -> bool:
    """Whether any text in a column has a zero byte (its data buffers are searched in C;
    a hit is confirmed row by row)."""
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        data = array.buffers()[2]
        if data is None or data.size == 0:
            return False
        view = np.frombuffer(data, np.uint8)
        return bool(np.count_nonzero(view) < view.size)
    if pa.types.is_dictionary(kind):
        return _may_hold_nul(array.dictionary)
    if pa.types.is_struct(kind):
        return any(_may_hold_nul(child) for child in array.flatten())
    if pa.types.is_map(kind):
        return _may_hold_nul(array.keys) or _may_hold_nul(array.items)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _may_hold_nul(array.values)
    return False


__all__ = ["iter_parquet"]
