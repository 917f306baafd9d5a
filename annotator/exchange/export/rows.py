"""Turning a chunk of the label stream into exported rows: items (with consensus) and labels."""

from __future__ import annotations

from typing import Any

import numpy as np

from annotator.exchange.export.columns import CriterionColumn, convert, stat
from annotator.exchange.export.consensus import ChunkConsensus, KeyConsensus
from annotator.items.items import ITEM_COLUMNS
from annotator.labels.columns import (
    L_ID,
    L_RATER,
    L_RATIONALE,
    L_SOURCE,
    L_STARTED,
    L_SUBMITTED,
    L_TOKENS,
    L_UID,
    L_VALUES,
    L_VERSION,
)
from annotator.labels.stream import Chunk
from annotator.quality.aggregate import ConsensusValue
from annotator.quality.by_source.tally import ChunkFigures
from annotator.store.project import Project

# The exported item columns: what is stored, less the bookkeeping.
ITEM_FIELDS = tuple(c for c in ITEM_COLUMNS if c not in ("pairwise", "batch_id"))


class RowBuilder:
    """Rows of the items and labels tables for each chunk."""

    def __init__(
        self,
        project: Project,
        criteria: list[CriterionColumn],
        names: Any,
        real_names: bool,
        consensus: ChunkConsensus,
    ) -> None:
        self.criteria = criteria
        self.with_consensus = [c for c in criteria if c.consensus]
        self.consensus = consensus
        pseudonyms = dict(project.rows("SELECT id, pseudonym FROM annotators"))
        self.annotator = {
            a: (name if real_names else pseudonyms[a]) for a, name in names.annotators.items()
        }
        self.sources: dict[int, tuple[Any, ...]] = {}
        for row in project.rows(
            "SELECT id, name, kind, model_id, model_version, prompt_version, currency FROM sources"
        ):
            self.sources[row[0]] = tuple(row[1:])
        self.versions = {
            row[0]: (row[1], row[2])
            for row in project.rows(
                "SELECT v.id, r.name, v.version FROM rubric_versions v "
                "JOIN rubrics r ON r.id = v.rubric_id"
            )
        }
        self.judge_version = dict(  # label id -> "v3", for labels an LLM judge made
            project.rows(
                "SELECT r.label_id, 'v' || v.number FROM judge_results r "
                "JOIN judge_versions v ON v.id = r.version_id WHERE r.label_id IS NOT NULL"
            )
        )
        self.suggested = {  # label id -> the suggesting source, for labels made with one
            row[0]: row[1]
            for row in project.rows(
                "SELECT label_id, source FROM review_suggestions WHERE visible = 1"
            )
        }
        self.last_consensus: dict[str, KeyConsensus] = {}

    def items(self, chunk: Chunk) -> list[list[Any]]:
        """The items table's columns for a chunk (ITEM_COLUMNS, then per criterion)."""
        decided = self.consensus.of(chunk)
        self.last_consensus = decided
        items = chunk.items
        columns: list[list[Any]] = [[item[name] for item in items] for name in ITEM_FIELDS]
        columns += [
            chunk.is_anchor.tolist(),
            chunk.n_labels.tolist(),
            [stat(v) for v in chunk.agreement.tolist()],
        ]
        for c in self.with_consensus:
            one = decided[c.key]
            per_key = chunk.key_agreement.get(c.key)
            columns += [
                [convert(v, c.type) for v in one.value],
                [stat(v) for v in one.confidence],
                list(one.method),
                list(one.n_labels),
                list(one.tie),
                [stat(v) for v in per_key.tolist()] if per_key is not None else [None] * len(items),
            ]
        return columns

    def consensus_values(self, chunk: Chunk) -> list[dict[str, ConsensusValue]]:
        """The last chunk's consensus as `aggregate.ConsensusValue`s, per item."""
        out = []
        for j, item in enumerate(chunk.items):
            found = {}
            for key, one in self.last_consensus.items():
                value = one.as_value(j, item["id"], key)
                if value is not None:
                    found[key] = value
            out.append(found)
        return out

    def labels(self, chunk: Chunk, figures: ChunkFigures) -> list[list[Any]]:
        """The labels table's columns for the labels in scope (LABEL_COLUMNS, then values).

        The hot path of an export: one list comprehension per column, no per-row tuples.
        """
        picked = np.nonzero(chunk.in_scope)[0]
        rows = chunk.rows
        take = [rows[i] for i in picked.tolist()]
        item_ids = [item["id"] for item in chunk.items]
        per_source = {s: self.sources[s] for s in np.unique(chunk.source[picked]).tolist()}
        source_of = [per_source[r[L_SOURCE]] for r in take]
        version_of = [self.versions[r[L_VERSION]] for r in take]
        annotator = self.annotator
        costs = figures.cost[picked]
        durations = figures.duration[picked]
        priced = ~np.isnan(costs)
        answers = figures.anchor_n[picked]
        matched = figures.anchor_ok[picked] == answers
        columns: list[list[Any]] = [
            [r[L_UID] for r in take],
            [item_ids[i] for i in chunk.item_index[picked].tolist()],
            [annotator[r[L_RATER]] for r in take],
            *[[s[k] for s in source_of] for k in range(5)],
            [self.judge_version.get(r[L_ID]) for r in take],
            [v[0] for v in version_of],
            [v[1] for v in version_of],
            [r[L_STARTED] for r in take],
            [r[L_SUBMITTED] for r in take],
            _nullable(durations),
            _nullable(costs),
            [s[5] if ok else None for s, ok in zip(source_of, priced.tolist(), strict=True)],
            [r[L_TOKENS] for r in take],
            (answers > 0).tolist(),
            [m if a > 0 else None for m, a in zip(matched.tolist(), answers.tolist(), strict=True)],
            [r[L_RATIONALE] for r in take],
            [r[L_ID] in self.suggested for r in take],
            [self.suggested.get(r[L_ID]) for r in take],
        ]
        for k, c in enumerate(self.criteria):
            raw = [r[L_VALUES + k] for r in take]
            if c.type in ("float", "bool") or (c.type == "string" and c.kind not in _TEXT_KINDS):
                change = _CONVERTERS[c.type]
                raw = [None if v is None else change(v) for v in raw]
            columns.append(raw)
        return columns


def _nullable(values: np.ndarray) -> list[float | None]:
    """Floats as a list, NaN as None."""
    out = values.tolist()
    if np.isnan(values).any():
        return [None if v != v else v for v in out]
    return out


_TEXT_KINDS = ("multilabel", "text")  # json_extract gives these as text already
_CONVERTERS = {
    "float": float,
    "bool": bool,
    "string": lambda v: v if isinstance(v, str) else convert(v, "string"),
}


__all__ = ["ITEM_FIELDS", "RowBuilder"]
