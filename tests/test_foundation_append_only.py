"""Nothing a person entered is overwritten: the database itself refuses UPDATE and
DELETE on labels, published rubric versions and the audit log; an amended label is a
new record that supersedes the old one, and the history stays queryable."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from annotator.exchange.label_import import import_labels
from annotator.labels.labels import current_label, get_label, label_history, submit_label
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import Project
from tests.support.foundation import make_project, snapshot, write_jsonl

FORBIDDEN = {
    "labels": [
        "UPDATE labels SET values_json = '{\"quality\": 3}'",
        "UPDATE labels SET status = 'retracted'",
        "DELETE FROM labels",
    ],
    "rubric_versions": [
        "UPDATE rubric_versions SET guidelines = 'rewritten'",
        "UPDATE rubric_versions SET criteria = '[]'",
        "DELETE FROM rubric_versions",
    ],
    "audit_log": [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ],
}
CASES = [(table, sql) for table, statements in FORBIDDEN.items() for sql in statements]


def add_annotator(project: Project, name: str = "Dr. Chen") -> None:
    with project.transaction():
        ensure_annotator(project, name, ensure_source(project, "experts", "expert"))


@pytest.fixture
def labelled(tmp_path: Path) -> Project:
    project = make_project(tmp_path)
    add_annotator(project)
    submit_label(project, item_id="q1", annotator="Dr. Chen", values={"quality": 2})
    yield project
    project.close()


@pytest.mark.parametrize(("table", "sql"), CASES, ids=[sql for _, sql in CASES])
def test_the_database_refuses_changes(labelled: Project, table: str, sql: str) -> None:
    """Through a plain sqlite3 connection, not our code: no code path can get around it."""
    path = labelled.path
    assert labelled.scalar(f"SELECT count(*) FROM {table}") > 0
    before = snapshot(path)
    conn = sqlite3.connect(str(path))
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(sql)
        conn.rollback()
    finally:
        conn.close()
    assert snapshot(path) == before


def test_amending_writes_a_superseding_record_and_keeps_history(labelled: Project) -> None:
    first = current_label(labelled, "q1", labelled.scalar("SELECT id FROM annotators"))
    assert first is not None and first.values == {"quality": 2}

    second = submit_label(
        labelled,
        item_id="q1",
        annotator="Dr. Chen",
        values={"quality": 3, "safety": "safe"},
        rationale="re-read the question",
    )

    assert second.id != first.id
    assert second.supersedes == first.id
    assert get_label(labelled, first.id) == first  # the old record is untouched
    assert current_label(labelled, "q1", second.annotator_id) == second
    history = label_history(labelled, "q1")
    assert [(h["id"], h["values"], h["current"]) for h in history] == [
        (first.id, {"quality": 2}, False),
        (second.id, {"quality": 3, "safety": "safe"}, True),
    ]
    assert labelled.scalar("SELECT count(*) FROM labels") == 2
    assert labelled.scalar("SELECT count(*) FROM current_labels") == 1
    actions = [r[0] for r in labelled.rows("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-2:] == ["label", "edit"]


def test_a_reimported_label_for_the_same_pair_supersedes(labelled: Project, tmp_path: Path) -> None:
    """An external file's new label on an (item, annotator) pair that already has one
    is a new record superseding the old; the old one stays."""
    records = [{"item_id": "q2", "annotator": "ext", "values": {"quality": 1}}]
    import_labels(labelled, write_jsonl(tmp_path / "a.jsonl", records), source="s", kind="other")
    changed = [{"item_id": "q2", "annotator": "ext", "values": {"quality": 3}}]
    report = import_labels(
        labelled, write_jsonl(tmp_path / "b.jsonl", changed), source="s", kind="other"
    )
    assert (report.added, report.superseded) == (1, 1)
    rows = labelled.rows(
        "SELECT l.id, l.values_json, l.supersedes FROM labels l "
        "JOIN annotators a ON a.id = l.annotator_id WHERE a.name = 'ext' ORDER BY l.id"
    )
    assert [json.loads(r[1]) for r in rows] == [{"quality": 1}, {"quality": 3}]
    assert rows[1][2] == rows[0][0]


def test_a_label_keeps_the_rubric_version_it_was_made_under(labelled: Project) -> None:
    from annotator.revision.publish import publish
    from annotator.rubric.versions import current_version
    from annotator.rubric.yaml_file import parse_rubric_text
    from tests.support.foundation import RUBRIC_YAML

    v1 = current_version(labelled)
    label = current_label(labelled, "q1", labelled.scalar("SELECT id FROM annotators"))
    assert label is not None and label.rubric_version_id == v1.id
    v2 = publish(labelled, parse_rubric_text(RUBRIC_YAML.replace("Poor", "Bad")), note="v2")
    assert v2.created and v2.version.version == 2
    assert get_label(labelled, label.id).rubric_version_id == v1.id
