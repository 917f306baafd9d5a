"""A submit while another process holds the project: kept on disk, lands when the lock
frees, never freezes the window; the same person in two windows never silently
replaces their own label."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt

from annotator.labels.labels import LabelConflictError, current_label
from annotator.queue import assignments
from annotator.workbench.pending import PendingLabel, add_pending, pending_labels
from annotator.workbench.session import SavePending, WorkSession
from tests.support.queue_project import make_project, people
from ui.annotate.view import AnnotateView

VALUES = {"correct": "yes", "topic": "med", "quality": 4, "confidence": 50}


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, n_items=6)
    people(project, ["ana"])
    assignments.assign(project, ["ana"], seed=1)
    project.set_busy_timeout(0.02)
    yield project
    project.close()


class WriteLock:
    """Another process's long write (an import, a merge), as SQLite sees it."""

    def __init__(self, path):
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self):
        self.conn.rollback()
        self.conn.close()


def labels_of(project):
    return project.row("SELECT count(*) FROM labels")[0]


def test_a_busy_submit_is_kept_on_disk_and_lands_when_the_lock_frees(project):
    session = WorkSession(project, "ana")
    card = session.open_next()
    lock = WriteLock(project.path)
    try:
        with pytest.raises(SavePending, match="kept on disk"):
            session.submit(VALUES, "", 3.0)
        assert labels_of(project) == 0
        assert [e.item_id for e in pending_labels(project)] == [card.item.id]
        with pytest.raises(SavePending):
            session.retry_waiting()
    finally:
        lock.release()
    result = session.retry_waiting()
    assert result is not None and result.label.item_id == card.item.id
    assert result.label.values == {k: v for k, v in VALUES.items()}
    assert pending_labels(project) == [] and labels_of(project) == 1
    assert session.waiting is None and session.retry_waiting() is None


def test_a_kept_label_survives_a_crash_and_lands_once(project, tmp_path):
    session = WorkSession(project, "ana")
    card = session.open_next()
    lock = WriteLock(project.path)
    try:
        with pytest.raises(SavePending):
            session.submit(VALUES, "why", 3.0)
    finally:
        lock.release()
    # The window is gone (a kill): the next session writes what was kept, once.
    again = WorkSession(project, "ana")
    landed = again.write_kept_labels()
    assert [label.item_id for label in landed] == [card.item.id]
    assert again.write_kept_labels() == [] and labels_of(project) == 1
    assert current_label(project, card.item.id, again.annotator.id).rationale == "why"


def test_a_kept_label_already_written_before_the_crash_is_not_written_twice(project):
    session = WorkSession(project, "ana")
    session.open_next()
    lock = WriteLock(project.path)
    try:
        with pytest.raises(SavePending):
            session.submit(VALUES, "", 3.0)
    finally:
        lock.release()
    session.retry_waiting()
    entry_file = project.path.with_name(project.path.name + ".pending-labels.jsonl")
    assert not entry_file.exists()
    # Simulate the kill between the write and the removal: put the entry back.
    landed_uid = project.row("SELECT uid FROM labels")[0]
    add_pending(project, PendingLabel(landed_uid, "x", "ana", "submitted", {}, "", None,
                                      None, "2026-01-01T00:00:00.000Z", 1.0, 1, None, None,
                                      False))  # fmt: skip
    assert len(WorkSession(project, "ana").write_kept_labels()) == 1
    assert labels_of(project) == 1 and pending_labels(project) == []


def test_the_same_person_in_two_windows_does_not_silently_replace_a_label(project):
    first, second = WorkSession(project, "ana"), WorkSession(project, "ana")
    card = first.open_next()
    assert second.open_next().item.id == card.item.id
    saved = first.submit({**VALUES, "quality": 3}, "", 2.0).label
    with pytest.raises(LabelConflictError, match="another window") as conflict:
        second.submit({**VALUES, "quality": 2}, "", 2.0)
    assert conflict.value.current.id == saved.id
    who = first.annotator.id
    assert current_label(project, card.item.id, who).values["quality"] == 3, "kept the first"
    amended = second.submit({**VALUES, "quality": 2}, "", 2.0).label  # asked again: an amend
    assert amended.supersedes == saved.id
    assert current_label(project, card.item.id, who).values["quality"] == 2


def test_the_window_never_waits_for_the_lock_and_saves_when_it_frees(qtbot, project):
    view = AnnotateView()
    qtbot.addWidget(view)
    view.show()
    view.set_session(WorkSession(project, "ana"), "test")
    first = view.card.item.id
    view.form.set_values(VALUES)
    lock = WriteLock(project.path)
    try:
        qtbot.mouseClick(view.submit_button, Qt.MouseButton.LeftButton)
        assert view.saving and "waiting for another process" in view.message.text()
        assert view.submit_button.text() == "Saving…"
        assert view.card.item.id == first, "stays on the item until it is saved"
        view.handle_action("submit")  # impatient (Enter again): still one label, not two
        qtbot.wait(300)
        assert len(pending_labels(project)) == 1
    finally:
        lock.release()
    qtbot.waitUntil(lambda: not view.saving and view.card.item.id != first, timeout=5000)
    assert labels_of(project) == 1 and pending_labels(project) == []
    assert view.card is not None and view.card.item.id != first
    assert view.submit_button.text().startswith("Submit")
