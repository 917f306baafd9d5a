"""Adjudicated values: the lead's decision on one item and criterion.

An adjudication outranks every aggregate: consensus and exports take it as the
item's label. Like labels, decisions are append-only; a new decision on the
same item and criterion supersedes the old one and the history stays.

    >>> adjudicate(project, "med-004", "correctness", 3, rationale="dose is wrong")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from annotator.base.clock import now_iso
from annotator.base.errors import AnnotatorError, NotFoundError
from annotator.rubric.model import RubricVersion, ValueProblem
from annotator.rubric.versions import current_version
from annotator.store.project import Project


class AdjudicationError(AnnotatorError):
    """An adjudicated value does not fit its criterion, or names an unknown item."""


@dataclass(frozen=True)
class Adjudication:
    id: int
    item_id: str
    criterion: str
    value: Any
    rationale: str | None
    session_id: int | None
    created_at: str
    created_by: str
    supersedes: int | None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def adjudication_from_row(row: Any) -> Adjudication:
    """An Adjudication from a row of `adjudications` or `current_adjudications`."""
    return Adjudication(
        id=row["id"],
        item_id=row["item_id"],
        criterion=row["criterion"],
        value=json.loads(row["value_json"]),
        rationale=row["rationale"],
        session_id=row["session_id"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        supersedes=row["supersedes"],
    )


def adjudicate(
    project: Project,
    item_id: str,
    criterion: str,
    value: Any,
    *,
    rationale: str | None = None,
    session_id: int | None = None,
    rubric_version: RubricVersion | None = None,
) -> Adjudication:
    """Record the lead's value for an item and criterion (one transaction).

    The value is checked against the criterion of `rubric_version` (default:
    the current version) and stored in its canonical form; it supersedes the
    current decision on the same item and criterion, if any.
    """
    version = rubric_version or current_version(project)
    if criterion not in version.keys:
        raise AdjudicationError(
            f"Rubric {version.label} has no criterion {criterion!r} "
            f"(it has: {', '.join(version.keys)})."
        )
    try:
        clean = version.criterion(criterion).coerce(value)
    except ValueProblem as problem:
        raise AdjudicationError(f"criterion '{criterion}': {problem}") from None
    if project.row("SELECT 1 FROM items WHERE id = ?", (item_id,)) is None:
        raise NotFoundError(f"No item with id {item_id!r} in this project.")
    with project.transaction():
        previous = current_adjudication(project, item_id, criterion)
        new_id = project.conn.execute(
            "INSERT INTO adjudications(item_id, criterion, value_json, rationale, session_id, "
            "created_at, created_by, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item_id,
                criterion,
                json.dumps(clean, ensure_ascii=False),
                rationale or None,
                session_id,
                now_iso(),
                project.actor,
                previous.id if previous else None,
            ),
        ).lastrowid
        project.audit(
            "adjudicate",
            target=item_id,
            details={"criterion": criterion, "adjudication_id": new_id, "session_id": session_id},
        )
    row = project.row("SELECT * FROM adjudications WHERE id = ?", (new_id,))
    return adjudication_from_row(row)


def current_adjudication(project: Project, item_id: str, criterion: str) -> Adjudication | None:
    """The decision in force on an item and criterion, or None."""
    row = project.row(
        "SELECT * FROM current_adjudications WHERE item_id = ? AND criterion = ? "
        "ORDER BY id DESC LIMIT 1",
        (item_id, criterion),
    )
    return adjudication_from_row(row) if row else None


def current_adjudications(
    project: Project, criterion: str, item_ids: list[str] | None = None
) -> dict[str, Adjudication]:
    """item id -> the decision in force, for one criterion (optionally these items)."""
    sql = "SELECT * FROM current_adjudications WHERE criterion = ?"
    rows: list[Any] = []
    if item_ids is None:
        rows = project.rows(sql + " ORDER BY id", (criterion,))
    else:
        for start in range(0, len(item_ids), 500):
            chunk = item_ids[start : start + 500]
            rows += project.rows(
                sql + f" AND item_id IN ({', '.join('?' * len(chunk))}) ORDER BY id",
                (criterion, *chunk),
            )
    return {row["item_id"]: adjudication_from_row(row) for row in rows}


def adjudication_history(project: Project, item_id: str) -> list[Adjudication]:
    """Every decision ever made on an item, oldest first."""
    rows = project.rows("SELECT * FROM adjudications WHERE item_id = ? ORDER BY id", (item_id,))
    return [adjudication_from_row(row) for row in rows]


__all__ = [
    "Adjudication",
    "AdjudicationError",
    "adjudicate",
    "adjudication_history",
    "current_adjudication",
    "current_adjudications",
]
