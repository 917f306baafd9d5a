"""JSON lines from Arrow columns, a column at a time, to the byte as `json.dumps` writes them.

Why: encoding a million rows value by value in Python is most of a JSONL
export's time. Here each column becomes an Arrow array of JSON texts in a few
vectorised passes (text escaped with `replace_substring`, integers cast,
booleans chosen), and one `binary_join_element_wise` lays the keys and values
out into lines whose bytes go to the file straight from Arrow's buffer. The
output is what `json.dumps(row, ensure_ascii=False)` gives (keys in column
order, ", " and ": " between): floats keep Python's shortest repr (formatted
by Python, the one place Arrow's text differs), and a text holding a control
character other than \\n, \\r, \\t, \\b, \\f is escaped by Python's own encoder.

Imported only by a JSONL export (pyarrow is slow to load).
"""

from __future__ import annotations

from collections.abc import Sequence
from json.encoder import encode_basestring  # type: ignore[attr-defined]

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_STRING = pa.string()
_RARE = np.zeros(256, dtype=bool)  # bytes escaped as \u00XX: left to Python's own encoder
_RARE[[*range(0x08), 0x0B, *range(0x0E, 0x20)]] = True
_SHORT_ESCAPES = (  # the backslash first, so the others' backslashes stay single
    ("\\", "\\\\"),
    ('"', '\\"'),
    ("\n", "\\n"),
    ("\r", "\\r"),
    ("\t", "\\t"),
    ("\b", "\\b"),
    ("\f", "\\f"),
)


def _plain(values: pa.Array) -> pa.Array:
    """Arrow's own array (a chunked one combined), so the compute functions take it."""
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    return values


def json_texts(values: pa.Array, kind: str) -> pa.Array:
    """Each value as JSON text (null as `null`), as `json.dumps(..., ensure_ascii=False)`."""
    values = _plain(values)
    if kind == "string":
        return _strings(values)
    if kind == "json":  # already JSON text (an object): as it is
        return pc.fill_null(values, "null") if values.null_count else values
    if kind.startswith("list:"):
        return _lists(values, kind.split(":", 1)[1])
    if kind == "float":
        texts = _floats(values.to_numpy(zero_copy_only=False))  # null: NaN, set below
        if values.null_count:
            texts = pc.if_else(values.is_null(), pa.scalar("null"), texts)
        return texts
    if kind == "int":
        return pc.fill_null(pc.cast(values, _STRING), "null")
    texts = pc.if_else(values, pa.scalar("true"), pa.scalar("false"))
    return pc.fill_null(texts, "null")


def _floats(numbers: np.ndarray) -> pa.Array:
    """Python's repr of each float, made once per distinct value when values repeat (a
    cost, whole seconds): distinct by their bits, so -0.0 stays apart from 0.0."""
    numbers = np.ascontiguousarray(numbers, dtype=np.float64)
    if len(numbers) < 64:
        return pa.array(list(map(float.__repr__, numbers.tolist())), type=_STRING)
    bits, where = np.unique(numbers.view(np.int64), return_inverse=True)
    if len(bits) > len(numbers) // 4:  # mostly distinct: the lookup would not pay
        return pa.array(list(map(float.__repr__, numbers.tolist())), type=_STRING)
    texts = pa.array(list(map(float.__repr__, bits.view(np.float64).tolist())), type=_STRING)
    return texts.take(pa.array(where.reshape(-1).astype(np.int64)))


def _lists(values: pa.Array, inner: str) -> pa.Array:
    """A list column as JSON arrays (`["a", "b"]`, `[]`, `null`): the elements encoded in
    one pass, then joined per list by Arrow."""
    lengths = pc.fill_null(pc.list_value_length(values), 0).to_numpy(zero_copy_only=False)
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    elements = json_texts(pc.list_flatten(values), inner)
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), elements), ", ")
    texts = pc.binary_join_element_wise(pa.scalar("["), joined, pa.scalar("]"), "")
    if values.null_count:
        texts = pc.if_else(values.is_null(), pa.scalar("null"), texts)
    return texts


def _strings(values: pa.Array) -> pa.Array:
    escaped = _escaped(values)
    quoted = pc.binary_join_element_wise(pa.scalar('"'), escaped, pa.scalar('"'), "")
    return pc.fill_null(quoted, "null") if values.null_count else quoted


def _escaped(values: pa.Array) -> pa.Array:
    """Text as inside JSON quotes (`encode_basestring` less the quotes); null stays null."""
    if values.type != _STRING:
        values = values.cast(_STRING)
    text = _data(values)
    if text.size and ((text < 0x20) | (text == 0x22) | (text == 0x5C)).any():
        if (_RARE[text]).any():
            return pa.array(
                [None if v is None else encode_basestring(v)[1:-1] for v in values.to_pylist()],
                type=_STRING,
            )
        for plain, escaped in _SHORT_ESCAPES:
            values = pc.replace_substring(values, plain, escaped)
    return values


def _data(values: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of a string array's values, as numpy (no copy)."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.uint8)
    _, offsets, data = values.buffers()
    if data is None:
        return np.zeros(0, dtype=np.uint8)
    at = np.frombuffer(offsets, dtype=np.int32, count=len(values) + 1, offset=4 * values.offset)
    return np.frombuffer(data, dtype=np.uint8)[int(at[0]) : int(at[-1])]


def line_parts(names: Sequence[str]) -> list[str]:
    """The text before each value and after the last: `{"a": `, `, "b": `, ..., `}\\n`."""
    keys = [encode_basestring(name) for name in names]
    return ["{" + f"{keys[0]}: "] + [f", {key}: " for key in keys[1:]] + ["}\n"]


def encode_lines(
    columns: Sequence[pa.Array], kinds: Sequence[str], parts: Sequence[str]
) -> memoryview:
    """The rows of `columns` as JSON lines (UTF-8), one per row.

    Constant text goes into the literal pieces between the columns: the quotes of a
    text column without nulls, and `null` for a column that is all null."""
    pieces: list[object] = []
    pending = parts[0]
    for values, kind, after in zip(columns, kinds, parts[1:], strict=True):
        values = _plain(values)
        if len(values) and values.null_count == len(values):
            pending += "null" + after
        elif kind == "string" and values.null_count == 0:
            pieces += [pa.scalar(pending + '"'), _escaped(values)]
            pending = '"' + after
        else:
            pieces += [pa.scalar(pending), json_texts(values, kind)]
            pending = after
    if not pieces:  # every column null (or none): the same line each row
        return memoryview((pending * len(columns[0]) if columns else "").encode())
    pieces.append(pa.scalar(pending))
    lines = pc.binary_join_element_wise(*pieces, "")
    return _buffer_bytes(_plain(lines))


def _buffer_bytes(lines: pa.Array) -> memoryview:
    """The concatenated values of a string array, straight from its data buffer (no copy)."""
    if len(lines) == 0:
        return memoryview(b"")
    _, offsets, data = lines.buffers()
    at = np.frombuffer(offsets, dtype=np.int32, count=len(lines) + 1, offset=4 * lines.offset)
    return memoryview(data)[int(at[0]) : int(at[-1])]


__all__ = ["encode_lines", "json_texts", "line_parts"]
