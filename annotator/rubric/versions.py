"""Rubric versions in a project: write, look up, list.

A published version is written once and never changes (a trigger forbids it);
versions are numbered 1, 2, 3... within a rubric. The project's *active* rubric
is the one new labels are made under, at its latest version.

`write_version` only records the version; publishing as a user means it (the
anchors whose criteria changed meaning are flagged too) is
`annotator.revision.publish`, the layer that owns both rubrics and anchors.

    >>> result = write_version(project, load_rubric_file("rubric.yaml"), note="first cut")
    >>> current_version(project).version
    1
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from annotator.base.clock import now_iso
from annotator.base.errors import NotFoundError, RubricError
from annotator.rubric.model import RubricDraft, RubricVersion
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.store.project import Project

ACTIVE_RUBRIC_KEY = "active_rubric"


@dataclass(frozen=True)
class PublishResult:
    version: RubricVersion
    created: bool  # False when the draft was identical to the latest version


def write_version(
    project: Project,
    draft: RubricDraft,
    note: str = "",
    source_text: str | None = None,
    activate: bool | None = None,
) -> PublishResult:
    """Record `draft` as the next version of its rubric (one transaction).

    Content identical to the latest version creates nothing. The first rubric
    written in a project becomes its active rubric. Runs inside the caller's
    transaction when there is one, so `revision.publish` can flag anchors in the
    same commit.
    """
    with project.transaction():
        rubric = project.row("SELECT id FROM rubrics WHERE name = ?", (draft.name,))
        if rubric is None:
            rubric_id = project.conn.execute(
                "INSERT INTO rubrics(name, created_at) VALUES (?, ?)", (draft.name, now_iso())
            ).lastrowid
        else:
            rubric_id = rubric["id"]
        latest = project.row(
            "SELECT id, version, content_hash FROM rubric_versions "
            "WHERE rubric_id = ? ORDER BY version DESC LIMIT 1",
            (rubric_id,),
        )
        content_hash = draft.content_hash()
        if latest is not None and latest["content_hash"] == content_hash:
            return PublishResult(get_version(project, latest["id"]), created=False)
        number = (latest["version"] if latest else 0) + 1
        content = draft.content_dict()
        version_id = project.conn.execute(
            "INSERT INTO rubric_versions(rubric_id, version, guidelines, criteria, extra, "
            "source_text, note, content_hash, published_at, published_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rubric_id,
                number,
                draft.guidelines,
                json.dumps(content["criteria"], ensure_ascii=False),
                json.dumps(draft.extra, ensure_ascii=False, default=str),
                source_text,
                note,
                content_hash,
                now_iso(),
                project.actor,
            ),
        ).lastrowid
        if activate or (activate is None and project.meta(ACTIVE_RUBRIC_KEY) is None):
            project.set_meta(ACTIVE_RUBRIC_KEY, draft.name)
        project.audit(
            "publish",
            target=f"{draft.name} v{number}",
            details={"rubric_version_id": version_id, "note": note},
        )
    return PublishResult(get_version(project, version_id), created=True)


def get_version(project: Project, version_id: int) -> RubricVersion:
    """A published version by its id (cached per open project: versions never change)."""
    cache = project.cache.setdefault("rubric_versions", {})
    if version_id not in cache:
        row = project.row(
            "SELECT v.*, r.name FROM rubric_versions v JOIN rubrics r ON r.id = v.rubric_id "
            "WHERE v.id = ?",
            (version_id,),
        )
        if row is None:
            raise NotFoundError(f"No rubric version with id {version_id} in this project.")
        cache[version_id] = version_from_row(row)
    return cache[version_id]


def version_from_row(row: object) -> RubricVersion:
    """Rebuild a RubricVersion from a `rubric_versions` row joined with the rubric name."""
    data = {
        "rubric": row["name"],
        "guidelines": row["guidelines"],
        "criteria": json.loads(row["criteria"]),
        **json.loads(row["extra"] or "{}"),
    }
    draft = rubric_from_dict(data, f"rubric version {row['id']}")
    return RubricVersion(
        name=draft.name,
        guidelines=draft.guidelines,
        criteria=draft.criteria,
        extra=draft.extra,
        id=row["id"],
        rubric_id=row["rubric_id"],
        version=row["version"],
        note=row["note"] or "",
        published_at=row["published_at"],
        published_by=row["published_by"],
    )


def find_version(project: Project, number: int, rubric_name: str | None = None) -> RubricVersion:
    """Version `number` of a rubric (default: the active rubric)."""
    name = rubric_name or active_rubric_name(project)
    row = project.row(
        "SELECT v.id FROM rubric_versions v JOIN rubrics r ON r.id = v.rubric_id "
        "WHERE r.name = ? AND v.version = ?",
        (name, number),
    )
    if row is None:
        raise NotFoundError(f"Rubric {name!r} has no version {number}.")
    return get_version(project, row["id"])


def active_rubric_name(project: Project) -> str:
    name = project.meta(ACTIVE_RUBRIC_KEY)
    if name is None:
        raise RubricError(
            "This project has no rubric yet. Publish one with "
            "'annotator rubric publish PROJECT rubric.yaml'."
        )
    return name


def current_version(project: Project, rubric_name: str | None = None) -> RubricVersion:
    """The latest version of a rubric (default: the active one): what new labels use."""
    name = rubric_name or active_rubric_name(project)
    row = project.row(
        "SELECT v.id FROM rubric_versions v JOIN rubrics r ON r.id = v.rubric_id "
        "WHERE r.name = ? ORDER BY v.version DESC LIMIT 1",
        (name,),
    )
    if row is None:
        raise NotFoundError(f"No rubric named {name!r} in this project.")
    return get_version(project, row["id"])


def list_versions(project: Project, rubric_name: str | None = None) -> list[RubricVersion]:
    """Every published version, oldest first (all rubrics unless one is named)."""
    sql = (
        "SELECT v.id FROM rubric_versions v JOIN rubrics r ON r.id = v.rubric_id "
        + ("WHERE r.name = ? " if rubric_name else "")
        + "ORDER BY r.name, v.version"
    )
    params = (rubric_name,) if rubric_name else ()
    return [get_version(project, row["id"]) for row in project.rows(sql, params)]


def resolve_version(project: Project, spec: str | int | None) -> RubricVersion:
    """A version from a user's spec: None (current), 3, '3', 'name:3' or 'name v3'."""
    if spec is None or spec == "":
        return current_version(project)
    if isinstance(spec, int):
        return find_version(project, spec)
    text = str(spec).strip()
    name: str | None = None
    for separator in (":", " v", "@"):
        if separator in text:
            name, text = text.rsplit(separator, 1)
            break
    text = text.lstrip("v")
    if not text.isdigit():
        raise RubricError(f"Not a rubric version: {spec!r} (use a number like 2, or NAME:2).")
    return find_version(project, int(text), name.strip() if name else None)
