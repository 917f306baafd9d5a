"""What each label cost: the stored figure when the label has one, else its source's cost model.

Importers store a label's cost when the file says (an MTurk reward); labels made
in the app get it from the source's model (per label, per active hour, per
token) at submit time. A lead who learns a source's price later sets the model
with :func:`set_cost_model`; labels without a stored cost are then priced by it.

    >>> set_cost_model(project, "experts", make_cost_model("per_hour", 40, "USD"))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from annotator.base.errors import AnnotatorError
from annotator.sources.sources import CostModel, Source, get_source, list_sources
from annotator.store.project import Project


class CostError(AnnotatorError):
    """A cost model cannot be set (unknown source, mixed currencies)."""


def set_cost_model(project: Project, source_name: str, cost: CostModel | None) -> Source:
    """Set (or clear, with None) a source's cost model; audit-logged, one transaction."""
    source = get_source(project, source_name)
    with project.transaction():
        project.conn.execute(
            "UPDATE sources SET cost_type = ?, cost_amount = ?, currency = ? WHERE id = ?",
            (
                cost.type if cost else None,
                cost.amount if cost else None,
                cost.currency if cost else None,
                source.id,
            ),
        )
        project.audit(
            "set_cost_model",
            target=source_name,
            details={
                "before": source.cost_model.to_dict() if source.cost_model else None,
                "after": cost.to_dict() if cost else None,
            },
        )
    return get_source(project, source_name)


def sources_by_id(project: Project) -> dict[int, Source]:
    return {source.id: source for source in list_sources(project)}


def label_costs(
    stored: Sequence[Any],
    durations: Sequence[Any],
    tokens: Sequence[Any],
    source_ids: np.ndarray,
    sources: dict[int, Source],
) -> np.ndarray:
    """Cost per label (NaN where neither a stored cost nor the cost model says)."""
    out = np.array([math.nan if c is None else float(c) for c in stored], dtype=float)
    missing = np.isnan(out)
    if not missing.any():
        return out
    for source_id in np.unique(source_ids[missing]).tolist():
        model = sources[source_id].cost_model if source_id in sources else None
        if model is None:
            continue
        mask = missing & (source_ids == source_id)
        if model.type == "per_label":
            out[mask] = model.amount
            continue
        figures = durations if model.type == "per_hour" else tokens
        picked = np.array(
            [math.nan if figures[i] is None else float(figures[i]) for i in np.nonzero(mask)[0]]
        )
        scale = model.amount / 3600.0 if model.type == "per_hour" else model.amount
        out[np.nonzero(mask)[0]] = picked * scale
    return out


def currency_of(source: Source) -> str | None:
    return source.cost_model.currency if source.cost_model else None


def project_currency(sources: Sequence[Source]) -> str | None:
    """The one currency every priced source uses, or None if they differ or none is priced."""
    found = {s.cost_model.currency for s in sources if s.cost_model is not None}
    return found.pop() if len(found) == 1 else None


__all__ = [
    "CostError",
    "currency_of",
    "label_costs",
    "project_currency",
    "set_cost_model",
    "sources_by_id",
]
