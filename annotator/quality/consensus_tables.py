"""Deciding one criterion's consensus from a table of labels (the methods' plumbing).

Majority, median and mean are computed for every item at once from the items'
value counts (the rules of `consensus_methods.majority_vote`, `median_vote` and
`mean_score`; a test checks they agree), so a million labels take seconds, not
minutes; Dawid-Skene and weighted majority use the pure functions directly.
`aggregate` adds adjudications, source selection and streaming on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from annotator.labels.data import CriterionSpec, LabelTable, Names
from annotator.quality.selection import ConsensusError, Selection
from annotator.stats.consensus import (
    ConsensusResult,
    DawidSkeneResult,
    dawid_skene,
    weighted_majority_vote,
)
from annotator.stats.reference import per_distinct_row, value_counts

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ConsensusValue:
    """The consensus of one item on one criterion."""

    item_id: str
    criterion: str
    value: Any  # None for a tie
    method: str  # adjudicated, majority, weighted_majority, dawid_skene, median, mean
    confidence: float | None
    n_labels: int
    tie: bool = False
    tied_values: tuple[Any, ...] = ()
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "criterion": self.criterion,
            "value": self.value,
            "method": self.method,
            "confidence": self.confidence,
            "n_labels": self.n_labels,
            "tie": self.tie,
            "tied_values": list(self.tied_values),
            **self.details,
        }


def by_item(table: LabelTable) -> LabelTable:
    """Labels sorted by item (import order), so results come out in that order."""
    order = np.argsort(table.item, kind="stable")
    return table.subset(order)


def _records(table: LabelTable, values: np.ndarray | None = None) -> pd.DataFrame:
    import pandas as pd  # lazy: half a second to import; only the fitted and weighted votes need it

    return pd.DataFrame(
        {
            "item": table.item,
            "rater": table.rater,
            "value": table.code if values is None else values,
        }
    )


def single(
    spec: CriterionSpec,
    table: LabelTable,
    method: str,
    selection: Selection,
    names: Names,
    ids: dict[int, str],
    span: tuple[float, float] | None = None,
) -> dict[str, ConsensusValue]:
    """item id -> consensus of one (non-multilabel) criterion, in item order.

    `span` is the numeric range a mean's confidence is measured against: the
    rubric's min and max, else this one (streaming passes the whole project's),
    else the range of the values in `table`."""
    if len(table) == 0:
        return {}
    weights = selection.label_weights(table, names)
    if method == "dawid_skene":
        return _from_result(fit_dawid_skene(table), table, method, ids)
    if weights is not None:
        return _weighted(table, weights, method, ids)
    c = spec.criterion
    if c is not None and c.minimum is not None and c.maximum is not None:
        span = (float(c.minimum), float(c.maximum))
    return votes(table, method, ids, span)


def vote_summary(
    table: LabelTable, method: str, span: tuple[float, float] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(item seqs, tied?, confidence) of every item at once, without an object per item:
    what a summary needs. The same rules as `votes`."""
    items, idx = table.item_index()
    counts = value_counts(idx, table.code, len(items), len(table.values))
    if method == "mean":
        m = np.maximum(counts.sum(axis=1), 1)
        numbers = np.asarray(table.values, dtype=float)
        mean = counts @ numbers / m
        spread = np.sqrt(np.maximum(counts @ numbers**2 / m - mean**2, 0.0))
        low, high = span if span is not None else (float(numbers.min()), float(numbers.max()))
        half = (high - low) / 2
        confidence = np.ones(len(items)) if half <= 0 else np.clip(1 - spread / half, 0, 1)
        return items, np.zeros(len(items), dtype=bool), confidence
    # a median or a majority depends on the item's count row alone: once per distinct row
    tied, share = per_distinct_row(counts, _median if method == "median" else _majority)
    return items, tied, share


