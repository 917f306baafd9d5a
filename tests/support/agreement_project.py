"""Small projects for the agreement, consensus and drift tests, built through the core API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.items.items import add_items, item_from_record
from annotator.labels.labels import Label, submit_label
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import Project, create_project

SCALE = [1, 2, 3, 4, 5]
RUBRIC: dict[str, Any] = {
    "rubric": "agreement test",
    "guidelines": "Judge the answer.",
    "criteria": [
        {"key": "quality", "kind": "ordinal", "options": [{"value": v} for v in SCALE]},
        {"key": "verdict", "kind": "categorical", "options": [{"value": v} for v in "abc"]},
        {
            "key": "issues",
            "kind": "multilabel",
            "options": [{"value": "factual"}, {"value": "tone"}],
        },
        {"key": "score", "kind": "numeric", "min": 0, "max": 10},
        {"key": "notes", "kind": "text"},
    ],
}


def rubric(criteria: list[dict[str, Any]] | None = None, name: str = "agreement test") -> Any:
    data = json.loads(json.dumps(RUBRIC))
    data["rubric"] = name
    if criteria is not None:
        data["criteria"] = criteria
    return rubric_from_dict(data)


def make_project(
    folder: Path,
    items: list[str] | int,
    *,
    criteria: list[dict[str, Any]] | None = None,
    tags: dict[str, dict[str, str]] | None = None,
    name: str = "agreement.annotator",
) -> Project:
    """A project with the test rubric (or these criteria) and these items."""
    project = create_project(folder / name, name="Agreement test")
    publish(project, rubric(criteria), note="first")
    ids = [f"it-{i:04d}" for i in range(items)] if isinstance(items, int) else items
    add_items(
        project,
        [
            item_from_record(
                {
                    "id": i,
                    "input": f"Question {i}?",
                    "output": "Answer.",
                    "tags": (tags or {}).get(i, {}),
                }
            )
            for i in ids
        ],
    )
    return project


def team(project: Project, members: dict[str, tuple[str, str]]) -> None:
    """members: annotator name -> (source name, source kind)."""
    with project.transaction():
        for name, (source, kind) in members.items():
            ensure_annotator(project, name, ensure_source(project, source, kind))


def label(
    project: Project,
    annotator: str,
    item_id: str,
    values: dict[str, Any],
    *,
    at: str | None = None,
    status: str = "submitted",
    repeat_of: int | None = None,
    rubric_version: Any = None,
) -> Label:
    return submit_label(
        project,
        item_id=item_id,
        annotator=annotator,
        values=values,
        status=status,
        note=None if status == "submitted" else "a note",
        submitted_at=at,
        repeat_of=repeat_of,
        rubric_version=rubric_version,
    )
