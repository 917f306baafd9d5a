"""Opening, creating and migrating a project file: one SQLite file per project.

Why this shape: every user action is one short `BEGIN IMMEDIATE` transaction on
a WAL-mode file with a busy timeout, so a second process waits instead of
failing, a kill never leaves half a write, and readers never block the writer.
A file that is not a project, is a work pack, or was written by a newer
Annotator is refused before anything is written to it.

    >>> project = create_project("support.annotator", name="Support bot")
    >>> with project.transaction():
    ...     project.audit("import", target="items.jsonl")
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator import __version__
from annotator.base.clock import now_iso
from annotator.base.errors import (
    AnnotatorError,
    DatabaseBusyError,
    NewerVersionError,
    NotAProjectError,
    busy_message,
    is_busy,
)
from annotator.base.storage import ReadOnlyStorageError, storage_error
from annotator.store import schema
from annotator.store.file_check import (
    FileKind,
    Versions,
    application_id_of,
    applied_migrations,
    check_file,
    read_application_id,
)

if TYPE_CHECKING:
    from sqlite_utils import Database

PROJECT_APPLICATION_ID = 0x414E4E4F  # "ANNO": marks a file as an Annotator project
PACK_APPLICATION_ID = 0x414E5041  # "ANPA": marks a work pack (see annotator.exchange.packs)
BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another process's lock
BUSY_TIMEOUT_ENV = "ANNOTATOR_BUSY_TIMEOUT_S"  # override, in seconds (scripts, tests)


def busy_timeout_s() -> float:
    """How long a write waits for another process before giving up, in seconds."""
    text = os.environ.get(BUSY_TIMEOUT_ENV, "")
    try:
        return max(0.0, float(text)) if text else BUSY_TIMEOUT_MS / 1000
    except ValueError:
        return BUSY_TIMEOUT_MS / 1000


class Project:
    """An open project file. Use :func:`open_project` or :func:`create_project`."""

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection,
        actor: str | None = None,
        read_only: bool = False,
    ) -> None:
        self.path = path
        self.conn = conn
        # On read-only media: everything that reads works, every write refuses up front.
        self.read_only = read_only
        self.actor = actor or default_actor()
        self.busy_s = busy_timeout_s()  # how long a write here waits for another process
        # Per-connection memo for immutable things (published rubric versions).
        self.cache: dict[str, Any] = {}
        self.closed = False  # set by close(): a screen's late job result then leaves it alone

    @property
    def db(self) -> Database:
        """A sqlite-utils view of the same connection (imported on first use: it is slow)."""
        if "sqlite_utils_db" not in self.cache:
            # lazy: sqlite-utils loads only when a migration or table helper is needed
            from sqlite_utils import Database

            self.cache["sqlite_utils_db"] = Database(self.conn)
        return self.cache["sqlite_utils_db"]

    # -- metadata -----------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def id(self) -> str:
        return self.meta("project_id") or ""

    @property
    def name(self) -> str:
        return self.meta("name") or self.path.stem

    # -- transactions -------------------------------------------------------
    def set_busy_timeout(self, seconds: float) -> None:
        """How long this connection's writes wait for another process's lock.

        The app's window sets a few milliseconds: a submit must never freeze it, and a
        label that cannot be written at once is kept on disk and retried instead.
        """
        self.busy_s = seconds
        self.conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")

    def defer_checkpoints(self) -> None:
        """Leave WAL checkpoints to :func:`checkpoint` on another thread.

        By default the connection whose commit finds the WAL long copies it into
        the file, in that commit: after another process's big import, that is the
        next submit, which then takes a tenth of a second or more. The window's
        connection turns this off and checkpoints from a background job instead.
        """
        self.conn.execute("PRAGMA wal_autocheckpoint = 0")

    def refuse_if_read_only(self) -> None:
        """A command that will write calls this before its work: on read-only media it
        refuses at once, with what to do."""
        if self.read_only:
            raise ReadOnlyStorageError(read_only_refusal(self.path), self.path)

    @contextmanager
    def transaction(self) -> Iterator[Project]:
        """One write transaction (nested calls become savepoints).

        `BEGIN IMMEDIATE` takes the write lock up front, so two processes never
        deadlock upgrading a read lock; the busy timeout makes the second wait.
        """
        self.refuse_if_read_only()
        if self.conn.in_transaction:
            name = f"sp_{uuid.uuid4().hex}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self
            except BaseException:
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            self.conn.execute(f"RELEASE SAVEPOINT {name}")
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if is_busy(error):
                raise DatabaseBusyError(busy_message(self.path, self.busy_s)) from None
            raise
        try:
            yield self
        except BaseException as error:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.OperationalError) and is_busy(error):
                raise DatabaseBusyError(busy_message(self.path, self.busy_s)) from None
            typed = storage_error(error, self.path) if isinstance(error, _STORAGE) else None
            if typed is not None:
                raise typed from None  # a full disk, an I/O error: nothing was written
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as error:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if is_busy(error):
                raise DatabaseBusyError(busy_message(self.path, self.busy_s)) from None
            typed = storage_error(error, self.path)
            if typed is not None:
                raise typed from None
            raise

    def audit(
        self,
        action: str,
        target: str | None = None,
        details: dict[str, Any] | None = None,
        actor: str | None = None,
    ) -> None:
        """Append to the audit log (call inside the transaction doing the action)."""
        self.conn.execute(
            "INSERT INTO audit_log(at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)",
            (
                now_iso(),
                actor or self.actor,
                action,
                target,
                json.dumps(details or {}, sort_keys=True, default=str),
            ),
        )

    # -- reading ------------------------------------------------------------
    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def row(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        found = self.conn.execute(sql, params).fetchone()
        return found[0] if found else None

    def table_counts(self) -> dict[str, int]:
        """Rows per table: what tests compare to prove a refused input changed nothing."""
        names = [r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: self.scalar(f'SELECT count(*) FROM "{name}"') for name in sorted(names)}

    def close(self) -> None:
        # Refresh the planner's statistics only after writing: a connection that only read
        # (or whose input was refused) leaves the file byte-identical. Closing twice is fine
        # (total_changes raises on a closed connection, and the error is suppressed).
        with suppress(sqlite3.Error):
            if self.conn.total_changes:
                self.conn.execute("PRAGMA optimize")
        self.conn.close()
        self.closed = True

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on some systems
        return "unknown"


def connect(path: Path, journal_mode: str = "WAL") -> sqlite3.Connection:
    """A connection with the pragmas every project and pack connection needs.

    Work packs use `journal_mode="DELETE"`: a file that travels between laptops
    must hold every committed label in itself, with no -wal beside it to forget.
    """
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s() * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def checkpoint(path: str | Path) -> tuple[int, int]:
    """Copy what the WAL holds into the project file, on a connection of its own, without
    waiting for anyone (PASSIVE: pages a reader still needs stay for the next time).
    Returns (frames in the WAL, frames copied); (0, 0) when busy or not in WAL mode."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=0)
    try:
        row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    except sqlite3.OperationalError:  # busy: the next job tries again
        return 0, 0
    finally:
        conn.close()
    return (max(int(row[1]), 0), max(int(row[2]), 0)) if row else (0, 0)


