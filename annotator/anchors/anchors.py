"""Anchors: items with a reference answer per criterion and a rationale.

The lead sets anchors by hand, from a JSONL file (`annotator anchors add`), or
from adjudication. The queue mixes them into everyone's work unmarked; each
label on one is scored (:mod:`annotator.anchors.scoring`). Reference answers
never leave the lead's side: the only path to an annotator's screen is
:func:`training_feedback`, and only for a person in training mode, after
their label is committed.

An anchor is tied to the rubric version it was written for. When a later
version changes what a criterion means, the anchor is flagged for review on
that criterion and not scored on it until the lead confirms it
(:func:`confirm_anchor`) or replaces it (adding the item again).

    >>> add_anchor_file(project, "anchors.jsonl")
    >>> retire_anchor(project, "med-017")
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from annotator.anchors.file import AnchorSpec, check_anchor, read_anchor_file
from annotator.anchors.scoring import label_scores, score_labels
from annotator.base.clock import now_iso
from annotator.base.errors import AnnotatorError, NotFoundError
from annotator.rubric.diff import diff_rubrics
from annotator.rubric.model import RubricVersion
from annotator.rubric.versions import get_version, resolve_version
from annotator.store.project import Project

ORIGINS = ("manual", "file", "adjudication")


class AnchorError(AnnotatorError):
    """An anchor operation cannot be done as asked."""


@dataclass(frozen=True)
class Anchor:
    id: int
    item_id: str
    rubric_version_id: int
    reference: dict[str, Any]
    rationale: str
    tolerances: dict[str, float] = field(default_factory=dict)
    status: str = "active"
    review: dict[str, Any] = field(default_factory=dict)  # criterion -> why it needs review
    confirmed: dict[str, int] = field(default_factory=dict)  # criterion -> version confirmed for
    origin: str = "manual"
    replaces: int | None = None
    created_at: str = ""
    created_by: str = ""
    retired_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AddReport:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    anchors: list[Anchor] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.added} anchors added ({self.replaced} replacing an earlier reference), "
            f"{self.unchanged} unchanged."
        )


def _from_row(row: Any) -> Anchor:
    return Anchor(
        id=row["id"],
        item_id=row["item_id"],
        rubric_version_id=row["rubric_version_id"],
        reference=json.loads(row["reference"]),
        rationale=row["rationale"],
        tolerances=json.loads(row["tolerances"]),
        status=row["status"],
        review=json.loads(row["review"]),
        confirmed={k: int(v) for k, v in json.loads(row["confirmed"]).items()},
        origin=row["origin"],
        replaces=row["replaces"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        retired_at=row["retired_at"],
    )


def _version(project: Project, spec: str | int | RubricVersion | None) -> RubricVersion:
    return spec if isinstance(spec, RubricVersion) else resolve_version(project, spec)


def get_anchor(project: Project, item_id: str) -> Anchor | None:
    """The live (not retired) anchor on an item, if any. Lead side only."""
    row = project.row("SELECT * FROM anchors WHERE item_id = ? AND status != 'retired'", (item_id,))
    return _from_row(row) if row else None


def is_anchor(project: Project, item_id: str) -> bool:
    """Whether the item is (or was) an anchor. Lead side only."""
    return project.row("SELECT 1 FROM anchors WHERE item_id = ? LIMIT 1", (item_id,)) is not None


def list_anchors(project: Project, status: str | None = None) -> list[Anchor]:
    """Anchors, oldest first: live ones by default, or those with one status ('all': every row)."""
    if status == "all":
        rows = project.rows("SELECT * FROM anchors ORDER BY id")
    elif status is None:
        rows = project.rows("SELECT * FROM anchors WHERE status != 'retired' ORDER BY id")
    else:
        rows = project.rows("SELECT * FROM anchors WHERE status = ? ORDER BY id", (status,))
    return [_from_row(row) for row in rows]


def _write(
    project: Project, spec: AnchorSpec, version: RubricVersion, origin: str, report: AddReport
) -> None:
    current = get_anchor(project, spec.item_id)
    if (
        current is not None
        and current.status == "active"
        and current.rubric_version_id == version.id
        and current.reference == spec.values
        and current.rationale == spec.rationale
        and current.tolerances == spec.tolerances
    ):
        report.unchanged += 1
        return
    stamp = now_iso()
    if current is not None:
        project.conn.execute(
            "UPDATE anchors SET status = 'retired', retired_at = ? WHERE id = ?",
            (stamp, current.id),
        )
        report.replaced += 1
    anchor_id = project.conn.execute(
        "INSERT INTO anchors(item_id, rubric_version_id, reference, rationale, tolerances, "
        "origin, replaces, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            spec.item_id,
            version.id,
            json.dumps(spec.values, ensure_ascii=False, sort_keys=True),
            spec.rationale,
            json.dumps(spec.tolerances, sort_keys=True),
            origin,
            current.id if current else None,
            stamp,
            project.actor,
        ),
    ).lastrowid
    report.added += 1
    report.anchors.append(
        _from_row(project.row("SELECT * FROM anchors WHERE id = ?", (anchor_id,)))
    )


def add_anchor(
    project: Project,
    item_id: str,
    values: dict[str, Any],
    rationale: str,
    *,
    tolerances: dict[str, float] | None = None,
    rubric_version: str | int | RubricVersion | None = None,
    origin: str = "manual",
) -> Anchor:
    """Make an item an anchor (or replace its reference). One transaction."""
    if origin not in ORIGINS:
        raise AnchorError(f"Unknown anchor origin {origin!r}; use one of {', '.join(ORIGINS)}.")
    version = _version(project, rubric_version)
    record: dict[str, Any] = {"item_id": item_id, "values": values, "rationale": rationale}
    if tolerances:
        record["tolerance"] = tolerances
    spec = check_anchor(project, version, record)
    report = AddReport()
    with project.transaction():
        _write(project, spec, version, origin, report)
        project.audit("anchor_add", target=item_id, details={"origin": origin})
    anchor = get_anchor(project, item_id)
    assert anchor is not None
    return anchor


def add_anchor_file(
    project: Project, path: str | Path, rubric_version: str | int | RubricVersion | None = None
) -> AddReport:
    """Add every anchor in a JSONL file, or none (every problem is named)."""
    version = _version(project, rubric_version)
    specs = read_anchor_file(project, path, version)
    report = AddReport()
    with project.transaction():
        for spec in specs:
            _write(project, spec, version, "file", report)
        project.audit(
            "anchor_add_file",
            target=Path(path).name,
            details={"added": report.added, "replaced": report.replaced, "version": version.id},
        )
    return report


def _live(project: Project, item_id: str) -> Anchor:
    anchor = get_anchor(project, item_id)
    if anchor is None:
        raise NotFoundError(f"Item {item_id!r} is not an anchor (or was retired).")
    return anchor


def retire_anchor(project: Project, item_id: str, reason: str = "") -> Anchor:
    """Stop using an item as an anchor. Its scores stay; it is not assigned as a
    regular item either (its answer may have been shown in training)."""
    with project.transaction():
        anchor = _live(project, item_id)
        project.conn.execute(
            "UPDATE anchors SET status = 'retired', retired_at = ? WHERE id = ?",
            (now_iso(), anchor.id),
        )
        project.audit("anchor_retire", target=item_id, details={"reason": reason})
    return _from_row(project.row("SELECT * FROM anchors WHERE id = ?", (anchor.id,)))


def _latest_version_id(project: Project, version_id: int) -> int:
    return project.scalar(
        "SELECT v2.id FROM rubric_versions v JOIN rubric_versions v2 ON v2.rubric_id = v.rubric_id "
        "WHERE v.id = ? ORDER BY v2.version DESC LIMIT 1",
        (version_id,),
    )


def confirm_anchor(project: Project, item_id: str, criteria: list[str] | None = None) -> Anchor:
    """The lead confirms that the reference still holds after a rubric change:
    the named criteria (default: every flagged one) are scored again, including
    labels made while they were under review."""
    with project.transaction():
        anchor = _live(project, item_id)
        keys = criteria if criteria else list(anchor.review)
        for key in keys:
            if key not in anchor.reference:
                raise AnchorError(f"Anchor {item_id!r} has no reference for criterion {key!r}.")
        review = {k: v for k, v in anchor.review.items() if k not in keys}
        latest = _latest_version_id(project, anchor.rubric_version_id)
        confirmed = {**anchor.confirmed, **{key: latest for key in keys}}
        project.conn.execute(
            "UPDATE anchors SET review = ?, confirmed = ?, status = ? WHERE id = ?",
            (
                json.dumps(review, sort_keys=True),
                json.dumps(confirmed, sort_keys=True),
                "needs_review" if review else "active",
                anchor.id,
            ),
        )
        project.audit("anchor_confirm", target=item_id, details={"criteria": keys})
        label_ids = [
            row[0] for row in project.rows("SELECT id FROM labels WHERE item_id = ?", (item_id,))
        ]
        score_labels(project, label_ids)
    return _live(project, item_id)


def flag_stale_anchors(project: Project, new_version: RubricVersion) -> list[tuple[str, list[str]]]:
    """After `new_version` is published: flag, per criterion, anchors whose
    reference was written (or last confirmed) under a version in which that
    criterion meant something else. Returns (item id, newly flagged criteria)."""
    flagged: list[tuple[str, list[str]]] = []
    diffs: dict[int, list[str]] = {}
    with project.transaction():
        for anchor in list_anchors(project):
            base = get_version(project, anchor.rubric_version_id)
            if base.rubric_id != new_version.rubric_id or base.id == new_version.id:
                continue
            new_flags = {}
            for key in anchor.reference:
                since = anchor.confirmed.get(key, anchor.rubric_version_id)
                if since == new_version.id or key in anchor.review:
                    continue
                if since not in diffs:
                    diffs[since] = diff_rubrics(
                        get_version(project, since), new_version
                    ).meaning_changed()
                if key in diffs[since]:
                    new_flags[key] = {"changed_in": new_version.id, "version": new_version.label}
            if not new_flags:
                continue
            review = {**anchor.review, **new_flags}
            project.conn.execute(
                "UPDATE anchors SET review = ?, status = 'needs_review' WHERE id = ?",
                (json.dumps(review, sort_keys=True), anchor.id),
            )
            flagged.append((anchor.item_id, sorted(new_flags)))
        if flagged:
            project.audit(
                "anchor_flag_stale",
                target=new_version.label,
                details={"anchors": {item: keys for item, keys in flagged}},
            )
    return flagged


def training_feedback(project: Project, label_id: int) -> dict[str, Any] | None:
    """What a person in training mode sees after submitting on an anchor: the
    reference, its rationale and their per-criterion score. None otherwise
    (silent mode, not an anchor, a skipped label, or not committed yet)."""
    if project.conn.in_transaction:
        return None  # not committed yet: an answer must never precede the label
    row = project.row(
        "SELECT l.item_id, l.status, a.mode FROM labels l "
        "JOIN annotators a ON a.id = l.annotator_id WHERE l.id = ?",
        (label_id,),
    )
    if row is None or row["mode"] != "training" or row["status"] not in ("submitted", "flagged"):
        return None
    scored_against = project.scalar(
        "SELECT anchor_id FROM anchor_scores WHERE label_id = ? LIMIT 1", (label_id,)
    )
    anchor_row = (
        project.row("SELECT * FROM anchors WHERE id = ?", (scored_against,))
        if scored_against is not None
        else project.row(
            "SELECT * FROM anchors WHERE item_id = ? AND status != 'retired'", (row["item_id"],)
        )
    )
    if anchor_row is None:
        return None
    anchor = _from_row(anchor_row)
    return {
        "item_id": anchor.item_id,
        "reference": {k: v for k, v in anchor.reference.items() if k not in anchor.review},
        "rationale": anchor.rationale,
        "scores": label_scores(project, label_id),
        "under_review": sorted(anchor.review),
    }


__all__ = [
    "AddReport",
    "Anchor",
    "AnchorError",
    "add_anchor",
    "add_anchor_file",
    "confirm_anchor",
    "flag_stale_anchors",
    "get_anchor",
    "is_anchor",
    "list_anchors",
    "retire_anchor",
    "score_labels",
    "training_feedback",
]
