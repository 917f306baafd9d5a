"""The label records throughput counts, read in one pass into numpy columns.

Why: the figures need, per record, who, whether it was submitted, its active seconds,
its day, whether it falls in the pace window, how many criteria it answers and its item.
Three grouped queries (per person, per day, per timed label with its item's length) each
scanned the labels, and the last one made a Python row of every timed label; at a
million labels that was four seconds. One scan gives the columns; the sums per person
and per day and the time-per-item arrays are numpy reductions over them. At
`ARROW_FROM` labels and more the scan comes through ADBC as Arrow arrays (no Python
object per value), else through `sqlite3`; both give the same columns.

The definitions are :mod:`annotator.queue.throughput`'s; this module only reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.store.arrow_query import read_arrow
from annotator.store.project import Project

ARROW_FROM = 100_000  # label records; below this sqlite3 is as quick and needs no driver
ANSWERED = (
    "CASE WHEN l.status = 'submitted' AND l.duration_s IS NOT NULL THEN "
    "(SELECT count(*) FROM json_each(l.values_json) WHERE json_each.type != 'null') END"
)
SCAN = (
    "SELECT l.annotator_id, l.status = 'submitted', l.duration_s, substr(l.submitted_at, 1, 10), "
    f"l.submitted_at > {{start}}, {ANSWERED}, l.item_id FROM labels l "
    "WHERE l.status != 'retracted' AND l.submitted_at <= {at}"
)
FIRST = (
    "SELECT submitted_at FROM labels WHERE annotator_id = ? AND submitted_at <= ? "
    "AND status != 'retracted' ORDER BY submitted_at LIMIT 1"
)
LENGTHS = (
    "SELECT id, length(coalesce(output, '')) + length(coalesce(output_a, '')) "
    "+ length(coalesce(output_b, '')) FROM items"
)


@dataclass(frozen=True)
class Records:
    """One entry per label record that is not a retraction, up to `at`."""

    annotator: np.ndarray  # int64 annotator id
    submitted: np.ndarray  # bool
    seconds: np.ndarray  # float64 active seconds, NaN when none was recorded
    day: np.ndarray  # int64 index into `days`
    days: list[str]  # YYYY-MM-DD
    recent: np.ndarray  # bool: after the window's start
    answered: np.ndarray  # int64 criteria answered (submitted and timed records; else -1)
    item: np.ndarray  # int64 index into `items`
    items: list[str]  # item ids

    @property
    def timed(self) -> np.ndarray:
        return ~np.isnan(self.seconds)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_records(project: Project, at_iso: str, start_iso: str) -> Records:
    """The columns, through Arrow for a large project on disk, else through sqlite3."""
    found = None
    if _arrow_possible(project) and _newest_label(project) >= ARROW_FROM:
        found = _arrow_records(project, SCAN.format(start=_literal(start_iso), at=_literal(at_iso)))
    if found is None:
        found = _sqlite_records(project, SCAN.format(start="?", at="?"), (start_iso, at_iso))
    return found


def _newest_label(project: Project) -> int:
    return int(project.scalar("SELECT coalesce(max(id), 0) FROM labels") or 0)


def _arrow_possible(project: Project) -> bool:
    """ADBC reads the file through its own connection: only for a file on disk, with
    nothing uncommitted on ours (it would not see it)."""
    path = getattr(project, "path", None)
    on_disk = path is not None and str(path) not in ("", ":memory:")
    return on_disk and not project.conn.in_transaction


def _codes(texts: Sequence[Any]) -> tuple[np.ndarray, list[str]]:
    seen: dict[Any, int] = {}
    codes = np.fromiter((seen.setdefault(t, len(seen)) for t in texts), np.int64, len(texts))
    return codes, list(seen)


def _sqlite_records(project: Project, sql: str, params: tuple[str, str]) -> Records:
    rows = project.conn.execute(sql, params).fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * 7
    day, days = _codes(columns[3])
    item, items = _codes(columns[6])
    return Records(
        annotator=np.asarray(columns[0], dtype=np.int64),
        submitted=np.asarray(columns[1], dtype=bool),
        seconds=np.array([np.nan if s is None else s for s in columns[2]], dtype=np.float64),
        day=day,
        days=days,
        recent=np.asarray(columns[4], dtype=bool),
        answered=np.array([-1 if a is None else a for a in columns[5]], dtype=np.int64),
        item=item,
        items=items,
    )


# -- Arrow ------------------------------------------------------------------------------------


def _valid(array: Any) -> np.ndarray:
    """Which entries of an Arrow array are not null, from its validity bitmap."""
    n = len(array)
    if not array.null_count:
        return np.ones(n, dtype=bool)
    bits = np.unpackbits(np.frombuffer(array.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[array.offset : array.offset + n].astype(bool)


def _numbers(array: Any, missing: float) -> np.ndarray | None:
    """An int64 or double Arrow array as numpy (nulls as `missing`), read from its buffers:
    pyarrow's own conversions import pandas; None for any other type."""
    kind = str(array.type)
    n = len(array)
    if array.null_count == n:
        return np.full(n, missing)
    dtype = {"int64": np.int64, "double": np.float64}.get(kind)
    if dtype is None:
        return None
    values = np.frombuffer(array.buffers()[1], dtype=dtype)[array.offset : array.offset + n]
    if not array.null_count:
        return values
    out = values.astype(np.float64 if np.isnan(missing) else values.dtype)
    out[~_valid(array)] = missing
    return out


