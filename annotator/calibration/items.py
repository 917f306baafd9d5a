"""Choosing a calibration session's items: by hand, the lowest-agreement items,
anchors, or a seeded random sample."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from annotator.calibration.model import CalibrationError, require_items
from annotator.quality.scopes import lowest_agreement_items
from annotator.store.project import Project


@dataclass(frozen=True)
class Selection:
    items: list[str]
    how: dict[str, Any]


def select_items(
    project: Project,
    *,
    items: Sequence[str] | None = None,
    lowest: int | None = None,
    criterion: str | None = None,
    sources: Sequence[str] | None = None,
    anchors: int | bool | None = None,
    sample: int | None = None,
    seed: int | None = None,
) -> Selection:
    """Items for a session, one way: by hand (`items`), the `lowest` n by agreement
    (optionally on one criterion, among some sources' labels), live anchors (all, or
    a seeded sample of n), or a seeded random `sample` of n non-anchor items."""
    chosen = [
        name
        for name, value in (
            ("items", items),
            ("lowest", lowest),
            ("anchors", anchors),
            ("sample", sample),
        )
        if value not in (None, False)
    ]
    if len(chosen) != 1:
        raise CalibrationError(
            "Choose the session's items one way: by hand, the lowest-agreement items, "
            "anchors, or a random sample."
        )
    rng = random.Random(f"{seed}|calibration")
    if items is not None:
        ordered = list(dict.fromkeys(i.strip() for i in items if i and i.strip()))
        require_items(project, ordered)
        return Selection(ordered, {"how": "by hand"})
    if lowest is not None:
        ranked = lowest_agreement_items(project, _positive(lowest), criterion, sources)
        if not ranked:
            raise CalibrationError(
                "No item has labels from two or more people yet, so none can be picked by "
                "agreement; pick items by hand or a random sample."
            )
        how = {"how": "lowest agreement", "n": lowest, "criterion": criterion, "sources": sources}
        how["scores"] = {entry["item_id"]: round(entry["score"], 4) for entry in ranked}
        return Selection([entry["item_id"] for entry in ranked], how)
    if anchors not in (None, False):
        live = [
            r[0]
            for r in project.rows("SELECT item_id FROM anchors WHERE status = 'active' ORDER BY id")
        ]
        if not live:
            raise CalibrationError("This project has no active anchors to calibrate on.")
        n = len(live) if anchors is True else _positive(int(anchors))
        picked = live if n >= len(live) else sorted(rng.sample(live, n), key=live.index)
        return Selection(picked, {"how": "anchors", "n": n, "seed": seed})
    pool = [
        r[0]
        for r in project.rows(
            "SELECT id FROM items i WHERE NOT EXISTS "
            "(SELECT 1 FROM anchors x WHERE x.item_id = i.id AND x.status != 'retired') "
            "ORDER BY seq"
        )
    ]
    n = _positive(int(sample or 0))
    picked = pool if n >= len(pool) else sorted(rng.sample(pool, n), key=pool.index)
    return Selection(picked, {"how": "random sample", "n": n, "seed": seed})


def _positive(n: int) -> int:
    if n < 1:
        raise CalibrationError("A session needs at least one item.")
    return n


__all__ = ["Selection", "select_items"]