def _read_versions(path: Path) -> Versions:
    """The file's applied migrations and recorded app version, read without writing.

    The path goes in as a percent-encoded URI (a folder named 'Project #1' must not
    cut it short). A cleanly closed file (no -wal or -journal beside it) is read as
    immutable, so a refused file does not even get -wal/-shm side files. If that
    read fails and there is still nothing beside the file, it is damaged: a normal
    read would fail the same way, only leaving -wal/-shm behind. A file another
    process has open (a -wal or -journal beside it) gets a normal read-only connection.
    """
    uri = path.resolve().as_uri()
    if not _has_side_files(path):
        try:
            return _query_versions(f"{uri}?immutable=1")
        except sqlite3.DatabaseError:
            if not _has_side_files(path):
                raise
    return _query_versions(f"{uri}?mode=ro")


def _has_side_files(path: Path) -> bool:
    return any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal"))


def _query_versions(uri: str) -> Versions:
    conn = sqlite3.connect(uri, uri=True)
    try:
        applied = set(applied_migrations(conn))
        row = conn.execute("SELECT value FROM meta WHERE key = 'app_version'").fetchone()
    finally:
        conn.close()
    return applied, row[0] if row else None


def _newer(path: Path, unknown: set[str], version: str | None) -> NewerVersionError:
    writer = f"Annotator {version}" if version and version != __version__ else "a newer Annotator"
    return NewerVersionError(
        f"{path}: written by {writer}, newer than this one ({__version__}); "
        f"it has schema changes this version does not know ({', '.join(sorted(unknown))}). "
        "Nothing was changed. Update Annotator to open it."
    )


