"""Streaming table writers: JSON lines, CSV and Parquet, with byte-stable output.

Rows arrive a chunk at a time and leave at once (JSONL, CSV) or in row groups
of a fixed size (Parquet), so a million labels never sit in memory and the
files do not depend on how the rows were chunked. Fixed choices keep the bytes
stable: UTF-8, "\\n" line ends, Python's shortest float repr, the column order
given, and Parquet written with one compression and no timestamps.

    >>> with open_writer("jsonl", path, columns) as out:
    ...     out.write(rows)
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from annotator.export.columns import Column

ROW_GROUP_ROWS = 65_536
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
}
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
TABLE_SUFFIX = {"jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet"}


class TableWriter:
    """Base: a context manager taking lists of row tuples in column order."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.path = path
        self.columns = list(columns)
        self.names = [c.name for c in self.columns]
        self.rows = 0

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class JsonlWriter(TableWriter):
    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        super().__init__(path, columns)
        self.handle = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed by close()

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        names, encode = self.names, _ENCODER.encode
        self.handle.write(
            "".join([encode(dict(zip(names, row, strict=True))) + "\n" for row in rows])
        )
        self.rows += len(rows)

    def close(self) -> None:
        self.handle.close()


class CsvWriter(TableWriter):
    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        super().__init__(path, columns)
        self.handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by close()
        self.writer = csv.writer(self.handle, lineterminator="\n")
        self.writer.writerow(self.names)

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        self.writer.writerows(rows)
        self.rows += len(rows)

    def close(self) -> None:
        self.handle.close()


class ParquetWriter(TableWriter):
    """Row groups of exactly ROW_GROUP_ROWS rows (the last one shorter)."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        super().__init__(path, columns)
        self.pa = pa
        self.schema = arrow_schema(self.columns)
        self.writer = pq.ParquetWriter(str(path), self.schema, **PARQUET_OPTIONS)
        self.pending: list[Any] = []
        self.pending_rows = 0

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        pa = self.pa
        columns = list(zip(*rows, strict=True))
        arrays = [
            pa.array(values, type=field.type)
            for values, field in zip(columns, self.schema, strict=True)
        ]
        self.pending.append(pa.Table.from_arrays(arrays, schema=self.schema))
        self.pending_rows += len(rows)
        self.rows += len(rows)
        if self.pending_rows >= ROW_GROUP_ROWS:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        if not self.pending:
            return
        table = self.pa.concat_tables(self.pending)
        full = (table.num_rows // ROW_GROUP_ROWS) * ROW_GROUP_ROWS
        cut = table.num_rows if final else full
        if cut:
            self.writer.write_table(table.slice(0, cut), row_group_size=ROW_GROUP_ROWS)
        rest = table.slice(cut)
        self.pending = [rest] if rest.num_rows else []
        self.pending_rows = rest.num_rows

    def close(self) -> None:
        self._flush(final=True)
        if self.rows == 0:  # an empty table still gets its schema
            self.writer.write_table(self.schema.empty_table())
        self.writer.close()


def arrow_schema(columns: Sequence[Column]) -> Any:
    import pyarrow as pa

    types = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    fields = [
        pa.field(
            c.name,
            types[c.type],
            metadata={"description": c.description} if c.description else None,
        )
        for c in columns
    ]
    return pa.schema(fields)


def open_writer(kind: str, path: Path, columns: Sequence[Column]) -> TableWriter:
    writers: dict[str, type[TableWriter]] = {
        "jsonl": JsonlWriter,
        "csv": CsvWriter,
        "parquet": ParquetWriter,
    }
    return writers[kind](path, columns)


__all__ = [
    "PARQUET_OPTIONS",
    "ROW_GROUP_ROWS",
    "TABLE_SUFFIX",
    "CsvWriter",
    "JsonlWriter",
    "ParquetWriter",
    "TableWriter",
    "arrow_schema",
    "open_writer",
]
