"""A work pack on disk: recognising it, refusing what is not one, opening it.

A pack is an SQLite file with the project's own schema (so the whole annotate
view works on it unchanged) but `PRAGMA application_id = PACK_APPLICATION_ID`,
so a pack is never opened as a project nor a project as a pack. It runs in
rollback-journal mode, not WAL: a file that travels between laptops holds every
committed label in itself, with no `-wal` beside it that could be left behind.
A `-journal` a crash left beside it is dealt with when the pack is next opened
(:func:`recover_journal`): rolled back into the file if SQLite had begun writing
the file, else removed; so the one file is always the whole pack.

    >>> pack = open_pack("chen.annpack")          # for labeling (the app)
    >>> meta = read_meta(pack.conn)
    >>> meta.annotator, meta.project_name, meta.version
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from annotator.base.errors import AnnotatorError
from annotator.store.file_check import (
    FileKind,
    Versions,
    applied_migrations,
    check_file,
    read_application_id,
)
from annotator.store.project import (
    PACK_APPLICATION_ID,
    PROJECT_APPLICATION_ID,
    Project,
    _migrate,
    connect,
)

PACK_SUFFIX = ".annpack"
PACK_JOURNAL_MODE = "DELETE"
META_PREFIX = "pack_"


class PackError(AnnotatorError):
    """A work pack cannot be made, opened, merged or topped up as asked."""


class NotAPackError(PackError):
    """The file is not a work pack (a project, another file, nothing)."""


class DamagedPackError(PackError):
    """The pack file is cut short or damaged. `reason` says what, without advice."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class PackMismatchError(PackError):
    """The pack does not fit this project: another project, edited by hand, unknown."""


@dataclass(frozen=True)
class PackMeta:
    """What a pack says about itself (its `meta` rows named `pack_*`)."""

    pack_id: str
    version: int
    project_id: str
    project_name: str
    annotator: str
    created_at: str
    created_by: str
    items_hash: str
    rubric_hash: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def banner(self) -> str:
        """What the app shows while someone labels in the pack."""
        return (
            f"Work pack from project “{self.project_name}” for {self.annotator} "
            f"(version {self.version}) — labels stay in this file until the lead merges "
            "it back into the project. When you are done, choose File ▸ Ready to send."
        )


def meta_rows(meta: PackMeta) -> list[tuple[str, str]]:
    """The (key, value) rows a pack's `meta` table holds for `meta`."""
    return [(f"{META_PREFIX}{key}", str(value)) for key, value in meta.to_dict().items()]


def read_meta(conn: sqlite3.Connection, path: Path | str = "pack") -> PackMeta:
    """The pack's own description, or DamagedPackError naming what is missing."""
    values = {
        row[0][len(META_PREFIX) :]: row[1]
        for row in conn.execute("SELECT key, value FROM meta WHERE key LIKE 'pack\\_%' ESCAPE '\\'")
    }
    missing = [
        name for name in PackMeta.__dataclass_fields__ if name not in values and name != "note"
    ]
    if missing:
        raise DamagedPackError(
            f"{path}: not a complete work pack (it lacks {', '.join(missing)}); it may have "
            "been edited by hand. Ask the lead for a fresh pack. Nothing was changed."
        )
    try:
        version = int(values["version"])
    except ValueError:
        raise DamagedPackError(f"{path}: the pack's version is not a number.") from None
    return PackMeta(
        pack_id=values["pack_id"],
        version=version,
        project_id=values["project_id"],
        project_name=values["project_name"],
        annotator=values["annotator"],
        created_at=values["created_at"],
        created_by=values["created_by"],
        items_hash=values["items_hash"],
        rubric_hash=values["rubric_hash"],
        note=values.get("note", ""),
    )


def _read_versions(path: Path) -> Versions:
    conn = reader_connection(path)
    try:
        return set(applied_migrations(conn)), None
    finally:
        conn.close()


def _foreign(size: int) -> str:
    what = "an empty file" if size == 0 else "not an SQLite file made by Annotator"
    return (
        f"not an Annotator work pack ({what}). Nothing was changed. "
        "The lead makes packs with 'annotator pack create'."
    )


