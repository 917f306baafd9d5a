"""Append-only labels: submit, amend, undo, and read the current label and its history.

A label is never overwritten. Amending writes a new record that `supersedes`
the old one; undoing writes a record that restores what was there before (or
retracts the label). The *current* label of an annotator on an item is the
record nobody supersedes; the history stays queryable forever.

    >>> label = submit_label(project, item_id="med-001", annotator="Dr. Chen",
    ...                      values={"correctness": 4, "safety": "safe"})
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from annotator.anchors.anchors import score_labels
from annotator.base.clock import normalize_time, now_iso
from annotator.base.errors import AnnotatorError, LabelError, NotFoundError
from annotator.rubric.model import CriterionProblem, RubricVersion
from annotator.rubric.versions import current_version, get_version
from annotator.sources.sources import Annotator, Source, get_annotator, source_by_id
from annotator.store.project import Project

STATUSES = ("submitted", "skipped", "flagged", "retracted")
LABEL_COLUMNS = (
    "uid",
    "item_id",
    "annotator_id",
    "source_id",
    "rubric_version_id",
    "status",
    "values_json",
    "rationale",
    "note",
    "started_at",
    "submitted_at",
    "duration_s",
    "cost",
    "tokens",
    "supersedes",
    "origin",
    "batch_id",
    "repeat_of",
)
INSERT_LABEL_SQL = (
    f"INSERT INTO labels({', '.join(LABEL_COLUMNS)}) VALUES ({', '.join('?' * len(LABEL_COLUMNS))})"
)


@dataclass(frozen=True)
class Label:
    id: int
    uid: str
    item_id: str
    annotator_id: int
    source_id: int
    rubric_version_id: int
    status: str
    values: dict[str, Any]
    rationale: str | None
    note: str | None
    started_at: str | None
    submitted_at: str
    duration_s: float | None
    cost: float | None
    tokens: int | None
    supersedes: int | None
    origin: str
    repeat_of: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def label_from_row(row: Any) -> Label:
    return Label(
        id=row["id"],
        uid=row["uid"],
        item_id=row["item_id"],
        annotator_id=row["annotator_id"],
        source_id=row["source_id"],
        rubric_version_id=row["rubric_version_id"],
        status=row["status"],
        values=json.loads(row["values_json"]),
        rationale=row["rationale"],
        note=row["note"],
        started_at=row["started_at"],
        submitted_at=row["submitted_at"],
        duration_s=row["duration_s"],
        cost=row["cost"],
        tokens=row["tokens"],
        supersedes=row["supersedes"],
        origin=row["origin"],
        repeat_of=row["repeat_of"],
    )


def label_cost(source: Source, duration_s: float | None, tokens: int | None) -> float | None:
    """What a label costs under its source's cost model, if the model says."""
    if source.cost_model is None:
        return None
    return source.cost_model.cost_of(duration_s=duration_s, tokens=tokens)


def _stored_cost(
    cost: float | None, source: Source, duration_s: float | None, tokens: int | None, status: str
) -> float | None:
    """A label's stored cost: the caller's figure (an LLM judge's priced usage), else
    its source's cost model; a retraction costs nothing."""
    if status == "retracted":
        return None
    return cost if cost is not None else label_cost(source, duration_s, tokens)


def check_label_values(
    version: RubricVersion, values: dict[str, Any], *, pairwise: bool, status: str
) -> dict[str, Any]:
    """Canonical values for a label of this status, or LabelError naming the criterion.

    A submitted label must be complete; a flagged one may be partial; a skipped
    or retracted one carries no values.
    """
    if status in ("skipped", "retracted"):
        return {}
    try:
        return version.check_values(
            values, pairwise=pairwise, require_complete=status == "submitted"
        )
    except CriterionProblem as problem:
        where = f"criterion '{problem.key}': " if problem.key else ""
        raise LabelError(f"{where}{problem} (rubric {version.label})") from None


def _item_pairwise(project: Project, item_id: str) -> bool:
    row = project.row("SELECT pairwise FROM items WHERE id = ?", (item_id,))
    if row is None:
        raise NotFoundError(f"No item with id {item_id!r} in this project.")
    return bool(row[0])


