"""Suggestions and decoys in work packs (assisted review, issue 17).

When the lead's queue for the person is assisted, a new pack carries, per item, the
suggestion to show (`pack_suggestions` in the pack file), and the pack's queue
settings say `assisted`. Decoys are planned here, on the pack's anchor entries, with
the same seeded draw and the same wrong-suggestion rule as the live queue
(:mod:`annotator.workbench.decoys`); a decoy's row in the pack is exactly like any
other suggestion's. Its plan (with the expert answer) is written to the project's
`review_decoys` only, keyed by pack id and item, when the pack is recorded. A top-up
does the same for the entries it adds (and turns the pack's queue assisted). Merging
the pack back records, per merged label, what the pack showed (`review_suggestions`,
via 'pack'), and the lead's side names the decoy.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from annotator.exchange.pack_plan import PlannedEntry
from annotator.queue.settings import get_settings
from annotator.sources.sources import Annotator
from annotator.store.project import Project
from annotator.workbench.decoys import (
    DecoyPlan,
    decoy_rng,
    expert_answer,
    insert_plan,
    is_decoy_draw,
)
from annotator.workbench.suggestions import (
    Shown,
    Suggestion,
    judge_suggestion,
    latest_version,
    make_decoy,
    record_shown,
    suggest_source,
)


@dataclass(frozen=True)
class Offer:
    """What a pack shows with one item; `decoy` (lead only) is never written to the pack."""

    item_id: str
    shown: Shown
    decoy: tuple[DecoyPlan, dict[str, Any], str] | None = None


def plan_offers(
    project: Project,
    person: Annotator,
    entries: Sequence[PlannedEntry],
    pack_id: str,
    start: int = 0,
) -> list[Offer]:
    """The suggestion for each entry of a new pack, or of the entries a top-up adds from
    position `start` (none when the queue is not assisted)."""
    settings = get_settings(project, person.id)
    if not settings.assisted:
        return []
    source = suggest_source(project, settings.suggest_from)
    if source is None:
        return []
    anchor_share = sum(e.kind == "anchor" for e in entries) / max(1, len(entries))
    offers: list[Offer] = []
    for position, entry in enumerate(entries, start):
        known = expert_answer(project, entry.item_id) if entry.kind == "anchor" else None
        if known is not None and settings.decoy_rate > 0:
            rng = decoy_rng(settings.seed, person.name, f"{pack_id}|{position}")
            if is_decoy_draw(rng, "anchor", settings.decoy_rate, anchor_share):
                plan = make_decoy(project, source, entry.item_id, known[0], rng)
                if plan is not None:
                    suggestion = Suggestion(plan.values, plan.rationale, plan.source)
                    shown = Shown(suggestion, latest_version(project, source))
                    offers.append(Offer(entry.item_id, shown, (plan, *known)))
                    continue
        shown = judge_suggestion(project, source, entry.item_id)
        if shown is not None:
            offers.append(Offer(entry.item_id, shown))
    return offers


def write_offers(pack: Project, offers: Sequence[Offer]) -> None:
    """The pack's side: the suggestions only (inside the pack's write transaction); a
    top-up also turns the pack's queue assisted."""
    if not offers:
        return
    has = pack.row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pack_suggestions'")
    if has is None:  # a pack made before assisted review: it goes on without suggestions
        return
    pack.conn.execute("UPDATE queue_settings SET assisted = 1")
    pack.conn.executemany(
        "INSERT INTO pack_suggestions(item_id, values_json, rationale, source, source_version, "
        "source_label_id) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                o.item_id,
                json.dumps(o.shown.suggestion.values, ensure_ascii=False, sort_keys=True),
                o.shown.suggestion.rationale,
                o.shown.suggestion.source,
                o.shown.source_version,
                None,  # never the judge label's id: a decoy would be the one without it
            )
            for o in offers
        ],
    )


def record_decoys(
    project: Project, annotator_id: int, pack_id: str, offers: Sequence[Offer]
) -> int:
    """The lead's side: the decoy plans of a recorded pack (inside its transaction)."""
    count = 0
    for offer in offers:
        if offer.decoy is not None:
            plan, expert, origin = offer.decoy
            insert_plan(project, annotator_id, offer.item_id, plan, expert, origin, pack_id=pack_id)
            count += 1
    return count


def pack_shown(conn: sqlite3.Connection) -> dict[int, sqlite3.Row]:
    """The pack's record of what each of its labels was shown (pack label id -> row)."""
    has = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'review_suggestions'"
    ).fetchone()
    if has is None:  # a pack made before assisted review
        return {}
    return {row["label_id"]: row for row in conn.execute("SELECT * FROM review_suggestions")}


def record_merged(
    project: Project, pack_id: str, annotator_id: int, shown: Sequence[tuple[int, Any]]
) -> None:
    """Per merged label, what the pack showed; the decoy is found on the lead's side."""
    for label_id, row in shown:
        suggestion = None
        if row["visible"]:
            values = json.loads(row["values_json"]) if row["values_json"] else {}
            suggestion = Suggestion(values, row["rationale"], row["source"] or "")
        decoy_id = project.scalar(
            "SELECT id FROM review_decoys WHERE pack_id = ? AND item_id = ?",
            (pack_id, row["item_id"]),
        )
        record_shown(
            project,
            label_id,
            annotator_id,
            row["item_id"],
            Shown(suggestion, row["source_version"], row["source_label_id"])
            if suggestion is not None
            else None,
            via="pack",
            decoy_id=decoy_id if suggestion is not None else None,
        )


__all__ = ["Offer", "pack_shown", "plan_offers", "record_decoys", "record_merged", "write_offers"]
