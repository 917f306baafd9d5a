"""Label columns read straight into Arrow (adbc, in a child process), in the project
connection's own snapshot.

Why: reading a million labels through `sqlite3` makes fifteen million Python
objects only to transpose them into columns; adbc_driver_sqlite hands back
Arrow arrays. It runs in child processes (`store.arrow_query.ArrowReader`): its own
copy of SQLite would drop this process's sqlite3 locks (see `store.arrow_server`).
Why the care: a child cannot share the project connection's read transaction, and
an export must describe one state of the project. So the snapshots are pinned
together: while a third connection holds the write lock for a moment (BEGIN
IMMEDIATE: nobody can commit), the project connection and the readers (one for the
labels, one beside it for another thread's reads) each make their first read; all
then see the same commit for as long as their transactions last, and the lock is
released at once (writers wait milliseconds, not the whole export).

When any of that cannot be done (no adbc, the lock not to be had, the project
connection already reading or writing in its own transaction) `pinned` gives
None and the stream reads through `sqlite3` as before. A chunk whose columns
do not come back in the expected types (see `LabelStream`) is read again through
`sqlite3` too, so odd values never change what is exported.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from typing import Any

from annotator.store.arrow_query import ArrowReader
from annotator.store.project import Project

BATCH_ROWS = 1 << 30  # one Arrow batch per query: the types are inferred over all its rows
_FIRST_READ = "SELECT count(*) FROM (SELECT 1 FROM labels LIMIT 1)"  # pins the snapshot


class ArrowLabels:
    """A read-only adbc reader whose snapshot is the project connection's; `side` is
    a second one pinned to the same snapshot, for reads in another thread (a reader
    answers one request at a time)."""

    def __init__(self, conn: Any, side: ArrowLabels | None = None) -> None:
        self.conn = conn
        self.side = side

    @classmethod
    def pinned(cls, project: Project) -> ArrowLabels | None:
        """Open one, pinned to the snapshot the project connection is about to read.

        Call right after the project connection's BEGIN, before it reads anything."""
        try:
            # lazy: only whether the driver is installed; it loads in the children
            import adbc_driver_sqlite  # noqa: F401
        except ImportError:  # pragma: no cover - a dependency; the sqlite3 path still works
            return None
        conn = project.conn
        if not conn.in_transaction:
            return None
        readers: list[ArrowReader] = []
        lock = None
        try:
            # started before the lock (loading the driver takes a while); each one's
            # transaction is open (the driver's own BEGIN) and takes its snapshot at its
            # first read
            readers = [ArrowReader(project.path, transaction=True) for _ in range(2)]
            lock = sqlite3.connect(str(project.path), timeout=min(project.busy_s, 5.0))
            lock.isolation_level = None
            lock.execute("BEGIN IMMEDIATE")  # no commit can happen until the rollback below
            conn.execute(_FIRST_READ).fetchall()
            for reader in readers:
                reader.table(_FIRST_READ)
        except Exception:  # noqa: BLE001 - any failure: the sqlite3 path reads instead
            for reader in readers:
                with suppress(Exception):
                    reader.close()
            return None
        finally:
            if lock is not None:
                with suppress(sqlite3.Error):
                    lock.rollback()
                lock.close()
        return cls(readers[0], side=cls(readers[1]))

    def table(self, sql: str, args: list[Any]) -> Any:
        """The query's result as one pyarrow Table (None if adbc refuses it)."""
        try:
            return self.conn.table(sql, args, BATCH_ROWS)
        except Exception:  # noqa: BLE001 - e.g. a type it cannot hold: sqlite3 reads it
            return None

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
        with suppress(Exception):
            self.conn.close()


__all__ = ["ArrowLabels"]
