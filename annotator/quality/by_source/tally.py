"""Running sums over a label stream for the quality and cost of every source and annotator.

One :class:`QualityTally` takes the chunks of a :class:`~annotator.labels.stream.LabelStream`
and keeps only what does not grow with the labels' number: per annotator the
counts, costs and anchor answers, (reference x label) tables against the
expert consensus, each item's value counts per criterion (for agreement), and
a bounded, deterministic sample of labels for Dawid-Skene. Active durations
are kept as float32 (4 bytes a label) for exact medians.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.labels.columns import (
    L_ANCHOR_N,
    L_ANCHOR_OK,
    L_DURATION,
    L_TOKENS,
    distinct_counts,
    distinct_ids,
    distinct_inverse,
)
from annotator.labels.stream import Chunk, LabelStream, spec_counts
from annotator.quality.by_source.expert_pairs import PairTally, adjudicated_positions, tally_chunk
from annotator.quality.by_source.pattern_agreement import PatternCounts

DS_MAX_LABELS = 30_000  # labels per criterion Dawid-Skene is fitted on (a sample beyond that)


@dataclass
class ChunkFigures:
    """Per label of a chunk: cost (NaN: unknown), active seconds (NaN), anchor answers."""

    cost: np.ndarray
    duration: np.ndarray
    tokens: np.ndarray
    anchor_n: np.ndarray
    anchor_ok: np.ndarray


def chunk_figures(chunk: Chunk, costs: np.ndarray) -> ChunkFigures:
    """From the chunk's columns (NaN where the label has no figure)."""
    raw = chunk.raw
    return ChunkFigures(
        cost=costs,
        duration=raw[L_DURATION].astype(float),
        tokens=raw[L_TOKENS].astype(float),
        anchor_n=raw[L_ANCHOR_N].astype(np.int64),
        anchor_ok=raw[L_ANCHOR_OK].astype(float).astype(np.int64),
    )


@dataclass
class RaterSums:
    n_labels: int = 0
    n_items: int = 0
    cost_total: float = 0.0
    n_priced: int = 0
    tokens: float = 0.0
    anchor_answers: int = 0
    anchor_correct: int = 0
    anchor_labels: int = 0
    anchor_labels_matched: int = 0
    durations: list[np.ndarray] = field(default_factory=list)

    def median_duration(self) -> float | None:
        values = np.concatenate(self.durations) if self.durations else np.zeros(0)
        return float(np.median(values)) if len(values) else None


