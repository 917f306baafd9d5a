"""Damaged project files and killed exports: a damaged project is refused with no side
file left beside it; an export of a project damaged deep inside is refused before its
main pass starts; and the hidden folder a killed export left is cleared by the next
export, while one a running export is still writing is left alone."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import annotator.exchange.export.run as export_run
from annotator.base.errors import NotAProjectError
from annotator.cli import main as cli
from annotator.exchange.export import ExportOptions, export_project
from annotator.store.project import open_project
from tests.support.export_project import small_project
from tests.support.foundation import file_state, make_project_file

REPO = Path(__file__).resolve().parents[1]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("damage", ["second_half_zeroed", "cut_in_half"])
def test_a_damaged_project_is_refused_with_nothing_left_beside_it(
    tmp_path: Path, damage: str
) -> None:
    path = make_project_file(tmp_path)
    data = path.read_bytes()
    half = len(data) // 2
    path.write_bytes(
        data[:half] + bytes(len(data) - half) if damage == "second_half_zeroed" else data[:half]
    )
    before, files = file_state(path), listing(tmp_path)

    with pytest.raises(NotAProjectError) as caught:
        open_project(path)

    assert str(caught.value).startswith(f"{path}: damaged or not a project (")
    assert "Nothing was changed." in str(caught.value)
    assert file_state(path) == before
    assert listing(tmp_path) == files  # no -wal, no -shm


def damage_a_labels_page(path: Path) -> None:
    """Scribble over one page of the labels table: the file still opens (its header,
    schema and metadata are whole), but reading every label fails."""
    conn = sqlite3.connect(str(path))
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    page = conn.execute(
        "SELECT max(pageno) FROM dbstat WHERE name = 'labels' AND pagetype = 'leaf'"
    ).fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (page - 1) * page_size
    data[start + 8 : start + page_size] = bytes(range(256)) * ((page_size - 8) // 256) + bytes(
        (page_size - 8) % 256
    )
    path.write_bytes(bytes(data))


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    built = small_project(tmp_path)
    path = built.project.path
    built.project.close()
    damage_a_labels_page(path)
    open_project(path).close()  # it opens: only a full read finds the damage
    return path


def test_exporting_a_damaged_project_is_refused_before_the_main_pass(
    damaged: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    passes: list[Path] = []
    main_pass = export_run._write_files

    def recorded(project, folder, *args, **kwargs):  # type: ignore[no-untyped-def]
        passes.append(folder)
        return main_pass(project, folder, *args, **kwargs)

    monkeypatch.setattr(export_run, "_write_files", recorded)
    before, files = file_state(damaged), listing(tmp_path)
    out = tmp_path / "out"

    code = cli(["export", str(damaged), "--out", str(out), "--bootstrap", "0"])

    err = capsys.readouterr().err
    assert code == 2, err
    assert passes == []  # refused before the export's main pass
    assert err.startswith(f"annotator: {damaged}: the project file is damaged (")
    assert "nothing was exported. Nothing was changed." in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert file_state(damaged) == before
    assert listing(tmp_path) == files  # no out folder, no partial folder, no -wal/-shm


# A child process that starts an export of PROJECT into OUT and, at its main pass,
# either dies at once (os._exit: no clean-up runs, as when killed) or says "ready" and
# waits to be killed.
CHILD = """
import os, sys
import annotator.exchange.export.run as run
from annotator.exchange.export import ExportOptions, export_project
from annotator.store.project import open_project

project, out, how = sys.argv[1:]

def main_pass(project, folder, *args, **kwargs):
    if how == "die":
        os._exit(9)
    print("ready", flush=True)
    sys.stdin.read()
    os._exit(9)

run._write_files = main_pass
export_project(open_project(project), out, ExportOptions(n_boot=0))
"""


def child(project: Path, out: Path, how: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(project), str(out), how],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def partials(folder: Path) -> list[str]:
    return sorted(name for name in listing(folder) if ".partial-" in name)


def test_a_killed_exports_folder_is_cleared_and_a_running_ones_is_kept(tmp_path: Path) -> None:
    built = small_project(tmp_path)
    project = built.project
    exports = tmp_path / "exports"
    exports.mkdir()

    killed = child(project.path, exports / "set", "die")
    assert killed.wait() == 9
    left = partials(exports)
    assert left and all(name.startswith(".set.partial-") for name in left)

    running = child(project.path, exports / "other", "wait")
    try:
        assert running.stdout is not None and running.stdout.readline() == "ready\n"
        in_progress = partials(exports)
        assert len([n for n in in_progress if n.startswith(".other.partial-")]) >= 1

        counts = project.table_counts()
        export_project(project, exports / "set", ExportOptions(n_boot=0))

        assert (exports / "set" / "manifest.json").exists()
        assert partials(exports) == [n for n in in_progress if n.startswith(".other.")]
        assert project.table_counts()["exports"] == counts["exports"] + 1
    finally:
        running.kill()
        running.wait()

    export_project(project, exports / "third", ExportOptions(n_boot=0))
    assert partials(exports) == []  # the second child is gone now: its folder went too
    assert listing(exports) == ["set", "third"]
    project.close()


def test_a_partial_folder_without_a_lock_is_cleared_only_when_old(tmp_path: Path) -> None:
    """Folders an older Annotator left carry no lock file: a day's age marks them stale."""
    built = small_project(tmp_path)
    old = tmp_path / ".set.partial-0123456789ab"
    young = tmp_path / ".set.partial-ba9876543210"
    for folder in (old, young):
        folder.mkdir()
        (folder / "items.jsonl").write_text("{}\n", encoding="utf-8")
    two_days_ago = old.stat().st_mtime - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))

    export_project(built.project, tmp_path / "set", ExportOptions(n_boot=0))

    assert not old.exists()
    assert young.exists()
    built.project.close()
