"""The whole-file check of a big project runs beside the export's pass: a damaged file
is still refused with the words the check before the pass gives, whichever finishes
first, and no export (nor a hidden partial folder) is left; a whole file exports the
same bytes either way. The check's own connection gives SQLite's quick check verdict."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

import annotator.exchange.export.run as export_run
import annotator.exchange.export.whole_check as whole_check
from annotator.exchange.export import ExportError, ExportOptions, export_project
from annotator.store.file_check import BackgroundCheck, integrity_problem
from annotator.store.project import open_project
from tests.support.export_project import SmallProject, small_project
from tests.test_hostile_project_files import damage_a_labels_page


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SmallProject:
    return small_project(tmp_path_factory.mktemp("check-beside"))


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    made = small_project(tmp_path / "src")
    path = made.project.path
    made.project.close()
    damage_a_labels_page(path)
    return path


@pytest.fixture
def beside(monkeypatch: pytest.MonkeyPatch) -> list[BackgroundCheck]:
    """Every project counts as big: its check runs beside the pass (the checks made)."""
    monkeypatch.setattr(whole_check, "CHECK_FIRST_BYTES", 0)
    started: list[BackgroundCheck] = []
    start = whole_check.start_beside

    def recorded(project):  # type: ignore[no-untyped-def]
        check = start(project)
        started.append(check)
        return check

    monkeypatch.setattr(export_run, "start_beside", recorded)
    return started


def _refusal(path: Path, out: Path) -> str:
    project = open_project(path)
    try:
        with pytest.raises(ExportError) as caught:
            export_project(project, out, ExportOptions(n_boot=0))
    finally:
        project.close()
    return str(caught.value)


def test_a_damaged_file_checked_beside_the_pass_is_refused_in_the_same_words(
    damaged: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _refusal(damaged, tmp_path / "first" / "out")  # checked before the pass
    assert "the project file is damaged (" in before

    monkeypatch.setattr(whole_check, "CHECK_FIRST_BYTES", 0)
    passes: list[Path] = []
    main_pass = export_run._write_files

    def recorded(project, folder, *args, **kwargs):  # type: ignore[no-untyped-def]
        passes.append(folder)
        return main_pass(project, folder, *args, **kwargs)

    monkeypatch.setattr(export_run, "_write_files", recorded)
    parent = tmp_path / "second"
    after = _refusal(damaged, parent / "out")

    assert passes, "the pass ran beside the check"
    assert after == before
    assert _listing(parent) == []  # no export, no partial folder, no lock file


def test_damage_found_after_the_pass_finished_leaves_nothing(
    built: SmallProject,
    tmp_path: Path,
    beside: list[BackgroundCheck],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def late(self: BackgroundCheck) -> str:
        self._done.wait()
        self.found, self.checked = "Page 7: btreeInitPage() returns error code 11", True
        return self.found

    monkeypatch.setattr(BackgroundCheck, "problem", late)
    parent = tmp_path / "exports"
    with pytest.raises(ExportError) as caught:
        export_project(built.project, parent / "set", ExportOptions(n_boot=0))
    assert str(caught.value).startswith(
        f"{built.project.path}: the project file is damaged (Page 7: btreeInitPage() returns "
        "error code 11); nothing was exported. Nothing was changed."
    )
    assert len(beside) == 1
    assert _listing(parent) == []
    assert not built.project.conn.in_transaction


def test_damage_found_during_the_pass_stops_it_between_chunks(
    built: SmallProject,
    tmp_path: Path,
    beside: list[BackgroundCheck],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(BackgroundCheck, "damaged", lambda self: "found early")
    chunks: list[int] = []

    def progress(done: int, total: int) -> None:
        chunks.append(done)

    parent = tmp_path / "exports"
    project = built.project
    with pytest.raises(ExportError, match=r"the project file is damaged \(found early\)"):
        export_project(project, parent / "set", ExportOptions(n_boot=0), progress=progress)
    assert len(chunks) <= 1  # asked before the first chunk and after each
    assert _listing(parent) == []


def test_a_whole_file_checked_beside_exports_the_same_bytes(
    built: SmallProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = ExportOptions(format="parquet", n_boot=20)
    export_project(built.project, tmp_path / "before", options)
    monkeypatch.setattr(whole_check, "CHECK_FIRST_BYTES", 0)
    checks: list[BackgroundCheck] = []
    start = whole_check.start_beside
    monkeypatch.setattr(export_run, "start_beside", lambda p: checks.append(start(p)) or checks[-1])
    export_project(built.project, tmp_path / "beside", options)
    assert len(checks) == 1 and checks[0].checked and checks[0].found is None
    a, b = _files(tmp_path / "before"), _files(tmp_path / "beside")
    assert [name for name in a if a[name] != b.get(name)] == ["manifest.json"]


def test_the_background_check_says_what_the_quick_check_says(damaged: Path) -> None:
    project = open_project(damaged)
    try:
        expected = integrity_problem(project.conn)
        check = BackgroundCheck(damaged)
        assert expected is not None
        assert check.problem() == expected
        assert check.checked and check.damaged() == expected
    finally:
        project.close()


def test_a_whole_file_passes_the_background_check(built: SmallProject) -> None:
    check = BackgroundCheck(built.project.path)
    assert check.problem() is None
    assert check.checked


def test_a_check_that_cannot_run_there_says_so_and_the_project_connection_checks(
    tmp_path: Path,
) -> None:
    path = tmp_path / "locked.sqlite"
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("BEGIN EXCLUSIVE")  # rollback journal: no reader gets in
    conn.execute("INSERT INTO t VALUES (1)")
    try:
        check = BackgroundCheck(path, timeout_s=0.05)
        assert check.problem() is None
        assert not check.checked  # a lock is not damage
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def test_stopping_the_check_interrupts_it(built: SmallProject) -> None:
    check = BackgroundCheck(built.project.path)
    check.stop()
    assert check._done.is_set()
    assert check.found is None  # interrupted, or done: never damage
    assert not any(t.name == "quick-check" and t.is_alive() for t in threading.enumerate())
