"""Migrations apply without sqlite-utils (it imports pandas) and leave exactly what
sqlite-utils' `Migrations.apply` leaves: the same schema, the same migration records."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

import annotator.store.schema as schema
from annotator.store.project import connect, create_project, open_project
from tests.conftest import REPO


def schema_of(conn: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    return sorted(
        tuple(row) for row in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
    )


def records_of(conn: sqlite3.Connection) -> list[tuple[int, str, str]]:
    return [
        tuple(row)
        for row in conn.execute(
            "SELECT id, migration_set, name FROM _sqlite_migrations ORDER BY id"
        )
    ]


def test_the_same_schema_and_records_as_sqlite_utils(tmp_path: Path) -> None:
    ours = connect(tmp_path / "ours.db")
    theirs = connect(tmp_path / "theirs.db")
    schema.apply_migrations(ours)
    schema.migration_set().apply(Database(theirs))
    assert schema_of(ours) == schema_of(theirs)
    assert records_of(ours) == records_of(theirs)
    assert [r[2] for r in records_of(ours)] == schema.known_names()
    stamp = ours.execute("SELECT applied_at FROM _sqlite_migrations").fetchone()[0]
    assert stamp.endswith("+00:00") and len(stamp) == len("2026-01-01 00:00:00.000000+00:00")
    assert ours.execute("PRAGMA recursive_triggers").fetchone()[0] == 1  # as sqlite-utils
    schema.apply_migrations(ours)  # nothing pending: nothing changes
    assert records_of(ours) == records_of(theirs)
    ours.close()
    theirs.close()


def test_pending_migrations_on_a_file_sqlite_utils_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file migrated by sqlite-utils up to m009 takes the rest from `apply_migrations`."""
    every = list(schema.MIGRATIONS)
    monkeypatch.setattr(schema, "MIGRATIONS", every[:-1])
    conn = connect(tmp_path / "old.db")
    schema.migration_set().apply(Database(conn))
    monkeypatch.setattr(schema, "MIGRATIONS", every)
    schema.apply_migrations(conn)
    assert [r[2] for r in records_of(conn)] == schema.known_names()
    conn.close()


def test_a_failing_migration_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def m999_breaks(db) -> None:
        db.execute("CREATE TABLE half_done (id INTEGER)")
        raise RuntimeError("half-way")

    conn = connect(tmp_path / "p.db")
    schema.apply_migrations(conn)
    before = schema_of(conn), records_of(conn)
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, m999_breaks])
    with pytest.raises(RuntimeError, match="half-way"):
        schema.apply_migrations(conn)
    assert (schema_of(conn), records_of(conn)) == before
    assert not conn.in_transaction
    conn.close()


def test_creating_and_migrating_a_project_loads_neither_sqlite_utils_nor_pandas(
    tmp_path: Path,
) -> None:
    code = (
        "import sys\nfrom annotator.store.project import create_project, open_project\n"
        f"create_project({str(tmp_path / 'p.annotator')!r}).close()\n"
        f"open_project({str(tmp_path / 'p.annotator')!r}).close()\n"
        "print(sorted(m for m in ('sqlite_utils', 'pandas', 'numpy') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_a_created_project_opens_and_reads_back(tmp_path: Path) -> None:
    create_project(tmp_path / "p.annotator", name="n").close()
    with open_project(tmp_path / "p.annotator") as project:
        assert project.meta("name") == "n"
        assert project.scalar("SELECT count(*) FROM item_label_state") == 0
