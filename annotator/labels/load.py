"""Loading effective labels into LabelTables: one query, cached per open project.

Why one query for every criterion: at a million labels the scan and the
row-to-array conversion cost seconds, so a dashboard or report reads the labels
once; the tables are cached on the connection until a label is added (labels
are append-only, so the newest label id says whether anything changed).

    >>> tables = load_all(project)            # spec.name -> LabelTable
    >>> table = load_labels(project, spec)    # one criterion, from the same cache
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from annotator.labels.data import (
    CriterionSpec,
    LabelTable,
    Positions,
    criterion_specs,
    json_path,
    same_value,
)
from annotator.labels.fetch import EFFECTIVE, Base, RawValues, fetch_columns
from annotator.stats.reliability import is_missing, is_number
from annotator.store.project import Project


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
    return _build(project, [spec], item_seq_range)[spec.name]


def label_stamp(project: Project) -> int:
    """Changes whenever a label record is added (labels are append-only)."""
    return int(project.scalar("SELECT coalesce(max(id), 0) FROM labels") or 0)


def effective_count(project: Project) -> int:
    """count(*) of effective_labels: the label load's own count when it read the labels
    at this state (no second pass over a million labels), else counted."""
    found = project.cache.get(EFFECTIVE)
    if found is not None and found[0] == label_stamp(project):
        return int(found[1])
    return int(project.scalar("SELECT count(*) FROM effective_labels") or 0)


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
        tables.update(_build(project, wanted, None, expected=stamp))
    return {s.name: tables[s.name] for s in specs}


def _build(
    project: Project,
    specs: list[CriterionSpec],
    seq_range: tuple[int, int] | None,
    *,
    expected: int | None = None,
) -> dict[str, LabelTable]:
    keys = list(dict.fromkeys(s.key for s in specs))
    base, raws = fetch_columns(project, keys, seq_range, expected=expected)
    out: dict[str, LabelTable] = {}
    found: dict[tuple[int, int], Positions] = {}  # criteria sharing columns share positions
    for spec in specs:
        keep = np.isin(base.version, spec.versions)
        out[spec.name] = _table(spec, base.masked(keep), raws[spec.key].masked(keep), found)
    return out


def _table(
    spec: CriterionSpec,
    base: Base,
    raw: RawValues,
    found: dict[tuple[int, int], Positions] | None = None,
) -> LabelTable:
    off_scale = 0
    if spec.kind == "multilabel":
        code, keep = _multilabel_codes(spec, raw, base.pairwise)
        values = spec.values
    elif spec.kind == "numeric":
        number = [float(v) if is_number(v) else np.nan for v in raw.values]
        valid = np.array([is_number(v) for v in raw.values] + [False], dtype=bool)
        keep = valid[raw.index]  # index -1 (no value) reads the last slot
        numbers = np.array(number + [np.nan], dtype=float)[raw.index[keep]]
        uniq, code = np.unique(numbers, return_inverse=True)
        values = tuple(int(v) if float(v).is_integer() else float(v) for v in uniq.tolist())
    else:
        code, keep, off_scale = _option_codes(spec, raw)
        values = spec.values
    every = bool(keep.all())  # then the criterion shares the columns: no copy per criterion
    table = LabelTable(
        spec=spec,
        values=values,
        label_id=base.label_id if every else base.label_id[keep],
        item=base.item if every else base.item[keep],
        rater=base.rater if every else base.rater[keep],
        source=base.source if every else base.source[keep],
        version=base.version if every else base.version[keep],
        day=base.day if every else base.day[keep],
        code=np.asarray(code, dtype=np.int32).reshape(-1),
        off_scale=off_scale,
    )
    shared = (id(table.item), id(table.rater))
    if found is not None and shared in found:
        table = replace(table, positions=found[shared])
    else:
        table = table.with_positions()
        if found is not None and table.positions is not None:
            found[shared] = table.positions
    return _latest_per_rater(table)


def _option_codes(spec: CriterionSpec, raw: RawValues) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes of raw values on the scale; labels without a value are not labels.

    Each distinct value is matched once; the last slot stands for "no value"."""
    position = np.full(len(raw.values) + 1, -1, dtype=np.int32)
    present = np.zeros(len(raw.values) + 1, dtype=bool)
    for u, value in enumerate(raw.values):
        if is_missing(value):
            continue
        present[u] = True
        for v, option in enumerate(spec.values):
            if same_value(option, value):
                position[u] = v
                break
    code = position[raw.index]
    keep = code >= 0
    return code[keep], keep, int((present[raw.index] & ~keep).sum())


def _multilabel_codes(
    spec: CriterionSpec, raw: RawValues, pairwise: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """1 when the option is ticked, 0 when not; a criterion that does not apply to
    the item (pairwise vs single) is no label, a complete label without it is "none".

    Each distinct raw value (a JSON list) is parsed once, not once per label."""
    criterion = spec.criterion
    applies = np.ones(len(pairwise), dtype=bool)
    if criterion is not None and criterion.applies_to != "all":
        applies = pairwise == (criterion.applies_to == "pairwise")
    hit = np.zeros(len(raw.values) + 1, dtype=np.int32)  # the last: no value, not ticked
    for u, value in enumerate(raw.values):
        chosen = json.loads(value) if isinstance(value, str) else []
        hit[u] = int(any(same_value(spec.option, c) for c in chosen))
    code = hit[raw.index]
    return code[applies], applies


def _latest_per_rater(table: LabelTable) -> LabelTable:
    """One label per annotator and item (the newest), whatever the data holds."""
    if len(table) < 2:
        return table
    at = table.positions
    if at is not None and len(at.items) * len(at.raters) <= max(1 << 22, 4 * len(table)):
        cell = at.item_pos * len(at.raters) + at.rater_pos
        if np.bincount(cell).max() <= 1:  # the usual case, found without a sort
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
