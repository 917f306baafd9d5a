"""A lead's project for the work-pack tests, built through the core API, and the
helpers that prove a refused merge changed nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from annotator.anchors.anchors import add_anchor
from annotator.items.items import add_items, item_from_record
from annotator.queue.assignments import assign
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.store.project import Project, create_project
from annotator.workbench.session import WorkSession

TOPICS = ("med", "law", "code")
RUBRIC: dict[str, Any] = {
    "rubric": "pack test",
    "guidelines": "Judge the answer.",
    "criteria": [
        {"key": "correct", "kind": "binary"},
        {"key": "topic", "kind": "categorical", "options": [{"value": t} for t in TOPICS]},
        {"key": "quality", "kind": "ordinal", "options": [{"value": v} for v in (1, 2, 3, 4, 5)]},
    ],
}
TEAM = ("Ana", "Ben", "Cleo")
ANCHOR_IDS = ("anc-0", "anc-1", "anc-2")
# Unique strings planted in the anchors' rationales: they must never reach a pack.
MARKERS = ("RATIONALE-MARKER-7f3a1c", "RATIONALE-MARKER-0b9e44", "RATIONALE-MARKER-d25c6f")


def topic_of(item_id: str) -> str:
    return TOPICS[int(item_id.rsplit("-", 1)[1]) % 3]


def anchor_reference(index: int) -> dict[str, Any]:
    """Distinct references (none is a value any helper types by default)."""
    return {"correct": ("yes", "no", "yes")[index], "topic": TOPICS[index], "quality": index + 2}


def make_lead(
    folder: Path,
    n_items: int = 12,
    *,
    overlap: float = 0.5,
    k: int = 3,
    anchor_rate: float = 0.25,
    name: str = "lead.annotator",
    **settings: Any,
) -> Project:
    """A project with the rubric, `n_items` items it-00.., three anchors (with marker
    rationales) and the team assigned with overlap."""
    project = create_project(folder / name, name="Pack test")
    publish(project, rubric_from_dict(RUBRIC), note="first")
    records = [
        {"id": f"it-{i:04d}", "input": f"Question {i}?", "output": f"Answer {i}."}
        for i in range(n_items)
    ]
    records += [
        {"id": item_id, "input": f"Check question {i}?", "output": f"Check answer {i}."}
        for i, item_id in enumerate(ANCHOR_IDS)
    ]
    add_items(project, [item_from_record(r) for r in records])
    for i, item_id in enumerate(ANCHOR_IDS):
        add_anchor(project, item_id, anchor_reference(i), MARKERS[i])
    assign(
        project,
        list(TEAM),
        overlap=overlap,
        k=k,
        seed=11,
        anchor_rate=anchor_rate,
        min_gap=1,
        **settings,
    )
    return project


def dump(project: Project) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: equal dumps mean nothing changed."""
    out = {}
    for name in project.table_counts():
        rows = project.conn.execute(f'SELECT * FROM "{name}"').fetchall()
        out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def label_all(pack: Project, person: str, values_for: Any) -> dict[str, dict[str, Any]]:
    """Label every item the pack's queue serves through the workbench (the view's core)."""
    session = WorkSession(pack, person)
    typed: dict[str, dict[str, Any]] = {}
    while (card := session.open_next()) is not None:
        values = values_for(person, card.item.id)
        session.submit(values, "", 10.0)
        typed[card.item.id] = values
    return typed


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection, as someone editing the file by hand would use (no foreign keys)."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    return conn


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
