"""Calibration sessions as data: the session, its rounds, and reading them back.

See :mod:`annotator.calibration.sessions` for what a session is and how it runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.base.errors import AnnotatorError, NotFoundError
from annotator.store.project import Project

MODES = ("room", "packs")
ANSWERED = ("submitted", "skipped", "flagged")


class CalibrationError(AnnotatorError):
    """A session action that cannot be done as asked (unknown session, wrong state)."""


class BlindError(CalibrationError):
    """Someone asked for labels of a round that has not been revealed."""


@dataclass(frozen=True)
class Round:
    id: int
    session_id: int
    number: int
    rubric_version_id: int
    status: str
    label_floor: int
    started_at: str
    revealed_at: str | None
    items: tuple[str, ...]

    @property
    def revealed(self) -> bool:
        return self.status == "revealed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "status": self.status,
            "rubric_version_id": self.rubric_version_id,
            "started_at": self.started_at,
            "revealed_at": self.revealed_at,
            "items": list(self.items),
        }


@dataclass(frozen=True)
class Session:
    id: int
    name: str
    mode: str
    rubric_version_id: int
    selection: dict[str, Any]
    status: str
    created_at: str
    created_by: str
    closed_at: str | None
    participants: tuple[str, ...]
    participant_ids: tuple[int, ...]
    rounds: tuple[Round, ...] = field(default=())

    def round(self, number: int | None = None) -> Round:
        """Round `number`, or the latest one."""
        if number is None:
            return self.rounds[-1]
        for found in self.rounds:
            if found.number == number:
                return found
        raise CalibrationError(
            f"Session {self.name!r} has no round {number} (it has {len(self.rounds)})."
        )

    @property
    def items(self) -> tuple[str, ...]:
        """Round 1's items (the session's items)."""
        return self.rounds[0].items if self.rounds else ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "mode": self.mode,
            "status": self.status,
            "rubric_version_id": self.rubric_version_id,
            "selection": self.selection,
            "participants": list(self.participants),
            "created_at": self.created_at,
            "created_by": self.created_by,
            "closed_at": self.closed_at,
            "rounds": [r.to_dict() for r in self.rounds],
        }


# -- reading -------------------------------------------------------------------------------


def _round_from_row(project: Project, row: Any) -> Round:
    items = tuple(
        r[0]
        for r in project.rows(
            "SELECT item_id FROM session_items WHERE round_id = ? ORDER BY position", (row["id"],)
        )
    )
    return Round(
        id=row["id"],
        session_id=row["session_id"],
        number=row["number"],
        rubric_version_id=row["rubric_version_id"],
        status=row["status"],
        label_floor=row["label_floor"],
        started_at=row["started_at"],
        revealed_at=row["revealed_at"],
        items=items,
    )


def _session_from_row(project: Project, row: Any) -> Session:
    people = project.rows(
        "SELECT a.id, a.name FROM session_participants p "
        "JOIN annotators a ON a.id = p.annotator_id WHERE p.session_id = ? ORDER BY p.position",
        (row["id"],),
    )
    rounds = project.rows(
        "SELECT * FROM session_rounds WHERE session_id = ? ORDER BY number", (row["id"],)
    )
    return Session(
        id=row["id"],
        name=row["name"],
        mode=row["mode"],
        rubric_version_id=row["rubric_version_id"],
        selection=json.loads(row["selection"]),
        status=row["status"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        closed_at=row["closed_at"],
        participants=tuple(p["name"] for p in people),
        participant_ids=tuple(p["id"] for p in people),
        rounds=tuple(_round_from_row(project, r) for r in rounds),
    )


def get_session(project: Project, spec: int | str | Session) -> Session:
    """A session by id, by name (when unique), or reloaded from a Session."""
    if isinstance(spec, Session):
        spec = spec.id
    text = str(spec).strip()
    if text.isdigit():
        row = project.row("SELECT * FROM calibration_sessions WHERE id = ?", (int(text),))
        if row is not None:
            return _session_from_row(project, row)
    rows = project.rows("SELECT * FROM calibration_sessions WHERE name = ? ORDER BY id", (text,))
    if len(rows) > 1:
        ids = ", ".join(str(r["id"]) for r in rows)
        raise CalibrationError(f"Several sessions are named {text!r} (ids {ids}); give the id.")
    if not rows:
        raise NotFoundError(
            f"No calibration session {text!r} in this project; 'annotator session list' shows them."
        )
    return _session_from_row(project, rows[0])


def list_sessions(project: Project) -> list[Session]:
    rows = project.rows("SELECT * FROM calibration_sessions ORDER BY id")
    return [_session_from_row(project, row) for row in rows]


def require_open(session: Session) -> None:
    if session.status == "closed":
        raise CalibrationError(f"Session {session.name!r} is closed.")


def require_items(project: Project, item_ids: Sequence[str]) -> None:
    if not item_ids:
        raise CalibrationError("A session needs at least one item.")
    for item_id in item_ids:
        if project.row("SELECT 1 FROM items WHERE id = ?", (item_id,)) is None:
            raise NotFoundError(f"No item with id {item_id!r} in this project.")


__all__ = [
    "ANSWERED",
    "MODES",
    "BlindError",
    "CalibrationError",
    "Round",
    "Session",
    "get_session",
    "list_sessions",
    "require_items",
    "require_open",
]
