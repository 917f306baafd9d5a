"""The items table's columns read as Arrow (`item_arrays`): the rows the chunk names, in
its order; anything but text refused, so those chunks are read as rows; the bytes are
those of the sqlite3 read; the second adbc reader sees the export's snapshot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from annotator.exchange.export import ExportOptions, export_project
from annotator.exchange.export.item_arrays import ITEM_SQL, ItemColumns, arrow_columns
from annotator.exchange.export.rows import ITEM_FIELDS
from annotator.labels.arrow_read import ArrowLabels
from annotator.labels.labels import submit_label
from annotator.labels.scope import Scope
from annotator.store.project import open_project
from tests.support.export_project import CROWD, SmallProject, small_project


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _table(seqs: list[int], **columns: pa.Array) -> pa.Table:
    n = len(seqs)
    data = {"seq": pa.array(seqs, pa.int64())}
    for name in ITEM_FIELDS:
        data[name] = columns.get(name, pa.array([f"{name}-{s}" for s in seqs], pa.string()))
    assert all(len(c) == n for c in data.values())
    return pa.table(data)


def test_the_chunks_items_are_taken_in_its_order() -> None:
    table = _table([3, 4, 7, 9, 12])
    columns = arrow_columns(table, np.array([4, 9, 12]))
    assert columns is not None and len(columns) == len(ITEM_FIELDS)
    assert columns[0].to_pylist() == ["id-4", "id-9", "id-12"]
    assert columns[-1].to_pylist() == ["content_hash-4", "content_hash-9", "content_hash-12"]
    whole = arrow_columns(table, np.array([3, 4, 7, 9, 12]))
    assert whole is not None and whole[1].to_pylist() == [f"input-{s}" for s in (3, 4, 7, 9, 12)]


def test_an_item_the_read_did_not_give_is_refused() -> None:
    table = _table([3, 4, 7])
    assert arrow_columns(table, np.array([4, 5])) is None
    assert arrow_columns(table, np.array([8])) is None
    assert arrow_columns(_table([]), np.array([1])) is None


def test_only_text_or_all_null_columns_are_taken() -> None:
    seqs = [1, 2]
    nulls = _table(seqs, context=pa.array([None, None], pa.int64()))  # adbc: all null
    found = arrow_columns(nulls, np.array(seqs))
    assert found is not None
    context = found[ITEM_FIELDS.index("context")]
    assert context.type == pa.string() and context.to_pylist() == [None, None]
    numbers = _table(seqs, context=pa.array([None, 5], pa.int64()))
    assert arrow_columns(numbers, np.array(seqs)) is None
    blobs = _table(seqs, output=pa.array([b"a", None], pa.binary()))
    assert arrow_columns(blobs, np.array(seqs)) is None


@pytest.fixture
def built(tmp_path: Path) -> SmallProject:
    return small_project(tmp_path / "p")


def _reads(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[ItemColumns]]:
    queries: list[str] = []
    readers: list[ItemColumns] = []
    table, init = ArrowLabels.table, ItemColumns.__init__

    def counted(self: ArrowLabels, sql: str, args: list[object]) -> object:
        queries.append(sql)
        return table(self, sql, args)

    def kept(self: ItemColumns, *args: object) -> None:
        init(self, *args)  # type: ignore[arg-type]
        readers.append(self)

    monkeypatch.setattr(ArrowLabels, "table", counted)
    monkeypatch.setattr(ItemColumns, "__init__", kept)
    return queries, readers


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "csv", "hf"])
def test_a_blob_where_text_belongs_is_read_as_rows_with_the_same_bytes(
    built: SmallProject, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = built.project
    project.conn.execute("UPDATE items SET context = CAST('ctx ü' AS BLOB) WHERE id = 'it-0004'")
    options = ExportOptions(format=fmt, n_boot=20)
    queries, readers = _reads(monkeypatch)
    export_project(project, tmp_path / "adbc", options)
    assert ITEM_SQL in queries, "the items were not read through adbc"
    assert readers and readers[0].read_by_rows == 1  # that chunk only, through sqlite3
    monkeypatch.setattr(ArrowLabels, "pinned", classmethod(lambda cls, project: None))
    export_project(project, tmp_path / "sqlite3", options)
    a, b = _files(tmp_path / "adbc"), _files(tmp_path / "sqlite3")
    assert set(a) == set(b)
    assert [name for name in a if a[name] != b[name]] == ["manifest.json"]


def test_filtered_items_read_as_arrow_give_the_sqlite3_bytes(
    built: SmallProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = ExportOptions(format="parquet", n_boot=20, scope=Scope(min_agreement=0.5))
    queries, readers = _reads(monkeypatch)
    export_project(built.project, tmp_path / "adbc", options)
    assert ITEM_SQL in queries and readers[0].read_by_rows == 0
    monkeypatch.setattr(ArrowLabels, "pinned", classmethod(lambda cls, project: None))
    export_project(built.project, tmp_path / "sqlite3", options)
    a, b = _files(tmp_path / "adbc"), _files(tmp_path / "sqlite3")
    assert [name for name in a if a[name] != b[name]] == ["manifest.json"]


def test_the_second_reader_sees_the_same_snapshot(built: SmallProject) -> None:
    project = open_project(built.project.path)
    other = open_project(built.project.path)
    try:
        project.conn.execute("BEGIN")
        reader = ArrowLabels.pinned(project)
        assert reader is not None and reader.side is not None
        before = project.scalar("SELECT count(*) FROM labels")
        submit_label(other, item_id="it-0003", annotator=CROWD[1], values={"quality": 2})
        assert other.scalar("SELECT count(*) FROM labels") == before + 1
        seen = reader.side.table("SELECT count(*) AS n FROM labels", [])
        assert seen.column("n").to_pylist() == [before]
        reader.close()
        project.conn.execute("ROLLBACK")
    finally:
        project.close()
        other.close()