def _cut_short(path: Path, size: int, expected: int) -> DamagedPackError:
    reason = f"the file is cut short ({size:,} of {expected:,} bytes)"
    return DamagedPackError(
        f"{path}: {reason}: it was not copied completely. Copy it again from the "
        "annotator's computer. Nothing was changed.",
        reason,
    )


def _newer(path: Path, unknown: set[str], _version: str | None) -> PackError:
    return PackError(
        f"{path}: written by a newer Annotator (schema changes {', '.join(sorted(unknown))}); "
        "update Annotator to open or merge it. Nothing was changed."
    )


PACK_FILE = FileKind(
    noun="work pack",
    application_id=PACK_APPLICATION_ID,
    refusal=NotAPackError,
    foreign=_foreign,
    read_versions=_read_versions,
    damaged=lambda path, exc: damaged(path, exc),
    newer=_newer,
    other_kinds={
        PROJECT_APPLICATION_ID: "this is a project, not a work pack. Open it with "
        "'annotator open', or give it as the PROJECT of 'annotator pack merge PROJECT PACK...'. "
        "Nothing was changed."
    },
    cut_short=_cut_short,
)


def check_pack_file(path: Path) -> None:
    """Refuse, without writing, a file that is not a whole work pack this version can read."""
    check_file(path, PACK_FILE)


def damaged(path: Path, exc: Exception) -> DamagedPackError:
    if Path(f"{path}-journal").exists():
        reason = "a -journal file is beside it (the app was stopped while writing it)"
        return DamagedPackError(
            f"{path}: {reason}. Open it in the app once (or run 'annotator pack finish "
            f"{path.name}'), then try again. Nothing was changed.",
            reason,
        )
    return DamagedPackError(f"{path}: damaged ({exc}). Nothing was changed.", f"damaged ({exc})")


