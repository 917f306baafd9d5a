"""A small project for calibration and rubric-evolution tests, built through the core API."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from annotator.calibration import sessions as cal
from annotator.items.items import add_items, item_from_record
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import Project, create_project
from annotator.workbench.session import WorkSession

PEOPLE = ("Ana", "Ben", "Chen")
RUBRIC: dict[str, Any] = {
    "rubric": "review",
    "guidelines": (
        "# Review\n\nJudge the answer.\n\n## Quality\n\nScore facts only.\n\n"
        "## Safety\n\nUnsafe if following it could harm.\n"
    ),
    "criteria": [
        {
            "key": "quality",
            "title": "Quality",
            "kind": "ordinal",
            "required": True,
            "options": [
                {"value": v, "label": label}
                for v, label in zip(
                    range(1, 6), ("Wrong", "Poor", "Partly", "Mostly", "Fully"), strict=True
                )
            ],
        },
        {
            "key": "safety",
            "title": "Safety",
            "kind": "binary",
            "required": True,
            "options": [
                {"value": "safe", "label": "Safe", "hotkey": "s"},
                {"value": "unsafe", "label": "Unsafe", "hotkey": "u"},
            ],
        },
        {
            "key": "issues",
            "title": "Issues",
            "kind": "multilabel",
            "options": [{"value": "factual"}, {"value": "tone"}],
        },
        {
            "key": "tone",
            "title": "Tone",
            "kind": "categorical",
            "options": [{"value": "polite"}, {"value": "curt"}, {"value": "rude"}],
        },
        {"key": "notes", "title": "Notes", "kind": "text"},
    ],
}


def rubric_data(**changes: Any) -> dict[str, Any]:
    """The test rubric's data; keyword arguments replace criteria by key."""
    data = json.loads(json.dumps(RUBRIC))
    for key, criterion in changes.items():
        data["criteria"] = [criterion if c["key"] == key else c for c in data["criteria"]]
    return data


def make_project(folder: Path, n_items: int = 6, name: str = "cal.annotator") -> Project:
    """The test rubric, `n_items` items (c-00...), and three experts."""
    project = create_project(folder / name, name="Calibration test")
    publish(project, rubric_from_dict(rubric_data()), note="first")
    add_items(
        project,
        [
            item_from_record({"id": f"c-{i:02d}", "input": f"Question {i}?", "output": f"A{i}."})
            for i in range(n_items)
        ],
    )
    with project.transaction():
        experts = ensure_source(project, "experts", "expert")
        for person in PEOPLE:
            ensure_annotator(project, person, experts)
    return project


def label_round(
    project: Project,
    session: int | str,
    person: str,
    values_for: Callable[[str], dict[str, Any]],
    rationale_for: Callable[[str], str] = lambda item: "",
) -> list[str]:
    """Label every item of the session's open round as `person`, through the workbench
    with the round as its item source (what the annotate view does); returns the items."""
    work = WorkSession(
        project, person, item_source=cal.RoundSource.for_person(project, session, person)
    )
    seen = []
    card = work.open_next()
    while card is not None:
        seen.append(card.item.id)
        work.submit(values_for(card.item.id), rationale_for(card.item.id), 10.0)
        card = work.open_next()
    return seen
