"""Every person's backlog (`queue_status(...).remaining`) from the records throughput
has already read, instead of two scans of the labels per person.

Why: `queue_status` asks, per person, whether any regular item is still fresh (never
labeled, after the queue's cursor: a walk over every item when none is left) and how many
items they labeled without the queue (a count over their labels); at 200k items and five
people that was 1.7 s of a report. Both are set operations over the records' columns (a
person's live labels) and the items, read once, here. Everything else (the served log,
open entries, returns, requeues, the planned total) is the queue's own code, called as
`queue_status` calls it. A person with records after `at` (the records stop there), an id
that is not among the items, or a project read without Arrow goes through `queue_status`
itself; the answers are the same (tests compare them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from annotator.queue import throughput_scan as scan
from annotator.queue.plan import PASS_ASSIGNED, PASS_FALLBACK, Planner
from annotator.queue.queue import _planned_total, queue_status
from annotator.queue.throughput_scan import (
    Records,
    _arrow_possible,
    _numbers,
    item_array,
    string_array,
)
from annotator.store.arrow_query import read_arrow
from annotator.store.project import Project

ITEMS = (  # with the output lengths time per item needs (one read of the items for both)
    "SELECT id, seq, length(coalesce(output, '')) + length(coalesce(output_a, '')) "
    "+ length(coalesce(output_b, '')) FROM items ORDER BY seq"
)
ANCHORED = "SELECT DISTINCT item_id FROM anchors"  # retired anchors too, as the queue does
LATER = "SELECT 1 FROM labels WHERE annotator_id = ? AND submitted_at > ? LIMIT 1"
ASSIGNED = "SELECT item_id, position, removed FROM assignments WHERE annotator_id = ?"
LOGGED = "SELECT DISTINCT item_id FROM queue_log WHERE annotator_id = ? AND kind = 'item'"


class _Items:
    """The items in seq order, and where the records' item ids sit among them."""

    def __init__(
        self, ids: Any, seq: np.ndarray, length: np.ndarray, records: Records, pa: Any, pc: Any
    ) -> None:
        self.ids = ids.cast(pa.large_string())  # by seq
        self.seq = seq
        self.length = length
        self.pa, self.pc = pa, pc
        self.of_records = self._found(pc.index_in(item_array(records, pa), value_set=self.ids))

    def positions(self, ids: Sequence[str]) -> np.ndarray:
        """Each id's position among the items (-1: no such item)."""
        if not len(ids):
            return np.zeros(0, dtype=np.int64)
        return self._found(self.pc.index_in(string_array(ids, self.pa), value_set=self.ids))

    @staticmethod
    def _found(at: Any) -> np.ndarray:
        found = _numbers(at.cast("int64"), -1)
        assert found is not None  # int64 by the cast
        return found.astype(np.int64)

    def mask(self, positions: np.ndarray) -> np.ndarray:
        out = np.zeros(len(self.seq), dtype=bool)
        out[positions] = True
        return out


def _read_items(project: Project, records: Records) -> _Items | None:
    try:
        import pyarrow as pa  # lazy: only big projects read through Arrow
        import pyarrow.compute as pc  # lazy: as above
    except ImportError:
        return None

    def use(reader: Any) -> _Items | None:
        table = reader.read_all().combine_chunks()
        if table.num_rows == 0 or table.column(0).num_chunks != 1:
            return None
        seq = _numbers(table.column(1).chunk(0), -1)
        length = _numbers(table.column(2).chunk(0), -1)
        if seq is None or length is None or str(table.column(0).type) != "string":
            return None
        ids = table.column(0).chunk(0)
        return _Items(ids, seq.astype(np.int64), length.astype(np.float64), records, pa, pc)

    return read_arrow(project.path, ITEMS, 1 << 30, use)


