"""A small task manager for work that must not freeze the window.

`run_job(fn, on_done, on_error)` runs `fn(job)` on Qt's thread pool; `job`
offers `progress(done, total)` and `cancelled`. Results come back on the UI
thread through signals. Jobs that touch the project open their own SQLite
connection (`annotator.store.project.open_project` on the same path) so the UI
thread's connection is never shared across threads.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class JobSignals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int)


class Job(QRunnable):
    def __init__(self, fn: Callable[[Job], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = JobSignals()
        self.cancelled = False
        self.setAutoDelete(False)

    def progress(self, done: int, total: int = 0) -> None:
        self.signals.progress.emit(done, total)

    def cancel(self) -> None:
        self.cancelled = True

    def run(self) -> None:
        try:
            result = self.fn(self)
        except BaseException as error:  # noqa: BLE001 - reported to the UI thread
            error.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.signals.failed.emit(error)
        else:
            self.signals.done.emit(result)


_running: set[Job] = set()


def _guarded(callback: Callable[..., None] | None, owner: QObject | None) -> Any:
    """A callback that does nothing once its owner widget is gone (a job may outlive it)."""
    if callback is None or owner is None:
        return callback

    def call(*args: Any) -> None:
        if shiboken6.isValid(owner):
            callback(*args)

    return call


def run_job(
    fn: Callable[[Job], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    owner: QObject | None = None,
) -> Job:
    """Start `fn` off the UI thread; callbacks run on the UI thread.

    Pass the widget the callbacks belong to as `owner`: if it is deleted before
    the job ends (a closed window), the callbacks are skipped instead of crashing.
    """
    job = Job(fn)
    _running.add(job)
    on_done, on_error, on_progress = (
        _guarded(on_done, owner),
        _guarded(on_error, owner),
        _guarded(on_progress, owner),
    )

    def finish(_: Any = None) -> None:
        _running.discard(job)

    if on_done is not None:
        job.signals.done.connect(on_done)
    if on_error is not None:
        job.signals.failed.connect(on_error)
    if on_progress is not None:
        job.signals.progress.connect(on_progress)
    job.signals.done.connect(finish)
    job.signals.failed.connect(finish)
    QThreadPool.globalInstance().start(job)
    return job


def wait_for_jobs(timeout_ms: int = 10_000) -> bool:
    """Block until every job has finished (for shutdown and tests)."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
