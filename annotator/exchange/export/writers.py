"""Streaming table writers: JSON lines, CSV and Parquet, with byte-stable output.

CSV is made safe to open in a spreadsheet: a text cell that begins with `=`, `+`,
`-`, `@`, a tab or a carriage return gets a leading `'` (`CsvWriter`; `raw=True`
writes the text as it is). JSON lines and Parquet keep every text exactly.

Rows arrive a chunk at a time, as columns (Python lists or Arrow arrays), and
leave at once (JSONL, CSV) or in row groups of a fixed size (Parquet), so a
million labels never sit in memory and the files do not depend on how the rows
were chunked. Arrow arrays go to Parquet as they are and to JSON lines through
the column-wise encoder in `json_lines`. Fixed choices keep the bytes
stable: UTF-8, "\\n" line ends, Python's shortest float repr, the column order
given, and Parquet written with one compression and no timestamps.

    >>> with open_writer("jsonl", path, columns) as out:
    ...     out.write(rows)
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from annotator.exchange.export.columns import Column

ROW_GROUP_ROWS = 65_536  # labels: small rows
ITEM_GROUP_ROWS = 4_096  # items carry their text: a few MB a group
JSON_SLICE_ROWS = 16_384
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
}
TABLE_SUFFIX = {"jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP "CSV injection"
FORMULA_PREFIX = "'"
_FORMULA = re.compile(r"'*[=+\-@\t\r]")  # with match(): at the start of the text
UNDO_PATTERN = r"^'(?='*[=+\-@\t\r])"  # a reader's way back: re.sub(UNDO_PATTERN, "", cell)
_UNDO = re.compile(UNDO_PATTERN)


class Background:
    """One worker thread that writes while the export computes the next chunk.

    Arrow's encoders, zstd and file writes release the GIL, so on two cores the
    writing overlaps the pass. One job runs at a time and at most one waits its
    turn: memory stays at a chunk or two, and the jobs run in the order given, so
    the bytes are those a direct write gives. A job's error is raised in the
    export's thread at the next `run` or at `close`."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-writer")
        self.pending: Future[None] | None = None

    def run(self, job: Callable[..., None], *args: Any) -> None:
        self.wait()
        self.pending = self.pool.submit(job, *args)

    def wait(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.pool.shutdown(wait=True)


class TableWriter:
    """Base: a context manager taking a chunk as columns (lists or Arrow arrays, in
    column order)."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.path = path
        self.columns = list(columns)
        self.names = [c.name for c in self.columns]
        self.rows = 0

    def write(self, columns: Sequence[Any]) -> None:
        raise NotImplementedError

    def write_rows(self, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.write([list(c) for c in zip(*rows, strict=True)])

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class JsonlWriter(TableWriter):
    """One JSON object per line, keys in column order, as json.dumps would write it.

    Column by column (`json_lines`): each column becomes JSON texts in a few Arrow
    passes and one join lays the lines out, many times faster than a dict per row."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        # lazy: pyarrow loads only for an export
        from annotator.exchange.export import json_lines

        super().__init__(path, columns)
        self.json_lines = json_lines
        self.handle = open(path, "wb")  # noqa: SIM115 - closed by close()
        self.parts = json_lines.line_parts(self.names)
        self.kinds = [JSON_KINDS.get(c.type, c.type) for c in self.columns]
        self.schema = arrow_schema(self.columns, typed=False)
        self.background = Background()

    def write(self, columns: Sequence[Any]) -> None:
        if not columns or not len(columns[0]):
            return
        arrays = to_arrays(columns, self.schema)
        self.rows += len(arrays[0])
        self.background.run(self._encode, arrays)

    def _encode(self, arrays: list[Any]) -> None:
        for start in range(0, len(arrays[0]), JSON_SLICE_ROWS):  # a few MB of text at a time
            part = [a.slice(start, JSON_SLICE_ROWS) for a in arrays]
            self.handle.write(self.json_lines.encode_lines(part, self.kinds, self.parts))

    def close(self) -> None:
        try:
            self.background.close()
        finally:
            self.handle.close()


def undo_neutralise(cell: str) -> str:
    """The text a neutralised CSV cell stands for: one leading `'` off a cell that is
    `'`, then any further `'`, then one of FORMULA_STARTS."""
    return _UNDO.sub("", cell, count=1)


class _LfLines:
    """The CSV writer's handle: rows end in "\\n" although the writer is told "\\r\\n",
    which makes it quote a text holding a carriage return (it quotes only the
    characters of its own line end, and a bare CR would otherwise split the row)."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def write(self, line: str) -> int:
        return self.handle.write(line[:-2] + "\n")


class CsvWriter(TableWriter):
    """Unless `raw`, a text cell a spreadsheet would run as a formula (it begins with one
    of FORMULA_STARTS) gets a leading `'`, as OWASP's "CSV injection" advice has it;
    `prefixed` counts them. Decided by the value's type: a number (-1.5) is never
    touched, a text ("-2+3") is. Text that is `'`s and then one of FORMULA_STARTS gets
    one too, so `undo_neutralise` gives every text back exactly."""

    def __init__(self, path: Path, columns: Sequence[Column], raw: bool = False) -> None:
        super().__init__(path, columns)
        self.handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by close()
        self.writer = csv.writer(_LfLines(self.handle), lineterminator="\r\n")
        self.raw = raw
        self.prefixed = 0
        self.writer.writerow(self.names)

    def write(self, columns: Sequence[Any]) -> None:
        if not columns or not len(columns[0]):
            return
        columns = [c if isinstance(c, list) else c.to_pylist() for c in columns]
        columns = [
            [None if v is None else _compact(v) for v in values]
            if c.type.startswith("list:")
            else values
            for c, values in zip(self.columns, columns, strict=True)
        ]
        if not self.raw:
            columns = [self._safe(values) for values in columns]
        self.writer.writerows(zip(*columns, strict=True))
        self.rows += len(columns[0])

    def _safe(self, values: list[Any]) -> list[Any]:
        match = _FORMULA.match
        hits = [n for n, v in enumerate(values) if isinstance(v, str) and match(v)]
        if not hits:
            return values
        values = list(values)
        for n in hits:
            values[n] = FORMULA_PREFIX + values[n]
        self.prefixed += len(hits)
        return values

    def close(self) -> None:
        self.handle.close()


class ParquetWriter(TableWriter):
    """Row groups of exactly `row_group_rows` rows (the last one shorter): the file does
    not depend on how the rows were chunked, and a group is buffered at most."""

    def __init__(
        self, path: Path, columns: Sequence[Column], row_group_rows: int = ROW_GROUP_ROWS
    ) -> None:
        # lazy: pyarrow loads only for a Parquet export
        import pyarrow as pa
        import pyarrow.parquet as pq

        super().__init__(path, columns)
        self.group = row_group_rows
        self.pa = pa
        self.schema = arrow_schema(self.columns)
        self.writer = pq.ParquetWriter(str(path), self.schema, **PARQUET_OPTIONS)
        self.pending: list[Any] = []
        self.pending_rows = 0
        self.background = Background()

    def write(self, columns: Sequence[Any]) -> None:
        if not columns or not len(columns[0]):
            return
        arrays = to_arrays(columns, self.schema)
        n = len(arrays[0])
        self.pending.append(self.pa.Table.from_arrays(arrays, schema=self.schema))
        self.pending_rows += n
        self.rows += n
        if self.pending_rows >= self.group:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        if not self.pending:
            return
        table = self.pa.concat_tables(self.pending)
        full = (table.num_rows // self.group) * self.group
        cut = table.num_rows if final else full
        if cut:
            self.background.run(self._write_groups, table.slice(0, cut))
        rest = table.slice(cut)
        self.pending = [rest] if rest.num_rows else []
        self.pending_rows = rest.num_rows

    def _write_groups(self, table: Any) -> None:
        self.writer.write_table(table, row_group_size=self.group)

    def close(self) -> None:
        try:
            self._flush(final=True)
            self.background.wait()
            if self.rows == 0:  # an empty table still gets its schema
                self.writer.write_table(self.schema.empty_table())
        finally:
            self.background.close()
            self.writer.close()


def _compact(value: Any) -> str:
    """A list or object as CSV writes it: compact JSON text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# How JSON lines writes the typed columns: a timestamp as its ISO text, an object
# (stored as JSON text) as that JSON; lists are encoded by `json_lines` itself.
JSON_KINDS = {"timestamp": "string", "object": "json"}


def to_arrays(columns: Sequence[Any], schema: Any) -> list[Any]:
    """Each column as an Arrow array of its field's type (Arrow arrays pass as they are,
    text becomes a timestamp or a struct where the field says so)."""
    # lazy: pyarrow loads only for an export
    import pyarrow as pa

    from annotator.exchange.export import arrow_types  # lazy: pyarrow, as above

    out = []
    for values, field in zip(columns, schema, strict=True):
        kind = field.metadata.get(b"kind", b"").decode() if field.metadata else ""
        if pa.types.is_timestamp(field.type):
            out.append(arrow_types.timestamps(values, field.type))
        elif pa.types.is_struct(field.type):
            out.append(arrow_types.objects(values, field.type))
        elif kind == "object":  # JSON lines: the object's own JSON
            out.append(arrow_types.object_json(values))
        elif isinstance(values, (pa.Array, pa.ChunkedArray)):
            out.append(values)
        else:
            out.append(pa.array(values, field.type))
    return out


def arrow_schema(columns: Sequence[Column], typed: bool = True) -> Any:
    """The columns' Arrow schema: `typed` (Parquet) with timestamps and structs, else
    (JSON lines) timestamps and objects as text."""
    # lazy: pyarrow loads only for a Parquet export
    import pyarrow as pa

    from annotator.exchange.export import arrow_types  # lazy: pyarrow, as above

    fields = []
    for c in columns:
        meta = {"description": c.description} if c.description else {}
        if not typed and c.type == "object":
            meta["kind"] = "object"
        fields.append(pa.field(c.name, arrow_types.arrow_type(c, typed), metadata=meta or None))
    return pa.schema(fields)


def open_writer(
    kind: str,
    path: Path,
    columns: Sequence[Column],
    row_group_rows: int = ROW_GROUP_ROWS,
    *,
    csv_raw: bool = False,
) -> TableWriter:
    if kind == "parquet":
        return ParquetWriter(path, columns, row_group_rows)
    if kind == "csv":
        return CsvWriter(path, columns, raw=csv_raw)
    return JsonlWriter(path, columns)


__all__ = [
    "FORMULA_PREFIX",
    "FORMULA_STARTS",
    "PARQUET_OPTIONS",
    "ITEM_GROUP_ROWS",
    "ROW_GROUP_ROWS",
    "TABLE_SUFFIX",
    "UNDO_PATTERN",
    "Background",
    "CsvWriter",
    "JsonlWriter",
    "ParquetWriter",
    "TableWriter",
    "arrow_schema",
    "open_writer",
    "to_arrays",
    "undo_neutralise",
]
