"""The project's record of its exports (table `exports`, append-only) and the audit log entry."""

from __future__ import annotations

import json
from typing import Any

from annotator.base.clock import now_iso
from annotator.store.project import Project


def record_export(
    project: Project,
    *,
    export_id: str,
    format: str,
    path: str,
    options: dict[str, Any],
    counts: dict[str, Any],
    manifest_sha256: str,
) -> int:
    """Write the record and the audit entry in one transaction; returns the record's id
    (0 for a project on read-only media: the export is made, but cannot be recorded in it)."""
    if project.read_only:
        return 0
    with project.transaction():
        record_id = project.conn.execute(
            "INSERT INTO exports(export_id, format, path, options, counts, manifest_sha256, "
            "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                export_id,
                format,
                path,
                json.dumps(options, sort_keys=True),
                json.dumps(counts, sort_keys=True),
                manifest_sha256,
                now_iso(),
                project.actor,
            ),
        ).lastrowid
        project.audit(
            "export",
            target=path,
            details={"export_id": export_id, "format": format, "counts": counts},
        )
    return int(record_id)


def list_exports(project: Project) -> list[dict[str, Any]]:
    """Every export made from the project, newest first."""
    rows = project.rows("SELECT * FROM exports ORDER BY id DESC")
    return [
        {
            "id": row["id"],
            "export_id": row["export_id"],
            "format": row["format"],
            "path": row["path"],
            "options": json.loads(row["options"]),
            "counts": json.loads(row["counts"]),
            "manifest_sha256": row["manifest_sha256"],
            "created_at": row["created_at"],
            "created_by": row["created_by"],
        }
        for row in rows
    ]


__all__ = ["list_exports", "record_export"]