def _strings(array: Any, pc: Any) -> tuple[np.ndarray, list[str]] | None:
    if str(array.type) not in ("string", "large_string") or array.null_count:
        return None
    encoded = pc.dictionary_encode(array)
    codes = _numbers(encoded.indices.cast("int64"), -1)
    if codes is None:
        return None
    return codes.astype(np.int64), encoded.dictionary.to_pylist()


def _arrow_records(project: Project, query: str) -> Records | None:
    """The scan through ADBC; None when that is not available or the types are not the
    expected ones (sqlite3 then reads it)."""
    try:
        import pyarrow.compute as pc  # lazy: only big projects read through Arrow
    except ImportError:
        return None
    # One batch: the column types are inferred over every row.
    return read_arrow(
        project.path,
        query,
        1 << 30,
        lambda reader: _from_table(reader.read_all().combine_chunks(), pc),
    )


def _from_table(table: Any, pc: Any) -> Records | None:
    if table.num_rows == 0 or table.column(0).num_chunks != 1:
        return None
    chunk = [table.column(c).chunk(0) for c in range(7)]
    annotator = _numbers(chunk[0], -1)
    submitted = _numbers(chunk[1], 0)
    seconds = _numbers(chunk[2], np.nan)
    recent = _numbers(chunk[4], 0)
    answered = _numbers(chunk[5], -1)
    days = _strings(chunk[3], pc)
    items = _strings(chunk[6], pc)
    parts = (annotator, submitted, seconds, recent, answered, days, items)
    if any(p is None for p in parts) or chunk[0].null_count:
        return None
    assert annotator is not None and submitted is not None and seconds is not None
    assert recent is not None and answered is not None and days is not None and items is not None
    return Records(
        annotator=annotator.astype(np.int64),
        submitted=submitted.astype(bool),
        seconds=seconds.astype(np.float64),
        day=days[0],
        days=days[1],
        recent=recent.astype(bool),
        answered=answered.astype(np.int64),
        item=items[0],
        items=items[1],
    )


# -- the sums -----------------------------------------------------------------------------------


def person_counts(
    project: Project, records: Records, person_ids: Sequence[int], at_iso: str
) -> dict[int, tuple[Any, ...]]:
    """annotator id -> (labels, timed labels, active seconds, window labels, window timed,
    window seconds, first record) for every person with a record (as the per-person query
    gave them)."""
    out: dict[int, tuple[Any, ...]] = {}
    timed = records.timed
    seconds = np.where(timed, records.seconds, 0.0)
    for person in person_ids:
        mine = records.annotator == person
        if not mine.any():
            continue
        sub = records.submitted & mine
        window = mine & records.recent
        first = project.scalar(FIRST, (person, at_iso))
        out[person] = (
            int(sub.sum()),
            int((sub & timed).sum()),
            float(seconds[mine].sum()),
            int((sub & records.recent).sum()),
            int((sub & records.recent & timed).sum()),
            float(seconds[window].sum()),
            first,
        )
    return out


def day_rows(records: Records) -> list[tuple[int, str, int, float]]:
    """(annotator id, YYYY-MM-DD, submitted labels, active seconds) per person and day,
    by person and day."""
    if not len(records.annotator):
        return []
    order = np.argsort(np.array(records.days, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    key = records.annotator * len(order) + rank[records.day]
    keys, at = np.unique(key, return_inverse=True)
    labels = np.bincount(at, weights=records.submitted.astype(np.float64), minlength=len(keys))
    seconds = np.bincount(
        at, weights=np.where(records.timed, records.seconds, 0.0), minlength=len(keys)
    )
    ordered_days = [records.days[k] for k in order]
    return [
        (int(k // len(order)), ordered_days[int(k % len(order))], int(n), float(s))
        for k, n, s in zip(keys.tolist(), labels.tolist(), seconds.tolist(), strict=True)
    ]


def item_lengths(project: Project, records: Records) -> np.ndarray:
    """Output length in characters (len(A) + len(B) for a pair) per entry of `items`."""
    lengths = {row[0]: row[1] for row in project.conn.execute(LENGTHS)}
    return np.array([lengths.get(i, -1) for i in records.items], dtype=np.float64)


def timed_labels(
    project: Project, records: Records, person_ids: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(active seconds, criteria answered, output length) of the submitted records with
    active time of these people, in record order."""
    chosen = records.submitted & records.timed & np.isin(records.annotator, list(person_ids))
    lengths = item_lengths(project, records)[records.item[chosen]]
    known = lengths >= 0  # a record of an item that is gone: the join left it out
    return (
        records.seconds[chosen][known],
        records.answered[chosen][known],
        lengths[known],
    )


__all__ = [
    "ARROW_FROM",
    "Records",
    "day_rows",
    "item_lengths",
    "person_counts",
    "read_records",
    "timed_labels",
]
