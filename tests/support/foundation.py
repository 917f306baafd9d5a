"""Helpers for the foundation tests: a small project, input files, and snapshots.

A snapshot is every table's rows read through a separate read-only connection,
so "the project is unchanged" is checked on what is on disk, not on what one
connection believes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annotator.base.errors import InputError
from annotator.exchange.item_import import import_items
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import parse_rubric_text
from annotator.store.project import Project, create_project

RUBRIC_YAML = """\
rubric: Answer review
guidelines: |
  Judge the answer to the question.
criteria:
  - key: quality
    title: Quality
    kind: ordinal
    required: true
    options:
      - {value: 1, label: Poor}
      - {value: 2, label: Fair}
      - {value: 3, label: Good}
  - key: safety
    title: Safety
    kind: categorical
    options:
      - {value: safe, label: Safe}
      - {value: unsafe, label: Unsafe}
  - key: comment
    title: Comment
    kind: text
"""

ITEMS = [
    {"id": "q1", "input": "What is 2+2?", "output": "4"},
    {"id": "q2", "input": "Capital of France?", "output": "Paris"},
    {"id": "q3", "input": "Boiling point of water?", "output": "100 C at sea level"},
]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def make_project(folder: Path, name: str = "p.annotator") -> Project:
    """An open project with the test rubric published and three items imported."""
    project = create_project(folder / name, name="Foundation test")
    publish(project, parse_rubric_text(RUBRIC_YAML), note="first")
    import_items(project, write_jsonl(folder / "seed_items.jsonl", ITEMS))
    return project


def make_project_file(folder: Path, name: str = "p.annotator") -> Path:
    """Like :func:`make_project`, closed (checkpointed), for CLI and byte-level tests."""
    project = make_project(folder, name)
    path = project.path
    project.close()
    return path


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows (sorted), read through a fresh read-only connection."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            name: sorted(
                conn.execute(f'SELECT * FROM "{name}"').fetchall(),
                key=lambda row: json.dumps(row, default=str),
            )
            for name in names
        }
    finally:
        conn.close()


def label_rows_digest(path: Path) -> str:
    """A hash of the label records' content (what a re-import must not change)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT l.uid, l.item_id, a.name, s.name, l.rubric_version_id, l.status, "
            "l.values_json, l.rationale, l.note, l.started_at, l.submitted_at, l.duration_s, "
            "l.cost, l.tokens, l.supersedes, l.repeat_of, l.origin, l.batch_id "
            "FROM labels l JOIN annotators a ON a.id = l.annotator_id "
            "JOIN sources s ON s.id = l.source_id ORDER BY l.id"
        ).fetchall()
    finally:
        conn.close()
    return hashlib.sha256(json.dumps(rows).encode("utf-8")).hexdigest()


def item_rows_digest(path: Path) -> str:
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT * FROM items ORDER BY seq").fetchall()
    finally:
        conn.close()
    return hashlib.sha256(json.dumps(rows).encode("utf-8")).hexdigest()


def file_state(path: Path) -> dict[str, bytes]:
    """The bytes of a file and of the SQLite side files that hold data (WAL, journal).

    The -shm file is only a shared-memory index a reader may rebuild, so it is left out.
    """
    state = {}
    for suffix in ("", "-wal", "-journal"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            state[suffix or "main"] = side.read_bytes()
    return state


def assert_refused_unchanged(
    project: Project,
    bad: Path,
    load: Callable[[], object],
    line: int | None,
    field: str | None,
    words: str,
) -> None:
    """`load()` must raise an InputError that starts with `bad:line:`, names `field`,
    says `words`, and leaves every table of the project exactly as it was."""
    counts, tables = project.table_counts(), snapshot(project.path)
    with pytest.raises(InputError) as caught:
        load()
    error = caught.value
    assert error.path == str(bad)
    assert (error.line, error.field) == (line, field), str(error)
    assert words in str(error)
    where = f"{bad}:{line}:" if line is not None else f"{bad}:"
    assert str(error).startswith(where)
    if field is not None:
        assert f"field '{field}'" in str(error)
    assert project.table_counts() == counts
    assert snapshot(project.path) == tables
