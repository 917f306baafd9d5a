"""The child process that reads a project file through the ADBC SQLite driver.

Why a separate process: the driver carries its own copy of SQLite. Two copies of
SQLite in one process corrupt each other's POSIX locks (sqlite.org/howtocorrupt.html,
"multiple copies of SQLite linked into the same application"): closing the driver's
connection drops the locks this process's `sqlite3` connections hold, so another
process could checkpoint under an open read or write beside an open write, and its
first read can truncate the WAL index `sqlite3` has mapped (a SIGBUS). In a process
of its own the driver's locks are its own, and the project's connections keep theirs.

Protocol (stdin/stdout, one request at a time): the parent writes one JSON line,
`{"op": "query", "sql": ..., "batch_rows": N, "out": FILE or null}` or
`{"op": "rollback"}`; the child answers a frame: one status byte (`T`: the Arrow IPC
stream follows, or is in FILE; `E`: an error text), an 8-byte little-endian length,
the payload. End of input ends the child.

Run as `python -m annotator.store.arrow_server URI [transaction]`; with
`transaction` every query reads in one read transaction (one snapshot) until
`rollback`. It imports only the driver and pyarrow.
"""

from __future__ import annotations

import json
import struct
import sys
from typing import Any, BinaryIO

FRAME = struct.Struct("<cQ")


def write_frame(out: BinaryIO, status: bytes, payload: bytes | memoryview) -> None:
    out.write(FRAME.pack(status, len(payload)))
    out.write(payload)
    out.flush()


def _query(conn: Any, request: dict[str, Any]) -> Any:
    """The query's whole result as IPC stream bytes (a pyarrow Buffer), or written to
    the file `request["out"]` names (the parent maps it: no copy through the pipe)."""
    import adbc_driver_manager  # lazy: the child's own imports, after its start
    import pyarrow as pa  # lazy: as above

    statement = adbc_driver_manager.AdbcStatement(conn)
    try:
        batch_rows = str(request.get("batch_rows", 1 << 30))
        statement.set_options(**{"adbc.sqlite.query.batch_rows": batch_rows})
        statement.set_sql_query(request["sql"])
        stream, _ = statement.execute_query()
        reader = pa.RecordBatchReader._import_from_c(stream.address)
        out = request.get("out")
        sink = pa.OSFile(out, "wb") if out else pa.BufferOutputStream()
        try:
            with pa.ipc.new_stream(sink, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
        finally:
            if out:
                sink.close()
        return b"" if out else sink.getvalue()
    finally:
        statement.close()


def serve(uri: str, transaction: bool, source: BinaryIO, out: BinaryIO) -> None:
    """Answer requests until the parent closes our input."""
    import adbc_driver_manager  # lazy: the child's own imports
    import adbc_driver_sqlite  # lazy: as above

    database = adbc_driver_sqlite.connect(uri)
    conn = adbc_driver_manager.AdbcConnection(database)
    if transaction:
        conn.set_autocommit(False)  # the driver's BEGIN; the snapshot is its first read
    try:
        for line in source:
            request = json.loads(line)
            try:
                if request["op"] == "rollback":
                    conn.rollback()
                    write_frame(out, b"T", b"")
                    continue
                buffer = _query(conn, request)
            except Exception as error:  # noqa: BLE001 - said to the parent, which falls back
                write_frame(out, b"E", f"{type(error).__name__}: {error}".encode())
                continue
            write_frame(out, b"T", memoryview(buffer))
    finally:
        conn.close()
        database.close()


def main(argv: list[str]) -> int:
    serve(argv[0], len(argv) > 1 and argv[1] == "transaction", sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


__all__ = ["FRAME", "main", "serve", "write_frame"]
