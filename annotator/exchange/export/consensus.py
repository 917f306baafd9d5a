"""The consensus of every item in a chunk, from the label counts the stream already holds.

The rules are `aggregate`'s, to the letter: the lead's adjudicated value first;
else the majority (ties listed, confidence = the winner's vote share), the
median over the scale (an even split between two middle values is a tie;
confidence = the share at the median), or the mean with its spread (confidence
= 1 - spread / half the scale's range); a multilabel criterion option by
option. Why not call `aggregate.iter_consensus`: it reads every label again,
once per criterion, and builds a table per chunk; here the counts are a
by-product of the export's own pass, which makes the export about twice as
fast. A test checks both give the same value, tie, confidence and count for
every item and criterion. Dawid-Skene, a model of the whole criterion, is
still `iter_consensus`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.labels.adjudications import current_adjudications
from annotator.labels.data import CriterionSpec, observed_span
from annotator.labels.scope import Scope
from annotator.labels.stream import CHUNK_ITEMS, Chunk, spec_counts
from annotator.quality.aggregate import (
    ADJUDICATED,
    ConsensusError,
    ConsensusValue,
    iter_consensus,
    resolve_method,
)
from annotator.store.project import Project

_TIE = 1e-9


@dataclass
class KeyConsensus:
    """One criterion's consensus for each item of a chunk (parallel lists)."""

    value: list[Any]  # None: no consensus (tie, or no labels)
    present: list[bool]  # the item has a consensus entry (labels or an adjudication)
    confidence: list[float | None]
    method: list[str | None]
    n_labels: list[int]
    tie: list[bool]
    tied: list[tuple[Any, ...]]

    @classmethod
    def empty(cls, n: int) -> KeyConsensus:
        return cls([None] * n, [False] * n, [None] * n, [None] * n, [0] * n, [False] * n, [()] * n)

    def as_value(self, i: int, item_id: str, key: str) -> ConsensusValue | None:
        if not self.present[i]:
            return None
        return ConsensusValue(
            item_id,
            key,
            self.value[i],
            self.method[i] or "",
            self.confidence[i],
            self.n_labels[i],
            self.tie[i],
            self.tied[i],
        )


def resolve(method: str, spec: CriterionSpec) -> str:
    """`aggregate`'s choice of method for a criterion (and its refusals)."""
    if spec.kind == "multilabel":
        if method not in ("auto", "majority", "dawid_skene"):
            raise ConsensusError(f"A multilabel criterion is decided by majority, not {method}.")
        return "majority" if method == "auto" else method
    return resolve_method(method, spec)


