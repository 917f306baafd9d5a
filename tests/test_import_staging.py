"""Imports check and stage their file without the write lock, then write in one short
transaction: a labeler in another window is not held up for the length of the import,
and the import stays all-or-nothing."""

from __future__ import annotations

import json
import sqlite3

import pytest

from annotator.base.errors import InputError
from annotator.exchange import import_batches
from annotator.exchange.import_batches import ImportRaceError, chunked
from annotator.exchange.item_import import import_items
from annotator.exchange.label_import import import_labels
from annotator.labels.labels import submit_label
from annotator.queue import assignments
from tests.support.queue_project import make_project, people

N_LABELS = 5000  # three chunks of 2,000 rows: progress is reported between them


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, n_items=N_LABELS)
    people(project, ["ana"])
    yield project
    project.close()


def labels_file(tmp_path, n=N_LABELS, annotator="judge"):
    path = tmp_path / "labels.jsonl"
    with open(path, "w") as handle:
        for i in range(n):
            row = {"item_id": f"it-{i:04d}", "annotator": annotator, "values": {"correct": "yes"}}
            handle.write(json.dumps(row) + "\n")
    return path


def other_window_writes(project):
    """Another process writing at once, without waiting: True if it got the lock."""
    other = sqlite3.connect(project.path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO meta(key, value) VALUES ('other', 'x') "
                      "ON CONFLICT(key) DO UPDATE SET value = value || 'x'")  # fmt: skip
        other.execute("COMMIT")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_a_label_import_does_not_hold_the_write_lock_while_it_reads(project, tmp_path):
    got_the_lock = []
    report = import_labels(
        project,
        labels_file(tmp_path),
        source="judge-v1",
        kind="llm_judge",
        progress=lambda rows: got_the_lock.append(other_window_writes(project)),
    )
    assert len(got_the_lock) >= 2 and all(got_the_lock), got_the_lock
    assert report.added == N_LABELS
    assert project.row("SELECT count(*) FROM labels")[0] == N_LABELS
    batch = project.row("SELECT rows_added FROM import_batches WHERE id = ?", (report.batch_id,))
    assert batch[0] == N_LABELS
    assert (
        project.row("SELECT count(*) FROM labels WHERE batch_id = ?", (report.batch_id,))[0]
        == N_LABELS
    )


def test_an_item_import_does_not_hold_the_write_lock_while_it_reads(project, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"new-{i}", "input": "q", "output": "a"}) + "\n" for i in range(5000)
        )
    )
    got_the_lock = []
    report = import_items(
        project, path, progress=lambda rows: got_the_lock.append(other_window_writes(project))
    )
    assert len(got_the_lock) >= 2 and all(got_the_lock)
    assert report.added == 5000
    assert project.row("SELECT count(*) FROM items WHERE id LIKE 'new-%'")[0] == 5000


def test_a_label_file_that_supersedes_itself_keeps_the_chain(project, tmp_path):
    path = tmp_path / "twice.jsonl"
    rows = [
        {"item_id": "it-0001", "annotator": "newcomer", "values": {"correct": "yes"}},
        {"item_id": "it-0001", "annotator": "newcomer", "values": {"correct": "no"}},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = import_labels(project, path, source="crowd", kind="crowd")
    assert (report.added, report.superseded) == (2, 1)
    first, second = project.rows(
        "SELECT l.id, l.supersedes, l.values_json FROM labels l "
        "JOIN annotators a ON a.id = l.annotator_id WHERE a.name = 'newcomer' ORDER BY l.id"
    )
    assert first["supersedes"] is None and second["supersedes"] == first["id"]
    assert json.loads(second["values_json"]) == {"correct": "no"}
    source = project.row("SELECT s.name FROM annotators a JOIN sources s ON s.id = a.source_id "
                         "WHERE a.name = 'newcomer'")  # fmt: skip
    assert source[0] == "crowd"


def test_someone_labeling_the_same_items_meanwhile_makes_the_import_refuse(project, tmp_path):
    before = project.table_counts()
    raced = []

    def meanwhile(rows):
        if not raced:  # another window: ana labels an item the file also labels for ana
            submit_label(project, item_id="it-0003", annotator="ana", values={"correct": "no"})
            raced.append(rows)

    with pytest.raises(ImportRaceError, match="nothing was imported"):
        import_labels(project, labels_file(tmp_path, annotator="ana"), source="experts",
                      kind="expert", progress=meanwhile)  # fmt: skip
    after = project.table_counts()
    assert after["labels"] == before["labels"] + 1, "only the other window's label"
    assert after["import_batches"] == before["import_batches"]


def test_an_assignment_plans_without_the_write_lock(project, monkeypatch):
    planned = assignments.distribute
    got_the_lock = []

    def distribute_and_look(*args, **kwargs):
        got_the_lock.append(other_window_writes(project))
        return planned(*args, **kwargs)

    monkeypatch.setattr(assignments, "distribute", distribute_and_look)
    result = assignments.assign(project, ["ana", "ben"], overlap=0.2, seed=3)
    assert got_the_lock == [True]
    assert result.rows == project.row("SELECT count(*) FROM assignments")[0] > N_LABELS
    assert "ben" in result.created_annotators


def test_a_chunk_holds_a_bounded_amount_of_text():
    big = "x" * 1000
    rows = [(n, {"output": big}) for n in range(50)]
    chunks = list(chunked(iter(rows), size=2000, budget=10_000))
    assert [len(c) for c in chunks] == [10, 10, 10, 10, 10]
    assert [len(c) for c in chunked(iter(rows), size=20, budget=10**9)] == [20, 20, 10]


def test_a_bad_file_is_refused_before_it_is_hashed(project, tmp_path, monkeypatch):
    hashed = []
    monkeypatch.setattr(import_batches, "sha256_of", lambda path: hashed.append(path) or "x")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "input": "q", "output": "a"}\n{"id": \n')
    with pytest.raises(InputError):
        import_items(project, bad)
    assert hashed == []
