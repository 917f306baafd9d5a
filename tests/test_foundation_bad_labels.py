"""Bad label files, through the public import function: refused with file, line and
field named, and the project keeps exactly the rows it had (sources and annotators
created on the way are rolled back too)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.base.errors import InputError
from annotator.exchange.label_import import import_labels
from tests.support.foundation import assert_refused_unchanged, make_project, snapshot, write_jsonl


def label(item: str = "q1", annotator: str = "ann", **values: object) -> str:
    return json.dumps({"item_id": item, "annotator": annotator, "values": values or {"quality": 2}})


GOOD = label()

# name -> (file name, content, line, field, words the message must contain)
CASES: dict[str, tuple[str, bytes, int | None, str | None, str]] = {
    "malformed_json_line": (
        "labels.jsonl",
        f'{GOOD}\n{{"item_id": "q2", "annotator": \n'.encode(),
        2,
        None,
        "malformed JSON",
    ),
    "missing_required_field": (
        "labels.jsonl",
        f'{GOOD}\n{{"item_id": "q2", "values": {{"quality": 1}}}}\n'.encode(),
        2,
        "annotator",
        "is missing",
    ),
    "missing_required_criterion": (
        "labels.jsonl",
        f"{GOOD}\n{label('q2', safety='safe')}\n".encode(),
        2,
        "values.quality",
        "required criterion is missing",
    ),
    "missing_required_criterion_csv": (
        "labels.csv",
        b"item_id,annotator,quality,safety\nq1,ann,2,safe\nq2,ann,,safe\n",
        3,
        "quality",
        "required criterion is missing",
    ),
    "wrong_type_values": (
        "labels.jsonl",
        b'{"item_id": "q1", "annotator": "ann", "values": [2]}\n',
        1,
        "values",
        "must be an object",
    ),
    "wrong_type_value": (
        "labels.jsonl",
        label(quality=[2]).encode() + b"\n",
        1,
        "values.quality",
        "got a list",
    ),
    "wrong_type_duration": (
        "labels.jsonl",
        b'{"item_id": "q1", "annotator": "ann", "values": {"quality": 2}, "duration_s": "abc"}\n',
        1,
        "duration_s",
        "must be a number",
    ),
    "not_a_finite_number": (
        "labels.jsonl",
        b'{"item_id": "q1", "annotator": "a", "values": {"quality": 2}, "cost": "inf"}\n',
        1,
        "cost",
        "must be a finite number",
    ),
    "json_nan": (
        "labels.jsonl",
        b'{"item_id": "q1", "annotator": "a", "values": {"quality": 2}, "duration_s": NaN}\n',
        1,
        "duration_s",
        "must be a finite number",
    ),
    "unknown_option": (
        "labels.jsonl",
        label(quality=2, safety="maybe").encode() + b"\n",
        1,
        "values.safety",
        "unknown option 'maybe'",
    ),
    "unknown_criterion": (
        "labels.jsonl",
        label(quality=2, tone="warm").encode() + b"\n",
        1,
        "values.tone",
        "unknown criterion",
    ),
    "value_off_the_scale": (
        "labels.jsonl",
        label(quality=7).encode() + b"\n",
        1,
        "values.quality",
        "off the scale",
    ),
    "value_off_the_scale_csv": (
        "labels.csv",
        b"item_id,annotator,quality\nq1,ann,2\nq2,ann,9\n",
        3,
        "quality",
        "off the scale",
    ),
    "unknown_item": (
        "labels.jsonl",
        label("nope").encode() + b"\n",
        1,
        "item_id",
        "no item 'nope'",
    ),
    "bad_time": (
        "labels.jsonl",
        b'{"item_id": "q1", "annotator": "a", "values": {"quality": 2}, "submitted_at": "soon"}\n',
        1,
        "submitted_at",
        "not a date and time",
    ),
    "duplicate_id_in_file": (
        "labels.jsonl",
        (
            json.dumps({"id": "L1", "item_id": "q1", "annotator": "a", "values": {"quality": 2}})
            + "\n"
            + json.dumps({"id": "L1", "item_id": "q2", "annotator": "a", "values": {"quality": 3}})
            + "\n"
        ).encode(),
        2,
        "id",
        "duplicate id 'L1'",
    ),
    "non_utf8": (
        "labels.jsonl",
        GOOD.encode() + b'\n{"item_id": "q2", "annotator": "Jos\xe9", "values": {"quality": 1}}\n',
        2,
        None,
        "not UTF-8",
    ),
    "empty_file": ("labels.jsonl", b"", None, None, "empty"),
    "ragged_csv_row": (
        "labels.csv",
        b"item_id,annotator,quality\nq1,ann,2\nq2,ann\n",
        3,
        None,
        "ragged row",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_label_file_is_refused_and_changes_nothing(tmp_path: Path, case: str) -> None:
    name, content, line, field, words = CASES[case]
    project = make_project(tmp_path)
    bad = tmp_path / name
    bad.write_bytes(content)

    def load() -> object:
        return import_labels(project, bad, source="panel", kind="expert")

    assert_refused_unchanged(project, bad, load, line, field, words)
    project.close()


def test_existing_label_id_with_different_content_is_an_error(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    first = {"id": "L1", "item_id": "q1", "annotator": "a", "values": {"quality": 2}}
    import_labels(project, write_jsonl(tmp_path / "one.jsonl", [first]), source="s", kind="expert")
    counts, tables = project.table_counts(), snapshot(project.path)

    changed = {**first, "values": {"quality": 3}}
    bad = write_jsonl(tmp_path / "two.jsonl", [changed])
    with pytest.raises(InputError) as caught:
        import_labels(project, bad, source="s", kind="expert")
    assert (caught.value.line, caught.value.field) == (1, "id")
    assert "already exists" in str(caught.value)
    assert project.table_counts() == counts
    assert snapshot(project.path) == tables

    report = import_labels(
        project, write_jsonl(tmp_path / "same.jsonl", [first]), source="s", kind="expert"
    )
    assert (report.added, report.duplicates) == (0, 1)
    assert snapshot(project.path) == tables
    project.close()


def test_mturk_assignment_seen_twice_with_different_answers_is_an_error(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    counts, tables = project.table_counts(), snapshot(project.path)
    header = "AssignmentId,WorkerId,Input.item_id,Answer.quality,Reward\n"
    bad = tmp_path / "batch.csv"
    bad.write_text(header + "A1,W1,q1,2,$0.04\nA1,W1,q1,3,$0.04\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_labels(project, bad, source="crowd", kind="crowd", item_column="Input.item_id")
    assert (caught.value.line, caught.value.field) == (3, "AssignmentId")
    assert project.table_counts() == counts
    assert snapshot(project.path) == tables
    project.close()


def test_duplicate_label_id_across_chunks_is_an_error(tmp_path: Path) -> None:
    """The importer works in chunks; an id repeated thousands of lines later is still caught."""
    project = make_project(tmp_path)
    counts, tables = project.table_counts(), snapshot(project.path)
    rows = [
        {"id": f"L{i}", "item_id": "q1", "annotator": f"a{i}", "values": {"quality": 1}}
        for i in range(3000)
    ]
    rows[2500] = {**rows[2500], "id": "L7"}
    bad = write_jsonl(tmp_path / "many.jsonl", rows)
    with pytest.raises(InputError) as caught:
        import_labels(project, bad, source="s", kind="expert")
    assert (caught.value.line, caught.value.field) == (2501, "id")
    assert "duplicate id 'L7' in this file" in str(caught.value)
    assert project.table_counts() == counts
    assert snapshot(project.path) == tables
    project.close()
