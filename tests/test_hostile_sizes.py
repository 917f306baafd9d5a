"""A field over the size limit (8 MB by default) is refused with file, line and field,
before it is kept in memory or written: in JSONL and CSV, and in a small Parquet file
whose compressed or dictionary-encoded column expands to a huge value. The project
keeps every row it had."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from annotator.exchange.item_import import import_items
from annotator.exchange.label_import import import_labels
from tests.support.foundation import assert_refused_unchanged, make_project

MB = 1024 * 1024
BIG = "x" * (9 * MB)  # just over the default limit
OVER = "is 9.0 MB; a field may hold at most 8 MB (set ANNOTATOR_MAX_FIELD_MB to allow more)"


def test_an_oversize_jsonl_field_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    bad = tmp_path / "items.jsonl"
    rows = [{"id": "n1", "input": "Q?", "output": "A."}, {"id": "n2", "input": "Q?", "output": BIG}]
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert_refused_unchanged(project, bad, lambda: import_items(project, bad), 2, "output", OVER)
    project.close()


def test_an_oversize_csv_cell_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    bad = tmp_path / "items.csv"
    bad.write_text(f"id,input,output\nn1,Q?,A.\nn2,{BIG},A.\n", encoding="utf-8")
    assert_refused_unchanged(project, bad, lambda: import_items(project, bad), 3, "input", OVER)
    project.close()


def test_an_oversize_label_value_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    bad = tmp_path / "labels.jsonl"
    bad.write_text(
        json.dumps({"item_id": "q1", "annotator": "ann", "values": {"quality": 2}})
        + "\n"
        + json.dumps({"item_id": "q2", "annotator": "ann", "values": {"comment": BIG}})
        + "\n",
        encoding="utf-8",
    )

    def load() -> object:
        return import_labels(project, bad, source="crowd", kind="crowd")

    assert_refused_unchanged(project, bad, load, 2, "values", OVER)
    project.close()


def test_a_small_parquet_file_that_expands_to_a_huge_value_is_refused(tmp_path: Path) -> None:
    """Compressed: one 9 MB string of one letter is a few hundred bytes of zstd."""
    project = make_project(tmp_path)
    bad = tmp_path / "items.parquet"
    table = pa.table({"id": ["n1", "n2"], "input": ["Q?", "Q?"], "output": ["A.", BIG]})
    pq.write_table(table, bad, compression="zstd", use_dictionary=False)
    assert bad.stat().st_size < 10_000
    assert_refused_unchanged(project, bad, lambda: import_items(project, bad), 2, "output", OVER)
    project.close()


def test_a_one_row_parquet_file_is_refused_before_anything_is_decompressed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tester's file: one item, a few KB, one huge value. Its size is in the metadata."""
    project = make_project(tmp_path)
    bad = tmp_path / "items.parquet"
    table = pa.table({"id": ["n1"], "input": ["Q?"], "output": [BIG]})
    pq.write_table(table, bad, compression="zstd", use_dictionary=False)
    assert bad.stat().st_size < 10_000
    reads: list[object] = []
    read = pq.ParquetFile.iter_batches

    def recorded(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(kwargs.get("row_groups"))
        return read(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", recorded)
    words = "a field may hold at most 8 MB (set ANNOTATOR_MAX_FIELD_MB to allow more)"
    assert_refused_unchanged(project, bad, lambda: import_items(project, bad), 1, "output", words)
    assert reads == []  # no page of the file was decompressed
    project.close()


def test_a_dictionary_encoded_parquet_column_with_a_huge_entry_is_refused(tmp_path: Path) -> None:
    """Dictionary-encoded: the rows hold indices, the huge value is stored once."""
    project = make_project(tmp_path)
    bad = tmp_path / "items.parquet"
    answers = pa.DictionaryArray.from_arrays(pa.array([0, 0, 1, 0], pa.int32()), ["A.", BIG])
    ids = ["n1", "n2", "n3", "n4"]
    table = pa.table({"id": ids, "input": ["Q?"] * 4, "output": answers})
    pq.write_table(table, bad, compression="zstd")
    assert bad.stat().st_size < 10_000
    assert_refused_unchanged(project, bad, lambda: import_items(project, bad), 3, "output", OVER)
    project.close()


def test_a_line_over_the_record_limit_is_refused_without_reading_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a 0.25 MB field limit a record may hold 1 MB; the 2 MB line is named unread."""
    monkeypatch.setenv("ANNOTATOR_MAX_FIELD_MB", "0.25")
    project = make_project(tmp_path)
    bad = tmp_path / "items.jsonl"
    padding = ", ".join(f'"note{i}": "{"y" * 100_000}"' for i in range(20))
    bad.write_text(
        json.dumps({"id": "n1", "input": "Q?", "output": "A."})
        + '\n{"id": "n2", "input": "Q?", "output": "A.", '
        + padding
        + "}\n",
        encoding="utf-8",
    )
    words = "the record is longer than that; a record may hold at most 1 MB"
    assert_refused_unchanged(project, bad, lambda: import_items(project, bad), 2, None, words)
    project.close()


def test_the_field_limit_is_set_by_an_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path)
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps({"id": "n1", "input": "Q?", "output": BIG}) + "\n", "utf-8")
    assert_refused_unchanged(project, path, lambda: import_items(project, path), 1, "output", OVER)
    monkeypatch.setenv("ANNOTATOR_MAX_FIELD_MB", "16")
    assert import_items(project, path).added == 1
    project.close()
