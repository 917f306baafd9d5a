"""The item import's shortcut rows and compact stage give what the general path gives.

`plain_row` builds a plain record's `items` row directly; it must equal what
`parse_item` and `fields_row` build, or step aside (None) for the general path. The
stage keeps each chunk's checked rows as one blob and inserts them once at the end;
a file mixing plain and general rows must land exactly as the general path writes it.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from annotator.base.errors import InputError
from annotator.base.limits import surrogate_path
from annotator.exchange.import_batches import ImportRaceError
from annotator.exchange.item_import import import_items
from annotator.exchange.item_rows import PLAIN_COLUMNS, PLAIN_FIXED, plain_row
from annotator.items.items import ITEM_COLUMNS, ItemProblem, fields_row, parse_item
from tests.support.foundation import make_project, snapshot, write_jsonl

LIFT_KEYS = [
    "model",
    "model_version",
    "prompt_version",
    "template_version",
    "source",
    "source_system",
    "created_at",
]


def _general(record: dict[str, Any]) -> tuple[Any, ...] | None:
    try:
        item_id, fields, digest = parse_item(record)
    except ItemProblem:
        return None
    return fields_row(item_id, fields, digest, None)[:-1]


def _fast(record: dict[str, Any]) -> tuple[Any, ...] | None:
    """plain_row's row with the columns every plain row has the same put back."""
    row = plain_row(record)
    if row is None:
        return None
    values = {**dict(zip(PLAIN_COLUMNS, row, strict=True)), **PLAIN_FIXED}
    return tuple(values[column] for column in ITEM_COLUMNS if column != "batch_id")


def _random_record(rng: random.Random) -> dict[str, Any]:
    texts = ["q", " padded ", "", "  ", "[{not chat", "é😀", "a\x01", "7", "\u2028x", '"q"']
    meta_values = [None, "", "m", "m2", 3, 1.5, True, {"x": 1}, ["l"], "2024-01-02", "\ud800"]
    tag_values = [None, "", "t", 4, {"n": 1}, "x", "é"]
    record: dict[str, Any] = {}
    for key in ("id", "input", "output"):
        if rng.random() < 0.92:
            record[key] = rng.choice([*texts, 5, None, True])
    if rng.random() < 0.85:
        keys = rng.sample([*LIFT_KEYS, "other", "nested", "score"], rng.randint(0, 5))
        metadata: dict[str, Any] = {key: rng.choice(meta_values) for key in keys}
        if rng.random() < 0.6:
            metadata["tags"] = rng.choice(
                [{str(k): rng.choice(tag_values) for k in range(rng.randint(0, 3))}, "", None, 3]
            )
        record["metadata"] = rng.choice([metadata, metadata, metadata, None, "", "{}", {}, [1]])
    if rng.random() < 0.08:
        record[rng.choice(["tags", "reference", "tag.x", "output_a", "model"])] = "v"
    return record


def test_a_plain_row_is_the_row_the_general_path_builds() -> None:
    rng = random.Random(18)
    used = 0
    for _ in range(6000):
        record = _random_record(rng)
        fast = _fast(record)
        slow = _general(record)
        if slow is None:
            assert fast is None, record
            continue
        if fast is not None:
            used += 1
            assert fast == slow, record
            assert [type(v) for v in fast] == [type(v) for v in slow], record
    assert used > 300  # the shortcut is taken for plain rows


@pytest.mark.parametrize(
    "metadata",
    [
        {"prompt_version": "p1", "template_version": "t1"},  # the first of METADATA_LIFTS wins
        {"template_version": "t1", "prompt_version": None},
        {"source": "", "source_system": "s"},
        {"model": {"name": "m"}, "tags": {"a": "b"}},  # a container stays metadata
        {"model": "m", "score": 0.1, "tags": {"b": "1", "a": "2"}},
        {"created_at": "2024-01-02"},  # normalised by parse_item
    ],
)
def test_lifted_provenance_matches_the_general_path(metadata: dict[str, Any]) -> None:
    record = {"id": "x", "input": "q", "output": "a", "metadata": metadata}
    fast = _fast(record)
    assert fast is None or fast == _general(record)