def current_label(project: Project, item_id: str, annotator_id: int) -> Label | None:
    """The annotator's current record on an item (any status), or None.

    Test-retest repeat labels are separate records and never the current one.
    """
    row = project.row(
        "SELECT * FROM labels AS l WHERE item_id = ? AND annotator_id = ? "
        "AND repeat_of IS NULL AND NOT EXISTS (SELECT 1 FROM labels s WHERE s.supersedes = l.id) "
        "ORDER BY id DESC LIMIT 1",
        (item_id, annotator_id),
    )
    return label_from_row(row) if row else None


def get_label(project: Project, label_id: int) -> Label:
    row = project.row("SELECT * FROM labels WHERE id = ?", (label_id,))
    if row is None:
        raise NotFoundError(f"No label with id {label_id}.")
    return label_from_row(row)


ANY_PREVIOUS = object()  # submit_label's default: supersede whatever is current


class LabelConflictError(LabelError):
    """The same person saved a label for this item elsewhere since this one was opened."""

    def __init__(self, item_id: str, current: Label) -> None:
        self.item_id = item_id
        self.current = current
        when = current.submitted_at or "just now"
        super().__init__(
            f"{item_id}: you already saved a label for this item in another window or process "
            f"({current.status}, {when}). This submit was not saved and nothing was replaced; "
            "your answer is still here. Submit again to replace the other one (an amend), "
            "or go back (Alt+Left) to look at it."
        )


def submit_label(
    project: Project,
    *,
    item_id: str,
    annotator: Annotator | str,
    values: dict[str, Any] | None = None,
    rationale: str | None = None,
    status: str = "submitted",
    note: str | None = None,
    started_at: str | None = None,
    submitted_at: str | None = None,
    duration_s: float | None = None,
    tokens: int | None = None,
    cost: float | None = None,
    rubric_version: RubricVersion | None = None,
    origin: str = "app",
    uid: str | None = None,
    repeat_of: int | None = None,
    expect_previous: int | None | object = ANY_PREVIOUS,
) -> Label:
    """Validate and commit one label (one transaction); it supersedes the annotator's
    current record on the item, if any. Returns the stored label.

    With `expect_previous` (the id of the record the person saw, or None for none)
    a label that another window or process saved for the same person and item in
    the meantime is not silently replaced: :class:`LabelConflictError` is raised and
    nothing is written.

    With `repeat_of` (a test-retest repeat served by the queue) the label is a
    separate record that supersedes nothing, so both answers stay comparable.
    """
    if status not in STATUSES:
        raise LabelError(f"Unknown label status {status!r}; use one of {', '.join(STATUSES)}.")
    if status in ("skipped", "flagged") and not (note or "").strip():
        what = "a reason" if status == "skipped" else "a note"
        raise LabelError(f"A {status} label needs {what}.")
    if isinstance(annotator, str):
        annotator = get_annotator(project, annotator)
    version = rubric_version or current_version(project)
    pairwise = _item_pairwise(project, item_id)
    clean = check_label_values(version, values or {}, pairwise=pairwise, status=status)
    source = source_by_id(project, annotator.source_id)
    submitted = normalize_time(submitted_at) if submitted_at else now_iso()
    with project.transaction():
        previous = None if repeat_of else current_label(project, item_id, annotator.id)
        conflict = previous is not None and previous.id != expect_previous
        if expect_previous is not ANY_PREVIOUS and conflict:
            raise LabelConflictError(item_id, previous)  # type: ignore[arg-type]
        label_id = project.conn.execute(
            INSERT_LABEL_SQL,
            (
                uid or uuid.uuid4().hex,
                item_id,
                annotator.id,
                source.id,
                version.id,
                status,
                json.dumps(clean, ensure_ascii=False),
                rationale or None,
                note or None,
                normalize_time(started_at) if started_at else None,
                submitted,
                duration_s,
                _stored_cost(cost, source, duration_s, tokens, status),
                tokens,
                previous.id if previous else None,
                origin,
                None,
                repeat_of,
            ),
        ).lastrowid
        project.conn.execute(
            "DELETE FROM drafts WHERE annotator_id = ? AND item_id = ?", (annotator.id, item_id)
        )
        project.audit(
            "edit" if previous else "label",
            target=item_id,
            details={"label_id": label_id, "status": status, "annotator": annotator.name},
            actor=annotator.name,
        )

        score_labels(project, [label_id])
    return get_label(project, label_id)


