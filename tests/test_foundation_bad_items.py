"""Bad item files, through the public import function: each is refused with an error
naming file, line and field, and the project keeps exactly the rows it had."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.base.errors import InputError, ManyInputErrors
from annotator.exchange.item_import import import_items
from tests.support.foundation import assert_refused_unchanged, make_project, snapshot

GOOD = json.dumps({"id": "n1", "input": "Q?", "output": "A."})

# name -> (file name, content, line, field, words the message must contain)
CASES: dict[str, tuple[str, bytes, int | None, str | None, str]] = {
    "malformed_json_line": (
        "items.jsonl",
        f'{GOOD}\n{{"id": "n2", "input": "Q?", \n'.encode(),
        2,
        None,
        "malformed JSON",
    ),
    "missing_required_field": (
        "items.jsonl",
        f'{GOOD}\n{{"id": "n2", "output": "A."}}\n'.encode(),
        2,
        "input",
        "is missing",
    ),
    "missing_output": (
        "items.jsonl",
        f'{GOOD}\n{{"id": "n2", "input": "Q?"}}\n'.encode(),
        2,
        "output",
        "is missing",
    ),
    "wrong_type": (
        "items.jsonl",
        b'{"id": "n2", "input": "Q?", "output": {"text": "A."}}\n',
        1,
        "output",
        "must be text",
    ),
    "wrong_type_id": (
        "items.jsonl",
        b'{"id": ["n2"], "input": "Q?", "output": "A."}\n',
        1,
        "id",
        "must be text or a number",
    ),
    "bad_chat_role": (
        "items.jsonl",
        b'{"id": "n2", "input": [{"role": "wizard", "content": "hi"}], "output": "A."}\n',
        1,
        "input[0].role",
        "unknown role",
    ),
    "duplicate_id_in_file": (
        "items.jsonl",
        f'{GOOD}\n{{"id": "n2", "input": "Q?", "output": "A."}}\n{GOOD}\n'.encode(),
        3,
        "id",
        "duplicate id 'n1'",
    ),
    "existing_id_different_content": (
        "items.jsonl",
        b'{"id": "q1", "input": "What is 2+2?", "output": "5"}\n',
        1,
        "id",
        "already exists in the project with different content",
    ),
    "non_utf8_jsonl": (
        "items.jsonl",
        GOOD.encode() + b'\n{"id": "n2", "input": "caf\xe9", "output": "A."}\n',
        2,
        None,
        "not UTF-8",
    ),
    "non_utf8_only_line": (
        "items.jsonl",
        b'{"id": "n2", "input": "caf\xe9", "output": "A."}\n',
        1,
        None,
        "not UTF-8",
    ),
    "non_utf8_csv": (
        "items.csv",
        b"id,input,output\nn1,Q?,A.\nn2,caf\xe9,A.\n",
        3,
        None,
        "not UTF-8",
    ),
    "empty_jsonl": ("items.jsonl", b"", None, None, "empty"),
    "empty_csv": ("items.csv", b"", None, None, "empty"),
    "only_blank_lines": ("items.jsonl", b"\n\n  \n", None, None, "no records"),
    "csv_header_only": ("items.csv", b"id,input,output\n", None, None, "no rows"),
    "ragged_csv_row": (
        "items.csv",
        b"id,input,output\nn1,Q?,A.\nn2,Q?\n",
        3,
        None,
        "ragged row",
    ),
    "ragged_csv_row_too_long": (
        "items.csv",
        b"id,input,output\nn1,Q?,A.,extra\n",
        2,
        None,
        "ragged row",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_item_file_is_refused_and_changes_nothing(tmp_path: Path, case: str) -> None:
    name, content, line, field, words = CASES[case]
    project = make_project(tmp_path)
    bad = tmp_path / name
    bad.write_bytes(content)
    assert_refused_unchanged(project, bad, lambda: import_items(project, bad), line, field, words)
    project.close()


def test_several_bad_rows_are_all_named_and_nothing_is_imported(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    counts, tables = project.table_counts(), snapshot(project.path)
    bad = tmp_path / "items.jsonl"
    bad.write_text(
        f'{GOOD}\n{{"id": "n2"}}\nnot json\n{{"id": "n4", "input": "Q", "output": "A"}}\n',
        encoding="utf-8",
    )
    with pytest.raises(ManyInputErrors) as caught:
        import_items(project, bad)
    assert [(e.line, e.field) for e in caught.value.errors] == [(2, "input"), (3, None)]
    assert f"{bad}:2: field 'input'" in str(caught.value)
    assert f"{bad}:3:" in str(caught.value)
    assert project.table_counts() == counts
    assert snapshot(project.path) == tables
    project.close()


def test_same_content_again_is_skipped_and_counted(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    counts, tables = project.table_counts(), snapshot(project.path)
    again = tmp_path / "again.jsonl"
    again.write_text(
        json.dumps({"id": "q2", "input": "Capital of France?", "output": "Paris"}) + "\n",
        encoding="utf-8",
    )
    report = import_items(project, again)
    assert (report.added, report.duplicates, report.rejected) == (0, 1, 0)
    assert project.table_counts() == counts
    assert snapshot(project.path) == tables
    project.close()


def test_a_bad_row_far_into_a_big_file_still_rolls_back_everything(tmp_path: Path) -> None:
    """Rows before the bad one were already inserted chunk by chunk; all must go."""
    project = make_project(tmp_path)
    counts, tables = project.table_counts(), snapshot(project.path)
    rows = [json.dumps({"id": f"b{i}", "input": "Q", "output": "A"}) for i in range(5000)]
    rows[4321] = json.dumps({"id": "b4321", "input": "Q", "output": None})
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_items(project, path)
    assert (caught.value.line, caught.value.field) == (4322, "output")
    assert project.table_counts() == counts
    assert snapshot(project.path) == tables
    project.close()
