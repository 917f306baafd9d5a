"""Paging through items with filters, fast at a million: what the items browser shows.

Pages use keyset paging on `items.seq` (the rowid), so page 2,000 costs what
page 1 costs; nothing loads the whole table. Counting is separate, because a
count over a big filtered set is the slow part and runs off the UI thread.

    >>> rows = items_page(project, ItemFilter(labeled=False, tag=("domain", "legal")))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from annotator.store.project import Project

PAGE_SIZE = 500


@dataclass(frozen=True)
class ItemFilter:
    labeled: bool | None = None  # True: has a current submitted label; False: has none
    tag: tuple[str, str] | None = None  # (key, value) slice tag
    source: str | None = None  # has a current label from this source
    flagged: bool = False  # has a current flagged record
    skipped: bool = False  # has a current skipped record
    text: str | None = None  # in the id, input or output(s)

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        status_exists = (
            "EXISTS (SELECT 1 FROM current_labels c WHERE c.item_id = items.id AND c.status = ?)"
        )
        if self.labeled is True:
            clauses.append(status_exists)
            params.append("submitted")
        elif self.labeled is False:
            clauses.append("NOT " + status_exists)
            params.append("submitted")
        if self.flagged:
            clauses.append(status_exists)
            params.append("flagged")
        if self.skipped:
            clauses.append(status_exists)
            params.append("skipped")
        if self.tag is not None:
            clauses.append("json_extract(items.tags, '$.' || ?) = ?")
            params.extend(self.tag)
        if self.source:
            clauses.append(
                "EXISTS (SELECT 1 FROM labels l JOIN sources s ON s.id = l.source_id "
                "WHERE l.item_id = items.id AND s.name = ?)"
            )
            params.append(self.source)
        if self.text:
            like = f"%{self.text}%"
            clauses.append(
                "(items.id LIKE ? OR items.input LIKE ? OR items.output LIKE ? "
                "OR items.output_a LIKE ? OR items.output_b LIKE ?)"
            )
            params.extend([like] * 5)
        return (" AND ".join(clauses) or "1"), params


@dataclass(frozen=True)
class ItemRow:
    seq: int
    id: str
    kind: str
    input_preview: str
    output_preview: str
    tags: str
    labels: int
    status: str


def _preview(text: str | None, kind: str = "text", width: int = 160) -> str:
    if not text:
        return ""
    if kind == "chat":
        try:
            turns = json.loads(text)
            text = next(
                (t["content"] for t in reversed(turns) if t.get("role") == "user"),
                turns[-1]["content"],
            )
        except (ValueError, KeyError, IndexError, TypeError):
            pass
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def items_page(
    project: Project, item_filter: ItemFilter, after_seq: int = 0, limit: int = PAGE_SIZE
) -> list[ItemRow]:
    """The next `limit` matching items after `after_seq`, in import order."""
    where, params = item_filter.where()
    rows = project.rows(
        "SELECT seq, id, input_kind, pairwise, substr(input, 1, 2000) AS input, "
        "substr(coalesce(output, output_a), 1, 400) AS output, tags, "
        "(SELECT count(*) FROM labels l WHERE l.item_id = items.id AND l.status = 'submitted' "
        " AND NOT EXISTS (SELECT 1 FROM labels s WHERE s.supersedes = l.id)) AS n_labels, "
        "(SELECT group_concat(DISTINCT c.status) FROM current_labels c "
        " WHERE c.item_id = items.id AND c.status IN ('flagged', 'skipped')) AS marks "
        f"FROM items WHERE seq > ? AND {where} ORDER BY seq LIMIT ?",
        [after_seq, *params, limit],
    )
    out = []
    for row in rows:
        tags = json.loads(row["tags"])
        kind = "pairwise" if row["pairwise"] else row["input_kind"]
        out.append(
            ItemRow(
                seq=row["seq"],
                id=row["id"],
                kind=kind,
                input_preview=_preview(row["input"], row["input_kind"]),
                output_preview=_preview(row["output"]),
                tags=", ".join(f"{k}={v}" for k, v in sorted(tags.items())),
                labels=row["n_labels"],
                status=row["marks"] or "",
            )
        )
    return out


def count_items_matching(project: Project, item_filter: ItemFilter) -> int:
    where, params = item_filter.where()
    return project.scalar(f"SELECT count(*) FROM items WHERE {where}", params)
