"""Labels against a reference: the expert consensus, or the other labels on the item.

"Against the expert consensus" pairs every label of a source with its item's
expert consensus (adjudicated value first, else median / majority / mean of the
expert labels; tied items drop out and are counted). For an expert source, and
for "each annotator against the rest", each label is compared with the
reference of the OTHER labels on its item (leave one out). The intervals
resample those (label, reference) pairs. `consensus_vs_reference` compares a
source's own consensus per item with the experts' (items resampled).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from annotator.labels.data import LabelTable, Names
from annotator.labels.reference import EXPERT, Reference, is_numeric, two_raters
from annotator.labels.reference import expert_reference as reference_of
from annotator.quality.project_agreement import CriterionAgreement, Settings
from annotator.stats.agreement import compute_all
from annotator.stats.reference import reference_from_counts, value_counts
from annotator.stats.reliability import ReliabilityData
from annotator.store.project import Project

REFERENCE_RATER = "expert consensus"


def expert_reference(project: Project, table: LabelTable, names: Names) -> Reference | None:
    """Adjudicated value first, else the expert sources' labels' median / majority / mean."""
    experts = [s for s, kind in names.source_kinds.items() if kind == EXPERT]
    return reference_of(project, table, experts)


def _numbers(table: LabelTable, codes: np.ndarray) -> np.ndarray:
    """Value codes as the numbers they stand for (interval, ratio); positions otherwise."""
    if not is_numeric(table):
        return codes
    return np.asarray(table.values, dtype=float)[codes.astype(int)]


def _agreement(data: ReliabilityData, table: LabelTable, settings: Settings) -> Any:
    return compute_all(
        data,
        table.level,  # type: ignore[arg-type]
        n_boot=settings.n_boot,
        seed=settings.seed,
        confidence=settings.confidence,
        keys=settings.keys,
    )


def against_reference(
    table: LabelTable, reference: Reference, name: str, settings: Settings
) -> CriterionAgreement:
    """Each label of `table` paired with its item's reference value (the interval
    resamples those pairs)."""
    if len(reference.items) == 0:
        ref, defined = np.full(len(table), np.nan), np.zeros(len(table), dtype=bool)
    else:
        last = len(reference.items) - 1
        position = np.clip(np.searchsorted(reference.items, table.item), 0, last)
        defined = reference.items[position] == table.item
        ref = np.where(defined, reference.value[position], np.nan)
    kept = table.subset(defined)
    labels = _numbers(kept, kept.code.astype(float))
    data = two_raters(ref[defined], labels, kept, kept.label_id.tolist(), (REFERENCE_RATER, name))
    result = _agreement(data, table, settings)
    dropped = int((~defined).sum())
    note = "each label against its item's expert consensus; intervals resample labels"
    if dropped:
        note += (
            f"; {dropped} labels on items without an expert consensus (no expert label, "
            "or the experts tied) were left out"
        )
    return CriterionAgreement(
        table.spec.name,
        table.level,
        tuple(data.values),
        result,
        kept.n_items(),
        len(kept),
        kept.n_raters(),
        note,
        {"n_tied_items": reference.n_tied, "n_adjudicated_items": reference.n_adjudicated},
    )


def against_the_rest(
    table: LabelTable, rater: int, name: str, settings: Settings
) -> CriterionAgreement:
    """One annotator's labels against every other label on the same items.

    Each (their label, another label on the item) pair is a unit of a two-rater
    table, so no consensus (and no tie) is needed; percent agreement is the
    share of agreeing pairs. The interval resamples pairs.
    """
    mine = table.subset(table.rater == rater)
    others = table.subset(table.rater != rater)
    order = np.argsort(mine.item, kind="stable")
    mine = mine.subset(order)
    position = np.clip(np.searchsorted(mine.item, others.item), 0, max(len(mine) - 1, 0))
    shared = mine.item[position] == others.item if len(mine) else np.zeros(len(others), bool)
    theirs = others.subset(shared)
    own = mine.code[position[shared]]
    data = two_raters(
        _numbers(table, own),
        _numbers(table, theirs.code),
        table,
        range(len(own)),
        (name, "the rest"),
    )
    result = _agreement(data, table, settings)
    paired_items = np.unique(theirs.item)
    return CriterionAgreement(
        table.spec.name,
        table.level,
        tuple(data.values),
        result,
        len(paired_items),
        int(np.isin(mine.item, paired_items).sum()),
        1,
        "each of their labels against every other label on the item; intervals resample pairs",
        {"n_pairs": len(own)},
    )


def consensus_vs_reference(
    table: LabelTable, reference: Reference, name: str, settings: Settings
) -> CriterionAgreement:
    """The source's own consensus per item against the reference (items resampled)."""
    items, idx = table.item_index()
    values = np.asarray(table.values, dtype=float) if is_numeric(table) else None
    counts = value_counts(idx, table.code, len(items), len(table.values))
    mine, defined = reference_from_counts(counts, table.level, values)
    common, in_mine, in_ref = np.intersect1d(items[defined], reference.items, return_indices=True)
    own = mine[defined][in_mine]
    ref = reference.value[in_ref]
    raters = (REFERENCE_RATER, f"{name} consensus")
    data = two_raters(ref, own, table, common.tolist(), raters)
    result = _agreement(data, table, settings)
    return CriterionAgreement(
        table.spec.name, table.level, tuple(data.values), result, len(common), 2 * len(common), 2
    )
