"""Label columns read straight into Arrow (adbc), in the project connection's own snapshot.

Why: reading a million labels through `sqlite3` makes fifteen million Python
objects only to transpose them into columns; adbc_driver_sqlite hands back
Arrow arrays. Why the care: adbc cannot share the project connection's read
transaction, and an export must describe one state of the project. So the
two snapshots are pinned together: while a third connection holds the write
lock for a moment (BEGIN IMMEDIATE: nobody can commit), the project
connection and the adbc connection each make their first read; both then see
the same commit for as long as their transactions last, and the lock is
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

from annotator.store.project import Project

BATCH_ROWS = 1 << 30  # one Arrow batch per query: the types are inferred over all its rows
_FIRST_READ = "SELECT count(*) FROM (SELECT 1 FROM labels LIMIT 1)"  # pins the snapshot


class ArrowLabels:
    """A read-only adbc connection whose snapshot is the project connection's."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @classmethod
    def pinned(cls, project: Project) -> ArrowLabels | None:
        """Open one, pinned to the snapshot the project connection is about to read.

        Call right after the project connection's BEGIN, before it reads anything."""
        try:
            # lazy: adbc and pyarrow load only for an export's pass
            import adbc_driver_sqlite.dbapi as adbc
        except ImportError:  # pragma: no cover - a dependency; the sqlite3 path still works
            return None
        conn = project.conn
        if not conn.in_transaction:
            return None
        uri = f"{project.path.resolve().as_uri()}?mode=ro"
        reader = None
        lock = None
        try:
            # opened before the lock (loading the driver takes a while); its transaction is
            # open (the driver's own BEGIN) and takes its snapshot at its first read
            reader = adbc.connect(uri)
            cursor = reader.cursor()
            lock = sqlite3.connect(str(project.path), timeout=min(project.busy_s, 5.0))
            lock.isolation_level = None
            lock.execute("BEGIN IMMEDIATE")  # no commit can happen until the rollback below
            conn.execute(_FIRST_READ).fetchall()
            cursor.execute(_FIRST_READ)
            cursor.fetchall()
            cursor.close()
        except Exception:  # noqa: BLE001 - any failure: the sqlite3 path reads instead
            if reader is not None:
                with suppress(Exception):
                    reader.close()
            return None
        finally:
            if lock is not None:
                with suppress(sqlite3.Error):
                    lock.rollback()
                lock.close()
        return cls(reader)

    def table(self, sql: str, args: list[Any]) -> Any:
        """The query's result as one pyarrow Table (None if adbc refuses it)."""
        try:
            cursor = self.conn.cursor()
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
            cursor.execute(sql, args)
            table = cursor.fetch_arrow_table()
            cursor.close()
        except Exception:  # noqa: BLE001 - e.g. a type it cannot hold: sqlite3 reads it
            return None
        return table

    def close(self) -> None:
        with suppress(Exception):
            self.conn.rollback()
        with suppress(Exception):
            self.conn.close()


__all__ = ["ArrowLabels"]
