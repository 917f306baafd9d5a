"""The column-wise JSON lines encoder writes, byte for byte, what `json.dumps` writes
per row (`ensure_ascii=False`, keys in column order), for hostile text, nulls, all-null
columns and the float forms Python spells its own way."""

from __future__ import annotations

import json
import random

import pyarrow as pa

from annotator.exchange.export.json_lines import encode_lines, line_parts

HOSTILE = [
    "",
    "plain",
    'quote " inside',
    "back\\slash",
    "new\nline\r\nand\ttab",
    "\b\f",
    "\x00nul\x01\x1f\x7f",
    "é ü 漢字 🙂",
    "\u2028\u2029",
    '"\\"',
    "'=1+2",
]
FLOATS = [0.1, 1.0, -0.0, 1e16, 1e-05, 123456789.125, 2.5e-07, 1.7976931348623157e308]


def _expected(names: list[str], rows: list[tuple[object, ...]]) -> bytes:
    lines = [json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) for row in rows]
    return "".join(line + "\n" for line in lines).encode()


def test_every_kind_of_value_is_written_as_json_dumps_writes_it() -> None:
    rng = random.Random(7)
    n = 300
    names = ["text", "maybe", "count", "share", "flag", "empty", 'k"ey\n']
    text = [rng.choice(HOSTILE) + rng.choice(HOSTILE) for _ in range(n)]
    maybe = [rng.choice([*HOSTILE, None]) for _ in range(n)]
    count = [rng.choice([0, -3, 2**40, None]) for _ in range(n)]
    share = [rng.choice([*FLOATS, None]) for _ in range(n)]
    flag = [rng.choice([True, False, None]) for _ in range(n)]
    empty = [None] * n
    last = [rng.choice(["a", "b"]) for _ in range(n)]
    columns = [
        pa.array(text, pa.string()),
        pa.array(maybe, pa.string()),
        pa.array(count, pa.int64()),
        pa.array(share, pa.float64()),
        pa.array(flag, pa.bool_()),
        pa.array(empty, pa.string()),
        pa.array(last, pa.string()),
    ]
    kinds = ["string", "string", "int", "float", "bool", "string", "string"]
    got = bytes(encode_lines(columns, kinds, line_parts(names)))
    rows = list(zip(text, maybe, count, share, flag, empty, last, strict=True))
    assert got == _expected(names, rows)
    assert all(json.loads(line) for line in got.decode().split("\n")[:-1])


def test_a_slice_and_an_all_null_row_set_encode_the_same_way() -> None:
    names = ["a", "b"]
    a = pa.array(["x\n", "y", "z\x02"], pa.string())
    b = pa.array([None, None, None], pa.float64())
    got = bytes(encode_lines([a.slice(1), b.slice(1)], ["string", "float"], line_parts(names)))
    assert got == _expected(names, [("y", None), ("z\x02", None)])
    nothing = bytes(encode_lines([b], ["float"], line_parts(["only"])))
    assert nothing == _expected(["only"], [(None,)] * 3)


def test_repeated_floats_are_spelled_once_each_as_python_spells_them() -> None:
    rng = random.Random(11)
    values: list[float | None] = [rng.choice([*FLOATS, 0.0, 0.04, None]) for _ in range(2_000)]
    values += [rng.random() for _ in range(5)]  # a few distinct ones among the repeats
    mostly_distinct: list[float | None] = [rng.random() * 1e6 for _ in range(500)]
    for column in (values, mostly_distinct, values[:40]):
        rows = [(v,) for v in column]
        got = bytes(encode_lines([pa.array(column, pa.float64())], ["float"], line_parts(["x"])))
        assert got == _expected(["x"], rows)
    assert "-0.0" in _expected(["x"], [(v,) for v in values]).decode()  # kept apart from 0.0