def _vote(counts: np.ndarray, values: tuple[Any, ...], method: str) -> KeyConsensus:
    """Majority or median per item, the lists built a column at a time (ties one by one)."""
    n = counts.shape[0]
    m = counts.sum(axis=1)
    out = KeyConsensus.empty(n)
    has = m > 0
    present = has.tolist()
    out.present = present
    name = "median" if method == "median" else "majority"
    out.method = [name if h else None for h in present]
    out.n_labels = np.where(has, m, 0).tolist()
    if method == "median":
        cumulative = np.cumsum(counts, axis=1)
        lower = np.argmax(cumulative > ((m - 1) // 2)[:, None], axis=1)
        upper = np.argmax(cumulative > (m // 2)[:, None], axis=1)
        rows = np.arange(n)
        share_low = counts[rows, lower] / np.maximum(m, 1)
        share = np.maximum(share_low, counts[rows, upper] / np.maximum(m, 1))
        single = lower == upper
        tie = has & ~single
        out.value = [
            values[low] if h and one else None
            for low, h, one in zip(lower.tolist(), present, single.tolist(), strict=True)
        ]
        out.confidence = [
            None if not h else (low if one else high)
            for low, high, h, one in zip(
                share_low.tolist(), share.tolist(), present, single.tolist(), strict=True
            )
        ]
        out.tie = tie.tolist()
        for i in np.nonzero(tie)[0].tolist():
            out.tied[i] = (values[lower[i]], values[upper[i]])
        return out
    best = counts.max(axis=1) if counts.shape[1] else np.zeros(n)
    winners = (np.abs(counts - best[:, None]) <= _TIE) & (counts > 0)
    n_winners = winners.sum(axis=1)
    share = best / np.maximum(m, 1)
    first = counts.argmax(axis=1) if counts.shape[1] else np.zeros(n, dtype=np.int64)
    tie = has & (n_winners > 1)
    ties = tie.tolist()
    out.confidence = [v if h else None for v, h in zip(share.tolist(), present, strict=True)]
    out.tie = ties
    out.value = [
        values[f] if h and not t else None
        for f, h, t in zip(first.tolist(), present, ties, strict=True)
    ]
    for i in np.nonzero(tie)[0].tolist():
        out.tied[i] = tuple(values[v] for v in np.nonzero(winners[i])[0].tolist())
    return out


def _mean(
    chunk: Chunk, spec: CriterionSpec, use: np.ndarray, span: tuple[float, float] | None
) -> KeyConsensus:
    numbers = chunk.numbers[spec.name]
    mask = use & np.isfinite(numbers)
    n = chunk.n_items
    at = chunk.item_index[mask]
    x = numbers[mask]
    m = np.bincount(at, minlength=n).astype(float)
    total = np.bincount(at, weights=x, minlength=n)
    squares = np.bincount(at, weights=x * x, minlength=n)
    criterion = spec.criterion
    if criterion is not None and criterion.minimum is not None and criterion.maximum is not None:
        low, high = float(criterion.minimum), float(criterion.maximum)
    elif span is not None:  # the whole project's observed range, as `aggregate` uses
        low, high = span
    else:
        low, high = (float(x.min()), float(x.max())) if len(x) else (0.0, 0.0)
    half = (high - low) / 2
    out = KeyConsensus.empty(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / m
        spread = np.sqrt(np.maximum(squares / m - mean**2, 0.0))
    for i in np.nonzero(m > 0)[0].tolist():
        confidence = 1.0 if half <= 0 else float(np.clip(1 - spread[i] / half, 0, 1))
        out.present[i], out.method[i], out.n_labels[i] = True, "mean", int(m[i])
        out.value[i], out.confidence[i] = float(mean[i]), confidence
    return out


def _multilabel(parts: list[tuple[CriterionSpec, KeyConsensus]], n: int) -> KeyConsensus:
    out = KeyConsensus.empty(n)
    for i in range(n):
        chosen, tied, confidences, count, seen = [], [], [], 0, False
        for spec, one in parts:
            if not one.present[i]:
                continue
            seen = True
            count = max(count, one.n_labels[i])
            if one.tie[i]:
                tied.append(spec.option)
            elif one.value[i]:
                chosen.append(spec.option)
            if one.confidence[i] is not None:
                confidences.append(one.confidence[i])
        if not seen:
            continue
        out.present[i], out.n_labels[i] = True, count
        out.method[i] = next(p.method[i] for _, p in parts if p.present[i])
        out.confidence[i] = min(confidences) if confidences else None
        out.value[i] = None if tied else chosen
        out.tie[i], out.tied[i] = bool(tied), tuple(tied)
    return out


class ChunkConsensus:
    """Consensus per criterion key for each chunk (see the module docstring)."""

    def __init__(
        self, project: Project, specs: list[CriterionSpec], method: str, scope: Scope
    ) -> None:
        self.project = project
        self.method = method
        self.by_key: dict[str, list[CriterionSpec]] = {}
        for spec in specs:
            if spec.kind != "text":
                self.by_key.setdefault(spec.key, []).append(spec)
        for parts in self.by_key.values():
            resolve(method, parts[0])  # refuse a method that does not fit, before any work
        self.spans = {key: observed_span(project, parts[0]) for key, parts in self.by_key.items()}
        self._walk = None
        if method == "dawid_skene" and self.by_key:
            self._walk = iter_consensus(
                project,
                list(self.by_key),
                method=method,
                chunk_items=CHUNK_ITEMS,
                sources=list(scope.sources) if scope.sources else None,
                rubric_version=scope.rubric_version,
            )

    @property
    def keys(self) -> list[str]:
        return list(self.by_key)

    def of(self, chunk: Chunk) -> dict[str, KeyConsensus]:
        if self._walk is not None:
            decided = self._from_walk(chunk)
        else:
            use = chunk.in_scope & chunk.latest
            decided = {}
            for key, specs in self.by_key.items():
                parts = [(spec, self._one(chunk, spec, use)) for spec in specs]
                decided[key] = (
                    _multilabel(parts, chunk.n_items)
                    if specs[0].kind == "multilabel"
                    else parts[0][1]
                )
        for key in decided:
            self._adjudicate(chunk, key, decided[key])
        return decided

    def _one(self, chunk: Chunk, spec: CriterionSpec, use: np.ndarray) -> KeyConsensus:
        method = resolve(self.method, spec)
        if method == "mean":
            return _mean(chunk, spec, use, self.spans.get(spec.key))
        counts, values = spec_counts(
            spec, chunk.codes, chunk.numbers, use, chunk.item_index, chunk.n_items
        )
        if counts is None:
            return KeyConsensus.empty(chunk.n_items)
        return _vote(counts, values, method)

    def _adjudicate(self, chunk: Chunk, key: str, decided: KeyConsensus) -> None:
        if not chunk.any_adjudicated:
            return
        ids = [item["id"] for item in chunk.items]
        found = current_adjudications(self.project, key, ids)
        for i, item_id in enumerate(ids):
            decision = found.get(item_id)
            if decision is None:
                continue
            decided.value[i], decided.method[i], decided.confidence[i] = (
                decision.value,
                ADJUDICATED,
                1.0,
            )
            decided.n_labels[i] = decided.n_labels[i] if decided.present[i] else 0
            decided.present[i], decided.tie[i], decided.tied[i] = True, False, ()

    def _from_walk(self, chunk: Chunk) -> dict[str, KeyConsensus]:
        out = {key: KeyConsensus.empty(chunk.n_items) for key in self.by_key}
        assert self._walk is not None
        for i, item in enumerate(chunk.items):
            decided = next((d for found, d in self._walk if found == item["id"]), None)
            if decided is None:  # pragma: no cover - both walk every item in seq order
                raise RuntimeError(f"consensus ran out before item {item['id']!r}")
            for key, one in decided.items():
                target = out[key]
                if one.method == ADJUDICATED:  # applied below, the same way for every method
                    target.present[i], target.n_labels[i] = one.n_labels > 0, one.n_labels
                    continue
                target.present[i], target.value[i] = True, one.value
                target.confidence[i], target.method[i] = one.confidence, one.method
                target.n_labels[i], target.tie[i], target.tied[i] = (
                    one.n_labels,
                    one.tie,
                    one.tied_values,
                )
        return out


def finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


__all__ = ["ChunkConsensus", "KeyConsensus", "resolve"]
