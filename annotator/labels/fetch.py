"""The effective labels as numpy columns, straight from one query.

Why not rows: at a million labels, building a Python tuple per label (and an
object per cell) costs more than the query itself. Each criterion's value
comes out of SQLite as its JSON text (`values_json -> path`), so a value
column holds only text: it is factorized once (each distinct text decoded
once) and every label keeps just an integer index into those values. Big
projects are read through ADBC into Arrow, whose columns become numpy arrays
without a Python object per cell; small ones through `sqlite3`, which is
faster to start (pyarrow costs a third of a second to import). Both give the
same columns.

    >>> base, raws = fetch_columns(project, ["coherence"])
    >>> raws["coherence"].values[raws["coherence"].index[0]]   # what json_extract gives
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.labels.scope import json_path
from annotator.labels.value_texts import ValueTexts, usable
from annotator.stats.reliability import factorize
from annotator.store.arrow_query import read_arrow
from annotator.store.project import Project

ARROW_FROM = 100_000  # labels (by the newest label id) from which Arrow pays for its import
_FETCH_ROWS = 200_000
_BASE_TYPES = (np.int64, np.int64, np.int64, np.int64, np.int64, float, bool)


@dataclass(frozen=True)
class Base:
    """One entry per label: the columns every criterion shares."""

    label_id: np.ndarray
    item: np.ndarray  # items.seq
    rater: np.ndarray
    source: np.ndarray
    version: np.ndarray
    day: np.ndarray  # julian day of submission
    pairwise: np.ndarray

    def masked(self, keep: np.ndarray) -> Base:
        if keep.all():
            return self
        return Base(*(getattr(self, f)[keep] for f in Base.__dataclass_fields__))


@dataclass(frozen=True)
class RawValues:
    """One criterion's raw values: `values[index[i]]` is label i's value as
    `json_extract` gives it (true as 1, a list as its JSON text); index -1: no value."""

    index: np.ndarray  # (labels,) int64
    values: list[Any]  # distinct values

    def masked(self, keep: np.ndarray) -> RawValues:
        return self if keep.all() else RawValues(self.index[keep], self.values)


def sql_value(text: str | None) -> Any:
    """What json_extract returns for the JSON text `->` returned."""
    if text is None:
        return None
    value = json.loads(text)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, dict)):
        return text
    return value


def _select(keys: list[str], seq_range: tuple[int, int] | None) -> tuple[str, list[Any]]:
    extracts = "".join(", l.values_json -> ?" for _ in keys)
    sql = (
        "SELECT l.id, i.seq, l.annotator_id, l.source_id, l.rubric_version_id, "
        f"julianday(l.submitted_at), i.pairwise{extracts} "
        "FROM effective_labels l JOIN items i ON i.id = l.item_id"
    )
    params: list[Any] = [json_path(k) for k in keys]
    if seq_range is not None:
        sql += " WHERE i.seq BETWEEN ? AND ?"
        params += list(seq_range)
    return sql, params


def fetch_columns(
    project: Project,
    keys: list[str],
    seq_range: tuple[int, int] | None = None,
    *,
    expected: int | None = None,
) -> tuple[Base, dict[str, RawValues]]:
    """The shared columns and, per criterion key, its raw values (one query).

    `expected`: about how many labels there are (decides Arrow or sqlite3)."""
    sql, params = _select(keys, seq_range)
    found = None
    if (expected or 0) >= ARROW_FROM and _arrow_possible(project):
        found = _arrow_columns(project, sql, params, len(keys), expected or 0, keys)
    if found is None:
        found = _sqlite_columns(project, sql, params, len(keys))
    base_columns, texts = found
    base = Base(*base_columns)
    raws = {}
    for key, (index, distinct) in zip(keys, texts, strict=True):
        raws[key] = RawValues(index, [sql_value(t) for t in distinct])
    return base, raws


def _arrow_possible(project: Project) -> bool:
    """Arrow reads the file through its own connection: only for a file on disk, with
    nothing uncommitted on ours (it would not see it)."""
    path = getattr(project, "path", None)
    on_disk = path is not None and str(path) not in ("", ":memory:")
    return on_disk and not project.conn.in_transaction


def _sqlite_columns(
    project: Project, sql: str, params: list[Any], n_keys: int
) -> tuple[list[np.ndarray], list[tuple[np.ndarray, list[Any]]]]:
    cursor = project.conn.execute(sql, params)
    parts: list[list[np.ndarray]] = [[] for _ in range(7)]
    text_parts: list[list[Any]] = [[] for _ in range(n_keys)]
    while rows := cursor.fetchmany(_FETCH_ROWS):
        columns = list(zip(*rows, strict=True))
        del rows
        for c in range(7):
            parts[c].append(np.asarray(columns[c], dtype=_BASE_TYPES[c]))
        for k in range(n_keys):
            text_parts[k].extend(columns[7 + k])
    base = [
        np.concatenate(p) if p else np.zeros(0, dtype=_BASE_TYPES[c]) for c, p in enumerate(parts)
    ]
    return base, [factorize(texts) for texts in text_parts]


def _literal(value: Any) -> str:
    """An SQL literal for a parameter of `_select` (text or integer)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"not a text or integer parameter: {value!r}")
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


