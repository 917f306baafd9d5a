"""User errors through the real `annotator` command: non-zero exit, one paragraph on
stderr naming file, line and field, no traceback, and nothing changed on disk."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.store.project import PACK_APPLICATION_ID
from tests.support.foundation import file_state, make_project_file, snapshot


def console_script() -> str:
    beside = Path(sys.executable).with_name("annotator")
    found = str(beside) if beside.exists() else shutil.which("annotator")
    assert found, "the 'annotator' console script is not installed in this environment"
    return found


def run_cli(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), *map(str, args)], capture_output=True, text=True, timeout=120
    )


def assert_user_error(done: subprocess.CompletedProcess[str], *words: str) -> str:
    """A refusal as the CLI promises it: exit status, one paragraph, no traceback."""
    assert done.returncode not in (0, None), done.stdout
    message = done.stderr.strip()
    assert "Traceback" not in done.stderr
    assert message.startswith("annotator: ")
    assert "\n\n" not in message  # one paragraph
    for word in words:
        assert word in message, message
    return message


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project_file(tmp_path)


def test_malformed_json_line(project: Path, tmp_path: Path) -> None:
    before = snapshot(project)
    bad = tmp_path / "items.jsonl"
    bad.write_text('{"id": "n1", "input": "Q", "output": "A"}\n{"id": \n', encoding="utf-8")
    done = run_cli("import-items", project, bad)
    assert_user_error(done, f"{bad}:2:", "malformed JSON")
    assert snapshot(project) == before


def test_missing_required_field_names_the_field(project: Path, tmp_path: Path) -> None:
    before = snapshot(project)
    bad = tmp_path / "items.csv"
    bad.write_text("id,input,output\nn1,Q,A\nn2,,A\n", encoding="utf-8")
    done = run_cli("import-items", project, bad)
    assert_user_error(done, f"{bad}:3: field 'input'", "is empty")
    assert snapshot(project) == before


def test_value_off_the_scale_in_a_label_csv(project: Path, tmp_path: Path) -> None:
    before = snapshot(project)
    bad = tmp_path / "labels.csv"
    bad.write_text("item_id,annotator,quality\nq1,ann,2\nq2,ann,9\n", encoding="utf-8")
    done = run_cli("import-labels", project, bad, "--source", "panel", "--kind", "expert")
    assert_user_error(done, f"{bad}:3: field 'quality'", "off the scale")
    assert snapshot(project) == before


def test_unknown_option_in_a_label_jsonl(project: Path, tmp_path: Path) -> None:
    before = snapshot(project)
    bad = tmp_path / "labels.jsonl"
    record = {"item_id": "q1", "annotator": "ann", "values": {"quality": 1, "safety": "meh"}}
    bad.write_text(json.dumps(record) + "\n", encoding="utf-8")
    done = run_cli("import-labels", project, bad, "--source", "panel", "--kind", "expert")
    assert_user_error(done, f"{bad}:1: field 'values.safety'", "unknown option 'meh'")
    assert snapshot(project) == before


def test_ragged_csv_row(project: Path, tmp_path: Path) -> None:
    before = snapshot(project)
    bad = tmp_path / "items.csv"
    bad.write_text("id,input,output\nn1,Q,A\nn2,Q\n", encoding="utf-8")
    assert_user_error(run_cli("import-items", project, bad), f"{bad}:3:", "ragged row")
    assert snapshot(project) == before


def test_non_utf8_and_empty_files(project: Path, tmp_path: Path) -> None:
    before = snapshot(project)
    latin = tmp_path / "latin1.jsonl"
    latin.write_bytes(b'{"id": "n1", "input": "caf\xe9", "output": "A"}\n')
    assert_user_error(run_cli("import-items", project, latin), f"{latin}:1:", "not UTF-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert_user_error(run_cli("import-items", project, empty), f"{empty}:", "empty")
    assert snapshot(project) == before


def test_several_bad_rows_are_listed_in_one_paragraph(project: Path, tmp_path: Path) -> None:
    before = snapshot(project)
    bad = tmp_path / "items.jsonl"
    bad.write_text('{"id": "n1"}\nnope\n{"id": "n3", "input": "Q"}\n', encoding="utf-8")
    message = assert_user_error(run_cli("import-items", project, bad), "3 invalid rows")
    for where in (f"{bad}:1: field 'input'", f"{bad}:2:", f"{bad}:3: field 'output'"):
        assert where in message
    assert "--skip-invalid" in message
    assert snapshot(project) == before


def test_missing_input_file(project: Path, tmp_path: Path) -> None:
    before = snapshot(project)
    absent = tmp_path / "absent.jsonl"
    assert_user_error(run_cli("import-items", project, absent), str(absent), "no such file")
    assert snapshot(project) == before


def test_project_from_a_newer_version(project: Path) -> None:
    conn = sqlite3.connect(str(project))
    conn.execute(
        "INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
        "VALUES ('annotator', 'm999_from_the_future', '2031-01-01')"
    )
    conn.commit()
    conn.close()
    before = file_state(project)
    assert_user_error(run_cli("stats", project), str(project), "newer", "m999_from_the_future")
    assert file_state(project) == before


@pytest.mark.parametrize("kind", ["text", "sqlite", "pack"])
def test_a_file_that_is_not_a_project(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "thing.annotator"
    if kind == "text":
        path.write_text("just some notes\n", encoding="utf-8")
    else:
        conn = sqlite3.connect(str(path))
        if kind == "pack":
            conn.execute(f"PRAGMA application_id = {PACK_APPLICATION_ID}")
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "n1", "input": "Q", "output": "A"}\n', encoding="utf-8")
    before = file_state(path)
    words = "work pack" if kind == "pack" else "not an Annotator project"
    assert_user_error(run_cli("import-items", path, items), str(path), words)
    assert_user_error(run_cli("stats", path, "--json"), str(path), words)
    assert file_state(path) == before


def test_a_folder_given_as_the_input_file(project: Path, tmp_path: Path) -> None:
    before = snapshot(project)
    folder = tmp_path / "inputs"
    folder.mkdir()
    assert_user_error(
        run_cli("import-items", project, folder, "--format", "jsonl"), str(folder), "folder"
    )
    assert snapshot(project) == before


def test_missing_and_unreadable_mturk_item_maps(project: Path, tmp_path: Path) -> None:
    before = snapshot(project)
    batch = tmp_path / "batch.csv"
    batch.write_text("AssignmentId,WorkerId,HITId,Answer.quality\nA1,W1,H1,2\n", encoding="utf-8")
    absent = tmp_path / "map.csv"
    args = ["import-labels", project, batch, "--source", "crowd", "--kind", "crowd"]
    assert_user_error(run_cli(*args, "--item-map", absent), str(absent), "no such file")
    absent.write_bytes(b"HITId,item_id\nH1,q\xe91\n")
    assert_user_error(run_cli(*args, "--item-map", absent), str(absent), "not UTF-8")
    assert snapshot(project) == before


def test_init_where_no_file_can_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    target = blocker / "project.annotator"  # a path through a regular file
    assert_user_error(run_cli("init", target), str(target), "cannot create the project file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