PROJECT_FILE = FileKind(
    noun="project",
    application_id=PROJECT_APPLICATION_ID,
    refusal=NotAProjectError,
    foreign=lambda _size: (
        "not an Annotator project (it is not an SQLite file made by Annotator). "
        "Nothing was changed. Create a project with 'annotator init'."
    ),
    read_versions=lambda path: _read_versions(path),
    damaged=lambda path, exc: NotAProjectError(
        f"{path}: damaged or not a project ({exc}). Nothing was changed."
    ),
    newer=_newer,
    other_kinds={
        PACK_APPLICATION_ID: "this is a work pack, not a project. Open it with "
        "'annotator pack open', or merge it with 'annotator pack merge PROJECT PACK'."
    },
)


def check_project_file(path: Path) -> None:
    """Refuse, without writing, a file that is not an Annotator project of this version."""
    check_file(path, PROJECT_FILE)


def backup_path(path: Path, stamp: str) -> Path:
    return path.with_name(f"{path.name}.backup-{stamp}")


def _migrate(path: Path, conn: sqlite3.Connection) -> None:
    applied = applied_migrations(conn)
    if not [name for name in schema.known_names() if name not in applied]:
        return  # up to date: the common case
    if applied:
        stamp = now_iso().replace(":", "").replace("-", "").replace(".", "")
        target = backup_path(path, stamp)
        backup = sqlite3.connect(str(target))
        try:
            conn.backup(backup)
        finally:
            backup.close()
    schema.apply_migrations(conn)


_STORAGE = (sqlite3.OperationalError, sqlite3.DatabaseError, OSError)


def on_read_only_medium(path: Path) -> bool:
    """Whether the project cannot be written where it is: a read-only mount (a USB stick,
    a share, a disk image), or a file or folder the user may not write. SQLite needs the
    folder too, for the journal beside the file."""
    for probe in (path, path.parent):
        try:
            if os.statvfs(probe).f_flag & os.ST_RDONLY:
                return True
        except (OSError, AttributeError):  # no statvfs (Windows): the access check decides
            pass
    return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)


def read_only_refusal(path: Path) -> str:
    return (
        f"{path} is on a read-only medium (or not writable by you), so it was opened only "
        "to read: this command changes the project and was refused before doing anything. "
        "Copy the project somewhere writable to change it."
    )


def _open_read_only(path: Path, actor: str | None) -> Project:
    """A read-only connection that writes nothing beside the file (no -wal, no -shm)."""
    uri = path.resolve().as_uri()
    mode = "mode=ro" if _has_side_files(path) else "immutable=1"
    conn = sqlite3.connect(f"{uri}?{mode}", uri=True, isolation_level=None,
                           check_same_thread=False)  # fmt: skip
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    missing = [n for n in schema.known_names() if n not in set(applied_migrations(conn))]
    if missing:
        conn.close()
        raise ReadOnlyStorageError(
            f"{path} was made by an older Annotator and needs an upgrade, which cannot be "
            "written on a read-only medium. Copy it somewhere writable and open the copy.",
            path,
        )
    return Project(path, conn, actor, read_only=True)


