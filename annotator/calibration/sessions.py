"""Calibration sessions: a few items, a few people, a blind round, a reveal.

A session has participants, a rubric version, items and a mode: `room` (one
machine, participants take turns; the app switches who is labeling) or
`packs` (each participant labels in a work pack; :mod:`annotator.calibration.packs`).
Round 1 is blind: each participant labels the round's items through a
:class:`RoundSource` in the normal annotate view, and nothing in the session's
flow shows anyone's labels until the lead reveals the round
(:func:`reveal_round`; the reveal itself is :mod:`annotator.calibration.reveal`).
After the discussion an optional round 2 (same or fresh items) measures the
session's effect.

Which labels belong to which round is a link table (`session_labels`), written
in the label's own transaction; labels stay append-only. A round label answers
the item in place (it supersedes the participant's current record, which stays
in the history). A round's answer of a participant on an item is the last label
linked to the round that no undo took back.

    >>> session = create_session(project, "November calibration", ["Ana", "Ben", "Chen"],
    ...                          select_items(project, lowest=12).items)
    >>> source = RoundSource.for_person(project, session.id, "Ana")   # WorkSession(item_source=)
    >>> reveal_round(project, session.id)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from annotator.base.clock import now_iso
from annotator.calibration.items import Selection, select_items
from annotator.calibration.model import (
    MODES,
    BlindError,
    CalibrationError,
    Round,
    Session,
    get_session,
    list_sessions,
    require_items,
    require_open,
)
from annotator.calibration.rounds import RoundSource, link_label, round_answers, round_progress
from annotator.labels.labels import require_annotator
from annotator.rubric.model import RubricVersion
from annotator.rubric.versions import get_version, resolve_version
from annotator.store.project import Project

# -- creating and running ------------------------------------------------------------------


def create_session(
    project: Project,
    name: str,
    participants: Sequence[str],
    items: Sequence[str] | Selection,
    *,
    rubric_version: str | int | RubricVersion | None = None,
    mode: str = "room",
) -> Session:
    """A new session with its round 1 open for blind labeling (one transaction)."""
    if not name.strip():
        raise CalibrationError("Give the session a name.")
    if mode not in MODES:
        raise CalibrationError(f"Unknown session mode {mode!r}; use one of {', '.join(MODES)}.")
    names = list(dict.fromkeys(p.strip() for p in participants if p.strip()))
    if len(names) < 2:
        raise CalibrationError("A calibration session needs at least two participants.")
    people = [require_annotator(project, p) for p in names]
    selection = (
        items if isinstance(items, Selection) else Selection(list(items), {"how": "by hand"})
    )
    require_items(project, selection.items)
    version = (
        rubric_version
        if isinstance(rubric_version, RubricVersion)
        else resolve_version(project, rubric_version)
    )
    with project.transaction():
        session_id = project.conn.execute(
            "INSERT INTO calibration_sessions(name, mode, rubric_version_id, selection, "
            "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
            (
                name.strip(),
                mode,
                version.id,
                json.dumps(selection.how, sort_keys=True, default=str),
                now_iso(),
                project.actor,
            ),
        ).lastrowid
        project.conn.executemany(
            "INSERT INTO session_participants(session_id, annotator_id, position) VALUES (?, ?, ?)",
            [(session_id, person.id, i) for i, person in enumerate(people)],
        )
        _insert_round(project, session_id, 1, version, selection.items)
        project.audit(
            "session_create",
            target=name.strip(),
            details={"session_id": session_id, "participants": names, "items": selection.items},
        )
    return get_session(project, session_id)


def _insert_round(
    project: Project, session_id: int, number: int, version: RubricVersion, items: Sequence[str]
) -> int:
    round_id = project.conn.execute(
        "INSERT INTO session_rounds(session_id, number, rubric_version_id, label_floor, "
        "started_at) VALUES (?, ?, ?, ?, ?)",
        (
            session_id,
            number,
            version.id,
            project.scalar("SELECT coalesce(max(id), 0) FROM labels"),
            now_iso(),
        ),
    ).lastrowid
    project.conn.executemany(
        "INSERT INTO session_items(round_id, position, item_id) VALUES (?, ?, ?)",
        [(round_id, i, item_id) for i, item_id in enumerate(items)],
    )
    return round_id


def start_round(
    project: Project,
    session: int | str | Session,
    items: Sequence[str] | None = None,
    *,
    rubric_version: str | int | RubricVersion | None = None,
) -> Round:
    """The next round, blind again: the same items as round 1 unless others are
    given, under `rubric_version` (default: the current version, which may be a
    new one written in the session). The previous round must be revealed."""
    found = get_session(project, session)
    require_open(found)
    last = found.round()
    if not last.revealed:
        raise CalibrationError(
            f"Round {last.number} of {found.name!r} is not revealed yet; reveal it before "
            "starting another."
        )
    chosen = list(dict.fromkeys(items)) if items else list(found.items)
    require_items(project, chosen)
    version = (
        rubric_version
        if isinstance(rubric_version, RubricVersion)
        else resolve_version(project, rubric_version)
    )
    with project.transaction():
        _insert_round(project, found.id, last.number + 1, version, chosen)
        project.audit(
            "session_round",
            target=found.name,
            details={"session_id": found.id, "round": last.number + 1, "items": chosen},
        )
    return get_session(project, found.id).round()


def reveal_round(
    project: Project, session: int | str | Session, number: int | None = None
) -> Round:
    """The lead reveals a round: from now on its labels can be shown, and it takes no
    more labels. Revealing a revealed round changes nothing."""
    found = get_session(project, session)
    chosen = found.round(number)
    if chosen.revealed:
        return chosen
    with project.transaction():
        project.conn.execute(
            "UPDATE session_rounds SET status = 'revealed', revealed_at = ? WHERE id = ?",
            (now_iso(), chosen.id),
        )
        project.audit(
            "session_reveal",
            target=found.name,
            details={"session_id": found.id, "round": chosen.number},
        )
    return get_session(project, found.id).round(chosen.number)


def close_session(project: Project, session: int | str | Session) -> Session:
    found = get_session(project, session)
    if found.status == "closed":
        return found
    with project.transaction():
        project.conn.execute(
            "UPDATE calibration_sessions SET status = 'closed', closed_at = ? WHERE id = ?",
            (now_iso(), found.id),
        )
        project.audit("session_close", target=found.name, details={"session_id": found.id})
    return get_session(project, found.id)


# -- notes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    id: int
    session_id: int
    round: int | None
    item_id: str | None
    criterion: str | None
    text: str
    created_at: str
    created_by: str

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def add_note(
    project: Project,
    session: int | str | Session,
    text: str,
    *,
    item_id: str | None = None,
    criterion: str | None = None,
) -> Note:
    """A guideline note from the discussion (optionally about an item and a criterion);
    a rubric draft can start from the session's notes."""
    found = get_session(project, session)
    if not text.strip():
        raise CalibrationError("A guideline note needs some text.")
    version = get_version(project, found.round().rubric_version_id)
    if criterion is not None and criterion not in version.keys:
        raise CalibrationError(f"Rubric {version.label} has no criterion {criterion!r}.")
    if item_id is not None:
        require_items(project, [item_id])
    with project.transaction():
        note_id = project.conn.execute(
            "INSERT INTO session_notes(session_id, round_id, item_id, criterion, text, "
            "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                found.id,
                found.round().id,
                item_id,
                criterion,
                text.strip(),
                now_iso(),
                project.actor,
            ),
        ).lastrowid
        project.audit("session_note", target=found.name, details={"note_id": note_id})
    return list_notes(project, found.id)[-1]


def list_notes(project: Project, session: int | str | Session) -> list[Note]:
    found = get_session(project, session)
    rows = project.rows(
        "SELECT n.*, r.number FROM session_notes n LEFT JOIN session_rounds r ON r.id = n.round_id "
        "WHERE n.session_id = ? ORDER BY n.id",
        (found.id,),
    )
    return [
        Note(
            id=row["id"],
            session_id=row["session_id"],
            round=row["number"],
            item_id=row["item_id"],
            criterion=row["criterion"],
            text=row["text"],
            created_at=row["created_at"],
            created_by=row["created_by"],
        )
        for row in rows
    ]


__all__ = [
    "MODES",
    "BlindError",
    "CalibrationError",
    "Note",
    "Round",
    "RoundSource",
    "Selection",
    "Session",
    "add_note",
    "close_session",
    "create_session",
    "get_session",
    "link_label",
    "list_notes",
    "list_sessions",
    "reveal_round",
    "round_answers",
    "round_progress",
    "select_items",
    "start_round",
]
