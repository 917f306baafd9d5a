"""Half-filled forms, kept so closing the app or a crash never loses them.

A draft is not a label: it is mutable, private to its annotator, and deleted in
the same transaction that commits the label it becomes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from annotator.base.clock import now_iso
from annotator.store.project import Project


@dataclass(frozen=True)
class Draft:
    item_id: str
    values: dict[str, Any]
    rationale: str
    active_s: float
    rubric_version_id: int | None
    started_at: str | None
    updated_at: str


def save_draft(
    project: Project,
    annotator_id: int,
    item_id: str,
    values: dict[str, Any],
    rationale: str,
    active_s: float,
    rubric_version_id: int | None,
    started_at: str | None = None,
) -> None:
    """Upsert the draft in its own short transaction."""
    with project.transaction():
        project.conn.execute(
            "INSERT INTO drafts(annotator_id, item_id, rubric_version_id, values_json, rationale, "
            "active_s, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(annotator_id, item_id) DO UPDATE SET "
            "rubric_version_id = excluded.rubric_version_id, values_json = excluded.values_json, "
            "rationale = excluded.rationale, active_s = excluded.active_s, "
            "started_at = coalesce(drafts.started_at, excluded.started_at), "
            "updated_at = excluded.updated_at",
            (
                annotator_id,
                item_id,
                rubric_version_id,
                json.dumps(values, ensure_ascii=False),
                rationale,
                active_s,
                started_at or now_iso(),
                now_iso(),
            ),
        )


def load_draft(project: Project, annotator_id: int, item_id: str) -> Draft | None:
    row = project.row(
        "SELECT * FROM drafts WHERE annotator_id = ? AND item_id = ?", (annotator_id, item_id)
    )
    if row is None:
        return None
    return Draft(
        item_id=row["item_id"],
        values=json.loads(row["values_json"]),
        rationale=row["rationale"],
        active_s=row["active_s"],
        rubric_version_id=row["rubric_version_id"],
        started_at=row["started_at"],
        updated_at=row["updated_at"],
    )


def discard_draft(project: Project, annotator_id: int, item_id: str) -> None:
    with project.transaction():
        project.conn.execute(
            "DELETE FROM drafts WHERE annotator_id = ? AND item_id = ?", (annotator_id, item_id)
        )


def latest_draft_item(project: Project, annotator_id: int) -> str | None:
    """The item of the annotator's most recently touched draft (to resume after a crash)."""
    return project.scalar(
        "SELECT item_id FROM drafts WHERE annotator_id = ? ORDER BY updated_at DESC LIMIT 1",
        (annotator_id,),
    )
