"""The lead's commands: assign, queue, unassign, anchors, annotators mode."""

from __future__ import annotations

import json

import pytest

from annotator.cli import main
from annotator.sources.sources import get_annotator
from annotator.store.project import open_project
from tests.support.queue_project import make_project, write_jsonl


@pytest.fixture
def path(tmp_path):
    project = make_project(tmp_path, n_items=40)
    project.close()
    return str(tmp_path / "q.annotator")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_assign_then_queue_json_is_a_list_of_item_id_and_kind(path, tmp_path, capsys):
    anchors_file = write_jsonl(
        tmp_path / "anchors.jsonl",
        [
            {"item_id": f"it-{i:04d}", "values": {"correct": "yes"}, "rationale": "r"}
            for i in range(4)
        ],
    )
    assert run(capsys, "anchors", "add", path, str(anchors_file))[0] == 0
    code, out, _ = run(
        capsys,
        "assign", path, "--annotators", "A,B,C", "--overlap", "0.2", "--k", "3",
        "--anchor-rate", "0.2", "--repeat-rate", "0.05", "--seed", "4", "--json",
    )  # fmt: skip
    assert code == 0
    result = json.loads(out)
    assert result["items"] == 36 and result["created_annotators"] == ["A", "B", "C"]

    with open_project(path) as project:
        before = project.table_counts()
    code, out, _ = run(capsys, "queue", path, "--annotator", "A", "--next", "15", "--json")
    assert code == 0
    entries = json.loads(out)
    assert isinstance(entries, list) and len(entries) == 15
    assert all(set(entry) == {"item_id", "kind"} for entry in entries)
    assert {entry["kind"] for entry in entries} <= {"item", "anchor", "repeat"}
    assert any(entry["kind"] == "anchor" for entry in entries)
    with open_project(path) as project:
        assert project.table_counts() == before, "showing the queue serves nothing"


def test_queue_text_and_unassign(path, capsys):
    run(capsys, "assign", path, "--annotators", "A", "--seed", "1")
    code, out, _ = run(capsys, "queue", path, "--annotator", "A", "--next", "3")
    assert code == 0 and "to go" in out
    first = out.splitlines()[1].split()[-1]
    code, out, _ = run(capsys, "unassign", path, "--annotator", "A", first, "--reason", "dup")
    assert code == 0
    _, out, _ = run(capsys, "queue", path, "--annotator", "A", "--next", "40", "--json")
    assert first not in {entry["item_id"] for entry in json.loads(out)}


def test_sample_and_slice_are_exclusive(path, capsys):
    with pytest.raises(SystemExit):
        main(["assign", path, "--annotators", "A", "--sample", "3", "--slice", "domain=law"])
    code, out, _ = run(
        capsys, "assign", path, "--annotators", "A", "--slice", "domain=law", "--json"
    )
    assert code == 0 and json.loads(out)["items"] == 13


def test_a_bad_anchors_file_fails_with_file_line_and_field(path, tmp_path, capsys):
    bad = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            {"item_id": "it-0001", "values": {"correct": "yes"}, "rationale": "r"},
            {"item_id": "it-0002", "values": {"quality": 7}, "rationale": "r"},
        ],
    )
    code, _, err = run(capsys, "anchors", "add", path, str(bad))
    assert code == 2
    assert f"{bad}:2: field 'values.quality'" in err and "no anchor was added" in err
    _, out, _ = run(capsys, "anchors", "list", path, "--json")
    assert json.loads(out) == []


def test_anchors_list_retire_confirm_and_rate_log(path, tmp_path, capsys):
    good = write_jsonl(
        tmp_path / "a.jsonl",
        [{"item_id": "it-0001", "values": {"correct": "yes"}, "rationale": "r"}],
    )
    run(capsys, "anchors", "add", path, str(good))
    _, out, _ = run(capsys, "anchors", "list", path, "--json")
    (listed,) = json.loads(out)
    assert listed["item_id"] == "it-0001" and listed["reference"] == {"correct": "yes"}
    code, _, err = run(capsys, "anchors", "confirm", path, "it-0009")
    assert code == 2 and "not an anchor" in err
    assert run(capsys, "anchors", "retire", path, "it-0001")[0] == 0
    _, out, _ = run(capsys, "anchors", "list", path, "--status", "retired", "--json")
    assert [a["status"] for a in json.loads(out)] == ["retired"]
    code, out, _ = run(capsys, "anchors", "rate-log", path, "--json")
    assert code == 0 and json.loads(out) == []


def test_annotators_mode(path, capsys):
    run(capsys, "assign", path, "--annotators", "A", "--seed", "1")
    code, out, _ = run(capsys, "annotators", "mode", path, "A", "training")
    assert code == 0 and "training" in out
    with open_project(path) as project:
        assert get_annotator(project, "A").mode == "training"
    code, _, err = run(capsys, "annotators", "mode", path, "Nobody", "silent")
    assert code == 2 and "Nobody" in err