class QualityTally:
    """Sums over chunks; see the module docstring. Read the results with the attributes."""

    def __init__(self, stream: LabelStream, total_labels: int | Callable[[], int]) -> None:
        self.stream = stream
        self.project = stream.project
        self.experts = stream.expert_sources
        self.raters: dict[int, RaterSums] = {}
        self.source_items: dict[int, int] = {}
        self.pairs: dict[str, PairTally] = {s.name: PairTally() for s in stream.specs}
        self.counts = {s.name: PatternCounts(len(s.values)) for s in stream.specs}
        self.source_counts: dict[tuple[str, int], PatternCounts] = {}
        self.source_raters: dict[tuple[str, int], set[int]] = {}
        self.numeric: dict[str, list[np.ndarray]] = {}  # spec -> (item number, value, source)
        self.spec_raters: dict[str, set[int]] = {s.name: set() for s in stream.specs}
        self._total = total_labels  # or how to get it: counted while the first chunk is read
        self._stride: int | None = None
        self.ds: dict[str, list[np.ndarray]] = {s.name: [] for s in stream.specs}
        self.kept_seqs: list[np.ndarray] = []
        self.items_seen = 0
        self.n_items = 0
        self.n_labels = 0

    @property
    def ds_stride(self) -> int:
        """Every how many items Dawid-Skene's sample takes one (from all labels' number)."""
        if self._stride is None:
            total = self._total if isinstance(self._total, int) else self._total()
            self._stride = max(1, math.ceil(total / DS_MAX_LABELS))
        return self._stride

    def add(self, chunk: Chunk, figures: ChunkFigures) -> None:
        self.kept_seqs.append(chunk.seq)
        self.n_items += chunk.n_items
        scope = chunk.in_scope
        self.n_labels += int(scope.sum())
        self._rater_sums(chunk, figures)
        use = scope & chunk.latest
        for spec in self.stream.specs:
            self._agreement_counts(spec, chunk, use)
            adjudicated = adjudicated_positions(self.project, spec, chunk)
            tally_chunk(self.pairs[spec.name], spec, chunk, self.experts, adjudicated)
            if spec.kind != "numeric":
                self._ds_sample(spec, chunk, use)
        self.items_seen += chunk.n_items

    def _rater_sums(self, chunk: Chunk, figures: ChunkFigures) -> None:
        scope = chunk.in_scope
        raters = chunk.rater[scope]
        if len(raters) == 0:
            return
        local, index = distinct_inverse(raters)
        m = len(local)

        def per(values: np.ndarray) -> np.ndarray:
            return np.bincount(index, weights=values, minlength=m)

        n_labels = np.bincount(index, minlength=m)
        n_items = per(chunk.latest[scope].astype(float))
        cost = figures.cost[scope]
        priced = np.isfinite(cost)
        cost_sum = per(np.where(priced, cost, 0.0))
        n_priced = per(priced.astype(float))
        tokens = figures.tokens[scope]
        token_sum = per(np.where(np.isfinite(tokens), tokens, 0.0))
        answers = figures.anchor_n[scope].astype(float)
        correct = figures.anchor_ok[scope].astype(float)
        on_anchor = answers > 0
        anchor_labels = per(on_anchor.astype(float))
        matched = per((on_anchor & (correct == answers)).astype(float))
        answers_sum, correct_sum = per(answers), per(correct)
        durations = figures.duration[scope]
        timed = np.isfinite(durations)
        # each rater's timed durations, in label order: one stable sort, then slices
        order = np.argsort(index[timed], kind="stable")
        per_rater = np.bincount(index[timed], minlength=m)
        ends = np.cumsum(per_rater)
        timed_values = durations[timed][order].astype(np.float32)
        for r, rater in enumerate(local.tolist()):
            sums = self.raters.setdefault(rater, RaterSums())
            sums.n_labels += int(n_labels[r])
            sums.n_items += int(n_items[r])
            sums.cost_total += float(cost_sum[r])
            sums.n_priced += int(n_priced[r])
            sums.tokens += float(token_sum[r])
            sums.anchor_answers += int(answers_sum[r])
            sums.anchor_correct += int(correct_sum[r])
            sums.anchor_labels += int(anchor_labels[r])
            sums.anchor_labels_matched += int(matched[r])
            if per_rater[r]:
                sums.durations.append(timed_values[ends[r] - per_rater[r] : ends[r]])
        items, sources = chunk.item[scope], chunk.source[scope]
        pairs = np.unique(items * (int(sources.max()) + 1) + sources)  # (item, source) pairs
        pair_source = pairs % (int(sources.max()) + 1)
        for source, n in zip(*distinct_counts(pair_source), strict=True):
            self.source_items[int(source)] = self.source_items.get(int(source), 0) + int(n)

    def _agreement_counts(self, spec: Any, chunk: Chunk, use: np.ndarray) -> None:
        if spec.kind == "numeric":
            values = chunk.numbers[spec.name]
            mask = use & np.isfinite(values)
            if mask.any():
                item_number = (chunk.item_index[mask] + self.items_seen).astype(float)
                self.numeric.setdefault(spec.name, []).append(
                    np.stack([item_number, values[mask], chunk.source[mask].astype(float)], axis=1)
                )
                self.spec_raters[spec.name].update(distinct_ids(chunk.rater[mask]).tolist())
            return
        counts, _ = spec_counts(
            spec, chunk.codes, chunk.numbers, use, chunk.item_index, chunk.n_items
        )
        if counts is None:
            return
        labeled = counts.sum(axis=1) > 0
        self.counts[spec.name].add(counts[labeled])
        mask = use & (chunk.codes[spec.name] >= 0)
        self.spec_raters[spec.name].update(distinct_ids(chunk.rater[mask]).tolist())
        for source in distinct_ids(chunk.source[mask]).tolist():
            own, _ = spec_counts(
                spec,
                chunk.codes,
                chunk.numbers,
                use & (chunk.source == source),
                chunk.item_index,
                chunk.n_items,
            )
            if own is None:
                continue
            key = (spec.name, source)
            if key not in self.source_counts:
                self.source_counts[key] = PatternCounts(len(spec.values))
            self.source_counts[key].add(own[own.sum(axis=1) > 0])
            raters = chunk.rater[mask & (chunk.source == source)]
            self.source_raters.setdefault(key, set()).update(distinct_ids(raters).tolist())

    def _ds_sample(self, spec: Any, chunk: Chunk, use: np.ndarray) -> None:
        code = chunk.codes[spec.name]
        mask = use & (code >= 0)
        if self.ds_stride > 1:
            mask &= chunk.item % self.ds_stride == 0
        if mask.any():
            self.ds[spec.name].append(
                np.stack([chunk.item[mask], chunk.rater[mask], code[mask].astype(np.int64)], axis=1)
            )


__all__ = ["DS_MAX_LABELS", "ChunkFigures", "QualityTally", "RaterSums", "chunk_figures"]
