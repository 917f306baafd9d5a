"""The export's column-wise read path: labels read through adbc give the bytes the sqlite3
read gives, both reads see one snapshot, values parsed in Python are what json_extract
gives, and the faster distinct-row count is np.unique's."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from annotator.exchange.export import ExportOptions, export_project
from annotator.labels.arrow_read import ArrowLabels
from annotator.labels.columns import (
    arrow_columns,
    distinct_counts,
    distinct_ids,
    distinct_inverse,
    parse_values,
)
from annotator.labels.labels import submit_label
from annotator.quality.by_source.pattern_agreement import _distinct_rows
from annotator.store.project import open_project
from tests.support.export_project import CROWD, SmallProject, small_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SmallProject:
    return small_project(tmp_path_factory.mktemp("arrow-read"))


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv", "inspect"])
def test_the_adbc_read_exports_the_bytes_the_sqlite3_read_exports(
    built: SmallProject, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = ExportOptions(format=fmt, n_boot=50)
    queries: list[str] = []
    table = ArrowLabels.table

    def counted(self: ArrowLabels, sql: str, args: list[object]) -> object:
        queries.append(sql)
        return table(self, sql, args)

    monkeypatch.setattr(ArrowLabels, "table", counted)
    first = export_project(built.project, tmp_path / "adbc", options)
    assert queries, "the export did not read through adbc"
    monkeypatch.setattr(ArrowLabels, "pinned", classmethod(lambda cls, project: None))
    second = export_project(built.project, tmp_path / "sqlite3", options)
    a, b = _files(tmp_path / "adbc"), _files(tmp_path / "sqlite3")
    assert set(a) == set(b)
    assert [name for name in a if a[name] != b[name]] == ["manifest.json"]
    assert first.export_id == second.export_id
    assert first.counts == second.counts


def test_both_reads_see_one_snapshot_while_others_commit(built: SmallProject) -> None:
    project = open_project(built.project.path)
    other = open_project(built.project.path)
    try:
        project.conn.execute("BEGIN")
        reader = ArrowLabels.pinned(project)
        assert reader is not None
        before = project.scalar("SELECT count(*) FROM labels")
        values = dict(built.labels[0].values)
        submit_label(other, item_id="it-0003", annotator=CROWD[1], values=values)
        assert other.scalar("SELECT count(*) FROM labels") == before + 1
        seen = reader.table("SELECT count(*) AS n FROM labels", [])
        assert seen.column("n").to_pylist() == [before]
        assert project.scalar("SELECT count(*) FROM labels") == before
        reader.close()
        project.conn.execute("COMMIT")
    finally:
        project.close()
        other.close()


def test_no_pinned_reader_outside_a_read_transaction(built: SmallProject) -> None:
    project = open_project(built.project.path)
    try:
        assert ArrowLabels.pinned(project) is None  # not in a read transaction of its own
    finally:
        project.close()


def test_values_parsed_in_python_are_what_json_extract_gives(tmp_path: Path) -> None:
    rng = random.Random(3)
    choices = [1, 0, 5, -2, 2.5, 1.0, 1e-07, True, False, None, "a", 'é "q" \\ \n', "", "🙂"]
    texts = []
    for _ in range(400):
        values = {k: rng.choice(choices) for k in ("x", "y.z", 'q"k') if rng.random() < 0.8}
        # (a key with a quote is read by json_extract itself: SQLite's path differs there)
        texts.append(json.dumps(values, ensure_ascii=rng.random() < 0.5))
    conn = sqlite3.connect(tmp_path / "values.db")
    conn.execute("CREATE TABLE t (v TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", [(t,) for t in texts])
    keys = ["x", "y.z", "absent"]
    column = np.empty(len(texts), dtype=object)
    column[:] = texts
    for source in (column, pa.array(texts, pa.string())):
        parsed = parse_values(source, keys)
        assert parsed is not None
        for key in keys:
            path = '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
            expected = [r[0] for r in conn.execute("SELECT json_extract(v, ?) FROM t", [path])]
            got = parsed[key].tolist()
            assert [(type(v), v) for v in got] == [(type(v), v) for v in expected], key
    conn.close()


def test_values_that_need_json_extract_are_left_to_it() -> None:
    def of(texts: list[str]) -> np.ndarray:
        column = np.empty(len(texts), dtype=object)
        column[:] = texts
        return column

    assert parse_values(of(['{"x": [1, 2]}', '{"x": 1}']), ["x"]) is None
    assert parse_values(of(['{"x": {"a": 1}}']), ["x"]) is None
    assert parse_values(of(["[1]"]), ["x"]) is None
    assert parse_values(of(['{"x": 1']), ["x"]) is None
    assert parse_values(of(['{"x": 1}, {"x": 2}']), ["x"]) is None


def test_an_adbc_column_of_an_unexpected_type_is_refused() -> None:
    n = 3
    ints = pa.array([1, 2, 3], pa.int64())
    text = pa.array(["a", "b", "c"], pa.string())
    nulls = pa.nulls(n, pa.int64())

    def table(rationale: pa.Array) -> pa.Table:
        columns = [ints, text, ints, ints, ints, ints, text, text, nulls, nulls, nulls, rationale]
        columns += [ints, ints, text]
        return pa.table({f"c{k}": c for k, c in enumerate(columns)})

    raw = arrow_columns(table(nulls), 15)
    assert raw is not None
    assert raw[11].type == pa.string() and raw[11].null_count == n  # all NULL: no type
    assert np.isnan(raw[8]).all()
    assert arrow_columns(table(ints), 15) is None  # numbers where text belongs
    assert arrow_columns(table(text), 16) is None


def test_distinct_rows_are_numpys_in_numpys_order() -> None:
    rng = np.random.default_rng(5)
    for shape, low, high in (((400, 5), 0, 4), ((300, 3), 2, 9), ((50, 1), 0, 2), ((80, 40), 0, 3)):
        rows = rng.integers(low, high, size=shape).astype(np.int32)
        got, counts = _distinct_rows(rows)
        expected, expected_counts = np.unique(rows, axis=0, return_counts=True)
        assert np.array_equal(got, expected) and np.array_equal(counts, expected_counts)


def test_distinct_ids_by_counting_are_numpys() -> None:
    rng = np.random.default_rng(9)
    cases = [rng.integers(0, 60, 5000), np.array([7, 7, 3]), np.zeros(0, np.int64)]
    cases += [np.array([2**40, 5]), np.array([-1, 4, 4])]  # too big, negative: np.unique
    for values in cases:
        distinct, counts = distinct_counts(values)
        expected, expected_counts = np.unique(values, return_counts=True)
        assert np.array_equal(distinct, expected) and np.array_equal(counts, expected_counts)
        assert np.array_equal(distinct_ids(values), expected)
        distinct, inverse = distinct_inverse(values)
        expected, expected_inverse = np.unique(values, return_inverse=True)
        assert np.array_equal(distinct, expected)
        assert np.array_equal(inverse, expected_inverse.reshape(-1))