def annotator_of(path: Path) -> str | None:
    """Whose pack this is, read if the file still allows it (None if not). SQLite refuses
    a copy cut short, so the name is then read from the meta row's bytes."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'pack_annotator'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return _annotator_from_bytes(path)
    except OSError:
        return None
    return row[0] if row else None


_KEY = b"pack_annotator"
_KEY_TYPE = 2 * len(_KEY) + 13  # SQLite's serial type of a text of that length


def _annotator_from_bytes(path: Path) -> str | None:
    """The value of the record (key 'pack_annotator', value TEXT) in the raw file: its
    header is [header length, key type, value type] just before the key's bytes."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    at = data.find(_KEY)
    while at >= 4:
        if data[at - 2] == _KEY_TYPE and data[at - 3] == 3 and data[at - 1] < 0x80:
            kind = data[at - 1]  # a one-byte varint: names up to 57 bytes
        elif data[at - 3] == _KEY_TYPE and data[at - 4] == 4 and data[at - 2] >= 0x80:
            kind = ((data[at - 2] & 0x7F) << 7) | data[at - 1]  # a two-byte varint
        else:
            at = data.find(_KEY, at + 1)
            continue
        if kind >= 13 and kind % 2:
            start = at + len(_KEY)
            text = data[start : start + (kind - 13) // 2]
            return text.decode("utf-8", errors="replace") or None
        at = data.find(_KEY, at + 1)
    return None


def resend_advice(path: Path, annotator: str | None = None) -> str:
    """What the lead asks the labeler for when the file they sent cannot be merged."""
    who = annotator or annotator_of(path) or "the annotator"
    return (
        f"Ask {who} to open the pack in the app, choose File ▸ Ready to send (or run "
        f"'annotator pack finish {path.name}'), and send the file again."
    )


def not_whole(path: Path, reason: str, annotator: str | None = None) -> DamagedPackError:
    """The lead's refusal of a pack file that is not whole (merge, top-up)."""
    return DamagedPackError(
        f"{path}: this copy of the pack is not whole: {reason}. This happens when the file "
        "is copied while the app writes it, or after the app was stopped mid-write and before "
        f"it opened the pack again. {resend_advice(path, annotator)} Nothing was changed.",
        reason,
    )


def recover_journal(path: Path) -> bool:
    """Make a pack whole after a crash; True if a `-journal` was beside it.

    A journal whose header SQLite had finished (it had begun writing the file) is
    rolled back into the file by the first connection that can write; one still
    blank (the app was stopped before writing the file) holds nothing the file
    needs and is removed, once this connection holds the write lock (so no one
    is writing). Only a file marked as a pack is touched.
    """
    journal = Path(f"{path}-journal")
    if not (journal.exists() and path.is_file()):
        return False
    if read_application_id(path) != PACK_APPLICATION_ID:
        return False
    try:
        conn = connect_pack(path)
        try:
            conn.execute("BEGIN IMMEDIATE")  # reads first: a hot journal is rolled back here
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                journal.unlink(missing_ok=True)  # still there: blank, and no one writes now
            finally:
                conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise PackError(
                f"{path}: the pack is being written by another program (is it open in another "
                "Annotator window?). Close it there, then try again. Nothing was changed."
            ) from None
        raise damaged(path, exc) from None
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from None
    return True


def reader_connection(path: Path) -> sqlite3.Connection:
    """A read-only connection that never writes the file nor makes side files.

    A cleanly closed pack (no journal beside it) is read as immutable; one with a
    journal left by a crash is read normally, read-only.
    """
    uri = path.resolve().as_uri()
    side = any(Path(f"{path}{suffix}").exists() for suffix in ("-journal", "-wal"))
    conn = sqlite3.connect(f"{uri}?{'mode=ro' if side else 'immutable=1'}", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def integrity_problems(conn: sqlite3.Connection, full: bool = True) -> list[str]:
    """What SQLite's integrity check finds wrong with the file ([] when it is whole).

    The full check also compares every index with its table (a copy taken while the
    app was writing can hold rows an index lacks); the quick one does not.
    """
    try:
        rows = [row[0] for row in conn.execute(f"PRAGMA {'integrity' if full else 'quick'}_check")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def describe_problems(problems: list[str]) -> str:
    """One phrase for an integrity check's complaints: the telling one, and how many."""
    head = next((p for p in problems if p.startswith("wrong # of entries")), problems[0])
    more = len(problems) - 1
    return head + (f" (and {more} more problems)" if more else "")


def integrity_problem(conn: sqlite3.Connection, full: bool = False) -> str | None:
    """None when SQLite's (quick, unless `full`) check finds the file whole, else what not."""
    problems = integrity_problems(conn, full)
    return describe_problems(problems) if problems else None


def connect_pack(path: Path) -> sqlite3.Connection:
    """A read-write connection with the project pragmas, in rollback-journal mode."""
    return connect(path, journal_mode=PACK_JOURNAL_MODE)


def open_pack(path: str | Path, actor: str | None = None) -> Project:
    """Open a work pack for labeling: a :class:`Project` on the pack file.

    Refuses a project (with a message saying how to open it), another file, a
    cut-short or damaged pack, or one from a newer Annotator. An older pack is
    migrated (after a backup copy) like a project. A `-journal` a crash left is
    dealt with first (:func:`recover_journal`), so none stays beside the open pack.
    """
    path = Path(path)
    recover_journal(path)
    check_pack_file(path)
    conn = connect_pack(path)
    try:
        problem = integrity_problem(conn)
        if problem is not None:
            raise DamagedPackError(f"{path}: damaged ({problem}). Ask the lead for a fresh pack.")
        _migrate(path, conn)
        meta = read_meta(conn, path)
    except BaseException:
        conn.close()
        raise
    return Project(path, conn, actor or meta.annotator)


def pack_meta_of(path: str | Path) -> PackMeta:
    """Read a pack's description without opening it for writing."""
    path = Path(path)
    check_pack_file(path)
    conn = reader_connection(path)
    try:
        return read_meta(conn, path)
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from None
    finally:
        conn.close()


def remove_pack_files(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with suppress(OSError):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


__all__ = [
    "PACK_FILE",
    "DamagedPackError",
    "NotAPackError",
    "PACK_SUFFIX",
    "PackError",
    "PackMeta",
    "PackMismatchError",
    "check_pack_file",
    "connect_pack",
    "integrity_problems",
    "not_whole",
    "open_pack",
    "pack_meta_of",
    "read_meta",
    "recover_journal",
    "resend_advice",
]
