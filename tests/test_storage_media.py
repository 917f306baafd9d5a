"""Real failure modes of a laptop's storage (issue 20): a nearly full disk and a project on
read-only media. Each test mounts a small tmpfs of its own (root on Linux); where it
cannot, it skips and says why."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.base.storage import DiskFullError, ReadOnlyStorageError
from annotator.cli import main
from annotator.store.project import open_project
from tests.support.export_project import small_project


def _mount(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if not sys.platform.startswith("linux"):
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _umount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


@pytest.fixture
def medium(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB file system of the test's own."""
    folder = tmp_path / "medium"
    if not _mount(folder, "4m"):
        pytest.skip("cannot mount a tmpfs here (needs root on Linux): storage tests skipped")
    yield folder
    _umount(folder)


def fill_up(folder: Path) -> Path:
    """Write a filler file until the file system says ENOSPC; returns its path."""
    filler = folder / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


def _remount_read_only(folder: Path) -> None:
    done = subprocess.run(
        ["mount", "-o", "remount,ro", str(folder)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only: {done.stderr.decode().strip()}")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _project_on(medium: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The same small project on the medium and on ordinary disk."""
    built = small_project(tmp_path / "src")
    built.project.close()
    source = Path(built.project.path)
    writable = tmp_path / "writable.annotator"
    shutil.copy(source, writable)
    on_medium = medium / "p.annotator"
    shutil.copy(source, on_medium)
    return on_medium, writable


READ_COMMANDS = [
    ("stats", "{p}", "--json"),
    ("agreement", "{p}", "--json", "--n-boot", "50"),
    ("drift", "{p}", "--json"),
    ("sources", "{p}", "--json", "--bootstrap", "50"),
]


def test_read_commands_work_on_read_only_media_and_match_a_writable_copy(medium, tmp_path, capsys):
    on_medium, writable = _project_on(medium, tmp_path)
    _remount_read_only(medium)
    for command in READ_COMMANDS:
        code, out, err = run(capsys, *(a.format(p=on_medium) for a in command))
        assert code == 0, (command, err)
        assert "read-only" in err and "Traceback" not in err
        code_w, out_w, _ = run(capsys, *(a.format(p=writable) for a in command))
        assert code_w == 0
        assert json.loads(out) == json.loads(out_w.replace(str(writable), str(on_medium))), command
    assert sorted(p.name for p in medium.iterdir()) == ["p.annotator"], "nothing written beside"


def test_export_and_report_of_a_read_only_project_write_elsewhere(medium, tmp_path, capsys):
    on_medium, _ = _project_on(medium, tmp_path)
    _remount_read_only(medium)
    code, _, err = run(
        capsys, "export", str(on_medium), "--format", "jsonl", "--out", str(tmp_path / "out"),
        "--n-boot", "20",
    )  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "out" / "manifest.json").exists()
    code, _, err = run(capsys, "report", str(on_medium), "--out", str(tmp_path / "r.html"))
    assert code == 0 and (tmp_path / "r.html").exists(), err


def test_write_commands_refuse_on_read_only_media(medium, tmp_path, capsys):
    on_medium, _ = _project_on(medium, tmp_path)
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "new-1", "input": "q", "output": "a"}) + "\n")
    _remount_read_only(medium)
    before = on_medium.read_bytes()
    code, _, err = run(capsys, "import-items", str(on_medium), str(items))
    assert code == ReadOnlyStorageError.exit_code, err
    assert "read-only" in err and "Copy the project somewhere writable" in err
    assert "Traceback" not in err
    assert on_medium.read_bytes() == before
    broken = tmp_path / "labels.jsonl"
    broken.write_text("{not json\n")
    code, _, err = run(
        capsys, "import-labels", str(on_medium), str(broken), "--source", "s", "--kind", "expert"
    )
    assert code == ReadOnlyStorageError.exit_code, "refused before reading a line of the file"
    assert "read-only" in err and "labels.jsonl:1" not in err


