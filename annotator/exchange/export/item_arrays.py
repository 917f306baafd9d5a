"""The items table's stored columns for a chunk, read as Arrow arrays in the export's snapshot.

Why: read through `sqlite3`, every item's texts become Python objects in rows,
are transposed into lists and copied into Arrow again by the writer, over a
second for the bench project's 100k items; adbc (`labels.arrow_read`, on the
reader pinned beside the labels' one) hands the columns back as Arrow arrays,
which the writers take as they are. Only an export's tables read this way (the
inspect samples want the rows).

A chunk whose columns do not come back as text (a BLOB where text belongs), or
whose items the read does not give back exactly, is read through the project's
own connection instead, as rows, as the stream read them before: odd values
never change what is exported.

Imported only by an export (pyarrow is slow to load).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa

from annotator.exchange.export.rows import ITEM_FIELDS
from annotator.labels.arrow_read import ArrowLabels
from annotator.labels.stream import Chunk
from annotator.store.project import Project

ITEM_SQL = (
    f"SELECT i.seq, {', '.join(f'i.{name}' for name in ITEM_FIELDS)} FROM items i "
    "WHERE i.seq BETWEEN ? AND ? ORDER BY i.seq"
)
_STRING = pa.string()


class ItemColumns:
    """The stored columns (ITEM_FIELDS) of each chunk's items, in the chunk's order; the
    Arrow read runs in a worker thread (adbc releases the GIL) while the export builds
    the chunk's labels. Close it when done."""

    def __init__(self, project: Project, arrow: ArrowLabels | None) -> None:
        self.project = project
        self.arrow = arrow
        self.read_by_rows = 0  # chunks read through sqlite3 (for the tests)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="item-read")

    def start(self, chunk: Chunk) -> Callable[[], list[Any]]:
        """Start reading the chunk's item columns; the function returned gives them (one
        Arrow array, or read as rows one list, per ITEM_FIELDS column)."""
        seq = chunk.seq
        if len(seq) == 0:
            return lambda: [[] for _ in ITEM_FIELDS]
        read = self._pool.submit(self._arrow_read, seq) if self.arrow is not None else None

        def columns() -> list[Any]:
            found = read.result() if read is not None else None
            if found is None:  # rows through the project's connection, in this thread
                self.read_by_rows += 1
                found = self._rows(seq)
            return found

        return columns

    def of(self, chunk: Chunk) -> list[Any]:
        return self.start(chunk)()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _arrow_read(self, seq: np.ndarray) -> list[pa.Array] | None:
        assert self.arrow is not None
        table = self.arrow.table(ITEM_SQL, [int(seq[0]), int(seq[-1])])
        return arrow_columns(table, seq) if table is not None else None

    def _rows(self, seq: np.ndarray) -> list[list[Any]]:
        wanted = set(seq.tolist())
        found = self.project.rows(ITEM_SQL, [int(seq[0]), int(seq[-1])])
        rows = [row for row in found if row[0] in wanted]
        return [[row[k] for row in rows] for k in range(1, len(ITEM_FIELDS) + 1)]


def arrow_columns(table: pa.Table, seq: np.ndarray) -> list[pa.Array] | None:
    """The table's item columns (after `seq`) at the items `seq` names, each as text;
    None when an item is missing or a column holds something other than text."""
    if table.num_columns != len(ITEM_FIELDS) + 1 or table.num_rows == 0:
        return None
    found = table.column(0)
    if not pa.types.is_integer(found.type) or found.null_count:
        return None
    got = found.to_numpy()
    where = np.minimum(np.searchsorted(got, seq), len(got) - 1)
    if (got[where] != seq).any():
        return None
    take = None if len(got) == len(seq) else pa.array(where.astype(np.int64))
    out = []
    for column in table.columns[1:]:
        values = column.combine_chunks()
        if values.type != _STRING:
            if values.null_count != len(values):  # adbc types an all-null column int64
                return None
            values = pa.nulls(len(values), type=_STRING)
        out.append(values if take is None else values.take(take))
    return out


__all__ = ["ITEM_SQL", "ItemColumns", "arrow_columns"]