def _median(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(tied?, share of the labels at the median) of each count row."""
    m = np.maximum(counts.sum(axis=1), 1)
    cumulative = np.cumsum(counts, axis=1)
    lower = np.argmax(cumulative > ((m - 1) // 2)[:, None], axis=1)
    upper = np.argmax(cumulative > (m // 2)[:, None], axis=1)
    rows = np.arange(len(counts))
    return lower != upper, np.maximum(counts[rows, lower], counts[rows, upper]) / m


def _majority(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(tied?, share of the labels with the most common value) of each count row."""
    m = np.maximum(counts.sum(axis=1), 1)
    best = counts.max(axis=1)
    return (counts == best[:, None]).sum(axis=1) > 1, best / m


def votes(
    table: LabelTable, method: str, ids: dict[int, str], span: tuple[float, float] | None = None
) -> dict[str, ConsensusValue]:
    """Majority, median or mean of every item at once, from value counts."""
    items, idx = table.item_index()
    n_values = len(table.values)
    counts = value_counts(idx, table.code, len(items), n_values)
    m = counts.sum(axis=1)
    key, values = table.spec.key, table.values
    seqs, n_list = items.tolist(), m.tolist()
    out: dict[str, ConsensusValue] = {}
    if method == "mean":
        numbers = np.asarray(values, dtype=float)
        mean = counts @ numbers / m
        spread = np.sqrt(np.maximum(counts @ numbers**2 / m - mean**2, 0.0))
        low, high = span if span is not None else (float(numbers.min()), float(numbers.max()))
        half = (high - low) / 2
        confidence = np.ones(len(items)) if half <= 0 else np.clip(1 - spread / half, 0, 1)
        for seq, n, value, sd, conf in zip(
            seqs, n_list, mean.tolist(), spread.tolist(), confidence.tolist(), strict=True
        ):
            item_id = ids[seq]
            out[item_id] = ConsensusValue(
                item_id, key, value, "mean", conf, n, details={"spread": sd}
            )
        return out
    if method == "median":
        cumulative = np.cumsum(counts, axis=1)
        lower = np.argmax(cumulative > ((m - 1) // 2)[:, None], axis=1)
        upper = np.argmax(cumulative > (m // 2)[:, None], axis=1)
        rows = np.arange(len(items))
        share = np.maximum(counts[rows, lower], counts[rows, upper]) / m
        for seq, n, lo, hi, conf in zip(
            seqs, n_list, lower.tolist(), upper.tolist(), share.tolist(), strict=True
        ):
            item_id = ids[seq]
            if lo == hi:
                out[item_id] = ConsensusValue(item_id, key, values[lo], "median", conf, n)
            else:
                tied = (values[lo], values[hi])
                out[item_id] = ConsensusValue(item_id, key, None, "median", conf, n, True, tied)
        return out
    best = counts.max(axis=1)
    winners = counts == best[:, None]
    n_winners = winners.sum(axis=1)
    share = best / m
    for i, (seq, n, top, many, conf) in enumerate(
        zip(seqs, n_list, counts.argmax(axis=1).tolist(), n_winners.tolist(), share.tolist(),
            strict=True)
    ):  # fmt: skip
        item_id = ids[seq]
        if many == 1:
            out[item_id] = ConsensusValue(item_id, key, values[top], "majority", conf, n)
        else:
            tied = tuple(values[v] for v in np.nonzero(winners[i])[0].tolist())
            out[item_id] = ConsensusValue(item_id, key, None, "majority", conf, n, True, tied)
    return out


def fit_dawid_skene(table: LabelTable) -> DawidSkeneResult:
    return dawid_skene(_records(table), classes=tuple(range(len(table.values))))


def _from_result(
    result: ConsensusResult, table: LabelTable, method: str, ids: dict[int, str]
) -> dict[str, ConsensusValue]:
    def shown(code: Any) -> Any:
        return code if method == "mean" else table.values[code]

    out = {}
    for c in result.items:
        details: dict[str, Any] = {}
        if c.spread is not None:
            details["spread"] = c.spread
        if c.posterior is not None:
            details["posterior"] = {str(table.values[k]): p for k, p in c.posterior.items()}
        item_id = ids[int(c.item)]
        out[item_id] = ConsensusValue(
            item_id,
            table.spec.key,
            None if c.value is None else shown(c.value),
            result.method,
            c.confidence,
            c.n_labels,
            c.tie,
            tuple(shown(v) for v in c.tied_values),
            details,
        )
    return out


def _weighted(
    table: LabelTable, weights: np.ndarray, method: str, ids: dict[int, str]
) -> dict[str, ConsensusValue]:
    """Weighted majority (via the pure method), weighted median or weighted mean."""
    if method == "majority":
        by_rater = dict(zip(table.rater.tolist(), weights.tolist(), strict=True))
        result = weighted_majority_vote(
            _records(table), by_rater, scale=tuple(range(len(table.values)))
        )
        return _from_result(result, table, method, ids)
    items, idx = table.item_index()
    n_labels = np.bincount(idx, minlength=len(items))
    out = {}
    if method == "mean":
        numbers = np.asarray(table.values, dtype=float)[table.code]
        total = np.bincount(idx, weights=weights, minlength=len(items))
        mean = np.bincount(idx, weights=weights * numbers, minlength=len(items))
        for i, seq in enumerate(items.tolist()):
            value = float(mean[i] / total[i]) if total[i] > 0 else None
            out[ids[seq]] = ConsensusValue(
                ids[seq], table.spec.key, value, "weighted_mean", None, int(n_labels[i])
            )
        return out
    v = len(table.values)
    tally = np.bincount(idx * v + table.code, weights=weights, minlength=len(items) * v)
    tally = tally.reshape(len(items), v)
    total = tally.sum(axis=1)
    cumulative = np.cumsum(tally, axis=1)
    for i, seq in enumerate(items.tolist()):
        if total[i] <= 0:
            out[ids[seq]] = ConsensusValue(
                ids[seq], table.spec.key, None, "weighted_median", None, int(n_labels[i])
            )
            continue
        half = total[i] / 2
        lower = int(np.argmax(cumulative[i] >= half - 1e-12))
        if abs(cumulative[i, lower] - half) < 1e-9 and lower + 1 < v:
            upper = lower + 1 + int(np.argmax(tally[i, lower + 1 :] > 0))
            tied = (table.values[lower], table.values[upper])
            out[ids[seq]] = ConsensusValue(
                ids[seq], table.spec.key, None, "weighted_median", 0.5, int(n_labels[i]), True, tied
            )
            continue
        share = float(tally[i, lower] / total[i])
        value = table.values[lower]
        out[ids[seq]] = ConsensusValue(
            ids[seq], table.spec.key, value, "weighted_median", share, int(n_labels[i])
        )
    return out


def multilabel(
    specs: list[CriterionSpec],
    tables: list[LabelTable],
    method: str,
    selection: Selection,
    names: Names,
    ids: dict[int, str],
) -> dict[str, ConsensusValue]:
    """Each option decided on its own (present or absent); the value lists the present ones."""
    if method not in ("auto", "majority", "dawid_skene"):
        raise ConsensusError(f"A multilabel criterion is decided by majority, not {method}.")
    per_option = [
        single(spec, table, "majority" if method == "auto" else method, selection, names, ids)
        for spec, table in zip(specs, tables, strict=True)
    ]
    seqs = sorted(set().union(*[set(t.item.tolist()) for t in tables]))
    out = {}
    for seq in seqs:
        item_id = ids[seq]
        chosen, tied, confidences, n = [], [], [], 0
        for spec, decided in zip(specs, per_option, strict=True):
            one = decided.get(item_id)
            if one is None:
                continue
            n = max(n, one.n_labels)
            if one.tie:
                tied.append(spec.option)
            elif one.value:
                chosen.append(spec.option)
            if one.confidence is not None:
                confidences.append(one.confidence)
        confidence = min(confidences) if confidences else None
        method_name = next(iter(per_option[0].values())).method if per_option[0] else "majority"
        out[ids[seq]] = ConsensusValue(
            ids[seq],
            specs[0].key,
            None if tied else chosen,
            method_name,
            confidence,
            n,
            bool(tied),
            tuple(tied),
            {"ticked": chosen} if tied else {},
        )
    return out
