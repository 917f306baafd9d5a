"""A query's result as Arrow record batches, through the ADBC SQLite driver's low-level API.

The driver manager's DB-API module imports pyarrow.dataset and pandas (about a second),
so large reads (the report's labels, throughput's scan) use the low-level statement API
here. A read that the driver cannot do (no driver, a locked or moved file, a type it
cannot give) is None: the caller then reads through sqlite3.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def read_arrow(path: Path, sql: str, batch_rows: int, use: Callable[[Any], T]) -> T | None:
    """`use(reader)` on the query's pyarrow.RecordBatchReader, batches of `batch_rows`
    (a huge number: one batch, so column types are inferred over every row); None when
    ADBC is not installed or refuses the read. `sql` takes no parameters."""
    try:
        # lazy: pyarrow and the ADBC driver cost a third of a second; only big projects use them
        import adbc_driver_manager
        import adbc_driver_sqlite  # lazy: as above
        import pyarrow as pa  # lazy: as above
    except ImportError:
        return None
    try:
        database = adbc_driver_sqlite.connect(str(path))
        try:
            conn = adbc_driver_manager.AdbcConnection(database)
            try:
                statement = adbc_driver_manager.AdbcStatement(conn)
                try:
                    statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
                    statement.set_sql_query(sql)
                    stream, _ = statement.execute_query()
                    return use(pa.RecordBatchReader._import_from_c(stream.address))
                finally:
                    statement.close()
            finally:
                conn.close()
        finally:
            database.close()
    except (adbc_driver_manager.Error, pa.ArrowException):
        return None  # the file cannot be read that way (locked, moved): sqlite3 reads it


__all__ = ["read_arrow"]
