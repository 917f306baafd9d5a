"""Rubric versions: a published version never changes, publishing identical content
creates nothing, and `rubric diff` reports every kind of change a lead cares about."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.cli import main as cli
from annotator.revision.publish import publish
from annotator.rubric.versions import find_version
from annotator.rubric.yaml_file import parse_rubric_text
from tests.support.foundation import RUBRIC_YAML, make_project, make_project_file, snapshot

V2_YAML = """\
rubric: Answer review
guidelines: |
  Judge the answer to the question.
  Ignore formatting.
criteria:
  - key: quality
    title: Quality
    kind: ordinal
    required: true
    options:
      - {value: 1, label: Poor}
      - {value: 2, label: Fair}
      - {value: 3, label: Good}
      - {value: 4, label: Excellent}
  - key: safety
    title: Safety
    kind: categorical
    options:
      - {value: safe, label: Harmless}
      - {value: risky, label: Risky}
  - key: cites_sources
    title: Cites sources
    kind: binary
"""


def version_row(project, version_id: int) -> tuple:
    return tuple(project.row("SELECT * FROM rubric_versions WHERE id = ?", (version_id,)))


def test_a_published_version_never_changes(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    v1 = find_version(project, 1)
    row_before = version_row(project, v1.id)

    result = publish(project, parse_rubric_text(V2_YAML), note="second")

    assert result.created and result.version.version == 2
    assert version_row(project, v1.id) == row_before
    project.cache.clear()  # read v1 back from the file, not from memory
    assert find_version(project, 1).content_dict() == parse_rubric_text(RUBRIC_YAML).content_dict()
    project.close()


def test_publishing_identical_content_creates_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    counts, tables = project.table_counts(), snapshot(project.path)
    result = publish(project, parse_rubric_text(RUBRIC_YAML), note="same again")
    assert not result.created and result.version.version == 1
    assert project.table_counts() == counts
    assert snapshot(project.path) == tables
    project.close()


def test_publishing_identical_file_through_the_cli(tmp_path: Path, capsys) -> None:
    path = make_project_file(tmp_path)
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(RUBRIC_YAML, encoding="utf-8")
    tables = snapshot(path)
    capsys.readouterr()
    assert cli(["rubric", "publish", str(path), str(rubric), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "rubric": "Answer review",
        "version": 1,
        "created": False,
    }
    assert snapshot(path) == tables


@pytest.fixture
def two_versions(tmp_path: Path) -> Path:
    path = make_project_file(tmp_path)
    v2 = tmp_path / "v2.yaml"
    v2.write_text(V2_YAML, encoding="utf-8")
    assert cli(["rubric", "publish", str(path), str(v2), "--note", "v2"]) == 0
    return path


def test_rubric_diff_json(two_versions: Path, capsys) -> None:
    capsys.readouterr()
    assert cli(["rubric", "diff", str(two_versions), "1", "2", "--json"]) == 0
    diff = json.loads(capsys.readouterr().out)

    assert diff["criteria_added"] == ["cites_sources"]
    assert diff["criteria_removed"] == ["comment"]
    changed = {c["key"]: c for c in diff["criteria_changed"]}
    assert set(changed) == {"quality", "safety"}
    quality, safety = changed["quality"], changed["safety"]
    assert quality["options_added"] == [4]
    assert quality["scale_changed"] is True
    assert quality["options_removed"] == [] and quality["options_relabelled"] == []
    assert safety["options_added"] == ["risky"]
    assert safety["options_removed"] == ["unsafe"]
    assert safety["options_relabelled"] == [{"value": "safe", "from": "Safe", "to": "Harmless"}]
    assert sorted(diff["meaning_changed"]) == ["quality", "safety"]
    assert "+Ignore formatting." in diff["guidelines_diff"]


def test_rubric_diff_text(two_versions: Path, capsys) -> None:
    capsys.readouterr()
    assert cli(["rubric", "diff", str(two_versions), "1", "2"]) == 0
    text = capsys.readouterr().out
    for expected in (
        "Changes from Answer review v1 to Answer review v2:",
        "+ criterion cites_sources (added)",
        "- criterion comment (removed)",
        "option added: 4 (Excellent)",
        "scale: 1, 2, 3 -> 1, 2, 3, 4",
        "option removed: 'unsafe' (Unsafe)",
        "option 'safe' relabelled: 'Safe' -> 'Harmless'",
        "+Ignore formatting.",
    ):
        assert expected in text, expected


def test_rubric_diff_of_a_version_with_itself_is_empty(two_versions: Path, capsys) -> None:
    capsys.readouterr()
    assert cli(["rubric", "diff", str(two_versions), "2", "2"]) == 0
    assert capsys.readouterr().out.strip().endswith("none.")


def test_rubric_list_numbers_versions_in_order(two_versions: Path, capsys) -> None:
    capsys.readouterr()
    assert cli(["rubric", "list", str(two_versions), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["rubric"], r["version"], r["note"]) for r in rows] == [
        ("Answer review", 1, "first"),
        ("Answer review", 2, "v2"),
    ]
