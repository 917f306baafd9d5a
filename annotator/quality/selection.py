"""Which labels count toward a consensus (sources in or out, weights, one rubric
version), and the error for a consensus asked in a way that does not fit.

A leaf of `quality`: the consensus tables and the aggregate both take a
`Selection`, so it lives below both of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from annotator.base.errors import AnnotatorError
from annotator.labels.data import LabelTable, Names


class ConsensusError(AnnotatorError):
    """A consensus cannot be asked this way (unknown method, a method that does not fit)."""


@dataclass(frozen=True)
class Selection:
    """Which labels count: sources in or out, weights, one rubric version."""

    sources: Sequence[str] | None = None
    exclude_sources: Sequence[str] | None = None
    source_kinds: Sequence[str] | None = None
    weights: Mapping[str, float] | None = None
    rubric_version: int | None = None

    def mask(self, table: LabelTable, names: Names) -> np.ndarray:
        keep = np.ones(len(table), dtype=bool)
        if self.sources is not None:
            keep &= np.isin(table.source, names.source_ids(self.sources) or [])
        if self.exclude_sources:
            keep &= ~np.isin(table.source, names.source_ids(self.exclude_sources) or [])
        if self.source_kinds is not None:
            kinds = [s for s, kind in names.source_kinds.items() if kind in self.source_kinds]
            keep &= np.isin(table.source, kinds)
        return keep

    def label_weights(self, table: LabelTable, names: Names) -> np.ndarray | None:
        """Per label weight: the annotator's name wins over the source's; default 1."""
        if not self.weights:
            return None
        known = set(names.annotators.values()) | set(names.sources.values())
        unknown = [k for k in self.weights if k not in known]
        if unknown:
            raise ConsensusError(
                f"Weight for {unknown[0]!r}, which is neither a source nor an annotator."
            )
        for key, weight in self.weights.items():
            if not np.isfinite(weight) or weight < 0:
                raise ConsensusError(f"Weight {weight!r} for {key!r}: use a number >= 0.")
        per_rater = {}
        for rater in np.unique(table.rater).tolist():
            name = names.annotators.get(rater, "")
            source = names.sources.get(names.annotator_source.get(rater, -1), "")
            per_rater[rater] = float(self.weights.get(name, self.weights.get(source, 1.0)))
        return np.array([per_rater[r] for r in table.rater.tolist()], dtype=float)


# -- the public calls -----------------------------------------------------------------------------
