"""Offline work packs: labeling on an expert's laptop, merged back without loss.

The lead makes one pack per annotator (:func:`create_pack`): a file with the
project's schema holding that person's items in a fixed queue with anchors
already mixed in, the rubric version, the person and their source, and the
pack's identity; no reference answers, no scores, no other people's labels,
nothing that says which items are anchors. The annotator opens it in the app
(:func:`open_pack`) and labels as usual. The lead merges it back
(:func:`merge_packs`): checked, all or nothing, idempotent. Before sending it,
the annotator makes sure the one file is whole (:func:`finish_pack`, "Ready to
send"). A pack can be topped up with more items (:func:`top_up_pack`) as a new
version of the file.

Modules: `pack_file` (recognising and opening a pack), `pack_plan` (what goes
in, in which order; the project's record), `pack_write` (writing the file),
`pack_create` (making packs and top-ups), `pack_checks` (reading a pack and
checking it against the project), `pack_merge` (merging what passed),
`pack_finish` (making a pack whole before it is sent).

    >>> info = create_pack(project, "Dr. Chen", "chen.annpack", next_n=200)
    >>> pack = open_pack("chen.annpack")           # the annotator's app
    >>> print(finish_pack("chen.annpack").summary())  # ready to send
    >>> report = merge_packs(project, ["chen.annpack"])
"""

from __future__ import annotations

from typing import Any

from annotator.exchange.pack_create import PackInfo, create_pack, top_up_pack
from annotator.exchange.pack_file import (
    PACK_SUFFIX,
    DamagedPackError,
    NotAPackError,
    PackError,
    PackMeta,
    PackMismatchError,
    check_pack_file,
    open_pack,
    pack_meta_of,
)
from annotator.exchange.pack_finish import PackReady, finish_pack
from annotator.exchange.pack_merge import MergeReport, PackMergeResult, merge_packs
from annotator.store.project import Project


def list_packs(project: Project) -> list[dict[str, Any]]:
    """Every pack the project made, latest version first per pack (lead only: it
    counts anchors), with merges and how many of its items are answered."""
    rows = project.rows(
        "SELECT p.id, a.name AS annotator, p.created_at, p.rubric_version_id, v.version, "
        "v.file_name, v.items, v.anchors, v.created_at AS version_created_at, "
        "(SELECT count(*) FROM pack_merges m WHERE m.pack_id = p.id) AS merges, "
        "(SELECT coalesce(sum(m.labels_added), 0) FROM pack_merges m WHERE m.pack_id = p.id) "
        "  AS labels_merged, "
        "(SELECT max(m.merged_at) FROM pack_merges m WHERE m.pack_id = p.id) AS last_merged_at, "
        "(SELECT count(*) FROM pack_entries e WHERE e.pack_id = p.id AND e.version = v.version "
        "  AND EXISTS (SELECT 1 FROM labels l WHERE l.item_id = e.item_id "
        "    AND l.annotator_id = p.annotator_id AND l.repeat_of IS NULL "
        "    AND l.status != 'retracted' "
        "    AND NOT EXISTS (SELECT 1 FROM labels s WHERE s.supersedes = l.id))) AS answered "
        "FROM packs p JOIN annotators a ON a.id = p.annotator_id "
        "JOIN pack_versions v ON v.pack_id = p.id "
        "AND v.version = (SELECT max(version) FROM pack_versions w WHERE w.pack_id = p.id) "
        "ORDER BY p.created_at, p.id"
    )
    return [
        {
            "pack_id": row["id"],
            "annotator": row["annotator"],
            "version": row["version"],
            "file_name": row["file_name"],
            "items": row["items"],
            "anchors": row["anchors"],
            "answered": row["answered"],
            "merges": row["merges"],
            "labels_merged": row["labels_merged"],
            "created_at": row["created_at"],
            "version_created_at": row["version_created_at"],
            "last_merged_at": row["last_merged_at"],
            "rubric_version_id": row["rubric_version_id"],
        }
        for row in rows
    ]


__all__ = [
    "PACK_SUFFIX",
    "DamagedPackError",
    "MergeReport",
    "NotAPackError",
    "PackError",
    "PackInfo",
    "PackMergeResult",
    "PackMeta",
    "PackMismatchError",
    "PackReady",
    "check_pack_file",
    "create_pack",
    "finish_pack",
    "list_packs",
    "merge_packs",
    "open_pack",
    "pack_meta_of",
    "top_up_pack",
]
