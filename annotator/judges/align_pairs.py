"""The (reference, judge) pairs behind `judge align`, and their coefficients.

The rules are those of `annotator.quality.vs_reference` (adjudicated value first,
else the expert labels' median / majority / mean; tied items drop out; each
expert against every other expert label on the item), restated on the label
columns and `stats` because the layers keep `judges` and `quality` apart.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.labels.data import LabelTable, same_value
from annotator.stats.agreement import compute_all
from annotator.stats.coefficient import Coefficient
from annotator.stats.reference import reference_from_counts, value_counts
from annotator.stats.reliability import MISSING, ReliabilityData
from annotator.store.project import Project

EXPERT = "expert"


@dataclass(frozen=True)
class Boot:
    n_boot: int
    seed: int | None
    confidence: float


@dataclass(frozen=True)
class Reference:
    """Per item seq (sorted) a value position, or a number for numeric criteria."""

    items: np.ndarray
    value: np.ndarray
    n_tied: int
    n_adjudicated: int


def numeric(table: LabelTable) -> bool:
    return table.level in ("interval", "ratio")


def consensus(table: LabelTable) -> Reference | None:
    """Per item, the consensus of `table`'s labels (ties left out)."""
    if len(table) == 0:
        return None
    items, idx = np.unique(table.item, return_inverse=True)
    values = np.asarray(table.values, dtype=float) if numeric(table) else None
    counts = value_counts(idx, table.code, len(items), len(table.values))
    ref, defined = reference_from_counts(counts, table.level, values)
    return Reference(items[defined], ref[defined], int((~defined).sum()), 0)


def expert_reference(
    project: Project, table: LabelTable, experts: Sequence[int]
) -> Reference | None:
    """The adjudicated value first, else the expert labels' consensus."""
    found = consensus(table.subset(np.isin(table.source, list(experts))))
    by_item = dict(zip(found.items.tolist(), found.value.tolist(), strict=True)) if found else {}
    adjudicated = _adjudicated(project, table)
    by_item.update(adjudicated)
    if not by_item:
        return None
    seqs = np.array(sorted(by_item), dtype=np.int64)
    tied = found.n_tied if found else 0
    return Reference(seqs, np.array([by_item[s] for s in seqs.tolist()]), tied, len(adjudicated))


def _adjudicated(project: Project, table: LabelTable) -> dict[int, float]:
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
        elif numeric(table):
            out[seq] = float(value)
        else:
            position = next((p for p, v in enumerate(values) if same_value(v, value)), None)
            if position is not None:
                out[seq] = float(position)
    return out


def two_raters(
    first: np.ndarray, second: np.ndarray, table: LabelTable, units: Sequence[Any], raters: tuple
) -> ReliabilityData:
    """Two aligned columns as a two-rater table (numbers coded by their distinct values)."""
    if numeric(table):
        domain, inverse = np.unique(np.concatenate([first, second]), return_inverse=True)
        codes = inverse.reshape(2, -1).T
        values = tuple(int(v) if float(v).is_integer() else float(v) for v in domain.tolist())
    else:
        codes = np.stack([first, second]).T
        values = tuple(table.values)
    codes = np.where(np.isnan(codes), MISSING, codes) if codes.dtype.kind == "f" else codes
    return ReliabilityData(codes.astype(np.int32), values, tuple(units), raters)


def coefficients(
    first: np.ndarray,
    second: np.ndarray,
    table: LabelTable,
    units: Sequence[Any],
    raters: tuple,
    boot: Boot,
) -> dict[str, Coefficient]:
    data = two_raters(first, second, table, units, raters)
    return compute_all(
        data,
        table.level,  # type: ignore[arg-type]
        n_boot=boot.n_boot,
        seed=boot.seed,
        confidence=boot.confidence,
    )


def against_the_rest(
    table: LabelTable, rater: int, name: str, boot: Boot
) -> dict[str, Coefficient]:
    """One annotator's labels against every other label on the same items (pairs resampled)."""
    mine = table.subset(table.rater == rater)
    others = table.subset(table.rater != rater)
    mine = mine.subset(np.argsort(mine.item, kind="stable"))
    position = np.clip(np.searchsorted(mine.item, others.item), 0, max(len(mine) - 1, 0))
    shared = mine.item[position] == others.item if len(mine) else np.zeros(len(others), bool)
    theirs = others.subset(shared)
    own = mine.code[position[shared]]
    if numeric(table):
        scale = np.asarray(table.values, dtype=float)
        first, second = scale[own.astype(int)], scale[theirs.code.astype(int)]
    else:
        first, second = own, theirs.code
    return coefficients(first, second, table, range(len(own)), (name, "the rest"), boot)
