"""Splitting labels into groups: by slice tag (`tag=value`), week, rubric version, source.

One set of rules for every report that groups labels, so the project's agreement
scopes (`annotator.quality.scopes`) and a judge's alignment per group
(`annotator.judges.align_groups`) mean the same thing by "slice", "week" and
"rubric version": a slice is a tag key with 2 to 30 distinct values, a week starts
Monday 00:00 UTC (shown as that Monday's date), a rubric version is the one the
label was made under.

    >>> for label, mask in label_groups("slice", table, names, slice_tags(project)): ...
"""

from __future__ import annotations

import numpy as np

from annotator.labels.data import LabelTable, Names, distinct, week_start
from annotator.store.project import Project

MAX_SLICE_VALUES = 30

SliceTags = dict[str, tuple[np.ndarray, np.ndarray]]


def slice_tags(project: Project) -> SliceTags:
    """tag key -> (item seqs, tag values), for keys with 2 to 30 distinct values."""
    keys = [
        row[0]
        for row in project.rows(
            "SELECT j.key, count(DISTINCT j.value) AS n FROM items, json_each(items.tags) AS j "
            "GROUP BY j.key HAVING n BETWEEN 2 AND ? ORDER BY j.key",
            (MAX_SLICE_VALUES,),
        )
    ]
    out = {}
    for key in keys:
        path = '$."' + key.replace('"', '\\"') + '"'
        rows = project.rows(
            "SELECT seq, json_extract(tags, ?) AS v FROM items WHERE v IS NOT NULL ORDER BY seq",
            (path,),
        )
        out[key] = (
            np.array([r[0] for r in rows], dtype=np.int64),
            np.array([str(r[1]) for r in rows], dtype=object),
        )
    return out


def slice_masks(items: np.ndarray, slices: SliceTags) -> list[tuple[str, str, str, np.ndarray]]:
    """(key, value, "key=value", mask over `items`) for every slice value, in key, value order."""
    items = np.asarray(items, dtype=np.int64)
    out = []
    for key, (seqs, values) in slices.items():
        position = np.clip(np.searchsorted(seqs, items), 0, max(len(seqs) - 1, 0))
        tagged = seqs[position] == items if len(seqs) else np.zeros(len(items), bool)
        value_of = np.where(tagged, values[position] if len(seqs) else "", "")
        for value in sorted(set(values.tolist())):
            out.append((key, value, f"{key}={value}", tagged & (value_of == value)))
    return out


def slice_filter(key: str, value: str) -> str:
    """The item selection that takes one slice (`judge run --items`)."""
    return f"tag:{key}={value}"


def label_groups(
    by: str, table: LabelTable, names: Names, slices: SliceTags
) -> list[tuple[str, np.ndarray]]:
    """(group, mask over the table's labels) for by = source, week, rubric-version or slice."""
    if by == "source":
        return [
            (names.sources.get(s, str(s)), table.source == s)
            for s in distinct(table.source).tolist()
        ]
    if by == "week":
        weeks = table.week
        return [(week_start(w), weeks == w) for w in np.unique(weeks).tolist()]
    if by == "rubric-version":
        return [
            (names.versions.get(v, str(v)), table.version == v)
            for v in distinct(table.version).tolist()
        ]
    return [(label, mask) for _, _, label, mask in slice_masks(table.item, slices)]


__all__ = ["MAX_SLICE_VALUES", "label_groups", "slice_filter", "slice_masks", "slice_tags"]
