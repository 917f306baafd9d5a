"""A query's result as Arrow, read by the ADBC SQLite driver in a child process.

The driver carries its own copy of SQLite, which must never run in a process whose
`sqlite3` connections have the same file open: the two copies drop each other's POSIX
locks (see :mod:`annotator.store.arrow_server`). So the driver runs in a child
(`ArrowReader`), and the batches come back as an Arrow IPC stream. A read that cannot
be done that way (no driver, a locked or moved file, a type it cannot give, a child
that dies) is None: the caller then reads through sqlite3.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import IO, Any, TypeVar

from annotator.base.errors import AnnotatorError
from annotator.store.arrow_server import FRAME

T = TypeVar("T")
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_SHARED_MEMORY = "/dev/shm" if os.path.isdir("/dev/shm") else None  # else the temp folder
_KEPT = 2  # readers kept alive for later reads (the projects read most recently)


class ArrowReadError(AnnotatorError):
    """The child could not answer (it refused the query, or it is gone)."""


def sql_literal(value: Any) -> str:
    """A parameter written into the SQL text (the child's API binds none): our own
    queries' ints, floats and strings; SQLite strings escape only the quote."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"cannot write {type(value).__name__} into SQL")


def with_parameters(sql: str, args: Sequence[Any]) -> str:
    """`sql` with each `?` replaced by its argument, in order (no `?` inside literals)."""
    parts = sql.split("?")
    if len(parts) != len(args) + 1:
        raise ValueError(f"{len(parts) - 1} placeholders for {len(args)} arguments")
    out = [parts[0]]
    for value, rest in zip(args, parts[1:], strict=True):
        out.extend((sql_literal(value), rest))
    return "".join(out)


class ArrowReader:
    """One child process with one read-only driver connection to the project file.

    With `transaction`, every query reads the same snapshot, taken at the first one,
    until `close` (the export pins that snapshot to its own, see labels.arrow_read).
    Calls are serialised: one request at a time per child."""

    def __init__(self, path: Path, transaction: bool = False) -> None:
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
        args = [sys.executable, "-m", "annotator.store.arrow_server", uri]
        self._child = subprocess.Popen(
            [*args, "transaction"] if transaction else args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self._lock = threading.Lock()

    def _ask(self, request: dict[str, Any]) -> bytes:
        child = self._child
        stdin, stdout = child.stdin, child.stdout
        assert stdin is not None and stdout is not None
        with self._lock:
            try:
                stdin.write(json.dumps(request).encode() + b"\n")
                stdin.flush()
                status, size = FRAME.unpack(_read_exactly(stdout, FRAME.size))
                payload = _read_exactly(stdout, size)
            except (OSError, ValueError, EOFError) as error:
                raise ArrowReadError(f"the Arrow reader stopped ({error})") from None
        if status != b"T":
            raise ArrowReadError(payload.decode(errors="replace"))
        return payload

    def batches(self, sql: str, args: Sequence[Any] = (), batch_rows: int = 1 << 30) -> Any:
        """The query's result as a pyarrow.RecordBatchReader.

        The child writes it to a file in shared memory (/dev/shm where there is one),
        which this process maps and unlinks at once: the columns are never copied
        through the pipe, and nothing is left behind."""
        import pyarrow as pa  # lazy: only big reads come here

        text = with_parameters(sql, args) if args else sql
        handle, name = tempfile.mkstemp(prefix="annotator-arrow-", dir=_SHARED_MEMORY)
        os.close(handle)
        try:
            request = {"op": "query", "sql": text, "batch_rows": batch_rows, "out": name}
            self._ask(request)
            mapped = pa.memory_map(name)
        finally:
            with suppress(OSError):
                os.unlink(name)  # the mapping stays readable until its batches are gone
        return pa.ipc.open_stream(mapped)

    def table(self, sql: str, args: Sequence[Any] = (), batch_rows: int = 1 << 30) -> Any:
        """The query's result as one pyarrow Table."""
        return self.batches(sql, args, batch_rows).read_all()

    def alive(self) -> bool:
        return self._child.poll() is None

    def close(self) -> None:
        """End the child (its transaction ends with its connection)."""
        child = self._child
        with suppress(OSError):
            if child.stdin is not None:
                child.stdin.close()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()

    def __enter__(self) -> ArrowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError("the child closed its output")
    return data


class _Readers:
    """Long-lived readers for one-off queries, one per project file: a child costs a
    third of a second of CPU to start (Python, pyarrow, the driver), and a report
    reads four or five times. Keyed by the file's identity too, so a file replaced at
    the same path gets a new reader; the oldest beyond `_KEPT` is closed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[tuple[str, int, int], ArrowReader] = {}

    def get(self, path: Path) -> ArrowReader:
        resolved = Path(path).resolve()
        info = resolved.stat()
        key = (str(resolved), info.st_dev, info.st_ino)
        with self._lock:
            reader = self._open.pop(key, None)
            if reader is None:
                reader = ArrowReader(resolved)
            self._open[key] = reader  # most recent last
            while len(self._open) > _KEPT:
                oldest = next(iter(self._open))
                self._open.pop(oldest).close()
            return reader

    def drop(self, reader: ArrowReader) -> None:
        with self._lock:
            for key, kept in list(self._open.items()):
                if kept is reader:
                    del self._open[key]
        reader.close()

    def close_all(self) -> None:
        with self._lock:
            readers, self._open = list(self._open.values()), {}
        for reader in readers:
            reader.close()


_READERS = _Readers()
atexit.register(_READERS.close_all)


def close_readers() -> None:
    """End the kept readers (a test, or a long-lived app that closes its projects)."""
    _READERS.close_all()


def read_arrow(path: Path, sql: str, batch_rows: int, use: Callable[[Any], T]) -> T | None:
    """`use(reader)` on the query's pyarrow.RecordBatchReader, batches of `batch_rows`
    (a huge number: one batch, so column types are inferred over every row); None when
    the driver is not installed or refuses the read. `sql` takes no parameters."""
    try:
        # lazy: pyarrow costs a tenth of a second; only big projects read this way
        import adbc_driver_sqlite  # noqa: F401 - only whether it is installed
        import pyarrow as pa  # lazy: as above
    except ImportError:
        return None
    try:
        reader = _READERS.get(path)
    except OSError:  # the file is gone or cannot be looked at: sqlite3 says why
        return None
    try:
        batches = reader.batches(sql, batch_rows=batch_rows)
    except ArrowReadError:
        if reader.alive():
            return None  # it refused this query: sqlite3 reads it
        _READERS.drop(reader)  # it died (killed, say): a new one for the next read
        return None
    except OSError:
        return None
    try:
        return use(batches)
    except (ArrowReadError, pa.ArrowException, OSError):
        # the file cannot be read that way (locked, moved), or a later batch holds another
        # type than the first did (the driver infers each column's from the first batch):
        # sqlite3 reads it
        return None


__all__ = [
    "ArrowReadError",
    "ArrowReader",
    "close_readers",
    "read_arrow",
    "sql_literal",
    "with_parameters",
]