def test_import_on_a_full_disk_says_so_and_changes_nothing(medium, tmp_path, capsys):
    project_path = medium / "full.annotator"
    code, _, err = run(capsys, "init", str(project_path))
    assert code == 0, err
    with open_project(project_path) as project:
        before = project.table_counts()
    filler = fill_up(medium)
    items = tmp_path / "items.jsonl"
    with items.open("w") as handle:
        for n in range(20_000):
            handle.write(json.dumps({"id": f"i{n}", "input": "q " * 40, "output": "a " * 40}))
            handle.write("\n")
    code, _, err = run(capsys, "import-items", str(project_path), str(items))
    assert code == DiskFullError.exit_code, err
    assert "is full" in err and "Free some space" in err and "Traceback" not in err
    filler.unlink()
    with open_project(project_path) as project:
        assert project.table_counts() == before, "the refused import left the project as it was"


def test_export_to_a_full_disk_fails_cleanly_with_no_partial_output(medium, tmp_path, capsys):
    built = small_project(tmp_path / "src")
    built.project.close()
    fill_up(medium)
    out = medium / "export"
    code, _, err = run(
        capsys, "export", str(built.project.path), "--format", "parquet", "--out", str(out),
        "--n-boot", "20",
    )  # fmt: skip
    assert code == DiskFullError.exit_code, err
    assert "is full" in err and "Traceback" not in err
    assert sorted(p.name for p in medium.iterdir()) == ["filler"], "no partial export left"


def test_an_export_that_clearly_will_not_fit_is_refused_before_it_starts(
    medium, tmp_path, capsys, monkeypatch
):
    import annotator.exchange.export.run as run_module

    built = small_project(tmp_path / "src")
    built.project.close()
    size_mb = Path(built.project.path).stat().st_size / 2**20
    # As if each project byte made 8 MB / size of output: more than the 4 MB medium holds.
    monkeypatch.setitem(run_module.SIZE_PER_PROJECT_BYTE, "jsonl", 8 / size_mb)
    code, _, err = run(
        capsys, "export", str(built.project.path), "--format", "jsonl", "--out",
        str(medium / "export"), "--n-boot", "20",
    )  # fmt: skip
    assert code == DiskFullError.exit_code, err
    assert "needs about 8 MB" in err and "MB free" in err
    assert list(medium.iterdir()) == [], "refused before writing anything"


def test_label_import_on_a_full_disk_says_so_and_changes_nothing(medium, tmp_path, capsys):
    project_path = medium / "full.annotator"
    assert run(capsys, "init", str(project_path))[0] == 0
    items = tmp_path / "items.jsonl"
    items.write_text(
        "".join(json.dumps({"id": f"i{n}", "input": "q", "output": "a"}) + "\n" for n in range(50))
    )
    rubric = tmp_path / "r.yaml"
    rubric.write_text("rubric: r\ncriteria:\n  - key: ok\n    kind: binary\n")
    assert run(capsys, "import-items", str(project_path), str(items))[0] == 0
    assert run(capsys, "rubric", "publish", str(project_path), str(rubric))[0] == 0
    with open_project(project_path) as project:
        before = project.table_counts()
    labels = tmp_path / "labels.jsonl"
    with labels.open("w") as handle:
        for n in range(60_000):
            row = {"item_id": f"i{n % 50}", "annotator": f"w{n // 50}", "values": {"ok": "yes"}}
            handle.write(json.dumps(row) + "\n")
    filler = fill_up(medium)
    code, _, err = run(
        capsys, "import-labels", str(project_path), str(labels), "--source", "crowd",
        "--kind", "crowd",
    )  # fmt: skip
    assert code == DiskFullError.exit_code, err
    assert "is full" in err and "Traceback" not in err
    filler.unlink()
    with open_project(project_path) as project:
        assert project.table_counts() == before, "the refused import left the project as it was"


def test_a_report_to_a_full_disk_fails_cleanly_with_no_partial_file(medium, tmp_path, capsys):
    built = small_project(tmp_path / "src")
    built.project.close()
    filler = fill_up(medium)
    out = medium / "report.html"
    code, _, err = run(capsys, "report", str(built.project.path), "--out", str(out))
    assert code == DiskFullError.exit_code, err
    assert "MB free" in err and "Traceback" not in err
    assert sorted(p.name for p in medium.iterdir()) == ["filler"], "no partial report"
    filler.unlink()
    code, _, err = run(capsys, "report", str(built.project.path), "--out", str(out))
    assert code == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>"), err
