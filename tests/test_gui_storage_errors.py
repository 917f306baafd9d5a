"""In the window, on a disk that fills mid-session: Enter says why (form, banner, status
line) and keeps the answer; freeing space saves it (on its own, or on Enter); the draft
autosave neither raises nor loses anything; a quit with answers still unwritten asks,
writes the recovery file, and the next open of the project offers to apply it.

The disk is filled at the storage layer: the project's connection refuses every
write the way SQLite does on a full disk (`database or disk is full`), and the
pending-labels file beside the project gets `ENOSPC`, as it would on the same disk.
One test fills a real disk too: a small tmpfs of its own (root on Linux; skipped,
saying why, where it cannot mount one).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.base.storage import DiskFullError
from annotator.labels.labels import current_label
from annotator.queue import assignments
from annotator.store.project import open_project
from annotator.workbench.drafts import load_draft
from annotator.workbench.recovery import recovery_for, recovery_path
from tests.support.gui import press, type_text
from tests.support.queue_project import make_project, people
from tests.test_workbench_recovery import Disk
from ui.annotate import waiting
from ui.shell import main_window
from ui.shell.main_window import MainWindow

VALUES = {"correct": "yes", "topic": "med", "quality": 4, "confidence": 50}


@pytest.fixture
def project_path(tmp_path):
    project = make_project(tmp_path, n_items=6)
    people(project, ["ana"])
    assignments.assign(project, ["ana"], seed=1)
    project.close()
    return tmp_path / "q.annotator"


def labeling_window(qtbot, path) -> MainWindow:
    window = MainWindow()
    window.ask_to_keep_unsaved = lambda count, reason: True  # replaced where a test asks
    window.errors = []  # what a modal would have said (a test never blocks on one)
    window.show_error = window.errors.append
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert window.open_file(str(path))
    window.start_labeling("ana")
    window.annotate.setFocus()
    return window


@pytest.fixture
def window(qtbot, project_path, monkeypatch):
    monkeypatch.setattr(waiting, "STORAGE_RETRY_MS", 150)  # retried on its own, soon
    window = labeling_window(qtbot, project_path)
    disk = Disk(window.project)
    window.disk = disk
    yield window
    disk.free()
    window.ask_to_keep_unsaved = lambda count, reason: True
    assert window.close() and window.errors == []


def labels_of(window) -> int:
    return window.project.scalar("SELECT count(*) FROM labels")


def fill(view, rationale: str = "") -> None:
    view.form.set_values(VALUES)
    view.rationale.setPlainText(rationale)
    view.setFocus()


def test_enter_on_a_full_disk_says_why_keeps_the_answer_and_saves_when_space_returns(window, qtbot):
    view, disk, ana = window.annotate, window.disk, window.annotate.session.annotator.id
    saved_before = view.card.item.id
    fill(view, "fine")
    press(view, Qt.Key.Key_Return)
    assert labels_of(window) == 1 and view.card.item.id != saved_before

    item = view.card.item.id
    fill(view, "first try")
    disk.fill()
    for _ in range(5):  # as seen: Enter, five times, on a full disk
        press(view, Qt.Key.Key_Return)
    assert view.storage_banner.isVisible()
    assert "is full" in view.storage_banner.text.text()
    assert "your answer is kept" in view.storage_banner.text.text()
    assert view.message.text().startswith("Not saved: the disk is full. Your answer is kept")
    assert window.statusBar().currentMessage().startswith("Not saved: The disk holding")
    assert view.submit_button.text() == waiting.NOT_SAVED_TEXT
    assert view.card.item.id == item and view.form.values() == VALUES, "kept on screen"
    assert view.session.waiting is not None and view.session.waiting.item_id == item
    assert labels_of(window) == 1

    view.rationale.setPlainText("second thoughts")  # edited while the disk is full
    view.setFocus()
    press(view, Qt.Key.Key_Return)
    assert labels_of(window) == 1 and view.storage_banner.isVisible()

    disk.free()  # no key pressed: the view retries on its own
    qtbot.waitUntil(lambda: view.card is not None and view.card.item.id != item, timeout=5000)
    label = current_label(window.project, item, ana)
    assert label.values == VALUES and label.rationale == "second thoughts"
    assert not view.storage_banner.isVisible() and view.submit_button.text() == waiting.SUBMIT_TEXT
    assert labels_of(window) == 2 and view.session.waiting is None

    item = view.card.item.id  # and once more, freed space then Enter
    fill(view, "third")
    disk.fill()
    press(view, Qt.Key.Key_Return)
    assert view.storage_banner.isVisible() and view.card.item.id == item
    disk.free()
    press(view, Qt.Key.Key_Return)
    assert current_label(window.project, item, ana).rationale == "third"
    assert labels_of(window) == 3 and not view.storage_banner.isVisible()


def test_the_draft_autosave_on_a_full_disk_neither_raises_nor_loses(window, qtbot):
    view, disk = window.annotate, window.disk
    ana, item = view.session.annotator.id, view.card.item.id
    disk.fill()
    press(view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    type_text(view, "half a thought")
    qtbot.waitUntil(lambda: item in view.session.unsaved_drafts)
    assert view.storage_banner.isVisible() and "draft" in view.storage_banner.title.text()
    assert "your draft could not be written" in view.storage_banner.text.text()
    assert view.rationale.toPlainText() == "half a thought", "still on screen"
    assert load_draft(window.project, ana, item) is None
    view.save_draft()  # as a screen switch or a close does: no error escapes
    disk.free()
    qtbot.waitUntil(lambda: not view.session.unsaved_drafts)
    draft = load_draft(window.project, ana, item)
    assert draft is not None and draft.rationale == "half a thought"
    assert not view.storage_banner.isVisible()


def test_a_quit_with_unsaved_answers_asks_and_the_next_open_applies_them(
    qtbot, project_path, monkeypatch
):
    window = labeling_window(qtbot, project_path)
    view, disk = window.annotate, Disk(window.project)
    item = view.card.item.id
    fill(view, "kept across a quit")
    disk.fill()
    press(view, Qt.Key.Key_Return)
    assert view.storage_banner.isVisible()
    asked: list[tuple[int, str]] = []

    def stay(count, reason):
        asked.append((count, reason))
        return False

    monkeypatch.setattr(window, "ask_to_keep_unsaved", stay)
    assert not window.close(), "the person chose to stay"
    assert asked and asked[0][0] == 1 and "is full" in asked[0][1]
    assert window.isVisible() and view.form.values() == VALUES
    monkeypatch.setattr(window, "ask_to_keep_unsaved", lambda count, reason: True)
    assert window.close()
    disk.free()
    assert recovery_path().exists()

    later = MainWindow()  # the next launch
    qtbot.addWidget(later)
    later.show()
    assert later.recovery_banner.isVisible(), "offered at the start"
    assert "Open project" in later.recovery_banner.apply.text()
    later.recovery_banner.apply.click()  # opens the project, which offers to apply
    assert later.project is not None and later.recovery_banner.isVisible()
    assert "1 answer(s) for this project" in later.recovery_banner.text.text()
    later.recovery_banner.apply.click()
    assert not later.recovery_banner.isVisible() and not recovery_path().exists()
    assert "Applied 1 recovered label(s)" in later.statusBar().currentMessage()
    who = later.project.scalar("SELECT id FROM annotators WHERE name = 'ana'")
    label = current_label(later.project, item, who)
    assert label.values == VALUES and label.rationale == "kept across a quit"
    assert recovery_for(later.project) is None
    later.close()
    with open_project(project_path) as project:
        assert project.scalar("SELECT count(*) FROM labels") == 1


def test_a_storage_error_from_a_key_is_told_not_raised_out_of_the_event_filter(window, monkeypatch):
    view, disk = window.annotate, window.disk
    fill(view)
    press(view, Qt.Key.Key_Return)  # one label, so there is an earlier item to go back to
    disk.fill()
    press(view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # back: writes its position
    assert view.card is not None and view.card.from_history, "a lost position is harmless"
    disk.free()

    def raw_full_disk():  # a write somewhere that no one typed: the filter's safety net
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(view, "undo", raw_full_disk)
    press(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "is full" in window.statusBar().currentMessage()
    assert not window.on_key_error(ValueError("a bug")), "anything else is raised"


def test_a_saved_label_whose_next_item_cannot_be_drawn_waits_on_screen(window, qtbot, monkeypatch):
    view = window.annotate
    item, real = view.card.item.id, view.session.open_next

    def full_disk():
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(view.session, "open_next", full_disk)  # the queue's one-row advance
    fill(view)
    press(view, Qt.Key.Key_Return)
    assert labels_of(window) == 1 and view.card.item.id == item
    assert view.storage_banner.isVisible()
    assert "next item could not be opened" in view.storage_banner.title.text()
    press(view, Qt.Key.Key_Return)  # keys wait for the next item: no second label
    assert labels_of(window) == 1 and view.card.item.id == item
    monkeypatch.setattr(view.session, "open_next", real)
    qtbot.waitUntil(lambda: view.card is not None and view.card.item.id != item, timeout=5000)
    assert not view.storage_banner.isVisible() and labels_of(window) == 1


@pytest.fixture
def medium(tmp_path):
    """An 8 MB file system of the test's own, to fill for real (root on Linux)."""
    folder = tmp_path / "medium"
    folder.mkdir()
    if not sys.platform.startswith("linux"):
        pytest.skip("a tmpfs of the test's own needs Linux: the real full-disk test skipped")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        reason = done.stderr.decode().strip() or "mount refused"
        pytest.skip(f"cannot mount a tmpfs here (needs root): {reason}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def fill_up(folder: Path) -> Path:
    """Write a filler file until the file system says ENOSPC; returns its path."""
    filler = folder / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


def test_a_disk_that_really_fills_mid_session_loses_no_answer(qtbot, project_path, medium):
    path = medium / "q.annotator"
    shutil.copy(project_path, path)
    window = labeling_window(qtbot, path)
    view, ana = window.annotate, window.annotate.session.annotator.id
    fill(view, "before")
    press(view, Qt.Key.Key_Return)
    item = view.card.item.id
    filler = fill_up(medium)
    fill(view, "on a full disk")
    for _ in range(3):
        press(view, Qt.Key.Key_Return)
    assert view.storage_banner.isVisible(), view.message.text()
    assert f"The disk holding {path} is full" in view.storage_banner.text.text()
    assert view.card.item.id == item and view.form.values() == VALUES
    view.save_draft()  # the autosave on the same full disk: no error escapes
    filler.unlink()  # space is freed: Enter saves it
    press(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.card is not None and view.card.item.id != item, timeout=5000)
    assert not view.storage_banner.isVisible()
    assert current_label(window.project, item, ana).rationale == "on a full disk"
    assert window.project.scalar("SELECT count(*) FROM labels") == 2
    window.close()


def test_labeling_a_project_on_read_only_media_says_why_instead_of_raising(
    qtbot, project_path, medium
):
    path = medium / "q.annotator"
    shutil.copy(project_path, path)
    done = subprocess.run(["mount", "-o", "remount,ro", str(medium)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only: {done.stderr.decode().strip()}")
    window = MainWindow()
    window.errors = []
    window.show_error = window.errors.append
    qtbot.addWidget(window)
    assert window.open_file(str(path)) and window.project.read_only
    window.start_labeling("ana")
    assert len(window.errors) == 1 and "read-only medium" in window.errors[0]
    assert window.annotate.session is None and window.current_screen is window.start
    window.close()


def test_a_quit_when_even_the_recovery_file_is_refused_stays_open_unless_told(window, monkeypatch):
    view, disk = window.annotate, window.disk
    fill(view, "nowhere to go")
    disk.fill()
    press(view, Qt.Key.Key_Return)
    assert view.saving

    def settings_disk_full(*_args, **_kwargs):
        raise DiskFullError("The disk holding the settings folder is full.")

    monkeypatch.setattr(main_window, "write_recovery", settings_disk_full)
    told: list[str] = []
    window.ask_to_lose_unsaved = lambda count, reason: told.append(reason) or False
    assert not window.close() and window.isVisible()
    assert told == ["The disk holding the settings folder is full."]
    assert view.saving and view.form.values() == VALUES, "still on screen, still in memory"
    window.ask_to_lose_unsaved = lambda count, reason: True  # the person insists
    assert window.close() and not recovery_path().exists()


def test_the_lead_screens_read_a_project_on_read_only_media(qtbot, project_path, medium):
    path = medium / "q.annotator"
    shutil.copy(project_path, path)
    done = subprocess.run(["mount", "-o", "remount,ro", str(medium)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only: {done.stderr.decode().strip()}")
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(str(path)) and window.project.read_only
    assert "read-only" in window.windowTitle()
    assert "Read-only" in window.statusBar().currentMessage()
    assert "Read-only" in window.start.project_facts.text(), "said on the start screen too"
    window.show_screen("items")
    browser = window.screen("items")
    qtbot.waitUntil(lambda: len(browser.model.rows) > 0, timeout=10_000)
    window.show_screen("dashboard")
    dashboard = window.screen("dashboard")
    qtbot.waitUntil(lambda: dashboard.overview is not None, timeout=60_000)
    assert sorted(p.name for p in medium.iterdir()) == ["q.annotator"], "nothing written beside"
    window.close()
