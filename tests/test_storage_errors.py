"""Storage failures become typed errors with a message a person can act on (issue 20)."""

from __future__ import annotations

import errno
import sqlite3

import pytest

from annotator.base.storage import (
    DiskFullError,
    FileVanishedError,
    ReadOnlyStorageError,
    StorageIOError,
    StoragePermissionError,
    storage_error,
)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (sqlite3.OperationalError("database or disk is full"), DiskFullError),
        (sqlite3.OperationalError("disk I/O error"), StorageIOError),
        (sqlite3.OperationalError("attempt to write a readonly database"), ReadOnlyStorageError),
        (OSError(errno.ENOSPC, "No space left on device"), DiskFullError),
        (OSError(errno.EROFS, "Read-only file system"), ReadOnlyStorageError),
        (OSError(errno.EACCES, "Permission denied"), StoragePermissionError),
        (OSError(errno.EIO, "Input/output error"), StorageIOError),
    ],
)
def test_each_failure_has_its_kind_message_and_exit_code(tmp_path, error, kind):
    typed = storage_error(error, tmp_path / "p.annotator", doing="the import")
    assert type(typed) is kind
    assert str(tmp_path / "p.annotator") in str(typed) and "the import" in str(typed)
    assert "Traceback" not in str(typed) and "OperationalError" not in str(typed)


def test_exit_codes_are_distinct_per_kind():
    kinds = [DiskFullError, StorageIOError, ReadOnlyStorageError, StoragePermissionError]
    kinds.append(FileVanishedError)
    codes = [k.exit_code for k in kinds]
    assert len(set(codes)) == len(codes) and 0 not in codes and 2 not in codes


def test_a_full_disk_says_how_much_is_free(tmp_path):
    typed = storage_error(OSError(errno.ENOSPC, "full"), tmp_path / "out" / "x.parquet")
    assert "MB free" in str(typed) and "Free some space" in str(typed)


def test_unable_to_open_is_told_apart_by_the_file_system(tmp_path):
    gone = storage_error(
        sqlite3.OperationalError("unable to open database file"), tmp_path / "moved.annotator"
    )
    assert isinstance(gone, FileVanishedError) and "moved, deleted or unmounted" in str(gone)


def test_other_errors_are_not_storage_errors():
    assert storage_error(sqlite3.OperationalError("no such table: labels")) is None
    assert storage_error(ValueError("bad")) is None
    assert storage_error(OSError(errno.EPIPE, "broken pipe")) is None
