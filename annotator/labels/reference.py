"""The reference a source's labels are measured against, per item: one set of rules.

Adjudicated value first, else the expert labels' median / majority / mean; items
where the experts tie have no reference and are counted. Both the project's
agreement reports (`annotator.quality.vs_reference`) and judge alignment
(`annotator.judges.align`) use these, so a judge is held to exactly the
reference an annotator is.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.labels.data import LabelTable, same_value
from annotator.stats.reference import reference_from_counts, value_counts
from annotator.stats.reliability import MISSING, ReliabilityData
from annotator.store.project import Project

EXPERT = "expert"


@dataclass(frozen=True)
class Reference:
    """One criterion's reference: per item seq (sorted), a value position, or a number
    for interval and ratio criteria; items where it is not defined are absent."""

    items: np.ndarray  # sorted item seqs
    value: np.ndarray  # position in the table's values, or the mean (interval)
    n_tied: int
    n_adjudicated: int


def is_numeric(table: LabelTable) -> bool:
    return table.level in ("interval", "ratio")


def consensus(table: LabelTable) -> Reference | None:
    """Per item, the consensus of `table`'s labels (ties left out, and counted)."""
    if len(table) == 0:
        return None
    items, idx = table.item_index()
    values = np.asarray(table.values, dtype=float) if is_numeric(table) else None
    counts = value_counts(idx, table.code, len(items), len(table.values))
    ref, defined = reference_from_counts(counts, table.level, values)
    return Reference(items[defined], ref[defined], int((~defined).sum()), 0)


def expert_reference(
    project: Project, table: LabelTable, experts: Sequence[int]
) -> Reference | None:
    """The adjudicated value first, else the consensus of the labels of these sources."""
    mine = table.subset(np.isin(table.source, list(experts)))
    items, idx = mine.item_index()
    values = np.asarray(table.values, dtype=float) if is_numeric(table) else None
    counts = value_counts(idx, mine.code, len(items), len(table.values))
    ref, defined = reference_from_counts(counts, table.level, values)
    adjudicated = adjudicated_values(project, table)
    judged = np.array(sorted(adjudicated), dtype=np.int64)
    by_labels = ~np.isin(items, judged)  # an adjudicated value replaces the labels' one
    tied = int((~defined & by_labels).sum())
    keep = defined & by_labels
    seqs = np.concatenate([items[keep], judged])
    value = np.concatenate(
        [np.asarray(ref[keep], dtype=float), [adjudicated[s] for s in judged.tolist()]]
    )
    if not len(seqs):
        return None
    order = np.argsort(seqs, kind="stable")
    return Reference(seqs[order], value[order], tied, len(adjudicated))


def adjudicated_values(project: Project, table: LabelTable) -> dict[int, float]:
    """item seq -> the lead's adjudicated value (position, or number) for this criterion."""
    spec, values = table.spec, table.values
    rows = project.rows(
        "SELECT i.seq, a.value_json FROM current_adjudications a JOIN items i ON i.id = a.item_id "
        "WHERE a.criterion = ?",
        (spec.key,),
    )
    out: dict[int, float] = {}
    for seq, text in rows:
        value = json.loads(text)
        if spec.option is not None:
            ticked = any(same_value(spec.option, v) for v in value or [])
            out[seq] = float(values.index(ticked))
        elif is_numeric(table):
            out[seq] = float(value)
        else:
            position = next((p for p, v in enumerate(values) if same_value(v, value)), None)
            if position is not None:
                out[seq] = float(position)
    return out


def two_raters(
    first: np.ndarray, second: np.ndarray, table: LabelTable, units: Sequence[Any], raters: tuple
) -> ReliabilityData:
    """Two aligned columns as a two-rater table. Numbers (interval, ratio criteria) are
    coded by their distinct values, so a mean reference keeps its exact value; otherwise
    the columns already hold positions in the table's values."""
    if is_numeric(table):
        domain, inverse = np.unique(np.concatenate([first, second]), return_inverse=True)
        codes = inverse.reshape(2, -1).T
        values = tuple(int(v) if float(v).is_integer() else float(v) for v in domain.tolist())
    else:
        codes = np.stack([first, second]).T
        values = tuple(table.values)
    codes = np.where(np.isnan(codes), MISSING, codes) if codes.dtype.kind == "f" else codes
    return ReliabilityData(codes.astype(np.int32), values, tuple(units), raters)


__all__ = [
    "EXPERT",
    "Reference",
    "adjudicated_values",
    "consensus",
    "expert_reference",
    "is_numeric",
    "two_raters",
]
