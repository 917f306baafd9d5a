"""Headline counts of a project: what `annotator stats` prints.

`labels` counts current, submitted labels (what agreement and exports use);
superseded, skipped, flagged and retracted records are counted apart.
"""

from __future__ import annotations

from typing import Any

from annotator.store.project import Project

EFFECTIVE_LABELS = "SELECT * FROM effective_labels"


def project_stats(project: Project) -> dict[str, Any]:
    """Counts of items, labels, annotators and sources, plus per-source detail."""
    sources = [
        {
            "name": row["name"],
            "kind": row["kind"],
            "labels": row["labels"],
            "annotators": row["annotators"],
        }
        for row in project.rows(
            "SELECT s.name, s.kind, "
            f"(SELECT count(*) FROM ({EFFECTIVE_LABELS}) e WHERE e.source_id = s.id) AS labels, "
            "(SELECT count(*) FROM annotators a WHERE a.source_id = s.id) AS annotators "
            "FROM sources s ORDER BY s.id"
        )
    ]
    repeats = project.scalar(
        "SELECT count(*) FROM current_labels WHERE repeat_of IS NOT NULL AND status = 'submitted'"
    )
    statuses = {
        row[0]: row[1]
        for row in project.rows(
            "SELECT status, count(*) FROM current_labels WHERE repeat_of IS NULL GROUP BY status"
        )
    }
    return {
        "project": project.name,
        "project_id": project.id,
        "items": project.scalar("SELECT count(*) FROM items"),
        "pairwise_items": project.scalar("SELECT count(*) FROM items WHERE pairwise = 1"),
        "labels": statuses.get("submitted", 0),
        "skipped": statuses.get("skipped", 0),
        "flagged": statuses.get("flagged", 0),
        "repeat_labels": repeats,
        "label_records": project.scalar("SELECT count(*) FROM labels"),
        "labeled_items": project.scalar(
            f"SELECT count(DISTINCT item_id) FROM ({EFFECTIVE_LABELS})"
        ),
        "annotators": project.scalar("SELECT count(*) FROM annotators"),
        "sources": sources,
        "rubric_versions": project.scalar("SELECT count(*) FROM rubric_versions"),
        "import_batches": project.scalar("SELECT count(*) FROM import_batches"),
    }


def format_stats(stats: dict[str, Any]) -> str:
    lines = [
        f"Project {stats['project']}",
        f"  items        {stats['items']:>9,} ({stats['pairwise_items']:,} pairwise; "
        f"{stats['labeled_items']:,} labeled)",
        f"  labels       {stats['labels']:>9,} current ({stats['skipped']:,} skipped, "
        f"{stats['flagged']:,} flagged; {stats['label_records']:,} records in all)",
        f"  annotators   {stats['annotators']:>9,}",
        f"  rubric versions {stats['rubric_versions']:>6,}",
        "  sources:",
    ]
    for source in stats["sources"]:
        lines.append(
            f"    {source['name']:<20} {source['kind']:<10} {source['labels']:>9,} labels  "
            f"{source['annotators']:>5,} annotators"
        )
    return "\n".join(lines)
