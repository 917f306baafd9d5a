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


STATE = "item_label_state"  # per item: its count of current submitted labels (m010)
STATE_INDEX = "item_label_state_submitted"
SPARSE = 5000  # fewer matching items than this: read them off the index and sort them


@dataclass(frozen=True)
class ItemFilter:
    labeled: bool | None = None  # True: has a current submitted label; False: has none
    tag: tuple[str, str] | None = None  # (key, value) slice tag
    source: str | None = None  # has a current label from this source
    flagged: bool = False  # has a current flagged record
    skipped: bool = False  # has a current skipped record
    text: str | None = None  # in the id, input or output(s)
    needs_labels: int | None = None  # "needs more labels": fewer current submitted than this

    def state_where(self) -> tuple[list[str], list[Any]]:
        """Conditions on the item's label state row (alias `st`): index range scans."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.labeled is True:
            clauses.append("st.submitted > 0")
        elif self.labeled is False:
            clauses.append("st.submitted = 0")
        if self.needs_labels is not None:
            clauses.append("st.submitted < ?")
            params.append(self.needs_labels)
        return clauses, params

    def item_where(self) -> tuple[list[str], list[Any]]:
        """Conditions on the item row and its label records (alias `items`)."""
        clauses: list[str] = []
        params: list[Any] = []
        status_exists = (
            "EXISTS (SELECT 1 FROM current_labels c WHERE c.item_id = items.id AND c.status = ?)"
        )
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
        return clauses, params

    def where(self) -> tuple[str, list[Any]]:
        """The whole filter as one condition on `items` alone, for other queries to embed."""
        state, state_params = self.state_where()
        lookup = f"(SELECT st.submitted FROM {STATE} st WHERE st.seq = items.seq)"
        clauses = [clause.replace("st.submitted", lookup) for clause in state]
        other, other_params = self.item_where()
        return (" AND ".join([*clauses, *other]) or "1"), [*state_params, *other_params]


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


PAGE_COLUMNS = (
    "SELECT items.seq AS seq, id, input_kind, pairwise, substr(input, 1, 2000) AS input, "
    "substr(coalesce(output, output_a), 1, 400) AS output, tags, {n_labels} AS n_labels, "
    "(SELECT group_concat(DISTINCT c.status) FROM current_labels c "
    " WHERE c.item_id = items.id AND c.status IN ('flagged', 'skipped')) AS marks "
)


def _state_hint(project: Project, state: list[str], params: list[Any], after_seq: int) -> str:
    """How to walk the label state for a page in `seq` order: along the index when it
    gives that order (count = 0) or when few items match (sort them), else in rowid
    order, skipping the rows that do not match (they are dense enough)."""
    if "st.submitted = 0" in state:
        return f"INDEXED BY {STATE_INDEX}"
    few = project.scalar(
        f"SELECT count(*) FROM (SELECT 1 FROM {STATE} st INDEXED BY {STATE_INDEX} "
        f"WHERE {' AND '.join(state)} AND st.seq > ? LIMIT {SPARSE})",
        [*params, after_seq],
    )
    return f"INDEXED BY {STATE_INDEX}" if few < SPARSE else "NOT INDEXED"


def _page_rows(project: Project, item_filter: ItemFilter, after_seq: int, limit: int) -> list[Any]:
    state, state_params = item_filter.state_where()
    other, other_params = item_filter.item_where()
    if not state:
        n_labels = f"(SELECT st.submitted FROM {STATE} st WHERE st.seq = items.seq)"
        where = " AND ".join(other) or "1"
        return project.rows(
            PAGE_COLUMNS.format(n_labels=n_labels)
            + f"FROM items WHERE seq > ? AND {where} ORDER BY seq LIMIT ?",
            [after_seq, *other_params, limit],
        )
    hint = _state_hint(project, state, state_params, after_seq)
    where = " AND ".join([*state, *other])
    return project.rows(
        PAGE_COLUMNS.format(n_labels="st.submitted")
        + f"FROM {STATE} st {hint} CROSS JOIN items ON items.seq = st.seq "
        f"WHERE st.seq > ? AND {where} ORDER BY st.seq LIMIT ?",
        [after_seq, *state_params, *other_params, limit],
    )


def items_page(
    project: Project, item_filter: ItemFilter, after_seq: int = 0, limit: int = PAGE_SIZE
) -> list[ItemRow]:
    """The next `limit` matching items after `after_seq`, in import order."""
    out = []
    for row in _page_rows(project, item_filter, after_seq, limit):
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
    """How many items match. "Labeled" and "not labeled" alone are read from the totals
    row the triggers keep; "fewer than N" is the table's count (SQLite counts a whole
    table without reading its rows) less an index range count with an open upper end."""
    state, state_params = item_filter.state_where()
    other, other_params = item_filter.item_where()
    if not state:
        where = " AND ".join(other) or "1"
        return project.scalar(f"SELECT count(*) FROM items WHERE {where}", other_params)
    if other:
        where = " AND ".join([*state, *other])
        return project.scalar(
            f"SELECT count(*) FROM {STATE} st CROSS JOIN items ON items.seq = st.seq WHERE {where}",
            [*state_params, *other_params],
        )
    totals = project.row("SELECT items, labeled FROM item_label_totals")
    if totals is not None and state in (["st.submitted > 0"], ["st.submitted = 0"]):
        items, labeled = tuple(totals)
        return labeled if state == ["st.submitted > 0"] else items - labeled
    if state == ["st.submitted > 0"]:
        return _count_at_least(project, 1)
    if state == ["st.submitted = 0"]:
        return _count_all(project) - _count_at_least(project, 1)
    if state == ["st.submitted < ?"]:
        return _count_all(project) - _count_at_least(project, state_params[0])
    return project.scalar(
        f"SELECT count(*) FROM {STATE} st WHERE {' AND '.join(state)}", state_params
    )


def _count_all(project: Project) -> int:
    return project.scalar(f"SELECT count(*) FROM {STATE}")


def _count_at_least(project: Project, n: int) -> int:
    return project.scalar(f"SELECT count(*) FROM {STATE} WHERE submitted >= ?", [n])
