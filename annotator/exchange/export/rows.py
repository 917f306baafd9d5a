"""Turning a chunk of the label stream into exported rows: items (with consensus) and labels."""

from __future__ import annotations

from typing import Any

from annotator.exchange.export.columns import CriterionColumn, convert, stats
from annotator.exchange.export.consensus import ChunkConsensus, KeyConsensus
from annotator.items.items import ITEM_COLUMNS
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

    def items(self, chunk: Chunk, stored: list[Any] | None = None) -> list[Any]:
        """The items table's columns for a chunk (ITEM_COLUMNS, then per criterion); the
        stored ones are `stored` (read as Arrow, `item_arrays`) or taken from the chunk's
        item rows (read with `i.*`)."""
        decided = self.consensus.of(chunk)
        self.last_consensus = decided
        items = chunk.items
        columns: list[Any]
        if stored is not None:
            columns = list(stored)
        else:
            names = items[0].keys() if items else []
            rows = list(zip(*items, strict=True)) if items else []
            columns = [list(rows[names.index(name)]) if items else [] for name in ITEM_FIELDS]
        columns += [
            chunk.is_anchor.tolist(),
            chunk.n_labels.tolist(),
            stats(chunk.agreement),
        ]
        for c in self.with_consensus:
            one = decided[c.key]
            per_key = chunk.key_agreement.get(c.key)
            columns += [
                _converted(one.value, c.type),
                stats(one.confidence),
                list(one.method),
                list(one.n_labels),
                list(one.tie),
                stats(per_key) if per_key is not None else [None] * len(items),
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

    def labels(self, chunk: Chunk, figures: ChunkFigures) -> list[Any]:
        """The labels table's columns for the labels in scope (LABEL_COLUMNS, then values),
        as Arrow arrays built column-wise (`label_arrays`): the hot path of an export."""
        # lazy: pyarrow is slow to load; only an export builds these
        from annotator.exchange.export.label_arrays import label_arrays

        return label_arrays(self, self.criteria, chunk, figures)


def _converted(values: list[Any], kind: str) -> list[Any]:
    """`convert` of each value, once per distinct value (keyed by type too: True is not 1
    as text); lists one by one. A converted list is a new list each time, as before."""
    seen: dict[tuple[type, Any], Any] = {}
    out = []
    for v in values:
        key = (type(v), v)
        try:
            found = seen.get(key, seen)
        except TypeError:  # a list (multilabel) or another unhashable value
            out.append(convert(v, kind))
            continue
        if found is seen:
            found = seen[key] = convert(v, kind)
        out.append(found)
    return out


__all__ = ["ITEM_FIELDS", "RowBuilder"]
