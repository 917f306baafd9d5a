"""Adding anchors from a JSONL file: checked against the rubric, all or nothing."""

from __future__ import annotations

import pytest

from annotator.anchors import anchors
from annotator.anchors.file import AnchorFileError
from tests.support.queue_project import make_project, write_jsonl

GOOD = [
    {
        "item_id": "it-0000",
        "values": {"correct": "yes", "quality": 4, "issues": []},
        "rationale": "Right and clear.",
    },
    {
        "item_id": "it-0001",
        "values": {"correct": "no", "issues": ["factual"], "confidence": 80},
        "rationale": "States the wrong dose.",
        "tolerance": {"confidence": 5},
    },
    {
        "item_id": "it-0002",
        "values": {"preference": "A", "topic": "med"},
        "rationale": "A answers the question.",
    },
]


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, n_items=10, pairwise=3)
    yield project
    project.close()


def test_a_good_file_adds_every_anchor(project, tmp_path):
    report = anchors.add_anchor_file(project, write_jsonl(tmp_path / "a.jsonl", GOOD))
    assert (report.added, report.replaced, report.unchanged) == (3, 0, 0)
    listed = {a.item_id: a for a in anchors.list_anchors(project)}
    assert listed["it-0000"].reference == {"correct": "yes", "quality": 4, "issues": []}
    assert listed["it-0001"].tolerances == {"confidence": 5.0}
    assert listed["it-0002"].rationale == "A answers the question."
    assert {a.origin for a in listed.values()} == {"file"}
    assert {a.status for a in listed.values()} == {"active"}


def test_adding_the_same_file_again_changes_nothing(project, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", GOOD)
    anchors.add_anchor_file(project, path)
    before = project.table_counts()
    report = anchors.add_anchor_file(project, path)
    assert (report.added, report.unchanged) == (0, 3)
    assert project.table_counts()["anchors"] == before["anchors"]


def test_adding_an_item_again_replaces_its_reference(project, tmp_path):
    anchors.add_anchor_file(project, write_jsonl(tmp_path / "a.jsonl", GOOD))
    changed = [{**GOOD[0], "values": {"correct": "no"}, "rationale": "On reflection, wrong."}]
    report = anchors.add_anchor_file(project, write_jsonl(tmp_path / "b.jsonl", changed))
    assert (report.added, report.replaced) == (1, 1)
    live = anchors.get_anchor(project, "it-0000")
    assert live.reference == {"correct": "no"} and live.replaces is not None
    assert len(anchors.list_anchors(project, "retired")) == 1


BAD_LINES = [
    ({"item_id": "nope", "values": {"correct": "yes"}, "rationale": "x"}, "item_id", "no item"),
    ({"item_id": "it-0004", "values": {"quality": 9}, "rationale": "x"}, "values.quality", "off"),
    ({"item_id": "it-0004", "values": {"mood": "ok"}, "rationale": "x"}, "values.mood", "unknown"),
    ({"item_id": "it-0004", "values": {"correct": "yes"}}, "rationale", "missing"),
    ({"item_id": "it-0004", "values": {}, "rationale": "x"}, "values", "at least one"),
    (
        {"item_id": "it-0004", "values": {"preference": "A"}, "rationale": "x"},
        "values.preference",
        "single-response",
    ),
    (
        {
            "item_id": "it-0004",
            "values": {"topic": "law"},
            "rationale": "x",
            "tolerance": {"topic": 1},
        },
        "tolerance.topic",
        "ordinal and numeric",
    ),
    (
        {"item_id": "it-0004", "values": {"correct": "yes"}, "rationale": "x", "extra": 1},
        "extra",
        "unknown",
    ),
    ('{"item_id": "it-0004", "values": ', None, "JSON"),
]


@pytest.mark.parametrize(("line", "field", "words"), BAD_LINES)
def test_a_bad_line_names_file_line_and_field_and_adds_nothing(
    project, tmp_path, line, field, words
):
    path = write_jsonl(tmp_path / "anchors.jsonl", [GOOD[0], GOOD[1], line])
    before = project.table_counts()
    with pytest.raises(AnchorFileError) as caught:
        anchors.add_anchor_file(project, path)
    assert project.table_counts() == before
    (error,) = caught.value.errors
    assert (error.path, error.line, error.field) == (str(path), 3, field)
    assert words.lower() in error.message.lower()
    assert f"{path}:3:" in str(caught.value)


def test_every_problem_is_listed_and_a_duplicate_item_is_one(project, tmp_path):
    lines = [GOOD[0], BAD_LINES[0][0], GOOD[0], BAD_LINES[3][0]]
    path = write_jsonl(tmp_path / "anchors.jsonl", lines)
    before = project.table_counts()
    with pytest.raises(AnchorFileError) as caught:
        anchors.add_anchor_file(project, path)
    assert [(e.line, e.field) for e in caught.value.errors] == [
        (2, "item_id"),
        (3, "item_id"),
        (4, "rationale"),
    ]
    assert "on line 1" in caught.value.errors[1].message
    assert project.table_counts() == before


def test_retire_stops_an_anchor_but_keeps_it_out_of_assignment(project):
    anchors.add_anchor(project, "it-0005", {"correct": "yes"}, "because")
    retired = anchors.retire_anchor(project, "it-0005", reason="too easy")
    assert retired.status == "retired" and retired.retired_at
    assert anchors.get_anchor(project, "it-0005") is None
    assert anchors.is_anchor(project, "it-0005")
    with pytest.raises(Exception, match="not an anchor"):
        anchors.retire_anchor(project, "it-0005")
