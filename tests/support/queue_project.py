"""Small projects for the queue, assignment and anchor tests, built through the core API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.items.items import add_items, item_from_record
from annotator.labels.labels import Label, submit_label
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import Annotator, ensure_annotator, ensure_source, set_annotator_mode
from annotator.store.project import Project, create_project

RUBRIC: dict[str, Any] = {
    "rubric": "qa",
    "guidelines": "Judge the answer.",
    "criteria": [
        {"key": "correct", "kind": "binary"},
        {
            "key": "topic",
            "kind": "categorical",
            "options": [{"value": "med"}, {"value": "law"}, {"value": "code"}],
        },
        {
            "key": "quality",
            "kind": "ordinal",
            "options": [{"value": v} for v in (1, 2, 3, 4, 5)],
            "tolerance": 1,
        },
        {
            "key": "issues",
            "kind": "multilabel",
            "options": [{"value": "factual"}, {"value": "tone"}, {"value": "unsafe"}],
        },
        {"key": "confidence", "kind": "numeric", "min": 0, "max": 100, "tolerance": 10},
        {"key": "notes", "kind": "text"},
        {"key": "preference", "kind": "preference"},
    ],
}
DOMAINS = ("med", "law", "code")


def rubric(**changes: Any) -> Any:
    """The test rubric, with criteria replaced by key (for a new version)."""
    data = json.loads(json.dumps(RUBRIC))
    for key, criterion in changes.items():
        data["criteria"] = [criterion if c["key"] == key else c for c in data["criteria"]]
    return rubric_from_dict(data)


def make_project(
    folder: Path, n_items: int = 20, pairwise: int = 0, name: str = "q.annotator"
) -> Project:
    """A project with the test rubric, `n_items` single items (ids it-0000...), the
    first `pairwise` of them pairwise, each tagged with a domain."""
    project = create_project(folder / name, name="Queue test")
    publish(project, rubric(), note="first")
    add_many(project, n_items, pairwise=pairwise)
    return project


def add_many(project: Project, n: int, start: int = 0, pairwise: int = 0) -> list[str]:
    records = []
    for i in range(start, start + n):
        record: dict[str, Any] = {
            "id": f"it-{i:04d}",
            "input": f"Question {i}?",
            "tags": {"domain": DOMAINS[i % 3]},
        }
        if i - start < pairwise:
            record.update(output_a=f"A{i}", output_b=f"B{i}")
        else:
            record["output"] = f"Answer {i}."
        records.append(item_from_record(record))
    add_items(project, records)
    return [r.id for r in records]


def people(project: Project, names: list[str], mode: str = "silent") -> dict[str, Annotator]:
    with project.transaction():
        source = ensure_source(project, "experts", "expert")
        team = {name: ensure_annotator(project, name, source) for name in names}
    if mode != "silent":
        team = {name: set_annotator_mode(project, name, mode) for name in names}
    return team


def answer(
    project: Project,
    annotator: str,
    item_id: str,
    values: dict[str, Any] | None = None,
    status: str = "submitted",
    note: str | None = None,
) -> Label:
    """A label through the public submit path (the annotate view's)."""
    if status != "submitted" and note is None:
        note = f"{status} in a test"
    return submit_label(
        project,
        item_id=item_id,
        annotator=annotator,
        values={"correct": "yes"} if values is None and status == "submitted" else values,
        status=status,
        note=note,
    )


def write_jsonl(path: Path, records: list[Any]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
