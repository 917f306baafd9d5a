"""Two exports of the same project state are byte-identical, the manifest's time aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.exchange.export import FORMATS, ExportOptions, export_project
from annotator.labels.labels import submit_label
from tests.support.export_project import CROWD, SmallProject, small_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SmallProject:
    return small_project(tmp_path_factory.mktemp("determinism"))


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_state_same_bytes(built: SmallProject, tmp_path: Path, fmt: str) -> None:
    options = ExportOptions(format=fmt, n_boot=100)
    first = export_project(built.project, tmp_path / "one", options)
    second = export_project(built.project, tmp_path / "two", options)
    a, b = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert set(a) == set(b)
    assert [name for name in a if a[name] != b[name]] == ["manifest.json"]
    left = json.loads(a["manifest.json"])
    right = json.loads(b["manifest.json"])
    assert left.pop("exported_at") != "" and right.pop("exported_at") != ""
    assert left == right
    assert first.export_id == second.export_id
    # the time is the only line that differs, in one key
    lines = [
        x
        for x, y in zip(
            a["manifest.json"].splitlines(), b["manifest.json"].splitlines(), strict=True
        )
        if x != y
    ]
    assert len(lines) <= 1 and all(b'"exported_at"' in x for x in lines)


def test_a_new_label_changes_the_export_id(tmp_path: Path) -> None:
    built = small_project(tmp_path / "p")
    before = export_project(built.project, tmp_path / "one", ExportOptions(n_boot=0))
    submit_label(built.project, item_id="it-0005", annotator=CROWD[1], values={"quality": 1})
    after = export_project(built.project, tmp_path / "two", ExportOptions(n_boot=0))
    assert before.export_id != after.export_id
    assert before.files["labels.jsonl"] != after.files["labels.jsonl"]
    assert before.files["sources.jsonl"] != after.files["sources.jsonl"]
