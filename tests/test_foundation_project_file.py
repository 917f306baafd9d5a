"""The project file: a file from a newer Annotator, or one that is not a project, is
refused byte-for-byte untouched; an older file is backed up before it is migrated,
and the migration is recorded in the file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

import annotator.store.project
import annotator.store.schema
from annotator.base.errors import NewerVersionError, NotAProjectError
from annotator.store.project import PACK_APPLICATION_ID, create_project, open_project
from tests.support.foundation import file_state, make_project_file, snapshot


def add_future_migration(path: Path) -> None:
    """What a newer Annotator leaves behind: a migration this version does not know."""
    conn = sqlite3.connect(str(path))
    conn.execute(
        "INSERT INTO _sqlite_migrations(migration_set, name, applied_at) VALUES (?, ?, ?)",
        (annotator.store.schema.MIGRATION_SET, "m999_from_the_future", "2031-01-01 00:00:00"),
    )
    conn.commit()
    conn.close()


def test_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = make_project_file(tmp_path)
    add_future_migration(path)
    before = file_state(path)
    assert set(before) == {"main"}  # checkpointed: everything is in the main file

    with pytest.raises(NewerVersionError) as caught:
        open_project(path)

    message = str(caught.value)
    assert str(path) in message
    assert "m999_from_the_future" in message
    assert "newer" in message and "Nothing was changed" in message
    assert file_state(path) == before
    assert not backups_of(path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(path.name)) == [
        path.name
    ]  # not even -wal/-shm side files


def test_a_project_in_a_folder_with_uri_characters_opens(tmp_path: Path) -> None:
    """'#', '?' and '%' in a path mean something in an SQLite URI; they must not here."""
    folder = tmp_path / "Project #1 ?50% done"
    folder.mkdir()
    path = make_project_file(folder)
    project = open_project(path)
    try:
        assert project.scalar("SELECT count(*) FROM items") == 3
    finally:
        project.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]  # no stray files


def test_newer_version_message_does_not_claim_an_older_writer(tmp_path: Path) -> None:
    """The file's recorded app version may equal ours (a development build added a
    migration); the message must not then say '0.1.0, newer than this one (0.1.0)'."""
    path = make_project_file(tmp_path)
    add_future_migration(path)
    with pytest.raises(NewerVersionError) as caught:
        open_project(path)
    version = annotator.__version__
    assert f"Annotator {version}, newer than this one ({version})" not in str(caught.value)


def write_text_file(path: Path) -> None:
    path.write_text("id,input,output\n1,hello,world\n", encoding="utf-8")


def write_random_sqlite(path: Path) -> None:
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes(body) VALUES ('not a project')")
    conn.commit()
    conn.close()


def write_pack(path: Path) -> None:
    conn = sqlite3.connect(str(path))
    conn.execute(f"PRAGMA application_id = {PACK_APPLICATION_ID}")
    conn.execute("CREATE TABLE pack_meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.commit()
    conn.close()


def write_empty(path: Path) -> None:
    path.write_bytes(b"")


NOT_PROJECTS: dict[str, tuple[Callable[[Path], None], str]] = {
    "text_file": (write_text_file, "not an Annotator project"),
    "random_sqlite_database": (write_random_sqlite, "not an Annotator project"),
    "work_pack": (write_pack, "work pack, not a project"),
    "empty_file": (write_empty, "not an Annotator project"),
}


@pytest.mark.parametrize("case", list(NOT_PROJECTS))
def test_not_a_project_is_refused_untouched(tmp_path: Path, case: str) -> None:
    make, words = NOT_PROJECTS[case]
    path = tmp_path / "thing.annotator"
    make(path)
    before = file_state(path)
    listing = sorted(p.name for p in tmp_path.iterdir())

    with pytest.raises(NotAProjectError) as caught:
        open_project(path)

    assert str(path) in str(caught.value)
    assert words in str(caught.value)
    assert file_state(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_missing_file_and_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(NotAProjectError, match="no such project file"):
        open_project(tmp_path / "absent.annotator")
    assert not (tmp_path / "absent.annotator").exists()
    with pytest.raises(NotAProjectError, match="folder"):
        open_project(tmp_path)


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "x.annotator"
    write_text_file(path)
    before = file_state(path)
    with pytest.raises(annotator.base.errors.AnnotatorError, match="already exists"):
        create_project(path)
    assert file_state(path) == before


def test_a_new_project_has_its_metadata_and_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "fresh.annotator"
    project = create_project(path, name="Fresh")
    try:
        assert project.name == "Fresh"
        assert len(project.id) == 32
        assert project.meta("app_version") == annotator.__version__
        assert project.meta("created_at", "").endswith("Z")
        assert project.scalar("PRAGMA journal_mode") == "wal"
        assert project.scalar("PRAGMA foreign_keys") == 1
        assert project.scalar("PRAGMA busy_timeout") > 0
        actions = [r["action"] for r in project.rows("SELECT action FROM audit_log")]
        assert actions == ["create"]
    finally:
        project.close()
    assert not list(tmp_path.glob("*.backup-*"))


def backups_of(path: Path) -> list[Path]:
    """Backup copies of a project (not their SQLite side files)."""
    found = path.parent.glob(f"{path.name}.backup-*")
    return sorted(p for p in found if not p.name.endswith(("-wal", "-shm")))


def with_extra_migration(fail: bool = False) -> list[Callable[[Database], None]]:
    """This version's migrations plus one more: what the next release would ship."""

    def m900_test_added_column(db: Database) -> None:
        db.execute("ALTER TABLE items ADD COLUMN test_note TEXT")
        db.execute("CREATE TABLE test_extra (id INTEGER PRIMARY KEY, value TEXT)")
        if fail:
            raise RuntimeError("simulated failure half-way through a migration")

    return [*annotator.store.schema.MIGRATIONS, m900_test_added_column]


def test_older_file_is_backed_up_then_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_project_file(tmp_path)
    tables_before = snapshot(path)
    assert "test_extra" not in tables_before
    known = annotator.store.schema.known_names()
    monkeypatch.setattr(annotator.store.schema, "MIGRATIONS", with_extra_migration())

    project = open_project(path)
    try:
        applied = [
            r["name"] for r in project.rows("SELECT name FROM _sqlite_migrations ORDER BY id")
        ]
        assert applied[-1] == "m900_test_added_column"
        assert applied[:-1] == known
        assert project.scalar("SELECT count(*) FROM test_extra") == 0
        columns = [r["name"] for r in project.rows("PRAGMA table_info(items)")]
        assert "test_note" in columns
        assert project.scalar("SELECT count(*) FROM items") == len(tables_before["items"])
    finally:
        project.close()

    backups = backups_of(path)
    assert len(backups) == 1
    assert snapshot(backups[0]) == tables_before  # the backup is the file as it was

    open_project(path).close()  # nothing pending now: no second backup
    assert backups_of(path) == backups


def test_a_failing_migration_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_project_file(tmp_path)
    tables_before = snapshot(path)
    monkeypatch.setattr(annotator.store.schema, "MIGRATIONS", with_extra_migration(fail=True))

    with pytest.raises(RuntimeError, match="simulated failure"):
        open_project(path)

    assert snapshot(path) == tables_before
    backups = backups_of(path)
    assert len(backups) == 1 and snapshot(backups[0]) == tables_before
