"""Turning a chunk of the label stream into exported rows: items (with consensus) and labels.

The consensus comes from `aggregate.iter_consensus`, walked in step with the
stream (both go through items in import order), so neither holds more than a
chunk of items.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from annotator.aggregate import ConsensusValue, iter_consensus
from annotator.export.columns import CriterionColumn, convert, stat
from annotator.label_scope import Scope
from annotator.label_stream import (
    CHUNK_ITEMS,
    L_ANCHOR_N,
    L_ANCHOR_OK,
    L_RATER,
    L_RATIONALE,
    L_SOURCE,
    L_STARTED,
    L_SUBMITTED,
    L_TOKENS,
    L_UID,
    L_VALUES,
    L_VERSION,
    Chunk,
)
from annotator.quality_tally import ChunkFigures
from annotator.store import Project

ITEM_FIELDS = (
    "id",
    "input",
    "input_kind",
    "output",
    "output_a",
    "output_b",
    "reference",
    "context",
    "model",
    "model_version",
    "prompt_version",
    "source_system",
    "created_at",
    "tags",
    "metadata",
    "content_hash",
)


class ConsensusWalk:
    """`iter_consensus` advanced item by item to the items a chunk holds."""

    def __init__(self, project: Project, keys: list[str], method: str, scope: Scope) -> None:
        self.keys = keys
        self._iter: Iterator[tuple[str, dict[str, ConsensusValue]]] | None = None
        if keys:
            self._iter = iter_consensus(
                project,
                keys,
                method=method,
                chunk_items=CHUNK_ITEMS,
                sources=list(scope.sources) if scope.sources else None,
                rubric_version=scope.rubric_version,
            )

    def of(self, item_id: str) -> dict[str, ConsensusValue]:
        if self._iter is None:
            return {}
        for found, decided in self._iter:
            if found == item_id:
                return decided
        raise RuntimeError(f"consensus ran out before item {item_id!r}")  # pragma: no cover


class RowBuilder:
    """Rows of the items and labels tables for each chunk."""

    def __init__(
        self,
        project: Project,
        criteria: list[CriterionColumn],
        names: Any,
        real_names: bool,
        consensus: ConsensusWalk,
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
        self.last_consensus: list[dict[str, ConsensusValue]] = []

    def items(self, chunk: Chunk) -> list[tuple[Any, ...]]:
        rows = []
        self.last_consensus = []
        for j, item in enumerate(chunk.items):
            decided = self.consensus.of(item["id"])
            self.last_consensus.append(decided)
            row: list[Any] = [item[name] for name in ITEM_FIELDS]
            row += [bool(chunk.is_anchor[j]), int(chunk.n_labels[j]), stat(chunk.agreement[j])]
            for c in self.with_consensus:
                one = decided.get(c.key)
                per_key = chunk.key_agreement.get(c.key)
                agreement = stat(per_key[j]) if per_key is not None else None
                if one is None:
                    row += [None, None, None, 0, False, agreement]
                    continue
                row += [
                    convert(one.value, c.type),
                    stat(one.confidence),
                    one.method,
                    int(one.n_labels),
                    bool(one.tie),
                    agreement,
                ]
            rows.append(tuple(row))
        return rows

    def labels(self, chunk: Chunk, figures: ChunkFigures) -> list[tuple[Any, ...]]:
        item_ids = [item["id"] for item in chunk.items]
        annotator, sources, versions = self.annotator, self.sources, self.versions
        value_types = [(L_VALUES + k, c.type) for k, c in enumerate(self.criteria)]
        cost = figures.cost
        duration = figures.duration
        out = []
        index = chunk.item_index.tolist()
        scope = chunk.in_scope.tolist()
        for i, row in enumerate(chunk.rows):
            if not scope[i]:
                continue
            name, kind, model_id, model_version, prompt_version, currency = sources[row[L_SOURCE]]
            rubric, version = versions[row[L_VERSION]]
            answers = row[L_ANCHOR_N]
            price = cost[i]
            active = duration[i]
            out.append(
                (
                    row[L_UID],
                    item_ids[index[i]],
                    annotator[row[L_RATER]],
                    name,
                    kind,
                    model_id,
                    model_version,
                    prompt_version,
                    rubric,
                    version,
                    row[L_STARTED],
                    row[L_SUBMITTED],
                    None if math.isnan(active) else float(active),
                    None if math.isnan(price) else float(price),
                    currency if not math.isnan(price) else None,
                    row[L_TOKENS],
                    answers > 0,
                    (row[L_ANCHOR_OK] == answers) if answers > 0 else None,
                    row[L_RATIONALE],
                    *[_value(row[at], kind_) for at, kind_ in value_types],
                )
            )
        return out


def _value(raw: Any, kind: str) -> Any:
    if raw is None:
        return None
    if kind == "string":
        return raw if isinstance(raw, str) else convert(raw, kind)
    if kind == "bool":
        return bool(raw)
    if kind == "int":
        return int(raw)
    return float(raw)


def finite_or_none(values: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else float(v) for v in values.tolist()]


__all__ = ["ITEM_FIELDS", "ConsensusWalk", "RowBuilder"]