def read_items(project: Project, records: Records) -> _Items | None:
    """The items, read once for every backlog and the output lengths (a large project
    read through Arrow only; None: each is read its own way)."""
    if len(records.annotator) >= max(1, scan.ARROW_FROM) and _arrow_possible(project):
        return _read_items(project, records)  # a small project: queue_status is quick
    return None


def record_lengths(items: _Items | None) -> np.ndarray | None:
    """`item_lengths` from the items read: per entry of the records' `items`."""
    if items is None:
        return None
    return np.append(items.length, -1.0)[items.of_records]


def _remaining(
    project: Project, person: int, records: Records, items: _Items, anchored: np.ndarray
) -> int | None:
    """`queue_status(project, person).remaining`, or None when this person's records
    cannot answer it (then the caller asks `queue_status`)."""
    ctx = Planner(project, person)
    labeled_at = items.of_records[records.item[records.live & (records.annotator == person)]]
    logged = [row[0] for row in project.conn.execute(LOGGED, (person,))]
    plan = project.conn.execute(ASSIGNED, (person,)).fetchall()
    logged_at = items.positions(logged)
    plan_at = items.positions([row[0] for row in plan])
    if (labeled_at < 0).any() or (logged_at < 0).any() or (plan_at < 0).any():
        return None  # an id that is not an item: the queue's SQL says what it means
    labeled = items.mask(labeled_at)
    removed_flag = np.array([row[2] for row in plan], dtype=np.int64) == 1
    if ctx.assigned:
        in_plan = items.mask(plan_at[~removed_flag])
    else:
        in_plan = ~items.mask(plan_at[removed_flag])
    outside = int((labeled & in_plan & ~anchored & ~items.mask(logged_at)).sum())
    # queue_status, with next_fresh and _labeled_outside_queue answered from the columns
    last = ctx.db_last()
    is_open = last is not None and ctx.is_open(last)
    served = 0 if last is None else last.position + 1 - int(is_open)
    if not is_open:
        if last is not None:
            ctx.note_pending(last)
        if (
            ctx.next_requeued() is None
            and not _fresh(ctx, items, plan, plan_at, removed_flag, labeled, anchored)
            and ctx.next_return() is None
        ):
            return 0
    planned = _planned_total(project, ctx, outside)
    return max(1, planned - served)


def _fresh(
    ctx: Planner,
    items: _Items,
    plan: list[Any],
    plan_at: np.ndarray,
    removed_flag: np.ndarray,
    labeled: np.ndarray,
    anchored: np.ndarray,
) -> bool:
    """Whether `ctx.next_fresh()` finds an item (what it finds does not matter here)."""
    if ctx.assigned:
        cursor = ctx._cursor(PASS_ASSIGNED)
        position = np.array([row[1] for row in plan], dtype=np.int64)
        open_ = (position > cursor) & ~removed_flag
        return bool((open_ & ~labeled[plan_at] & ~anchored[plan_at]).any())
    start = int(np.searchsorted(items.seq, ctx._cursor(PASS_FALLBACK), side="right"))
    taken = labeled | anchored | items.mask(plan_at[removed_flag])
    return bool((~taken[start:]).any())


def backlogs(
    project: Project,
    people: Sequence[int],
    records: Records,
    at_iso: str,
    items: _Items | None = None,
) -> dict[int, int]:
    """person id -> `queue_status(project, person).remaining`, for every person given
    (`items`: `read_items`; without them each person's is the queue's own)."""
    anchored = None
    if items is not None:
        at = items.positions([row[0] for row in project.conn.execute(ANCHORED)])
        anchored = None if (at < 0).any() else items.mask(at)
    out: dict[int, int] = {}
    for person in people:
        found = None
        usable = items is not None and anchored is not None  # else: no Arrow, or an odd anchor
        if usable and project.conn.execute(LATER, (person, at_iso)).fetchone() is None:
            assert items is not None and anchored is not None
            found = _remaining(project, person, records, items, anchored)
        out[person] = queue_status(project, person).remaining if found is None else found
    return out


__all__ = ["backlogs", "read_items", "record_lengths"]