_ARROW_NUMBERS = {"int64": np.int64, "int32": np.int32, "int16": np.int16, "int8": np.int8,
                  "double": np.float64}  # fmt: skip


def _numpy(array: Any) -> np.ndarray | None:
    """A null-free Arrow array of numbers as numpy, read from its buffer (pyarrow's own
    `to_numpy` imports pandas); None for any other type."""
    dtype = _ARROW_NUMBERS.get(str(array.type))
    if dtype is None or array.null_count:
        return None
    if len(array) == 0:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(array.buffers()[1], dtype=dtype)[array.offset : array.offset + len(array)]


def _filled(indices: Any) -> np.ndarray | None:
    """Dictionary indices as numpy, -1 where null, read from the buffers: pyarrow's
    `fill_null` makes a scalar of -1, and any scalar made from Python imports pandas."""
    if not indices.null_count:
        return _numpy(indices)
    dtype = _ARROW_NUMBERS.get(str(indices.type))
    if dtype is None:
        return None
    at, n = indices.offset, len(indices)
    validity, data = indices.buffers()[:2]
    values = np.frombuffer(data, dtype=dtype)[at : at + n].copy()
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
    values[bits[at : at + n] == 0] = -1
    return values


def _arrow_columns(
    project: Project,
    sql: str,
    params: list[Any],
    n_keys: int,
    expected: int,
    keys: list[str] | None = None,
) -> tuple[list[np.ndarray], list[tuple[np.ndarray, list[Any]]]] | None:
    """The same columns through ADBC and Arrow, a batch at a time into arrays sized for
    `expected` labels (no second copy of the whole table); None when that is not available.

    With the criterion `keys` (and no item range), the whole `values_json` text is read
    and each distinct text parsed once (`value_texts`); when the first batch's texts are
    mostly distinct, the query `sql` extracts the values in SQLite instead."""
    if keys is not None and "BETWEEN" not in sql and usable(keys):
        found = read_arrow(
            project.path,
            _select_texts(),
            _FETCH_ROWS // 4,
            lambda reader: _read_texts(reader, ValueTexts(project, keys), max(expected, 1)),
        )
        if found is not _MANY:
            return found  # type: ignore[return-value]
    # Parameters go in as literals: paths we built and integers.
    pieces = sql.split("?")
    query = pieces[0] + "".join(
        _literal(p) + rest for p, rest in zip(params, pieces[1:], strict=True)
    )
    return read_arrow(
        project.path,
        query,
        _FETCH_ROWS // 4,
        lambda reader: _read_batches(reader, n_keys, max(expected, 1)),
    )


_MANY = object()  # the first batch's texts were mostly distinct
MANY_SHARE = 0.25  # distinct texts per label in the first batch above which SQLite extracts
MANY_FROM = 1000  # labels in the first batch for that share to say anything


EFFECTIVE = "effective_labels"  # project.cache: (newest label id, effective labels) read
PAIRWISE = "SELECT seq FROM items WHERE pairwise != 0"


ITEM_SEQ = "SELECT id, seq FROM items"


def _select_texts() -> str:
    """Every effective label (the count is the view's, for the headline), the newest label
    id in the same read, and the whole `values_json`. The item's seq is matched in Arrow
    (one hash join at the end, where SQLite's probe of the items index per label costs
    more and more as the index outgrows its cache); a label whose item is gone is dropped,
    as the JOIN dropped it. `pairwise` comes from the few pairwise items."""
    return (
        "SELECT l.id, l.item_id, l.annotator_id, l.source_id, l.rubric_version_id, "
        "julianday(l.submitted_at), l.values_json, (SELECT coalesce(max(id), 0) FROM labels) "
        "FROM effective_labels l"
    )


