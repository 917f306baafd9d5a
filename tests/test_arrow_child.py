"""The ADBC driver reads in a child process, so its own copy of SQLite never drops this
process's sqlite3 locks (sqlite.org/howtocorrupt.html, two copies of SQLite in one
process). Before, closing the driver's connection let another process checkpoint
the WAL away under an open read transaction of ours."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.store.arrow_query import (
    ArrowReader,
    ArrowReadError,
    close_readers,
    read_arrow,
    sql_literal,
    with_parameters,
)

CHECKPOINT = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=0.2); "
    "c.execute('INSERT INTO t VALUES (-1, NULL)'); c.commit(); "
    "print(c.execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchone()[0])"
)


def _database(tmp_path: Path) -> tuple[Path, sqlite3.Connection]:
    path = tmp_path / "t.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t(x INTEGER, s TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"v{i}") for i in range(100)])
    return path, conn


def _other_process_checkpoint_busy(path: Path) -> bool:
    done = subprocess.run(
        [sys.executable, "-c", CHECKPOINT, str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip() == "1"


def test_a_driver_read_leaves_this_process_read_lock_in_place(tmp_path: Path) -> None:
    path, conn = _database(tmp_path)
    conn.execute("BEGIN")
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (100,)
    assert _other_process_checkpoint_busy(path), "our read transaction holds the WAL"
    counted = read_arrow(path, "SELECT x FROM t", 1 << 30, lambda r: r.read_all().num_rows)
    assert counted == 101  # the other process's committed row is there for a new reader
    with ArrowReader(path, transaction=True) as reader:
        assert reader.table("SELECT count(*) AS n FROM t").column("n").to_pylist() == [101]
    assert _other_process_checkpoint_busy(path), "still ours after the driver closed"
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (100,)
    conn.execute("COMMIT")
    assert not _other_process_checkpoint_busy(path)


def test_a_transaction_reader_keeps_its_snapshot(tmp_path: Path) -> None:
    path, conn = _database(tmp_path)
    with ArrowReader(path, transaction=True) as reader:
        assert reader.table("SELECT count(*) AS n FROM t").column("n").to_pylist() == [100]
        conn.execute("INSERT INTO t VALUES (500, 'late')")
        assert reader.table("SELECT count(*) AS n FROM t").column("n").to_pylist() == [100]
        rows = reader.table("SELECT s FROM t WHERE x >= ? AND s <> ?", [98, "v99"])
        assert rows.column("s").to_pylist() == ["v98"]
    with ArrowReader(path) as reader:
        assert reader.table("SELECT count(*) AS n FROM t").column("n").to_pylist() == [101]


def test_a_refused_query_is_an_error_and_read_arrow_gives_none(tmp_path: Path) -> None:
    path, _conn = _database(tmp_path)
    with ArrowReader(path) as reader:
        with pytest.raises(ArrowReadError, match="no such table"):
            reader.table("SELECT * FROM missing")
        assert reader.table("SELECT count(*) AS n FROM t").num_rows == 1, "still answers"
    assert read_arrow(path, "SELECT * FROM missing", 10, lambda r: r.read_all()) is None
    assert read_arrow(tmp_path / "gone.db", "SELECT 1", 10, lambda r: r.read_all()) is None


def test_parameters_are_written_as_sqlite_literals(tmp_path: Path) -> None:
    assert sql_literal("it's") == "'it''s'" and sql_literal(None) == "NULL"
    assert sql_literal(True) == "1" and sql_literal(2.5) == "2.5"
    with pytest.raises(TypeError):
        sql_literal(b"bytes")
    assert with_parameters("a = ? AND b = ?", [1, "x'"]) == "a = 1 AND b = 'x'''"
    with pytest.raises(ValueError, match="2 placeholders for 1"):
        with_parameters("? ?", [1])
    path, conn = _database(tmp_path)
    conn.execute("INSERT INTO t VALUES (7, ?)", ("o'hara; DROP TABLE t; --",))
    with ArrowReader(path) as reader:
        found = reader.table("SELECT x FROM t WHERE s = ?", ["o'hara; DROP TABLE t; --"])
    assert found.column("x").to_pylist() == [7]
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (101,)


def test_one_kept_reader_serves_later_reads_and_a_replaced_or_dead_one_is_renewed(
    tmp_path: Path,
) -> None:
    import annotator.store.arrow_query as arrow_query

    close_readers()
    path, conn = _database(tmp_path)
    count = "SELECT count(*) AS n FROM t"

    def counted() -> int | None:
        return read_arrow(path, count, 10, lambda r: r.read_all().column("n")[0].as_py())

    assert counted() == 100
    [first] = arrow_query._READERS._open.values()
    conn.execute("INSERT INTO t VALUES (100, 'new')")
    assert counted() == 101, "each read is a fresh snapshot"
    assert list(arrow_query._READERS._open.values()) == [first], "the same child"
    first._child.kill()
    first._child.wait()
    assert counted() is None  # this read falls back to sqlite3 ...
    assert counted() == 101  # ... and the next one has a new child
    conn.close()
    path.unlink()
    Path(f"{path}-wal").unlink(missing_ok=True)
    Path(f"{path}-shm").unlink(missing_ok=True)
    path, conn = _database(tmp_path)  # a new file at the same path
    assert counted() == 100
    close_readers()
    assert arrow_query._READERS._open == {}
