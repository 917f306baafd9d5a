"""Refusing, before a byte is written, a file that is not the Annotator file asked for.

Projects and work packs are both SQLite files marked by an application id, and
both are checked the same way: it exists, it is not a folder, it carries the
right id (and if it carries the other kind's, say how to use it), it is whole,
it can be read, and it has no schema change this version does not know. The
walk lives here once; each kind supplies only its words and errors.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.base.errors import AnnotatorError
from annotator.store import schema

SQLITE_HEADER = b"SQLite format 3\x00"

Versions = tuple[set[str], str | None]
"""A file's applied migrations and the app version recorded in it."""


@dataclass(frozen=True)
class FileKind:
    """What one kind of Annotator file is called and how its refusals read."""

    noun: str  # "project", "work pack"
    application_id: int
    refusal: type[AnnotatorError]  # raised for anything that is not this kind of file
    foreign: Callable[[int], str]  # a file not made by Annotator, given its size in bytes
    read_versions: Callable[[Path], Versions]  # read-only, never making side files
    damaged: Callable[[Path, Exception], AnnotatorError]
    newer: Callable[[Path, set[str], str | None], AnnotatorError]
    other_kinds: dict[int, str] = field(default_factory=dict)  # id -> how to use it instead
    cut_short: Callable[[Path, int, int], AnnotatorError] | None = None  # (size, expected)


def check_file(path: Path, kind: FileKind) -> None:
    """Raise `kind.refusal` (or its damaged/newer errors) unless `path` is such a file."""
    if not path.exists():
        raise kind.refusal(f"{path}: no such {kind.noun} file.")
    if path.is_dir():
        raise kind.refusal(f"{path}: is a folder, not a {kind.noun} file.")
    app_id = application_id_of(path)
    if app_id != kind.application_id:
        other = kind.other_kinds.get(app_id) if app_id is not None else None
        raise kind.refusal(f"{path}: {other or kind.foreign(path.stat().st_size)}")
    if kind.cut_short is not None:
        sizes = header_sizes(path)
        size = path.stat().st_size
        if sizes is not None and size < sizes[0] * sizes[1]:
            raise kind.cut_short(path, size, sizes[0] * sizes[1])
    try:
        applied, version = kind.read_versions(path)
    except sqlite3.DatabaseError as exc:
        raise kind.damaged(path, exc) from None
    unknown = applied - set(schema.known_names())
    if unknown:
        raise kind.newer(path, unknown, version)


def read_application_id(path: Path) -> int | None:
    """The SQLite application id of a file, or None if it is not an SQLite file.

    Reads the header bytes only, so inspecting a file never changes it.
    """
    with open(path, "rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(SQLITE_HEADER):
        return None
    return int.from_bytes(header[68:72], "big")


def application_id_of(path: Path) -> int | None:
    """The file's application id as SQLite sees it (None: not an SQLite file).

    The header is read first, without opening the file. A project still open
    in WAL mode may have its id only in the -wal so far; then SQLite is asked,
    read-only.
    """
    header_id = read_application_id(path)
    if header_id is None or header_id != 0 or not Path(f"{path}-wal").exists():
        return header_id
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA application_id").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return header_id


def header_sizes(path: Path) -> tuple[int, int] | None:
    """(page size, pages) from the SQLite header, when the header vouches for them."""
    with open(path, "rb") as handle:
        header = handle.read(100)
    if len(header) < 100:
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96] and pages > 0
    return (page_size, pages) if valid else None


def integrity_problem(conn: sqlite3.Connection) -> str | None:
    """None when SQLite's quick check finds the file whole, else its first complaint.

    The check reads every page once (far less than any pass that uses the data), so a
    long job on a file damaged in the middle is refused before it starts.
    """
    try:
        rows = [row[0] for row in conn.execute("PRAGMA quick_check(1)")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return _first_complaint(rows)


# SQLite errors that mean the check could not run on its own connection (another
# process holds a lock, the file cannot be opened read-only, or it was told to stop),
# not that the file is damaged: the caller then checks on its own connection.
_NOT_CHECKED = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_INTERRUPT")


class BackgroundCheck:
    """SQLite's quick check of a file, on its own read-only connection in a thread.

    Why: the check reads every page, which costs a long job a second or more per few
    hundred MB; sqlite3 releases the GIL while it runs, so on a second core it costs
    the job almost nothing. The job runs meanwhile and keeps its result unpublished
    until `problem` says the file is whole. `checked` is False when the check could
    not run there (a lock, a file that cannot be opened read-only): the caller checks
    on its own connection instead."""

    def __init__(self, path: Path, timeout_s: float = 5.0) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self.found: str | None = None
        self.checked = False
        self._conn: sqlite3.Connection | None = None
        self._stopped = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="quick-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro",
                uri=True,
                timeout=self.timeout_s,
                check_same_thread=False,
            )
        except sqlite3.Error:
            self._done.set()
            return
        try:
            with self._lock:
                self._conn = None if self._stopped else conn
            if self._conn is not None:
                rows = [row[0] for row in conn.execute("PRAGMA quick_check(1)")]
                self.found, self.checked = _first_complaint(rows), True
        except sqlite3.DatabaseError as exc:
            if not str(getattr(exc, "sqlite_errorname", "")).startswith(_NOT_CHECKED):
                self.found, self.checked = str(exc), True
        finally:
            with self._lock:
                self._conn = None
            conn.close()
            self._done.set()

    def damaged(self) -> str | None:
        """The check's first complaint if it has finished and found one (never waits)."""
        return self.found if self._done.is_set() else None

    def problem(self) -> str | None:
        """Wait for the check: None when the file is whole (or it could not check,
        see `checked`), else its first complaint."""
        self._done.wait()
        return self.found

    def stop(self) -> None:
        """Interrupt the check (the job failed for another reason) and wait for it."""
        with self._lock:
            self._stopped = True
            if self._conn is not None:
                self._conn.interrupt()
        self._done.wait()


def _first_complaint(rows: list[str]) -> str | None:
    if rows == ["ok"]:
        return None
    lines = [line for line in "\n".join(rows).splitlines() if line and not line.startswith("***")]
    return lines[0] if lines else "SQLite's quick check failed"


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """Names of this app's migrations recorded in a file, in the order applied."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
    ).fetchone()
    if not exists:
        return []
    return [
        row[0]
        for row in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
            (schema.MIGRATION_SET,),
        )
    ]


__all__ = [
    "BackgroundCheck",
    "FileKind",
    "SQLITE_HEADER",
    "Versions",
    "application_id_of",
    "applied_migrations",
    "check_file",
    "header_sizes",
    "integrity_problem",
    "read_application_id",
]