def _read_texts(
    reader: Any, texts: ValueTexts, size: int
) -> tuple[list[np.ndarray], list[tuple[np.ndarray, list[Any]]]] | None | object:
    """`_read_batches` for the whole-text query: per batch, the texts are dictionary-encoded
    and each key's position looked up per distinct text; the item ids are matched to the
    items once, at the end."""
    # lazy: only reached once pyarrow is loaded (see _arrow_columns)
    import pyarrow as pa
    import pyarrow.compute as pc

    n_keys = len(texts.keys)
    base = [np.empty(size, dtype=t) for t in _BASE_TYPES]
    index = [np.empty(size, dtype=np.int64) for _ in range(n_keys)]
    item_chunks: list[Any] = []
    n, stamp = 0, None
    for batch in reader:
        m = batch.num_rows
        if not m:
            continue
        if n + m > size:  # more labels than the newest id promised: grow
            size = max(2 * size, n + m)
            base = [np.resize(a, size) for a in base]
            index = [np.resize(a, size) for a in index]
        for c in (0, 2, 3, 4, 5):
            array = _numpy(batch.column(c))
            if array is None:
                return None  # not what the schema promises: let sqlite3 say what it holds
            base[c][n : n + m] = array
        newest = _numpy(batch.column(7))
        items, column = batch.column(1), batch.column(6)
        for text in (items, column):
            if str(text.type) not in ("string", "large_string") or text.null_count:
                return None
        if newest is None:
            return None
        stamp = int(newest[0])
        item_chunks.append(pc.dictionary_encode(items))
        encoded = pc.dictionary_encode(column)
        local = _filled(encoded.indices)
        if local is None:
            return None
        distinct = encoded.dictionary.to_pylist()
        if n == 0 and len(distinct) > MANY_SHARE * m and m >= MANY_FROM:
            return _MANY
        lookup = texts.positions(distinct)
        for k in range(n_keys):
            index[k][n : n + m] = lookup[local, k]
        n += m
    project = texts.project
    if stamp is not None:
        project.cache[EFFECTIVE] = (stamp, n)
    gone = _item_seqs(project, item_chunks, base[1], pa, pc)
    del item_chunks
    if gone is None:
        return None
    pairwise = [row[0] for row in project.conn.execute(PAIRWISE)]
    if pairwise:
        base[6][:n] = np.isin(base[1][:n], np.array(pairwise, dtype=np.int64))
    else:
        base[6][:n] = False
    keep = ~gone
    if keep.all():
        return [a[:n] for a in base], [(i[:n], v) for i, v in zip(index, texts.values, strict=True)]
    return [a[:n][keep] for a in base], [
        (i[:n][keep], v) for i, v in zip(index, texts.values, strict=True)
    ]


def _item_seqs(
    project: Project, chunks: list[Any], seq: np.ndarray, pa: Any, pc: Any
) -> np.ndarray | None:
    """Write each label's items.seq into `seq` (in label order); True where the label's
    item is not among the items. None when the items cannot be read through Arrow."""
    if not chunks:
        return np.zeros(0, dtype=bool)
    table = read_arrow(project.path, ITEM_SEQ, 1 << 30, lambda r: r.read_all().combine_chunks())
    if table is None or table.num_rows == 0 or table.column(0).num_chunks != 1:
        return None
    seqs = _numpy(table.column(1).chunk(0))
    if seqs is None:
        return None
    unified = pa.chunked_array(chunks).unify_dictionaries()
    ids = table.column(0).chunk(0).cast(unified.type.value_type)
    at = _filled(pc.index_in(unified.chunk(0).dictionary, value_set=ids).cast("int64"))
    if at is None:
        return None
    at = at.astype(np.int64)
    seq_of = np.append(seqs.astype(np.int64), 0)[at]  # -1 (no such item): the last slot
    gone_of = at < 0
    gone = np.empty(len(unified), dtype=bool)
    n = 0
    for chunk in unified.chunks:
        codes = _filled(chunk.indices.cast("int64"))
        if codes is None:
            return None
        seq[n : n + len(codes)] = seq_of[codes]
        gone[n : n + len(codes)] = gone_of[codes]
        n += len(codes)
    return gone


def _read_batches(
    reader: Any, n_keys: int, size: int
) -> tuple[list[np.ndarray], list[tuple[np.ndarray, list[Any]]]] | None:
    # lazy: only reached once pyarrow is loaded (see _arrow_columns)
    import pyarrow.compute as pc

    base = [np.empty(size, dtype=t) for t in _BASE_TYPES]
    index = [np.empty(size, dtype=np.int64) for _ in range(n_keys)]
    seen: list[dict[str, int]] = [{} for _ in range(n_keys)]  # text -> global position
    n = 0
    for batch in reader:
        m = batch.num_rows
        if n + m > size:  # more labels than the newest id promised: grow
            size = max(2 * size, n + m)
            base = [np.resize(a, size) for a in base]
            index = [np.resize(a, size) for a in index]
        for c in range(7):
            array = _numpy(batch.column(c))
            if array is None:
                return None  # not what the schema promises: let sqlite3 say what it holds
            base[c][n : n + m] = array
        for k in range(n_keys):
            column = batch.column(7 + k)
            if column.null_count == m:
                index[k][n : n + m] = -1
                continue
            if str(column.type) not in ("string", "large_string"):
                return None
            encoded = pc.dictionary_encode(column)
            local = _filled(encoded.indices)
            if local is None:
                return None
            texts = seen[k]
            lookup = np.array(
                [texts.setdefault(t, len(texts)) for t in encoded.dictionary.to_pylist()] + [-1],
                dtype=np.int64,
            )
            index[k][n : n + m] = lookup[local]  # -1 (no value) reads the last slot
        n += m
    return [a[:n] for a in base], [(i[:n], list(t)) for i, t in zip(index, seen, strict=True)]
