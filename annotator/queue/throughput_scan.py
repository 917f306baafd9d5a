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

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.store.arrow_query import read_arrow
from annotator.store.project import Project

ARROW_FROM = 100_000  # label records; below this sqlite3 is as quick and needs no driver
ANSWERED = (
    "CASE WHEN l.status = 'submitted' AND l.duration_s IS NOT NULL THEN "
    "(SELECT count(*) FROM json_each(l.values_json) WHERE json_each.type != 'null') ELSE -1 END"
)
# The Arrow scan reads the text instead and counts per distinct text (a project holds few;
# `json_each` per record is a third of the scan), unless the first batch's texts are
# mostly distinct: then it reads SQLite's count after all.
COUNTED_TEXT = (
    "CASE WHEN l.status = 'submitted' AND l.duration_s IS NOT NULL THEN l.values_json ELSE '' END"
)
# No column is ever NULL (a flag says whether there are active seconds), so Arrow batches
# keep the one type per column the driver inferred from the first.
_SCAN = (
    "SELECT l.annotator_id, l.status = 'submitted', coalesce(l.duration_s, 0.0), "
    "substr(l.submitted_at, 1, 10), l.submitted_at > {{start}}, {answered}, l.item_id, l.id, "
    "l.duration_s IS NULL FROM labels l WHERE l.status != 'retracted' AND l.submitted_at <= {{at}}"
)
SCAN = _SCAN.format(answered=COUNTED_TEXT)  # the Arrow scan's (column 5: the text)
SCAN_COUNTED = _SCAN.format(answered=ANSWERED)  # sqlite3's (column 5: the count)
MANY_SHARE = 0.25  # distinct texts per record in the first batch above which SQLite counts
MANY_FROM = 1000  # records in the first batch for that share to say anything
BATCH_ROWS = 100_000  # Arrow batches: the scan is never whole in memory as Arrow
RETRACTED = (  # records taken back by an undo (the partial index holds the few with supersedes)
    "SELECT supersedes FROM labels WHERE supersedes IS NOT NULL AND status = 'retracted'"
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
    label_id: np.ndarray  # int64
    live: np.ndarray  # bool: not superseded by a retraction (an undo) either
    item_array: Any = None  # `items` as the Arrow array the scan gave (None: read by sqlite3)

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
        found = _sqlite_records(
            project, SCAN_COUNTED.format(start="?", at="?"), (start_iso, at_iso)
        )
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
    columns = list(zip(*rows, strict=True)) if rows else [()] * 9
    day, days = _codes(columns[3])
    item, items = _codes(columns[6])
    submitted = np.asarray(columns[1], dtype=bool)
    seconds = np.asarray(columns[2], dtype=np.float64)
    seconds[np.asarray(columns[8], dtype=bool)] = np.nan
    label_id = np.asarray(columns[7], dtype=np.int64)
    return Records(
        annotator=np.asarray(columns[0], dtype=np.int64),
        submitted=submitted,
        seconds=seconds,
        day=day,
        days=days,
        recent=np.asarray(columns[4], dtype=bool),
        answered=np.asarray(columns[5], dtype=np.int64),
        item=item,
        items=items,
        label_id=label_id,
        live=_live(project, label_id),
    )


def _live(project: Project, label_id: np.ndarray) -> np.ndarray:
    """Which records still stand: none taken back by a retraction that supersedes it."""
    taken = [row[0] for row in project.conn.execute(RETRACTED)]
    if not taken:
        return np.ones(len(label_id), dtype=bool)
    return ~np.isin(label_id, np.array(taken, dtype=np.int64))


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


def _arrow_records(project: Project, query: str) -> Records | None:
    """The scan through ADBC, a batch at a time; None when that is not available or the
    types are not the expected ones (sqlite3 then reads it). `query`: SCAN (criteria
    answered counted per distinct text) or SCAN_COUNTED (by SQLite), formatted."""
    try:
        import pyarrow as pa  # lazy: only big projects read through Arrow
        import pyarrow.compute as pc  # lazy: as above
    except ImportError:
        return None
    texts = COUNTED_TEXT in query
    found = read_arrow(
        project.path,
        query,
        BATCH_ROWS,
        lambda reader: _from_batches(project, reader, pa, pc, texts),
    )
    if found is _MANY:
        query = query.replace(COUNTED_TEXT, ANSWERED)
        found = read_arrow(
            project.path,
            query,
            BATCH_ROWS,
            lambda reader: _from_batches(project, reader, pa, pc, False),
        )
    return found  # type: ignore[return-value]


_MANY = object()  # the first batch's texts were mostly distinct


class _Pairs(list):  # type: ignore[type-arg]
    """A JSON object as its (key, value) pairs, duplicates kept (as `json_each` sees it)."""


def _count(value: Any) -> int:
    """What `json_each` counts with a type other than null, for the parsed text."""
    if isinstance(value, _Pairs):
        return sum(v is not None for _, v in value)
    if isinstance(value, list):
        return sum(v is not None for v in value)
    return int(value is not None)


def answered_counts(project: Project, texts: Sequence[str]) -> np.ndarray:
    """Criteria answered (members that are not null) per `values_json` text, by Python's
    JSON parser; a text it might read otherwise (NaN, Infinity) or refuses is counted by
    SQLite's `json_each`, which fails on malformed JSON as the per-record query did."""
    out = np.zeros(len(texts), dtype=np.int64)
    for at, text in enumerate(texts):
        try:
            out[at] = _count(json.loads(text, object_pairs_hook=_Pairs, parse_constant=_odd))
        except (ValueError, RecursionError):
            out[at] = project.scalar(f"SELECT {_ONE}", (text,))
    return out


_ONE = "(SELECT count(*) FROM json_each(?) WHERE json_each.type != 'null')"


def _odd(name: str) -> Any:
    raise ValueError(name)


_NUMBERS = {0: -1, 1: 0, 2: np.nan, 4: 0, 5: -1, 7: -1, 8: 0}  # column -> a null's value
# (column 5 is a number in SCAN_COUNTED only; in SCAN it is the text, counted below)
_TEXTS = (3, 6)  # day, item id: dictionary-encoded per batch
_DTYPES = {1: np.int8, 2: np.float64, 4: np.int8, 8: np.int8}  # flags take a byte


def _codes_of(chunks: list[Any], pa: Any) -> tuple[np.ndarray, list[str], Any] | None:
    """One dictionary for a text column's per-batch dictionary arrays (unified in C)."""
    unified = pa.chunked_array(chunks).unify_dictionaries()
    codes = np.empty(len(unified), dtype=np.int64)
    at = 0
    for chunk in unified.chunks:
        part = _numbers(chunk.indices.cast("int64"), -1)
        if part is None:
            return None
        codes[at : at + len(part)] = part
        at += len(part)
    dictionary = unified.chunk(0).dictionary
    return codes, dictionary.to_pylist(), dictionary


def _from_batches(
    project: Project, reader: Any, pa: Any, pc: Any, texts_at_5: bool
) -> Records | None | object:
    """The records, written batch by batch into arrays sized by the newest label id (no
    list of parts and no second copy); text columns dictionary-encoded per batch and
    their dictionaries unified once at the end. With `texts_at_5`, column 5 is the
    counted records' `values_json`, counted once per distinct text."""
    size = max(_newest_label(project), 1)
    numbers = {c: np.empty(size, dtype=_DTYPES.get(c, np.int64)) for c in _NUMBERS}
    texts: dict[int, list[Any]] = {c: [] for c in _TEXTS}
    known: dict[str, int] = {}  # values_json -> criteria answered
    n = 0
    for batch in reader:
        m = batch.num_rows
        if n + m > size:  # more records than the newest id promised: grow
            size = max(2 * size, n + m)
            numbers = {c: np.resize(a, size) for c, a in numbers.items()}
        for c, missing in _NUMBERS.items():
            if c == 5 and texts_at_5:
                continue
            column = batch.column(c)
            found = _numbers(column, missing)
            if found is None or column.null_count:
                return None  # not what the schema promises: let sqlite3 say what it holds
            numbers[c][n : n + m] = found
        for c in _TEXTS:
            column = batch.column(c)
            if str(column.type) not in ("string", "large_string") or column.null_count:
                return None
            texts[c].append(pc.dictionary_encode(column))
        if texts_at_5:
            counted = (numbers[1][n : n + m] != 0) & (numbers[8][n : n + m] == 0)
            answered = _answered_batch(project, batch.column(5), counted, known, pc, n == 0)
            if answered is None or answered is _MANY:
                return answered
            numbers[5][n : n + m] = answered
        n += m
    if n == 0:
        return None
    coded = {c: _codes_of(chunks, pa) for c, chunks in texts.items()}
    del texts
    if any(v is None for v in coded.values()):
        return None
    (day, days, _), (item, items, item_array) = (coded[c] for c in _TEXTS)  # type: ignore[misc]
    column = {c: a[:n] for c, a in numbers.items()}
    submitted = column[1].astype(bool)
    seconds = column[2]
    seconds[column[8].astype(bool)] = np.nan
    label_id = column[7]
    return Records(
        annotator=column[0],
        submitted=submitted,
        seconds=seconds,
        day=day,
        days=days,
        recent=column[4].astype(bool),
        answered=column[5],
        item=item,
        items=items,
        label_id=label_id,
        live=_live(project, label_id),
        item_array=item_array,
    )


def _answered_batch(
    project: Project, column: Any, counted: np.ndarray, known: dict[str, int], pc: Any,
    first: bool,
) -> np.ndarray | None | object:  # fmt: skip
    """Criteria answered per record of one batch (-1 where not counted); each distinct
    text of a counted record is counted once (`known` keeps them across batches)."""
    if str(column.type) not in ("string", "large_string") or column.null_count:
        return None
    encoded = pc.dictionary_encode(column)
    local = _numbers(encoded.indices.cast("int64"), -1)
    if local is None:
        return None
    distinct = encoded.dictionary.to_pylist()
    if first and len(distinct) > MANY_SHARE * len(local) and len(local) >= MANY_FROM:
        return _MANY
    wanted = np.zeros(len(distinct), dtype=bool)
    wanted[local[counted]] = True  # the texts of uncounted records ('') are never read
    counts = np.full(len(distinct), -1, dtype=np.int64)
    at = np.flatnonzero(wanted).tolist()
    if len(distinct) > MANY_SHARE * len(local):  # mostly distinct: counted, not kept
        counts[at] = answered_counts(project, [distinct[i] for i in at])
        return np.where(counted, counts[local], -1)
    new = [i for i in at if distinct[i] not in known]
    for i, found in zip(new, answered_counts(project, [distinct[i] for i in new]).tolist(),
                        strict=True):  # fmt: skip
        known[distinct[i]] = found
    for i in at:
        counts[i] = known[distinct[i]]
    return np.where(counted, counts[local], -1)


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
    weights = records.submitted.astype(np.float64), np.where(records.timed, records.seconds, 0.0)
    top = int(key.max()) + 1
    if int(key.min()) >= 0 and top <= max(1 << 22, 2 * len(key)):
        # few people x days: the sums by cell directly (no sort of every record)
        keys = np.flatnonzero(np.bincount(key, minlength=top))
        labels = np.bincount(key, weights=weights[0], minlength=top)[keys]
        seconds = np.bincount(key, weights=weights[1], minlength=top)[keys]
    else:
        keys, at = np.unique(key, return_inverse=True)
        labels = np.bincount(at, weights=weights[0], minlength=len(keys))
        seconds = np.bincount(at, weights=weights[1], minlength=len(keys))
    ordered_days = [records.days[k] for k in order]
    return [
        (int(k // len(order)), ordered_days[int(k % len(order))], int(n), float(s))
        for k, n, s in zip(keys.tolist(), labels.tolist(), seconds.tolist(), strict=True)
    ]


def item_lengths(project: Project, records: Records) -> np.ndarray:
    """Output length in characters (len(A) + len(B) for a pair) per entry of `items`."""
    if len(records.items) >= ARROW_FROM // 10 and _arrow_possible(project):
        found = _arrow_lengths(project, records)
        if found is not None:
            return found
    lengths = {row[0]: row[1] for row in project.conn.execute(LENGTHS)}
    return np.array([lengths.get(i, -1) for i in records.items], dtype=np.float64)


def string_array(texts: Sequence[str], pa: Any) -> Any:
    """Python strings as a pyarrow large_string array, built from its buffers
    (`pa.array` of a list imports pandas: a second)."""
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.large_string(), len(encoded), buffers)


def item_array(records: Records, pa: Any) -> Any:
    """The records' item ids as an Arrow string array (the scan's own, when it has one)."""
    if records.item_array is not None:
        return records.item_array.cast(pa.large_string())
    return string_array(records.items, pa)


def _arrow_lengths(project: Project, records: Records) -> np.ndarray | None:
    """The same lengths matched in Arrow (a hash join in C, no dict of every item)."""
    try:
        import pyarrow as pa  # lazy: only big projects read through Arrow
        import pyarrow.compute as pc  # lazy: as above
    except ImportError:
        return None

    def match(reader: Any) -> np.ndarray | None:
        table = reader.read_all().combine_chunks()
        if table.num_rows == 0 or table.column(0).num_chunks != 1:
            return None
        length = _numbers(table.column(1).chunk(0), -1)
        ids = table.column(0).chunk(0).cast(pa.large_string())
        at = _numbers(pc.index_in(item_array(records, pa), value_set=ids).cast("int64"), -1)
        if length is None or at is None:
            return None
        at = at.astype(np.int64)
        found = np.append(length.astype(np.float64), -1.0)  # -1 (no such item): the last slot
        return found[at]

    return read_arrow(project.path, LENGTHS, 1 << 30, match)


def timed_labels(
    project: Project,
    records: Records,
    person_ids: Sequence[int],
    lengths_of_items: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(active seconds, criteria answered, output length) of the submitted records with
    active time of these people, in record order (`lengths_of_items`: `item_lengths`, when
    the items were read already)."""
    chosen = records.submitted & records.timed & np.isin(records.annotator, list(person_ids))
    if lengths_of_items is None:
        lengths_of_items = item_lengths(project, records)
    lengths = lengths_of_items[records.item[chosen]]
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
