"""A disk that refuses writes: the session keeps the answer (label and draft) in memory,
says why with a typed error, writes it when space returns, and a quit leaves the rest
in a recovery file that the next open applies through the normal submit path."""

from __future__ import annotations

import errno
import json
import sqlite3

import pytest

from annotator.base.storage import DiskFullError, ReadOnlyStorageError, StorageIOError
from annotator.labels.labels import current_label
from annotator.queue import assignments
from annotator.workbench import session as session_module
from annotator.workbench import unsaved
from annotator.workbench.drafts import load_draft
from annotator.workbench.pending import pending_labels
from annotator.workbench.recovery import (
    apply_recovery,
    discard_recovery,
    recovery_for,
    recovery_path,
    waiting_recoveries,
    write_recovery,
)
from annotator.workbench.session import WorkSession
from tests.support.queue_project import make_project, people

VALUES = {"correct": "yes", "topic": "med", "quality": 4, "confidence": 50}
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class FullDisk:
    """The project's connection on a full disk: reads work, every write is refused
    the way SQLite refuses it (`SQLITE_FULL`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args):
        if sql.lstrip().upper().startswith(WRITES):
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.execute(sql, *args)

    def executemany(self, sql: str, *args):
        if sql.lstrip().upper().startswith(WRITES):
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.executemany(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


def no_room_for_files(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    project = make_project(tmp_path, n_items=6)
    people(project, ["ana"])
    assignments.assign(project, ["ana"], seed=1)
    yield project
    project.close()


class Disk:
    """`fill()` refuses every write (the database and the pending file); `free()` ends it."""

    def __init__(self, project) -> None:
        self.project = project
        self.real = project.conn
        self.add_pending = unsaved.add_pending

    def fill(self) -> None:
        self.project.conn = FullDisk(self.real)
        unsaved.add_pending = no_room_for_files

    def free(self) -> None:
        self.project.conn = self.real
        unsaved.add_pending = self.add_pending


@pytest.fixture
def disk(project):
    disk = Disk(project)
    yield disk
    disk.free()


def labels_of(project) -> int:
    return project.scalar("SELECT count(*) FROM labels")


def test_a_submit_the_disk_refuses_is_kept_in_memory_and_lands_when_space_returns(project, disk):
    session = WorkSession(project, "ana")
    card = session.open_next()
    disk.fill()
    with pytest.raises(DiskFullError, match="is full.*your label could not be written") as full:
        session.submit(VALUES, "because", 3.0)
    assert "press Enter again" in str(full.value) and str(project.path) in str(full.value)
    assert session.waiting is not None and session.waiting.item_id == card.item.id
    with pytest.raises(DiskFullError):
        session.retry_waiting()  # still full: still kept
    assert session.waiting is not None
    disk.free()
    assert labels_of(project) == 0 and pending_labels(project) == []
    result = session.retry_waiting()
    assert result is not None and result.label.item_id == card.item.id
    saved = current_label(project, card.item.id, session.annotator.id)
    assert saved.values == VALUES and saved.rationale == "because" and saved.status == "submitted"
    assert session.waiting is None and labels_of(project) == 1
    assert session.open_next().item.id != card.item.id


def test_a_draft_the_disk_refuses_raises_a_typed_error_and_is_kept(project, disk):
    session = WorkSession(project, "ana")
    card = session.open_next()
    disk.fill()
    with pytest.raises(DiskFullError, match="your draft could not be written"):
        session.save_draft({"correct": "no"}, "half", 2.0)
    assert session.unsaved_drafts[card.item.id].values == {"correct": "no"}
    assert session.card_for(card.item.id).initial_values == {"correct": "no"}, "shown again"
    assert session.write_unsaved_drafts() == 1
    disk.free()
    assert session.write_unsaved_drafts() == 0
    kept = load_draft(project, session.annotator.id, card.item.id)
    assert kept is not None and kept.values == {"correct": "no"} and kept.rationale == "half"


def test_kept_labels_stop_quietly_on_a_full_disk(project, disk):
    session = WorkSession(project, "ana")
    session.open_next()
    session.submit(VALUES, "", 1.0)
    disk.fill()
    assert WorkSession(project, "ana").write_kept_labels() == []  # nothing kept, nothing raised


def test_a_quit_writes_the_recovery_file_and_the_next_open_applies_it(project, disk):
    session = WorkSession(project, "ana")
    first = session.open_next()
    disk.fill()
    with pytest.raises(DiskFullError):
        session.submit(VALUES, "first answer", 3.0)
    names = {session.annotator.id: "ana"}
    path = write_recovery(project, session.unsaved(), names)
    assert path == recovery_path() and path.parent == (project.path.parent / "config")
    data = json.loads(path.read_text(encoding="utf-8"))
    part = data["projects"][project.id]
    assert part["project_path"] == str(project.path)
    [entry] = part["labels"]
    assert entry["item_id"] == first.item.id and entry["annotator"] == "ana"
    assert entry["values"] == VALUES and entry["rationale"] == "first answer"
    assert entry["status"] == "submitted" and entry["submitted_at"] and entry["started_at"]
    # Still full at the next launch: nothing lands, the file stays.
    outcome = apply_recovery(project)
    assert outcome.landed == 0 and outcome.left == 1 and recovery_for(project) is not None
    disk.free()
    assert [r.project_id for r in waiting_recoveries()] == [project.id]
    outcome = apply_recovery(project)
    assert (outcome.landed, outcome.left, outcome.error) == (1, 0, None)
    saved = current_label(project, first.item.id, session.annotator.id)
    assert saved.values == VALUES and saved.rationale == "first answer"
    assert saved.uid == entry["uid"], "the label as submitted, not a new one"
    assert recovery_for(project) is None and not path.exists()
    assert apply_recovery(project).landed == 0 and labels_of(project) == 1


def test_a_recovered_draft_is_restored_and_discard_forgets_the_file(project, disk):
    session = WorkSession(project, "ana")
    card = session.open_next()
    disk.fill()
    with pytest.raises(DiskFullError):
        session.save_draft({"quality": 2}, "not done", 4.0)
    write_recovery(project, session.unsaved(), {session.annotator.id: "ana"})
    disk.free()
    outcome = apply_recovery(project)
    assert (outcome.landed, outcome.drafts, outcome.left) == (0, 1, 0)
    draft = load_draft(project, session.annotator.id, card.item.id)
    assert draft is not None and draft.values == {"quality": 2} and draft.rationale == "not done"
    assert not recovery_path().exists()
    write_recovery(project, session.unsaved(), {session.annotator.id: "ana"})
    assert recovery_for(project) is not None
    discard_recovery(project)
    assert recovery_for(project) is None and not recovery_path().exists()


def test_a_recovery_file_that_is_not_one_names_the_file_and_field(project):
    recovery_path().parent.mkdir(parents=True, exist_ok=True)
    recovery_path().write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(Exception, match=r"recovery\.json: not an Annotator recovery file"):
        recovery_for(project)


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        (sqlite3.OperationalError("disk I/O error"), StorageIOError, "reported an I/O error"),
        (OSError(errno.EROFS, "Read-only file system"), ReadOnlyStorageError, "read-only"),
        (OSError(errno.ENOSPC, "No space left on device"), DiskFullError, "is full"),
    ],
)
def test_every_storage_refusal_keeps_the_label_and_says_what_to_do(
    project, monkeypatch, error, kind, words
):
    session = WorkSession(project, "ana")
    card = session.open_next()

    def refuse(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(session_module, "submit_label", refuse)
    monkeypatch.setattr(unsaved, "add_pending", no_room_for_files)
    with pytest.raises(kind, match=words):
        session.submit(VALUES, "", 1.0)
    assert session.waiting is not None and session.waiting.item_id == card.item.id
    assert [e.item_id for e in session.unsaved().labels] == [card.item.id]


def test_an_error_that_is_not_the_disk_is_raised_as_it_is_and_nothing_is_kept(project, monkeypatch):
    session = WorkSession(project, "ana")
    session.open_next()

    def bug(*_args, **_kwargs):
        raise sqlite3.OperationalError("no such column: nope")

    monkeypatch.setattr(session_module, "submit_label", bug)
    with pytest.raises(sqlite3.OperationalError, match="no such column"):
        session.submit(VALUES, "", 1.0)
    assert session.waiting is None and not session.unsaved()


def test_a_damaged_recovery_file_is_set_aside_and_never_costs_the_answers(project, disk):
    recovery_path().parent.mkdir(parents=True, exist_ok=True)
    recovery_path().write_text("{torn", encoding="utf-8")
    session = WorkSession(project, "ana")
    card = session.open_next()
    disk.fill()
    with pytest.raises(DiskFullError):
        session.submit(VALUES, "", 1.0)
    write_recovery(project, session.unsaved(), {session.annotator.id: "ana"})
    [kept] = recovery_for(project).labels
    assert kept.item_id == card.item.id
    [aside] = recovery_path().parent.glob("*.unreadable-*.json")
    assert aside.read_text(encoding="utf-8") == "{torn"


def test_the_cli_lists_applies_and_discards_a_recovery(project, disk, capsys):
    from annotator.cli import main

    session = WorkSession(project, "ana")
    first = session.open_next()
    disk.fill()
    with pytest.raises(DiskFullError):
        session.submit(VALUES, "kept", 3.0)
    write_recovery(project, session.unsaved(), {session.annotator.id: "ana"})
    disk.free()
    path = str(project.path)
    assert main(["recover"]) == 0
    assert f"{path}: 1 unwritten label(s) and 0 draft(s)" in capsys.readouterr().out
    assert main(["recover", path, "--list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert (listed["labels"], listed["annotators"]) == (1, ["ana"])
    assert labels_of(project) == 0, "--list writes nothing"
    assert main(["recover", path]) == 0
    assert "Wrote 1 label(s) and restored 0 draft(s)." in capsys.readouterr().out
    saved = current_label(project, first.item.id, session.annotator.id)
    assert saved.rationale == "kept" and recovery_for(project) is None
    assert main(["recover", path]) == 0
    assert "nothing is waiting" in capsys.readouterr().out
    write_recovery(project, session.unsaved(), {session.annotator.id: "ana"})
    assert main(["recover", path, "--discard"]) == 0
    assert "Discarded 1 unwritten label(s)" in capsys.readouterr().out
    assert recovery_for(project) is None and labels_of(project) == 1
    assert main(["recover", "--discard"]) == 2
    assert "--discard needs the PROJECT" in capsys.readouterr().err
