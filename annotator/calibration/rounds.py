"""A round's labels: linking them (in the label's own transaction), reading each
participant's answer, progress counts, and the item source the annotate view
labels a round through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotator.base.clock import now_iso
from annotator.calibration.model import (
    ANSWERED,
    CalibrationError,
    Round,
    Session,
    get_session,
    require_open,
)
from annotator.labels.labels import Label, label_from_row, require_annotator
from annotator.rubric.model import RubricVersion
from annotator.rubric.versions import get_version
from annotator.store.project import Project


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
    (:func:`annotator.calibration.reveal.revealed_answers`)."""
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
    blind = True  # while it is labeled, screens showing others' labels stay shut

    @classmethod
    def for_person(
        cls, project: Project, session: int | str | Session, person: str, number: int | None = None
    ) -> RoundSource:
        found = get_session(project, session)
        require_open(found)
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


__all__ = ["RoundSource", "link_label", "round_answers", "round_progress"]
