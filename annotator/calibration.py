"""Calibration sessions: a few items, a few people, a blind round, a reveal.

A session has participants, a rubric version, items and a mode: `room` (one
machine, participants take turns; the app switches who is labeling) or
`packs` (each participant labels in a work pack; :mod:`annotator.calibration_packs`).
Round 1 is blind: each participant labels the round's items through a
:class:`RoundSource` in the normal annotate view, and nothing in the session's
flow shows anyone's labels until the lead reveals the round
(:func:`reveal_round`; the reveal itself is :mod:`annotator.calibration_reveal`).
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
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.clock import now_iso
from annotator.errors import AnnotatorError, NotFoundError
from annotator.labels import Label, label_from_row, require_annotator
from annotator.rubric import RubricVersion
from annotator.rubrics import get_version, resolve_version
from annotator.store import Project

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


# -- choosing items ------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    items: list[str]
    how: dict[str, Any]


def select_items(
    project: Project,
    *,
    items: Sequence[str] | None = None,
    lowest: int | None = None,
    criterion: str | None = None,
    sources: Sequence[str] | None = None,
    anchors: int | bool | None = None,
    sample: int | None = None,
    seed: int | None = None,
) -> Selection:
    """Items for a session, one way: by hand (`items`), the `lowest` n by agreement
    (optionally on one criterion, among some sources' labels), live anchors (all, or
    a seeded sample of n), or a seeded random `sample` of n non-anchor items."""
    chosen = [
        name
        for name, value in (
            ("items", items),
            ("lowest", lowest),
            ("anchors", anchors),
            ("sample", sample),
        )
        if value not in (None, False)
    ]
    if len(chosen) != 1:
        raise CalibrationError(
            "Choose the session's items one way: by hand, the lowest-agreement items, "
            "anchors, or a random sample."
        )
    rng = random.Random(f"{seed}|calibration")
    if items is not None:
        ordered = list(dict.fromkeys(i.strip() for i in items if i and i.strip()))
        _require_items(project, ordered)
        return Selection(ordered, {"how": "by hand"})
    if lowest is not None:
        from annotator.scopes import lowest_agreement_items

        ranked = lowest_agreement_items(project, _positive(lowest), criterion, sources)
        if not ranked:
            raise CalibrationError(
                "No item has labels from two or more people yet, so none can be picked by "
                "agreement; pick items by hand or a random sample."
            )
        how = {"how": "lowest agreement", "n": lowest, "criterion": criterion, "sources": sources}
        how["scores"] = {entry["item_id"]: round(entry["score"], 4) for entry in ranked}
        return Selection([entry["item_id"] for entry in ranked], how)
    if anchors not in (None, False):
        live = [
            r[0]
            for r in project.rows("SELECT item_id FROM anchors WHERE status = 'active' ORDER BY id")
        ]
        if not live:
            raise CalibrationError("This project has no active anchors to calibrate on.")
        n = len(live) if anchors is True else _positive(int(anchors))
        picked = live if n >= len(live) else sorted(rng.sample(live, n), key=live.index)
        return Selection(picked, {"how": "anchors", "n": n, "seed": seed})
    pool = [
        r[0]
        for r in project.rows(
            "SELECT id FROM items i WHERE NOT EXISTS "
            "(SELECT 1 FROM anchors x WHERE x.item_id = i.id AND x.status != 'retired') "
            "ORDER BY seq"
        )
    ]
    n = _positive(int(sample or 0))
    picked = pool if n >= len(pool) else sorted(rng.sample(pool, n), key=pool.index)
    return Selection(picked, {"how": "random sample", "n": n, "seed": seed})


def _positive(n: int) -> int:
    if n < 1:
        raise CalibrationError("A session needs at least one item.")
    return n


def _require_items(project: Project, item_ids: Sequence[str]) -> None:
    if not item_ids:
        raise CalibrationError("A session needs at least one item.")
    for item_id in item_ids:
        if project.row("SELECT 1 FROM items WHERE id = ?", (item_id,)) is None:
            raise NotFoundError(f"No item with id {item_id!r} in this project.")


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
    _require_items(project, selection.items)
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
    _require_open(found)
    last = found.round()
    if not last.revealed:
        raise CalibrationError(
            f"Round {last.number} of {found.name!r} is not revealed yet; reveal it before "
            "starting another."
        )
    chosen = list(dict.fromkeys(items)) if items else list(found.items)
    _require_items(project, chosen)
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


def _require_open(session: Session) -> None:
    if session.status == "closed":
        raise CalibrationError(f"Session {session.name!r} is closed.")


# -- round labels ----------------------------------------------------------------------------


def link_label(project: Project, round_: Round, label: Label, via: str = "app") -> bool:
    """Link a label to a round (call inside the label's transaction). Refuses a label
    once the round is revealed; ignores a label on an item outside the round."""
    status = project.scalar("SELECT status FROM session_rounds WHERE id = ?", (round_.id,))
    if status == "revealed":
        raise CalibrationError(
            f"Round {round_.number} was revealed; it takes no more labels (nothing was saved)."
        )
    if label.item_id not in round_.items or label.status not in ANSWERED:
        return False
    cursor = project.conn.execute(
        "INSERT OR IGNORE INTO session_labels(round_id, label_id, annotator_id, item_id, via, "
        "linked_at) VALUES (?, ?, ?, ?, ?, ?)",
        (round_.id, label.id, label.annotator_id, label.item_id, via, now_iso()),
    )
    return cursor.rowcount == 1


def round_answers(
    project: Project, round_: Round, annotator_id: int | None = None
) -> dict[tuple[int, str], Label]:
    """(annotator id, item id) -> that person's answer in the round: the last linked
    label no undo took back. Internal: callers showing values must check the reveal
    (:func:`annotator.calibration_reveal.revealed_answers`)."""
    sql = (
        "SELECT l.* FROM session_labels s JOIN labels l ON l.id = s.label_id "
        "WHERE s.round_id = ? AND NOT EXISTS (SELECT 1 FROM labels u "
        "  WHERE u.supersedes = l.id AND u.origin = 'app-undo')"
    )
    params: list[Any] = [round_.id]
    if annotator_id is not None:
        sql += " AND s.annotator_id = ?"
        params.append(annotator_id)
    answers: dict[tuple[int, str], Label] = {}
    for row in project.rows(sql + " ORDER BY l.id", params):
        label = label_from_row(row)
        answers[(label.annotator_id, label.item_id)] = label
    return answers


def round_progress(
    project: Project, session: int | str | Session, number: int | None = None
) -> dict[str, tuple[int, int]]:
    """participant -> (items answered, items in the round). Counts only: safe to show
    before the reveal."""
    found = get_session(project, session)
    chosen = found.round(number)
    answered: dict[int, int] = {}
    for annotator_id, _ in round_answers(project, chosen):
        answered[annotator_id] = answered.get(annotator_id, 0) + 1
    return {
        name: (answered.get(person_id, 0), len(chosen.items))
        for name, person_id in zip(found.participants, found.participant_ids, strict=True)
    }


@dataclass
class RoundSource:
    """A participant's items in one round, for `WorkSession(item_source=...)`: the
    round's items in order until each is answered, under the round's rubric version;
    every label is linked to the round in its own transaction."""

    session_id: int
    round: Round
    annotator_id: int

    @classmethod
    def for_person(
        cls, project: Project, session: int | str | Session, person: str, number: int | None = None
    ) -> RoundSource:
        found = get_session(project, session)
        _require_open(found)
        annotator = require_annotator(project, person)
        if annotator.id not in found.participant_ids:
            raise CalibrationError(
                f"{person} is not a participant of {found.name!r} "
                f"({', '.join(found.participants)})."
            )
        chosen = found.round(number)
        if chosen.revealed:
            raise CalibrationError(
                f"Round {chosen.number} of {found.name!r} is revealed; it takes no more labels."
            )
        return cls(found.id, chosen, annotator.id)

    def _answered(self, project: Project) -> set[str]:
        return {item for _, item in round_answers(project, self.round, self.annotator_id)}

    def _open(self, project: Project) -> bool:
        status = project.scalar("SELECT status FROM session_rounds WHERE id = ?", (self.round.id,))
        return status == "labeling"

    def next_item_id(self, project: Project, annotator_id: int) -> str | None:
        if not self._open(project):
            return None
        done = self._answered(project)
        return next((item for item in self.round.items if item not in done), None)

    def status(self, project: Project, annotator_id: int) -> tuple[int, int]:
        done = len(self._answered(project) & set(self.round.items))
        return done, len(self.round.items) - done

    def rubric_version(self, project: Project) -> RubricVersion:
        return get_version(project, self.round.rubric_version_id)

    def allows(self, item_id: str) -> bool:
        return item_id in self.round.items

    def record(self, project: Project, label: Label) -> None:
        if label.annotator_id == self.annotator_id:
            link_label(project, self.round, label)


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
        _require_items(project, [item_id])
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
