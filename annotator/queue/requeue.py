"""Items asked back into a person's queue under a newer rubric version.

When a new rubric version changes what a criterion means, labels made under
the old one are stale (:mod:`annotator.revision.evolution`). The lead can ask
for those items to come back to chosen people: a `requeues` row per person and
item, pending until that person has a label record on the item made after the
row was written (its `label_floor`, the highest label id then).

The queue serves pending requeues before fresh items (:mod:`annotator.queue.plan`),
and the workbench answers them in place: the new label, made under the current
version, supersedes the stale one, which stays in the history (labels are never
rewritten). Items the lead took out of the person's queue, and live anchors
(which come back through anchor seeding), are not served from here.

    >>> add(project, annotator_id=3, item_id="med-004", rubric_version_id=2,
    ...     criteria=["verdict"], stale_label_id=118)
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from annotator.base.clock import now_iso
from annotator.store.project import Project

ANSWERED = "('submitted', 'skipped', 'flagged')"
PENDING_WHERE = (
    "NOT EXISTS (SELECT 1 FROM labels l WHERE l.item_id = r.item_id "
    f"  AND l.annotator_id = r.annotator_id AND l.id > r.label_floor AND l.status IN {ANSWERED}) "
    "AND NOT EXISTS (SELECT 1 FROM assignments s WHERE s.item_id = r.item_id "
    "  AND s.annotator_id = r.annotator_id AND s.removed = 1) "
    "AND NOT EXISTS (SELECT 1 FROM anchors x WHERE x.item_id = r.item_id "
    "  AND x.status != 'retired')"
)


def add(
    project: Project,
    *,
    annotator_id: int,
    item_id: str,
    rubric_version_id: int,
    criteria: list[str],
    stale_label_id: int | None = None,
) -> bool:
    """Ask for the item back under `rubric_version_id`; False if already asked.

    Call inside the caller's transaction (one requeue run is one transaction).
    """
    floor = project.scalar("SELECT coalesce(max(id), 0) FROM labels")
    cursor = project.conn.execute(
        "INSERT OR IGNORE INTO requeues(annotator_id, item_id, rubric_version_id, criteria, "
        "stale_label_id, label_floor, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            annotator_id,
            item_id,
            rubric_version_id,
            json.dumps(sorted(criteria)),
            stale_label_id,
            floor,
            now_iso(),
            project.actor,
        ),
    )
    return cursor.rowcount == 1


def is_pending(project: Project, annotator_id: int, item_id: str) -> bool:
    """Whether the item is waiting for this person's label under a newer version."""
    return (
        project.row(
            f"SELECT 1 FROM requeues r WHERE r.annotator_id = ? AND r.item_id = ? "
            f"AND {PENDING_WHERE} LIMIT 1",
            (annotator_id, item_id),
        )
        is not None
    )


def next_pending(project: Project, annotator_id: int, exclude: Collection[str] = ()) -> str | None:
    """The oldest pending requeued item of this person not in `exclude` (for the queue)."""
    rows = project.conn.execute(
        f"SELECT r.item_id FROM requeues r WHERE r.annotator_id = ? AND {PENDING_WHERE} "
        "ORDER BY r.id",
        (annotator_id,),
    )
    for (item_id,) in rows:
        if item_id not in exclude:
            return item_id
    return None


def count_pending(project: Project, annotator_id: int) -> int:
    return project.scalar(
        f"SELECT count(DISTINCT r.item_id) FROM requeues r WHERE r.annotator_id = ? "
        f"AND {PENDING_WHERE}",
        (annotator_id,),
    )


def list_requeues(project: Project, pending_only: bool = False) -> list[dict[str, Any]]:
    """Every requeue (or only pending ones), oldest first, with who and whether it is done."""
    rows = project.rows(
        "SELECT r.*, a.name AS annotator, v.version AS version, "
        f"({PENDING_WHERE}) AS pending FROM requeues r "
        "JOIN annotators a ON a.id = r.annotator_id "
        "JOIN rubric_versions v ON v.id = r.rubric_version_id ORDER BY r.id"
    )
    out = []
    for row in rows:
        if pending_only and not row["pending"]:
            continue
        out.append(
            {
                "id": row["id"],
                "annotator": row["annotator"],
                "item_id": row["item_id"],
                "rubric_version": row["version"],
                "criteria": json.loads(row["criteria"]),
                "stale_label_id": row["stale_label_id"],
                "pending": bool(row["pending"]),
                "created_at": row["created_at"],
                "created_by": row["created_by"],
            }
        )
    return out


__all__ = ["add", "count_pending", "is_pending", "list_requeues", "next_pending"]
