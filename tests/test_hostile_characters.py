"""A NUL or another control character in an id, and a NUL or a lone surrogate in any
text of an item or a label, is refused with file, line and field; the project keeps
every row it had."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from annotator.exchange.item_import import import_items
from annotator.exchange.label_import import import_labels
from tests.support.foundation import assert_refused_unchanged, make_project

NUL = "contains a NUL character (U+0000) at character"
LONE = "holds a lone surrogate (e.g. \\ud800), which is not Unicode text"

# name -> (file name, content, line, field, words the message must contain)
ITEM_CASES: dict[str, tuple[str, bytes, int, str, str]] = {
    "nul_in_jsonl_id": (
        "items.jsonl",
        b'{"id": "n1", "input": "Q?", "output": "A."}\n'
        b'{"id": "n\\u00002", "input": "Q?", "output": "A."}\n',
        2,
        "id",
        f"{NUL} 2",
    ),
    "escape_in_jsonl_id": (
        "items.jsonl",
        b'{"id": "n\\u001b[31m2", "input": "Q?", "output": "A."}\n',
        1,
        "id",
        "contains a control character (U+001B) at character 2; an id must be printable text",
    ),
    "tab_in_csv_id": (
        "items.csv",
        b'id,input,output\nn1,Q?,A.\n"n\t2",Q?,A.\n',
        3,
        "id",
        "contains a control character (U+0009) at character 2",
    ),
    "nul_in_csv_id": (
        "items.csv",
        b"id,input,output\nn1,Q?,A.\nn\x002,Q?,A.\n",
        3,
        "id",
        f"{NUL} 2",
    ),
    "nul_in_csv_cell": (
        "items.csv",
        b"id,input,output\nn1,Q?,A.\nn2,Q?,The answer\x00 is 4.\n",
        3,
        "output",
        f"{NUL} 11",
    ),
    "nul_in_a_quoted_multiline_csv_cell": (
        "items.csv",
        b'id,input,output\nn1,"line one\nline\x00two",A.\n',
        2,
        "input",
        f"{NUL} 14",
    ),
    "nul_in_jsonl_chat_turn": (
        "items.jsonl",
        b'{"id": "n1", "input": [{"role": "user", "content": "hi\\u0000"}], "output": "A."}\n',
        1,
        "input[0].content",
        f"{NUL} 3",
    ),
    "lone_surrogate_in_jsonl_id": (
        "items.jsonl",
        b'{"id": "n1", "input": "Q?", "output": "A."}\n{"id": "n\\ud8002", "input": "Q?", '
        b'"output": "A."}\n',
        2,
        "id",
        LONE,
    ),
    "lone_surrogate_in_jsonl_input": (
        "items.jsonl",
        b'{"id": "n1", "input": "Q\\udc00?", "output": "A."}\n',
        1,
        "input",
        LONE,
    ),
    "lone_surrogate_in_a_tag": (
        "items.jsonl",
        b'{"id": "n1", "input": "Q?", "output": "A.", "tags": {"x": "y\\uDBFF"}}\n',
        1,
        "tags.x",
        LONE,
    ),
    "nul_in_json_text_of_a_csv_cell": (
        "items.csv",
        b'id,input,output,metadata\nn1,Q?,A.,"{""note"": ""a\\u0000b""}"\n',
        2,
        "metadata.note",
        f"{NUL} 2",
    ),
}


@pytest.mark.parametrize("case", list(ITEM_CASES))
def test_bad_characters_in_items_are_refused(tmp_path: Path, case: str) -> None:
    name, content, line, field, words = ITEM_CASES[case]
    project = make_project(tmp_path)
    bad = tmp_path / name
    bad.write_bytes(content)
    assert_refused_unchanged(project, bad, lambda: import_items(project, bad), line, field, words)
    project.close()


def test_a_nul_in_a_parquet_text_column_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    bad = tmp_path / "items.parquet"
    pq.write_table(
        pa.table({"id": ["n1", "n2"], "input": ["Q?", "Q?"], "output": ["A.", "A\x00."]}), bad
    )
    load = lambda: import_items(project, bad)  # noqa: E731
    assert_refused_unchanged(project, bad, load, 2, "output", f"{NUL} 2")
    project.close()


LABEL_CASES: dict[str, tuple[str, bytes, int, str, str]] = {
    "nul_in_csv_rationale": (
        "labels.csv",
        b"item_id,annotator,quality,rationale\nq1,ann,2,fine\nq2,ann,3,good\x00\n",
        3,
        "rationale",
        f"{NUL} 5",
    ),
    "nul_in_csv_annotator": (
        "labels.csv",
        b"item_id,annotator,quality\nq1,a\x00nn,2\n",
        2,
        "annotator",
        f"{NUL} 2",
    ),
    "nul_in_jsonl_text_value": (
        "labels.jsonl",
        json.dumps(
            {"item_id": "q1", "annotator": "ann", "values": {"quality": 2, "comment": "o\x00k"}}
        ).encode()
        + b"\n",
        1,
        "values.comment",
        f"{NUL} 2",
    ),
    "control_character_in_label_id": (
        "labels.jsonl",
        json.dumps(
            {"item_id": "q1", "annotator": "ann", "values": {"quality": 2}, "id": "l\x071"}
        ).encode()
        + b"\n",
        1,
        "id",
        "contains a control character (U+0007) at character 2",
    ),
    "lone_surrogate_in_annotator": (
        "labels.jsonl",
        b'{"item_id": "q1", "annotator": "a\\ud800", "values": {"quality": 2}}\n',
        1,
        "annotator",
        LONE,
    ),
    "lone_surrogate_in_a_text_value": (
        "labels.jsonl",
        b'{"item_id": "q1", "annotator": "ann", "values": {"quality": 2, "comment": "\\udfff"}}\n',
        1,
        "values.comment",
        LONE,
    ),
    "control_character_in_item_id": (
        "labels.jsonl",
        json.dumps({"item_id": "q\x1b1", "annotator": "ann", "values": {"quality": 2}}).encode()
        + b"\n",
        1,
        "item_id",
        "contains a control character (U+001B) at character 2",
    ),
}


@pytest.mark.parametrize("case", list(LABEL_CASES))
def test_bad_characters_in_labels_are_refused(tmp_path: Path, case: str) -> None:
    name, content, line, field, words = LABEL_CASES[case]
    project = make_project(tmp_path)
    bad = tmp_path / name
    bad.write_bytes(content)

    def load() -> object:
        return import_labels(project, bad, source="crowd", kind="crowd")

    assert_refused_unchanged(project, bad, load, line, field, words)
    project.close()


def test_a_surrogate_pair_is_text_and_imports(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    good = tmp_path / "items.jsonl"
    good.write_bytes(b'{"id": "e\\ud83d\\ude00", "input": "Q \\ud83d\\ude00?", "output": "A."}\n')
    assert import_items(project, good).added == 1
    assert project.scalar("SELECT input FROM items WHERE id = ?", ("e\U0001f600",)) == (
        "Q \U0001f600?"
    )
    project.close()
