"""Storage errors a person can act on: a full disk, a read-only medium, an I/O error,
a permission refused, a file that vanished while open.

SQLite and the OS report these as `sqlite3.OperationalError` text or `OSError`
numbers; `storage_error` turns either into one typed error with a message that
says what happened, where, and what to do, so the CLI, the GUI and long jobs all
say the same thing and none of them shows a traceback. Each kind has its own exit
code (after BSD's sysexits.h), so a script can tell "free some space" from "this
medium is read-only".
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from annotator.base.errors import AnnotatorError

MB = 1024 * 1024


class StorageError(AnnotatorError):
    """The disk or the file system refused a read or a write; nothing half-written is kept."""

    exit_code = 74  # EX_IOERR

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        self.path = str(path) if path is not None else None
        super().__init__(message)


class DiskFullError(StorageError):
    """No space left where the project (or an export) is written."""

    exit_code = 73  # EX_CANTCREAT: the output could not be written


class StorageIOError(StorageError):
    """The disk reported an input/output error (a failing or removed medium)."""

    exit_code = 74  # EX_IOERR


class ReadOnlyStorageError(StorageError):
    """The project (or the folder written to) is on a read-only medium or file."""

    exit_code = 77  # EX_NOPERM


class StoragePermissionError(StorageError):
    """The operating system refused access to the file or folder."""

    exit_code = 76  # ours: refused by permissions, as against read-only media (77)


class FileVanishedError(StorageError):
    """The file was moved, deleted or unmounted while it was open."""

    exit_code = 66  # EX_NOINPUT


def free_mb(path: str | Path) -> float | None:
    """Free space (MB) on the disk holding `path` (or its nearest existing folder)."""
    folder = Path(path)
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            try:
                return shutil.disk_usage(candidate).free / MB
            except OSError:
                return None
    return None


def _kind_of_sqlite(text: str) -> type[StorageError] | None:
    text = text.lower()
    if "disk is full" in text or "database or disk is full" in text:
        return DiskFullError
    if "readonly" in text or "read-only" in text:
        return ReadOnlyStorageError
    if "disk i/o error" in text:
        return StorageIOError
    if "unable to open database file" in text:
        return FileVanishedError  # refined by `_refine_unopenable`
    return None


_ERRNO_KINDS: dict[int, type[StorageError]] = {
    errno.ENOSPC: DiskFullError,
    errno.EROFS: ReadOnlyStorageError,
    errno.EACCES: StoragePermissionError,
    errno.EPERM: StoragePermissionError,
    errno.ENOENT: FileVanishedError,
    errno.EIO: StorageIOError,
}
if hasattr(errno, "EDQUOT"):
    _ERRNO_KINDS[errno.EDQUOT] = DiskFullError


def _refine_unopenable(path: Path | None) -> type[StorageError]:
    """SQLite says only "unable to open database file": ask the file system why."""
    if path is None:
        return StorageError
    if not path.exists():
        return FileVanishedError
    folder = path.parent
    if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK):
        return ReadOnlyStorageError
    return StorageError


def _message(kind: type[StorageError], path: Path | None, doing: str, hint: str) -> str:
    where = str(path) if path is not None else "the project"
    if kind is DiskFullError:
        free = free_mb(path) if path is not None else None
        room = f" ({free:.0f} MB free)" if free is not None else ""
        return (
            f"The disk holding {where} is full{room}, so {doing} could not be written. "
            f"Free some space and {hint}."
        )
    if kind is ReadOnlyStorageError:
        return (
            f"{where} is on a read-only medium or file, so {doing} could not be written. "
            "Copy the project somewhere writable, or open it only to read."
        )
    if kind is StoragePermissionError:
        return f"The system refused access to {where} while {doing}: check its permissions."
    if kind is FileVanishedError:
        return (
            f"{where} was moved, deleted or unmounted while {doing}. Put it back (or "
            "reconnect the drive) and open it again."
        )
    if kind is StorageIOError:
        return (
            f"The disk holding {where} reported an I/O error while {doing} (a failing or "
            f"removed drive?). Check the drive and {hint}."
        )
    return f"Could not read or write {where} while {doing}. Check the drive and {hint}."


def storage_error(
    error: BaseException,
    path: str | Path | None = None,
    *,
    doing: str = "the change",
    hint: str = "try again; nothing was changed",
) -> StorageError | None:
    """The typed error for a storage failure, or None when `error` is something else.

    `path` is what was being written (the project, an export folder); `doing` names the
    work in the message ("your label", "the import"); `hint` ends it with what to do next.
    """
    if isinstance(error, StorageError):
        return error
    where = Path(path) if path is not None else None
    kind: type[StorageError] | None = None
    if isinstance(error, OSError) and error.errno in _ERRNO_KINDS:
        kind = _ERRNO_KINDS[error.errno]
        if where is None and error.filename:
            where = Path(str(error.filename))
    elif type(error).__module__ == "sqlite3":  # looked up, not imported: no sqlite3 for --help
        kind = _kind_of_sqlite(str(error))
        if kind is FileVanishedError:
            kind = _refine_unopenable(where)
    if kind is None:
        return None
    if kind is StorageIOError and where is not None and (free_mb(where) or 0.0) < 1.0:
        kind = DiskFullError  # SQLite reports some writes to a full disk as an I/O error
    return kind(_message(kind, where, doing, hint), where)


__all__ = [
    "DiskFullError",
    "FileVanishedError",
    "ReadOnlyStorageError",
    "StorageError",
    "StorageIOError",
    "StoragePermissionError",
    "free_mb",
    "storage_error",
]
