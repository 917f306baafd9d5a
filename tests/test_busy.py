"""A project another process keeps busy: a clear message and exit code 75, never a
traceback, and nothing changed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from annotator.base.errors import DatabaseBusyError
from annotator.items.items import add_items, item_from_record
from annotator.store.project import checkpoint, create_project, open_project
from tests.conftest import REPO


@pytest.fixture
def project_path(tmp_path):
    path = tmp_path / "busy.annotator"
    project = create_project(path)
    add_items(project, [item_from_record({"id": "i0", "input": "q", "output": "a"})])
    project.close()
    return path


def hold_write_lock(path):
    """Another process's long write, as SQLite sees it: the write lock, held."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_write_while_another_process_holds_the_lock_is_a_typed_error(project_path, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_BUSY_TIMEOUT_S", "0.2")
    project = open_project(project_path)
    holder = hold_write_lock(project_path)
    try:
        busy = pytest.raises(DatabaseBusyError, match=r"busy for more than 0\.2 s")
        with busy, project.transaction():
            project.set_meta("touched", "yes")
    finally:
        holder.rollback()
        holder.close()
    assert project.meta("touched") is None
    with project.transaction():  # the lock is free again: the same write lands
        project.set_meta("touched", "yes")
    assert project.meta("touched") == "yes"
    project.close()


def test_the_cli_says_busy_with_its_own_exit_code_and_changes_nothing(project_path, tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "i1", "input": "q", "output": "a"}) + "\n")
    holder = hold_write_lock(project_path)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "annotator", "import-items", str(project_path), str(items)],
            cwd=REPO,
            env={**os.environ, "ANNOTATOR_BUSY_TIMEOUT_S": "0.3"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.rollback()
        holder.close()
    assert done.returncode == 75, done.stderr
    assert "Traceback" not in done.stderr
    assert "busy for more than 0.3 s" in done.stderr and "nothing was changed" in done.stderr
    with open_project(project_path) as project:
        assert [row[0] for row in project.rows("SELECT id FROM items")] == ["i0"]


def test_the_window_leaves_checkpoints_to_a_background_job(project_path):
    project = open_project(project_path)
    project.defer_checkpoints()
    assert project.scalar("PRAGMA wal_autocheckpoint") == 0
    add_items(project, [item_from_record({"id": f"w{n}", "input": "q", "output": "a"})
                        for n in range(2000)])  # fmt: skip
    log, copied = checkpoint(project_path)  # another connection, as the job runs it
    assert log > 0 and copied == log, "the WAL was left to the job, and the job copied it"
    assert checkpoint(project_path)[1] == log, "nothing new: the same frames, all copied"
    project.close()
