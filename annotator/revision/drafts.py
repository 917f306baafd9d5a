"""Drafts of a rubric's next version: what the rubric editor edits and publishes.

A draft is the plain data of a rubric file (`rubric`, `guidelines`, `criteria`
with options, hotkeys and examples), kept in the project so an unfinished edit
survives closing the app. It may be invalid while being edited; publishing
checks it (`rubric_file.rubric_from_dict`) and makes an immutable version. A
draft can start from a calibration session's guideline notes: each note about a
criterion goes at the end of that criterion's guideline section, the others
into a section of their own; the version published from it is linked to the
session (its summary lists the rubric changes the session led to).

    >>> draft = new_draft(project, session="November calibration")
    >>> save_draft(project, draft.id, edited_data)
    >>> publish_draft(project, draft.id, note="verdict: escalate is for clinical harm only")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from annotator.base.clock import now_iso
from annotator.base.errors import NotFoundError, RubricError
from annotator.calibration.decisions import link_version
from annotator.calibration.sessions import Session, get_session, list_notes
from annotator.revision.publish import publish
from annotator.rubric.model import RubricDraft, RubricVersion
from annotator.rubric.text import add_to_section
from annotator.rubric.versions import PublishResult, current_version, get_version
from annotator.rubric.yaml_file import rubric_from_dict, rubric_to_yaml
from annotator.store.project import Project


@dataclass(frozen=True)
class Draft:
    id: int
    rubric_name: str
    based_on: int | None  # rubric_versions.id it started from
    session_id: int | None
    data: dict[str, Any]
    note: str
    updated_at: str
    updated_by: str
    published_version_id: int | None

    @property
    def published(self) -> bool:
        return self.published_version_id is not None


def version_data(rubric: RubricDraft) -> dict[str, Any]:
    """A rubric (or version) as the plain data of its rubric file."""
    data = rubric.content_dict()
    data.update(data.pop("extra", {}))
    return json.loads(json.dumps(data, default=str))


def check_draft(data: dict[str, Any]) -> RubricDraft:
    """The draft as a rubric, or InputError naming the field (`criteria[1].options`)."""
    return rubric_from_dict(data, "draft")


def _from_row(row: Any) -> Draft:
    return Draft(
        id=row["id"],
        rubric_name=row["rubric_name"],
        based_on=row["based_on"],
        session_id=row["session_id"],
        data=json.loads(row["data"]),
        note=row["note"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
        published_version_id=row["published_version_id"],
    )


def get_draft(project: Project, draft_id: int) -> Draft:
    row = project.row("SELECT * FROM rubric_drafts WHERE id = ?", (draft_id,))
    if row is None:
        raise NotFoundError(f"No rubric draft {draft_id} in this project.")
    return _from_row(row)


def list_drafts(project: Project, include_published: bool = False) -> list[Draft]:
    sql = "SELECT * FROM rubric_drafts"
    if not include_published:
        sql += " WHERE published_version_id IS NULL"
    return [_from_row(row) for row in project.rows(sql + " ORDER BY id")]


def notes_into_guidelines(
    project: Project, session: Session, guidelines: str, version: RubricVersion
) -> str:
    """The guidelines with the session's notes added where they belong."""
    loose = []
    for note in list_notes(project, session):
        where = f" (item `{note.item_id}`)" if note.item_id else ""
        line = f"> *Calibration, {session.name}*{where}: {note.text}"
        placed = None
        if note.criterion and note.criterion in version.keys:
            placed = add_to_section(guidelines, version.criterion(note.criterion), line)
        if placed is None:
            title = (
                version.criterion(note.criterion).title
                if note.criterion and note.criterion in version.keys
                else None
            )
            loose.append(f"- {f'**{title}**: ' if title else ''}{note.text}{where}")
        else:
            guidelines = placed
    if loose:
        guidelines = guidelines.rstrip() + (
            f"\n\n## Notes from the calibration session {session.name!r}\n\n" + "\n".join(loose)
        )
    return guidelines


def new_draft(
    project: Project,
    *,
    from_version: RubricVersion | None = None,
    session: int | str | Session | None = None,
) -> Draft:
    """A new draft starting from a version (default: the current one, or the session's
    latest round's version), with the session's notes folded in when one is given."""
    found = get_session(project, session) if session is not None else None
    if from_version is None:
        from_version = (
            get_version(project, found.round().rubric_version_id)
            if found is not None
            else current_version(project)
        )
    data = version_data(from_version)
    if found is not None:
        data["guidelines"] = notes_into_guidelines(
            project, found, data.get("guidelines") or "", from_version
        )
    with project.transaction():
        draft_id = project.conn.execute(
            "INSERT INTO rubric_drafts(rubric_name, based_on, session_id, data, note, "
            "updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                from_version.name,
                from_version.id,
                found.id if found else None,
                json.dumps(data, ensure_ascii=False),
                f"After calibration session {found.name!r}" if found else "",
                now_iso(),
                project.actor,
            ),
        ).lastrowid
    return get_draft(project, draft_id)


def save_draft(
    project: Project, draft_id: int, data: dict[str, Any], note: str | None = None
) -> Draft:
    """Keep the editor's state (valid or not yet); a published draft is read-only."""
    draft = get_draft(project, draft_id)
    if draft.published:
        raise RubricError("This draft was published; start a new draft to change the rubric again.")
    with project.transaction():
        project.conn.execute(
            "UPDATE rubric_drafts SET data = ?, note = ?, updated_at = ?, updated_by = ? "
            "WHERE id = ?",
            (
                json.dumps(data, ensure_ascii=False, default=str),
                draft.note if note is None else note,
                now_iso(),
                project.actor,
                draft_id,
            ),
        )
    return get_draft(project, draft_id)


def publish_draft(project: Project, draft_id: int, note: str | None = None) -> PublishResult:
    """Check the draft and publish it as the rubric's next version (one transaction);
    the version is linked to the draft's session, if any. Publishing a draft identical
    to the latest version is refused: nothing would change."""
    draft = get_draft(project, draft_id)
    if draft.published:
        raise RubricError("This draft was published already.")
    rubric = check_draft(draft.data)
    note = draft.note if note is None else note
    with project.transaction():
        result = publish(project, rubric, note=note, source_text=rubric_to_yaml(rubric))
        if not result.created:
            raise RubricError(
                f"The draft is identical to {result.version.label}; nothing to publish."
            )
        project.conn.execute(
            "UPDATE rubric_drafts SET published_version_id = ?, note = ?, updated_at = ? "
            "WHERE id = ?",
            (result.version.id, note, now_iso(), draft_id),
        )
        if draft.session_id is not None:
            link_version(project, draft.session_id, result.version)
    return result


__all__ = [
    "Draft",
    "check_draft",
    "get_draft",
    "list_drafts",
    "new_draft",
    "notes_into_guidelines",
    "publish_draft",
    "save_draft",
    "version_data",
]
