"""Deeply nested input (5,000 and 200,000 levels) is refused with a message naming the
file, line and field, never a RecursionError, and the project keeps every row it had:
item and label files, a rubric file, and the label values inside a work pack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.base.errors import AnnotatorError, InputError
from annotator.cli import main as cli
from annotator.exchange import packs
from annotator.exchange.item_import import import_items
from annotator.exchange.label_import import import_labels
from annotator.rubric.yaml_file import load_rubric_file
from tests.support.foundation import (
    RUBRIC_YAML,
    assert_refused_unchanged,
    file_state,
    make_project,
    make_project_file,
    snapshot,
)
from tests.support.pack_project import dump, label_all, make_lead, raw

LEVELS = [5_000, 200_000]
DEEP = "nested more than 64 levels deep (set ANNOTATOR_MAX_NESTING to allow more)"


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def item_line(**fields: object) -> str:
    return json.dumps({"id": "n1", "input": "Q?", "output": "A.", **fields})


@pytest.mark.parametrize("levels", LEVELS)
def test_deep_items_jsonl_is_refused(tmp_path: Path, levels: int) -> None:
    project = make_project(tmp_path)
    bad = tmp_path / "items.jsonl"
    deep = '{"id": "n2", "input": "Q?", "output": "A.", "metadata": ' + nested(levels) + "}"
    bad.write_text(item_line() + "\n" + deep + "\n", encoding="utf-8")
    assert_refused_unchanged(project, bad, lambda: import_items(project, bad), 2, "metadata", DEEP)
    project.close()


@pytest.mark.parametrize("levels", LEVELS)
def test_deep_items_jsonl_through_the_cli_is_one_paragraph(
    tmp_path: Path, levels: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_project_file(tmp_path)
    before = file_state(path)
    bad = tmp_path / "items.jsonl"
    bad.write_text('{"id": "n2", "input": ' + nested(levels) + "}\n", encoding="utf-8")
    assert cli(["import-items", str(path), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err == f"annotator: {bad}:1: field 'input': {DEEP}\n"
    assert file_state(path) == before


def test_deep_json_text_in_a_csv_cell_is_refused(tmp_path: Path) -> None:
    """A CSV cell holding JSON (metadata, a chat) is parsed too: within the same limit."""
    project = make_project(tmp_path)
    bad = tmp_path / "items.csv"
    cell = '{"notes": ' + nested(5_000) + "}"
    bad.write_text(
        'id,input,output,metadata\nn1,Q?,A.,{}\nn2,Q?,A.,"' + cell.replace('"', '""') + '"\n',
        encoding="utf-8",
    )
    load = lambda: import_items(project, bad)  # noqa: E731
    assert_refused_unchanged(project, bad, load, 3, "metadata.notes", DEEP)
    project.close()


@pytest.mark.parametrize("levels", LEVELS)
def test_deep_labels_jsonl_is_refused(tmp_path: Path, levels: int) -> None:
    project = make_project(tmp_path)
    bad = tmp_path / "labels.jsonl"
    good = json.dumps({"item_id": "q1", "annotator": "ann", "values": {"quality": 2}})
    deep = '{"item_id": "q2", "annotator": "ann", "values": {"comment": ' + nested(levels) + "}}"
    bad.write_text(good + "\n" + deep + "\n", encoding="utf-8")

    def load() -> object:
        return import_labels(project, bad, source="crowd", kind="crowd")

    assert_refused_unchanged(project, bad, load, 2, "values", DEEP)
    project.close()


@pytest.mark.parametrize("levels", LEVELS)
def test_deep_rubric_yaml_is_refused(
    tmp_path: Path, levels: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_project_file(tmp_path)
    tables = snapshot(path)
    before = file_state(path)  # after the snapshot: its read-only look leaves an empty -wal
    bad = tmp_path / "rubric.yaml"
    bad.write_text(RUBRIC_YAML + "extra: " + nested(levels) + "\n", encoding="utf-8")
    line = RUBRIC_YAML.count("\n") + 1

    with pytest.raises(InputError) as caught:
        load_rubric_file(bad)
    assert (caught.value.path, caught.value.line) == (str(bad), line)
    assert caught.value.field.startswith("extra[0][0]")
    assert str(caught.value).startswith(f"{bad}:{line}: field 'extra[0][0][0]...': {DEEP}")

    assert cli(["rubric", "publish", str(path), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"annotator: {bad}:{line}: field 'extra") and DEEP in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert file_state(path) == before and snapshot(path) == tables


def test_a_rubric_whose_aliases_stand_for_a_list_holding_itself_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "rubric.yaml"
    bad.write_text(RUBRIC_YAML + "extra: &loop [1, *loop]\n", encoding="utf-8")
    with pytest.raises(InputError, match="stands for a value that holds it") as caught:
        load_rubric_file(bad)
    assert (caught.value.line, caught.value.field) == (RUBRIC_YAML.count("\n") + 1, "extra[1]")


def test_a_rubric_alias_bomb_is_refused(tmp_path: Path) -> None:
    """Ten lines that stand for ten billion values, were the aliases expanded."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    bad = tmp_path / "rubric.yaml"
    bad.write_text(RUBRIC_YAML + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="more than 100,000 values"):
        load_rubric_file(bad)


@pytest.mark.parametrize("levels", LEVELS)
def test_deep_label_values_in_a_work_pack_are_refused(tmp_path: Path, levels: int) -> None:
    lead = make_lead(tmp_path)
    info = packs.create_pack(lead, "Ana", tmp_path / "Ana.annpack")
    pack = packs.open_pack(info.path)
    label_all(pack, "Ana", lambda _person, _item: {"correct": "no", "topic": "law", "quality": 4})
    pack.close()
    conn = raw(info.path)
    conn.execute("DROP TRIGGER labels_no_update")
    deep = '{"correct": "no", "topic": ' + nested(levels) + ', "quality": 4}'
    conn.execute("UPDATE labels SET values_json = ? WHERE id = 2", (deep,))
    conn.close()
    counts, before = lead.table_counts(), dump(lead)

    with pytest.raises(packs.PackMismatchError) as caught:
        packs.merge_packs(lead, [info.path])

    message = str(caught.value)
    assert message.startswith(f"{info.path}: ")
    assert DEEP in message and "Nothing was changed" in message
    assert lead.table_counts() == counts and dump(lead) == before
    lead.close()


def test_the_nesting_limit_is_set_by_an_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path)
    path = tmp_path / "items.jsonl"
    path.write_text(item_line(metadata={"tree": json.loads(nested(80))}) + "\n", encoding="utf-8")
    monkeypatch.setenv("ANNOTATOR_MAX_NESTING", "100")
    assert import_items(project, path).added == 1
    monkeypatch.setenv("ANNOTATOR_MAX_NESTING", "lots")
    with pytest.raises(AnnotatorError, match="ANNOTATOR_MAX_NESTING='lots': must be a whole"):
        import_items(project, path)
    project.close()
