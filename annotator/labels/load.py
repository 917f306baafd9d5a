"""Loading effective labels into LabelTables: one query, cached per open project.

Why one query for every criterion: at a million labels the scan and the
row-to-array conversion cost seconds, so a dashboard or report reads the labels
once; the tables are cached on the connection until a label is added (labels
are append-only, so the newest label id says whether anything changed).

    >>> tables = load_all(project)            # spec.name -> LabelTable
    >>> table = load_labels(project, spec)    # one criterion, from the same cache
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from annotator.labels.columns import ticked_codes
from annotator.labels.data import (
    CriterionSpec,
    LabelTable,
    criterion_specs,
    json_path,
    same_value,
)
from annotator.stats.reliability import is_number
from annotator.store.project import Project

_EMPTY_I = np.zeros(0, dtype=np.int64)


def fetch_rows(
    project: Project,
    spec: CriterionSpec,
    *,
    item_seq_range: tuple[int, int] | None = None,
    view: str = "effective_labels",
) -> list[tuple[Any, ...]]:
    """(label id, item seq, annotator, source, version, julian day, raw value, pairwise)."""
    versions = spec.versions
    if not versions:
        return []
    marks = ", ".join("?" * len(versions))
    sql = (
        "SELECT l.id, i.seq, l.annotator_id, l.source_id, l.rubric_version_id, "
        "julianday(l.submitted_at), json_extract(l.values_json, ?), i.pairwise "
        f"FROM {view} l JOIN items i ON i.id = l.item_id "
        f"WHERE l.rubric_version_id IN ({marks})"
    )
    params: list[Any] = [json_path(spec.key), *versions]
    if item_seq_range is not None:
        sql += " AND i.seq BETWEEN ? AND ?"
        params += list(item_seq_range)
    return project.conn.execute(sql, params).fetchall()


def load_labels(
    project: Project,
    spec: CriterionSpec,
    *,
    item_seq_range: tuple[int, int] | None = None,
) -> LabelTable:
    """The effective labels of `spec` as a LabelTable (one query).

    Without a range the whole criterion comes from :func:`load_all` (cached)."""
    if item_seq_range is None:
        cached = load_all(project, specs=[spec])
        return cached[spec.name]
    rows = fetch_rows(project, spec, item_seq_range=item_seq_range)
    if not rows:
        return _empty(spec)
    columns = list(zip(*rows, strict=True))
    base = _Base(
        label_id=np.asarray(columns[0], dtype=np.int64),
        item=np.asarray(columns[1], dtype=np.int64),
        rater=np.asarray(columns[2], dtype=np.int64),
        source=np.asarray(columns[3], dtype=np.int64),
        version=np.asarray(columns[4], dtype=np.int64),
        day=np.asarray(columns[5], dtype=float),
        pairwise=np.asarray(columns[7], dtype=bool),
    )
    raw = np.fromiter(columns[6], dtype=object, count=len(rows))
    return _table(spec, base, raw)


@dataclass(frozen=True)
class _Base:
    label_id: np.ndarray
    item: np.ndarray
    rater: np.ndarray
    source: np.ndarray
    version: np.ndarray
    day: np.ndarray
    pairwise: np.ndarray


_FETCH_ROWS = 200_000


def label_stamp(project: Project) -> int:
    """Changes whenever a label record is added (labels are append-only)."""
    return int(project.scalar("SELECT coalesce(max(id), 0) FROM labels") or 0)


def load_all(
    project: Project,
    rubric_version: int | None = None,
    *,
    specs: Sequence[CriterionSpec] | None = None,
    item_seq_range: tuple[int, int] | None = None,
) -> dict[str, LabelTable]:
    """spec.name -> LabelTable for every criterion, from ONE query over the labels.

    Cached on the open project until a label is added, so every scope of a
    dashboard or report reads the labels once. With `item_seq_range` only the
    labels of those items (by items.seq) are read, uncached: a streaming chunk.
    """
    specs = list(specs) if specs is not None else criterion_specs(project, rubric_version)
    if item_seq_range is not None:  # a slice of the items (streaming): not cached
        return _build(project, specs, item_seq_range)
    stamp = label_stamp(project)
    cache = project.cache.setdefault("label_tables", {})
    if cache.get("stamp") != stamp:
        cache.clear()
        cache["stamp"] = stamp
    tables: dict[str, LabelTable] = cache.setdefault("tables", {})
    wanted = [s for s in specs if s.name not in tables or tables[s.name].spec != s]
    if wanted:
        tables.update(_build(project, wanted, None))
    return {s.name: tables[s.name] for s in specs}


def _build(
    project: Project, specs: list[CriterionSpec], seq_range: tuple[int, int] | None
) -> dict[str, LabelTable]:
    keys = list(dict.fromkeys(s.key for s in specs))
    base, raws = _fetch_all(project, keys, seq_range)
    out = {}
    for spec in specs:
        keep = np.isin(base.version, spec.versions)
        out[spec.name] = _table(spec, _mask_base(base, keep), raws[spec.key][keep])
    return out


def _mask_base(base: _Base, keep: np.ndarray) -> _Base:
    if keep.all():
        return base
    return _Base(*(getattr(base, f)[keep] for f in _Base.__dataclass_fields__))


def _fetch_all(
    project: Project, keys: list[str], seq_range: tuple[int, int] | None = None
) -> tuple[_Base, dict[str, np.ndarray]]:
    extracts = "".join(", json_extract(l.values_json, ?)" for _ in keys)
    sql = (
        "SELECT l.id, i.seq, l.annotator_id, l.source_id, l.rubric_version_id, "
        f"julianday(l.submitted_at), i.pairwise{extracts} "
        "FROM effective_labels l JOIN items i ON i.id = l.item_id"
    )
    params: list[Any] = [json_path(k) for k in keys]
    if seq_range is not None:
        sql += " WHERE i.seq BETWEEN ? AND ?"
        params += list(seq_range)
    cursor = project.conn.execute(sql, params)
    parts: list[list[np.ndarray]] = [[] for _ in range(7 + len(keys))]
    types = (np.int64, np.int64, np.int64, np.int64, np.int64, float, bool)
    while True:
        rows = cursor.fetchmany(_FETCH_ROWS)
        if not rows:
            break
        columns = list(zip(*rows, strict=True))
        del rows
        for c, column in enumerate(columns):
            if c < 7:
                parts[c].append(np.asarray(column, dtype=types[c]))
            else:
                parts[c].append(np.fromiter(column, dtype=object, count=len(column)))
    joined = [
        np.concatenate(p) if p else np.zeros(0, dtype=types[c] if c < 7 else object)
        for c, p in enumerate(parts)
    ]
    base = _Base(*joined[:7])
    return base, {key: joined[7 + k] for k, key in enumerate(keys)}


def _table(spec: CriterionSpec, base: _Base, raw: np.ndarray) -> LabelTable:
    off_scale = 0
    if spec.kind == "multilabel":
        code, keep = _multilabel_codes(spec, raw, base.pairwise)
        values = spec.values
    elif spec.kind == "numeric":
        keep = np.array([is_number(v) for v in raw.tolist()], dtype=bool)
        numbers = raw[keep].astype(float)
        uniq, code = np.unique(numbers, return_inverse=True)
        values = tuple(int(v) if float(v).is_integer() else float(v) for v in uniq.tolist())
    else:
        code, keep, off_scale = _option_codes(spec, raw)
        values = spec.values
    table = LabelTable(
        spec=spec,
        values=values,
        label_id=base.label_id[keep],
        item=base.item[keep],
        rater=base.rater[keep],
        source=base.source[keep],
        version=base.version[keep],
        day=base.day[keep],
        code=np.asarray(code, dtype=np.int32).reshape(-1),
        off_scale=off_scale,
    )
    return _latest_per_rater(table)


def _empty(spec: CriterionSpec) -> LabelTable:
    return LabelTable(
        spec,
        spec.values,
        _EMPTY_I,
        _EMPTY_I,
        _EMPTY_I,
        _EMPTY_I,
        _EMPTY_I,
        np.zeros(0),
        np.zeros(0, dtype=np.int32),
    )


def _option_codes(spec: CriterionSpec, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes of raw values on the scale; labels without a value are not labels."""
    found, uniques = pd.factorize(pd.Series(raw, dtype=object), use_na_sentinel=True)
    position = np.full(len(uniques) + 1, -1, dtype=np.int32)  # the last: no value (-1)
    for u, value in enumerate(uniques.tolist()):
        for v, option in enumerate(spec.values):
            if same_value(option, value):
                position[u] = v
                break
    code = position[found]
    present = found >= 0
    keep = code >= 0
    return code[keep], keep, int((present & ~keep).sum())


def _multilabel_codes(
    spec: CriterionSpec, raw: np.ndarray, pairwise: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """1 when the option is ticked, 0 when not; a criterion that does not apply to
    the item (pairwise vs single) is no label, a complete label without it is "none"."""
    code, applies = ticked_codes(spec, raw.tolist(), pairwise)
    return code[applies], applies


def _latest_per_rater(table: LabelTable) -> LabelTable:
    """One label per annotator and item (the newest), whatever the data holds."""
    if len(table) < 2:
        return table
    key = table.item * (int(table.rater.max()) + 1) + table.rater
    order = np.lexsort((-table.label_id, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    if first.all():
        return table
    keep = np.zeros(len(table), dtype=bool)
    keep[order[first]] = True
    return table.subset(keep)
