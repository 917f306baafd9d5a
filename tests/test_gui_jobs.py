"""Background jobs: results come back on the UI thread, and never to a deleted widget."""

from __future__ import annotations

import threading
import time

import shiboken6
from PySide6.QtWidgets import QApplication, QWidget

from ui.widgets.jobs import run_job, wait_for_jobs


def test_result_arrives_on_the_ui_thread(qtbot):
    seen = []
    owner = QWidget()
    qtbot.addWidget(owner)
    run_job(
        lambda _job: threading.get_ident(),
        on_done=lambda worker: seen.append((worker, threading.get_ident())),
        owner=owner,
    )
    qtbot.waitUntil(lambda: bool(seen))
    worker, receiver = seen[0]
    assert worker != receiver == threading.get_ident()


def test_callbacks_are_skipped_once_the_owner_is_deleted(qtbot):
    calls = []
    owner = QWidget()
    release = threading.Event()

    def slow(_job):
        release.wait(5)
        return 42

    run_job(slow, on_done=calls.append, owner=owner)
    shiboken6.delete(owner)  # the window closed while the job was running
    release.set()
    assert wait_for_jobs(5000)
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        QApplication.processEvents()
    assert calls == [], "no callback ran for a widget that no longer exists"