def _rows(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        cols = ", ".join(c for c in ITEM_COLUMNS if c != "batch_id")
        return conn.execute(f"SELECT {cols} FROM items ORDER BY seq").fetchall()
    finally:
        conn.close()


def test_a_file_of_plain_and_general_rows_lands_as_the_general_path_writes_it(
    tmp_path: Path,
) -> None:
    rng = random.Random(5)
    records, expected = [], []
    while len(records) < 4700:  # three chunks
        record = _random_record(rng)
        record["id"] = f"n{len(records)}"  # unique ids
        row = _general(record)
        # a lone surrogate anywhere: the file reader refuses the line before parse_item
        if row is not None and surrogate_path(record) is None:
            records.append(record)
            expected.append(row)
    records.append({"id": "pair", "input": "q", "output_a": "a", "output_b": "b"})
    expected.append(_general(records[-1]))
    project = make_project(tmp_path)
    before = _rows(project.path)
    report = import_items(project, write_jsonl(tmp_path / "items.jsonl", records))
    assert (report.added, report.rejected, report.duplicates) == (len(records), 0, 0)
    assert _rows(project.path)[len(before) :] == expected
    batch = project.row("SELECT count(*) FROM items WHERE batch_id = ?", (report.batch_id,))
    assert batch[0] == len(records)
    project.close()


def test_same_content_again_is_skipped_and_changed_content_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    rows = [{"id": f"n{i}", "input": f"Q{i}", "output": "A"} for i in range(2500)]
    import_items(project, write_jsonl(tmp_path / "a.jsonl", rows[:2100]))
    report = import_items(project, write_jsonl(tmp_path / "b.jsonl", rows))
    assert (report.added, report.duplicates) == (400, 2100)
    changed = [*rows, {"id": "n3", "input": "other", "output": "A"}]
    tables = snapshot(project.path)
    with pytest.raises(InputError) as caught:
        import_items(project, write_jsonl(tmp_path / "c.jsonl", changed))
    assert (caught.value.line, caught.value.field) == (2501, "id")
    assert "already exists in the project with different content" in str(caught.value)
    assert snapshot(project.path) == tables
    project.close()


def test_another_process_adding_an_id_meanwhile_refuses_the_whole_file(
    tmp_path: Path, monkeypatch
) -> None:
    from annotator.exchange import item_import

    project = make_project(tmp_path)
    rows = [{"id": f"n{i}", "input": f"Q{i}", "output": "A"} for i in range(4500)]
    move_in = item_import._ItemStage.move_in

    def other_process_first(stage: Any, batch_id: int) -> None:
        stage.conn.execute(
            "INSERT INTO items(id, input, input_kind, content_hash) "
            "VALUES ('n4321', 'x', 'text', 'h')"
        )
        move_in(stage, batch_id)

    monkeypatch.setattr(item_import._ItemStage, "move_in", other_process_first)
    counts = "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM import_batches)"
    before = tuple(project.row(counts))
    cache = project.conn.execute("PRAGMA main.cache_size").fetchone()[0]
    with pytest.raises(ImportRaceError):
        import_items(project, write_jsonl(tmp_path / "items.jsonl", rows))
    assert tuple(project.row(counts)) == before
    assert project.conn.execute("PRAGMA main.cache_size").fetchone()[0] == cache
    project.close()


def test_the_page_cache_is_put_back_after_an_import(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    before = project.conn.execute("PRAGMA main.cache_size").fetchone()[0]
    import_items(
        project, write_jsonl(tmp_path / "i.jsonl", [{"id": "x", "input": "q", "output": "a"}])
    )
    assert project.conn.execute("PRAGMA main.cache_size").fetchone()[0] == before
    temp = project.rows("SELECT name FROM temp.sqlite_master WHERE name LIKE 'stage_%'")
    assert temp == []
    project.close()