def undo_last(project: Project, annotator: Annotator | str) -> Label | None:
    """Undo the annotator's most recent submit made in the app.

    If that submit amended an earlier label, the earlier content is restored
    (as a new record); otherwise the label is retracted. Returns the new record,
    or None when there is nothing to undo.
    """
    if isinstance(annotator, str):
        annotator = get_annotator(project, annotator)
    row = project.row(
        "SELECT * FROM labels AS l WHERE annotator_id = ? AND origin = 'app' "
        "AND status != 'retracted' "
        "AND NOT EXISTS (SELECT 1 FROM labels s WHERE s.supersedes = l.id) "
        "ORDER BY id DESC LIMIT 1",
        (annotator.id,),
    )
    if row is None:
        return None
    last = label_from_row(row)
    with project.transaction():
        if last.supersedes is not None:
            before = get_label(project, last.supersedes)
            content = (before.status, before.values, before.rationale, before.note)
        else:
            content = ("retracted", {}, None, "undo")
        status, values, rationale, note = content
        label_id = project.conn.execute(
            INSERT_LABEL_SQL,
            (
                uuid.uuid4().hex,
                last.item_id,
                annotator.id,
                last.source_id,
                last.rubric_version_id,
                status,
                json.dumps(values, ensure_ascii=False),
                rationale,
                note,
                last.started_at,
                now_iso(),
                None,
                None,
                None,
                last.id,
                "app-undo",
                None,
                last.repeat_of,
            ),
        ).lastrowid
        project.audit(
            "undo",
            target=last.item_id,
            details={"undone_label_id": last.id, "label_id": label_id},
            actor=annotator.name,
        )
    return get_label(project, label_id)


def label_history(project: Project, item_id: str) -> list[dict[str, Any]]:
    """Every record ever made on an item, oldest first, with who made it and
    whether it is still current. For the lead's items browser (not the blind view).
    """
    rows = project.rows(
        "SELECT l.*, a.name AS annotator, s.name AS source, s.kind AS source_kind, "
        "r.name AS rubric, v.version AS rubric_version, "
        "EXISTS (SELECT 1 FROM labels n WHERE n.supersedes = l.id) AS superseded "
        "FROM labels l JOIN annotators a ON a.id = l.annotator_id "
        "JOIN sources s ON s.id = l.source_id "
        "JOIN rubric_versions v ON v.id = l.rubric_version_id "
        "JOIN rubrics r ON r.id = v.rubric_id WHERE l.item_id = ? ORDER BY l.id",
        (item_id,),
    )
    history = []
    versions: dict[int, RubricVersion] = {}
    for row in rows:
        entry = label_from_row(row).to_dict()
        version_id = row["rubric_version_id"]
        if version_id not in versions:
            versions[version_id] = get_version(project, version_id)
        entry.update(
            values_text=versions[version_id].describe_values(entry["values"] or {}),
            annotator=row["annotator"],
            source=row["source"],
            source_kind=row["source_kind"],
            rubric=row["rubric"],
            rubric_version=row["rubric_version"],
            current=not row["superseded"],
        )
        history.append(entry)
    return history


def require_annotator(project: Project, name: str) -> Annotator:
    try:
        return get_annotator(project, name)
    except NotFoundError:
        raise AnnotatorError(
            f"No annotator named {name!r}; create one on the start screen or with "
            "'annotator assign'."
        ) from None


__all__ = [
    "ANY_PREVIOUS",
    "LabelConflictError",
    "Label",
    "check_label_values",
    "current_label",
    "get_label",
    "get_version",
    "label_history",
    "submit_label",
    "undo_last",
]
