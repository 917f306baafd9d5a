"""No real annotator name leaves the project in a default export (every byte of every file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.exchange.export import FORMATS, ExportOptions, export_project
from annotator.store.project import open_project
from tests.conftest import shared_path
from tests.support.export_project import SmallProject, dialsummeval_copy, small_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SmallProject:
    return small_project(tmp_path_factory.mktemp("privacy"))


def _names(project) -> list[str]:
    return [row[0] for row in project.rows("SELECT name FROM annotators")]


def _leaks(folder: Path, names: list[str]) -> list[tuple[str, str]]:
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for name in names:
            if name.encode("utf-8") in data:
                found.append((path.name, name))
    return found


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_annotator_name_in_a_default_export(
    built: SmallProject, tmp_path: Path, fmt: str
) -> None:
    export_project(built.project, tmp_path / fmt, ExportOptions(format=fmt, n_boot=0))
    names = _names(built.project)
    assert len(names) == 6
    assert _leaks(tmp_path / fmt, names) == []


def test_real_names_appear_only_when_asked(built: SmallProject, tmp_path: Path) -> None:
    export_project(built.project, tmp_path / "named", ExportOptions(real_names=True, n_boot=0))
    leaked = {name for _, name in _leaks(tmp_path / "named", _names(built.project))}
    assert leaked == set(_names(built.project))


def test_no_mturk_worker_id_in_the_dialsummeval_export(tmp_path: Path) -> None:
    data = shared_path("data", "dialsummeval")
    path = dialsummeval_copy(data, tmp_path, tmp_path / "cache")
    with open_project(path) as project:
        names = _names(project)
        assert len(names) == 286
        for fmt in ("jsonl", "hf", "croissant"):
            export_project(project, tmp_path / fmt, ExportOptions(format=fmt, n_boot=0))
            assert _leaks(tmp_path / fmt, names) == []