def open_project(path: str | Path, actor: str | None = None) -> Project:
    """Open an existing project, migrating it (after a backup copy) if it is older.
    On a read-only medium it opens read-only (`Project.read_only`): reads work, writes
    refuse."""
    path = Path(path)
    check_project_file(path)
    if on_read_only_medium(path):
        return _open_read_only(path, actor)
    conn = _connect_or_say_why(path)
    try:
        _migrate(path, conn)
        project = Project(path, conn, actor)
        if project.meta("app_version") != __version__:
            with project.transaction():
                project.set_meta("app_version", __version__)
    except BaseException as error:
        conn.close()
        typed = (
            storage_error(error, path, doing="opening it") if isinstance(error, _STORAGE) else None
        )
        if typed is not None:
            raise typed from None
        raise
    return project


def _connect_or_say_why(path: Path, journal_mode: str = "WAL") -> sqlite3.Connection:
    """`connect`, with a full disk or a vanished file said in words (WAL mode writes
    its -shm file beside the project on the first statement)."""
    try:
        return connect(path, journal_mode=journal_mode)
    except sqlite3.OperationalError as error:
        typed = storage_error(error, path, doing="opening it")
        if typed is None:
            raise
        raise typed from None


def open_reader(path: str | Path) -> Project:
    """A second connection to an open project, for reading off the UI thread.

    It skips migration and metadata writes (the main connection did those). A work
    pack (same schema) is read the same way, on its own journal mode.
    """
    path = Path(path)
    if path.is_file() and read_application_id(path) == PACK_APPLICATION_ID:
        return Project(path, connect(path, journal_mode="DELETE"))
    check_project_file(path)
    if on_read_only_medium(path):
        return _open_read_only(path, None)
    return Project(path, _connect_or_say_why(path))


def create_project(path: str | Path, name: str | None = None, actor: str | None = None) -> Project:
    """Create a new, empty project file. Refuses to overwrite an existing file."""
    path = Path(path)
    if path.exists():
        raise AnnotatorError(f"{path}: already exists; open it, or choose another file name.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(path)
    except (OSError, sqlite3.Error) as exc:
        with suppress(OSError):
            remove_project_files(path)  # it did not exist before; leave nothing half-made
        reason = getattr(exc, "strerror", None) or str(exc)
        raise AnnotatorError(
            f"{path}: cannot create the project file here ({reason}); choose a folder "
            "you can write to."
        ) from None
    try:
        conn.execute(f"PRAGMA application_id = {PROJECT_APPLICATION_ID}")
        _migrate(path, conn)
        project = Project(path, conn, actor)
        with project.transaction():
            project.set_meta("project_id", uuid.uuid4().hex)
            project.set_meta("name", name or path.stem)
            project.set_meta("created_at", now_iso())
            project.set_meta("created_by_version", __version__)
            project.set_meta("app_version", __version__)
            project.audit("create", target=str(path.name), details={"name": name or path.stem})
        # Write the header (with the application id) into the main file now, so a
        # second process recognises the new project even while this one has it open.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    return project


def copy_project(project: Project, target: str | Path) -> Path:
    """A consistent copy of an open project (SQLite backup API, safe while in use)."""
    target = Path(target)
    out = sqlite3.connect(str(target))
    try:
        project.conn.backup(out)
    finally:
        out.close()
    return target


def remove_project_files(path: str | Path) -> None:
    """Delete a project file and its WAL side files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


__all__ = [
    "checkpoint",
    "busy_timeout_s",
    "PROJECT_FILE",
    "Project",
    "application_id_of",
    "applied_migrations",
    "check_project_file",
    "connect",
    "copy_project",
    "create_project",
    "open_project",
    "open_reader",
    "read_application_id",
    "remove_project_files",
]
