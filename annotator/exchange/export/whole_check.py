"""Whether the project file is whole, for an export: before its pass, or beside it.

SQLite's quick check reads every page: a fraction of a second for a small project,
over a second at a million labels. A small file (or one the caller holds a
transaction on) is checked before the pass, as ever; a big one on its own
read-only connection in a thread (`store.file_check.BackgroundCheck`) while the
pass runs, on the machine's second core. Either way a damaged file is refused
with the same error and nothing is moved into place: the pass stops between
chunks once the check has found damage, an export whose pass failed first is
refused as the check words it, and the finished files wait for its verdict.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from annotator.base.storage import MB
from annotator.exchange.export.options import ExportError
from annotator.labels.stream import Cancelled
from annotator.store.file_check import BackgroundCheck, integrity_problem
from annotator.store.project import Project

CancelCheck = Callable[[], bool]

# Files up to this size (with their -wal) are checked before the pass: a fraction of
# a second. A bigger one is checked alongside it (`BackgroundCheck`).
CHECK_FIRST_BYTES = 32 * MB


def check_first(project: Project) -> bool:
    """Check a small file (or one the caller is in a transaction on) now, raising if it is
    damaged; True: the file is big, check it beside the pass (`start_beside`)."""
    wal = Path(f"{project.path}-wal")
    size = project.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    if size > CHECK_FIRST_BYTES and not project.conn.in_transaction:
        return True
    problem = integrity_problem(project.conn)
    if problem is not None:
        raise damaged(project, problem)
    return False


def start_beside(project: Project) -> BackgroundCheck:
    """The check of the project file, started in a thread on its own connection; wait
    for it with `verdict` (or `found_beside` when the pass failed). The Arrow readers
    run in child processes (`store.arrow_server`), so no second copy of SQLite shares
    this process's locks or its mapped WAL index."""
    return BackgroundCheck(project.path, timeout_s=min(project.busy_s, 5.0))


def verdict(project: Project, check: BackgroundCheck | None) -> None:
    """Wait for the check started beside the pass; raise if it found the file damaged
    (or, when it could not check there, check on the project's own connection)."""
    if check is None:
        return
    problem = check.problem()
    if not check.checked:
        problem = integrity_problem(project.conn)
    if problem is not None:
        raise damaged(project, problem)


def watching(
    project: Project, check: BackgroundCheck | None, cancelled: CancelCheck | None
) -> CancelCheck | None:
    """The pass's cancel check, which also stops the pass once the check beside it has
    found the file damaged (asked between chunks)."""
    if check is None:
        return cancelled

    def stop() -> bool:
        problem = check.damaged()
        if problem is not None:
            raise damaged(project, problem)
        return cancelled is not None and cancelled()

    return stop


def found_beside(project: Project, check: BackgroundCheck, error: BaseException) -> str | None:
    """What the check beside a pass that failed with `error` found: a damaged file is
    refused as the check words it, whatever the pass tripped over first. Asked to stop
    (Ctrl-C, a cancel), the check is interrupted instead."""
    if not isinstance(error, Exception) or isinstance(error, Cancelled):
        check.stop()
        return None
    problem = check.problem()
    if not check.checked and isinstance(error, sqlite3.DatabaseError):
        problem = integrity_problem(project.conn)
    return problem


def damaged(project: Project, problem: str) -> ExportError:
    return ExportError(
        f"{project.path}: the project file is damaged ({problem}); nothing was exported. "
        "Nothing was changed. Restore it from a copy or from a backup beside it "
        f"({project.path.name}.backup-*)."
    )


__all__ = [
    "CHECK_FIRST_BYTES",
    "check_first",
    "damaged",
    "found_beside",
    "start_beside",
    "verdict",
    "watching",
]
