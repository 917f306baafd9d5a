"""Decoys: items whose expert answer is known, shown with a deliberately wrong suggestion.

A decoy measures rubber-stamping: someone who accepts a suggestion they should have
rejected. Decoys ride on the entries that already carry a known answer and are already
indistinguishable from other items: anchors (an active anchor's reference) and, when
the queue serves one, items the lead adjudicated on every criterion they answer.
An anchor entry becomes a decoy with probability `decoy_rate / current_anchor_rate`
(capped at 1), so decoys are `decoy_rate` of all served entries; an adjudicated item
with probability `decoy_rate`. The draw is seeded by (the person's queue seed, their
name, the queue position), like everything else in the queue.

The wrong suggestion is plausible: for an ordinal criterion one or two points off
(within the scale), for a binary or categorical one another option, for a
multilabel one the expert's set with one option flipped. Criteria without an expert
answer keep the judge's value on the item (or a random option), and the rationale
is one the same judge gave on another item for the wrong value (so a decoy has the
same fields as any suggestion). The plan row (`review_decoys`) holds the expert
answer for the lead's measurements; nothing shown to the annotator reads it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from annotator.base.clock import now_iso
from annotator.rubric.model import Criterion
from annotator.store.project import Project

CHOICE_KINDS = ("binary", "categorical", "preference")


@dataclass(frozen=True)
class DecoyPlan:
    id: int | None
    values: dict[str, Any]
    rationale: str | None
    source: str


def expert_answer(project: Project, item_id: str) -> tuple[dict[str, Any], str] | None:
    """(criterion -> expert value, origin) for an item with a known answer, else None."""
    row = project.row(
        "SELECT reference FROM anchors WHERE item_id = ? AND status = 'active'", (item_id,)
    )
    if row is not None:
        return json.loads(row[0]), "anchor"
    rows = project.rows(
        "SELECT criterion, value_json FROM current_adjudications WHERE item_id = ?", (item_id,)
    )
    if rows:
        return {r[0]: json.loads(r[1]) for r in rows}, "adjudication"
    return None


def wrong_value(criterion: Criterion, expert: Any, rng: random.Random) -> Any:
    """A plausible wrong answer for one criterion, or None when there is none to give."""
    options = criterion.option_values
    if criterion.kind == "ordinal" and expert in options:
        at = options.index(expert)
        near = [i for i in (at - 2, at - 1, at + 1, at + 2) if 0 <= i < len(options)]
        return options[rng.choice(near)] if near else None
    if criterion.kind in CHOICE_KINDS:
        others = [v for v in options if v != expert]
        return rng.choice(others) if others else None
    if criterion.kind == "multilabel" and options:
        chosen = set(expert or [])
        flip = rng.choice(options)
        changed = chosen ^ {flip}
        return [v for v in options if v in changed]
    return None


def wrong_values(
    criteria: list[Criterion],
    expert: dict[str, Any],
    base: dict[str, Any],
    rng: random.Random,
) -> dict[str, Any] | None:
    """The decoy's suggestion: wrong on every criterion with an expert answer that has
    a wrong option, the judge's value (or a random option) elsewhere. None if nothing
    could be made wrong."""
    out: dict[str, Any] = {}
    wrong = 0
    for criterion in criteria:
        key = criterion.key
        if key in expert and (value := wrong_value(criterion, expert[key], rng)) is not None:
            out[key] = value
            wrong += 1
        elif key in base:
            out[key] = base[key]
        elif criterion.kind in (*CHOICE_KINDS, "ordinal") and criterion.option_values:
            out[key] = rng.choice(criterion.option_values)
    return out if wrong else None


def decoy_rng(seed: int, name: str, where: str) -> random.Random:
    return random.Random(f"{seed}|{name}|decoy|{where}")


def is_decoy_draw(rng: random.Random, kind: str, decoy_rate: float, anchor_rate: float) -> bool:
    """The seeded draw: an anchor entry with probability rate / anchor rate (capped at 1)."""
    if decoy_rate <= 0:
        return False
    if kind == "anchor":
        share = decoy_rate / anchor_rate if anchor_rate > 0 else 1.0
        return rng.random() < min(1.0, share)
    return rng.random() < decoy_rate


def borrowed_rationale(
    project: Project,
    source_id: int,
    item_id: str,
    values: dict[str, Any],
    expert: dict[str, Any],
    rng: random.Random,
) -> str | None:
    """A rationale the suggesting source gave on another item for one of the wrong values."""
    for key in sorted(k for k in values if k in expert):
        value = values[key]
        if isinstance(value, list):
            continue
        rows = project.rows(
            "SELECT rationale FROM effective_labels WHERE source_id = ? AND item_id != ? "
            "AND rationale IS NOT NULL AND json_extract(values_json, ?) = ? "
            "ORDER BY id DESC LIMIT 50",
            (source_id, item_id, f'$."{key}"', int(value) if isinstance(value, bool) else value),
        )
        if rows:
            return rng.choice([r[0] for r in rows])
    rows = project.rows(
        "SELECT rationale FROM effective_labels WHERE source_id = ? AND item_id != ? "
        "AND rationale IS NOT NULL ORDER BY id DESC LIMIT 50",
        (source_id, item_id),
    )
    return rng.choice([r[0] for r in rows]) if rows else None


def stored_plan(row: Any) -> DecoyPlan:
    return DecoyPlan(row["id"], json.loads(row["shown_json"]), row["rationale"], row["source"])


def insert_plan(
    project: Project,
    annotator_id: int,
    item_id: str,
    plan: DecoyPlan,
    expert: dict[str, Any],
    origin: str,
    *,
    position: int | None = None,
    pack_id: str | None = None,
) -> DecoyPlan:
    """Write a decoy's plan row (its own short transaction, or the caller's)."""
    with project.transaction():
        decoy_id = project.conn.execute(
            "INSERT INTO review_decoys(annotator_id, item_id, position, pack_id, shown_json, "
            "rationale, source, expert_json, origin, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                annotator_id,
                item_id,
                position,
                pack_id,
                json.dumps(plan.values, ensure_ascii=False, sort_keys=True),
                plan.rationale,
                plan.source,
                json.dumps(expert, ensure_ascii=False, sort_keys=True),
                origin,
                now_iso(),
            ),
        ).lastrowid
    return DecoyPlan(decoy_id, plan.values, plan.rationale, plan.source)


__all__ = [
    "DecoyPlan",
    "expert_answer",
    "insert_plan",
    "is_decoy_draw",
    "wrong_value",
    "wrong_values",
]
