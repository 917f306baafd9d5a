"""What a calibration session decides: consensus values, new anchors, rubric versions.

The lead's consensus value and rationale per item and criterion is an
adjudication (:mod:`annotator.labels.adjudications`) carrying the session's id, so it
outranks any aggregate in consensus and exports. An item can then be promoted
to an anchor whose reference is those decisions (`origin="adjudication"`). A
rubric version published from the session's notes is linked to it, for the
summary's "rubric changes it led to".

    >>> adjudicate_item(project, "Nov", "med-004", "correctness", 3, rationale="dose is wrong")
    >>> promote_to_anchor(project, "Nov", "med-004")
"""

from __future__ import annotations

from typing import Any

from annotator.anchors import anchors
from annotator.anchors.anchors import Anchor
from annotator.base.clock import now_iso
from annotator.calibration.sessions import CalibrationError, Round, Session, get_session
from annotator.labels.adjudications import (
    Adjudication,
    adjudicate,
    adjudication_from_row,
    current_adjudications,
)
from annotator.rubric.model import RubricVersion
from annotator.rubric.versions import get_version
from annotator.store.project import Project


def _decision_round(session: Session, item_id: str) -> Round:
    """The latest revealed round holding the item: decisions come after a reveal."""
    for candidate in reversed(session.rounds):
        if candidate.revealed and item_id in candidate.items:
            return candidate
    if any(item_id in r.items for r in session.rounds):
        raise CalibrationError(
            f"Item {item_id!r} is in {session.name!r}, but no round holding it is revealed "
            "yet; reveal the round before deciding."
        )
    raise CalibrationError(f"Item {item_id!r} is not one of {session.name!r}'s items.")


def decision_version(project: Project, session: Session, item_id: str) -> RubricVersion:
    return get_version(project, _decision_round(session, item_id).rubric_version_id)


def adjudicate_item(
    project: Project,
    session: int | str | Session,
    item_id: str,
    criterion: str,
    value: Any,
    rationale: str | None = None,
) -> Adjudication:
    """The session's consensus value for an item and criterion (supersedes an earlier
    decision on them), checked against the rubric version of the item's round."""
    found = get_session(project, session)
    version = decision_version(project, found, item_id)
    return adjudicate(
        project,
        item_id,
        criterion,
        value,
        rationale=rationale,
        session_id=found.id,
        rubric_version=version,
    )


def promote_to_anchor(
    project: Project,
    session: int | str | Session,
    item_id: str,
    rationale: str | None = None,
) -> Anchor:
    """Make the item an anchor whose reference is the decisions in force on it (one
    transaction with the session's record of it). Its rationale defaults to the
    decisions' rationales."""
    found = get_session(project, session)
    version = decision_version(project, found, item_id)
    decided = {
        key: current_adjudications(project, key, [item_id]).get(item_id) for key in version.keys
    }
    decided = {key: found_ for key, found_ in decided.items() if found_ is not None}
    if not decided:
        raise CalibrationError(
            f"Decide at least one criterion of {item_id!r} before promoting it to an anchor."
        )
    if not (rationale or "").strip():
        parts = [f"{key}: {d.rationale}" for key, d in decided.items() if d.rationale]
        rationale = "; ".join(parts) or f"Agreed in calibration session {found.name!r}."
    with project.transaction():
        anchor = anchors.add_anchor(
            project,
            item_id,
            {key: d.value for key, d in decided.items()},
            rationale.strip(),
            rubric_version=version,
            origin="adjudication",
        )
        project.conn.execute(
            "INSERT OR IGNORE INTO session_anchors(session_id, anchor_id, item_id, created_at) "
            "VALUES (?, ?, ?, ?)",
            (found.id, anchor.id, item_id, now_iso()),
        )
    return anchor


def session_decisions(project: Project, session: int | str | Session) -> list[Adjudication]:
    """The session's decisions still in force, in the order made."""
    found = get_session(project, session)
    rows = project.rows(
        "SELECT * FROM current_adjudications WHERE session_id = ? ORDER BY id", (found.id,)
    )
    return [adjudication_from_row(row) for row in rows]


def session_anchors(project: Project, session: int | str | Session) -> list[dict[str, Any]]:
    """Anchors promoted in the session, with their reference and whether still live."""
    found = get_session(project, session)
    ids = [
        row[0]
        for row in project.rows(
            "SELECT anchor_id FROM session_anchors WHERE session_id = ? ORDER BY created_at, "
            "anchor_id",
            (found.id,),
        )
    ]
    by_id = {anchor.id: anchor for anchor in anchors.list_anchors(project, status="all")}
    return [
        {
            "item_id": by_id[i].item_id,
            "anchor_id": i,
            "reference": by_id[i].reference,
            "rationale": by_id[i].rationale,
            "status": by_id[i].status,
        }
        for i in ids
    ]


def link_version(project: Project, session: int | str | Session, version: RubricVersion) -> None:
    """Record that `version` came out of the session (call inside the publish's transaction)."""
    found = get_session(project, session)
    project.conn.execute(
        "INSERT OR IGNORE INTO session_versions(session_id, rubric_version_id, created_at) "
        "VALUES (?, ?, ?)",
        (found.id, version.id, now_iso()),
    )


def session_versions(project: Project, session: int | str | Session) -> list[RubricVersion]:
    found = get_session(project, session)
    rows = project.rows(
        "SELECT rubric_version_id FROM session_versions WHERE session_id = ? "
        "ORDER BY rubric_version_id",
        (found.id,),
    )
    return [get_version(project, row[0]) for row in rows]


__all__ = [
    "adjudicate_item",
    "decision_version",
    "link_version",
    "promote_to_anchor",
    "session_anchors",
    "session_decisions",
    "session_versions",
]
