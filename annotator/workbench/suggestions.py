"""Assisted review: the suggestion shown beside the form, and the record of what was shown.

With the queue setting `assisted` on, each item comes with a suggestion: the latest
label on it from the judge (or label source) named by `suggest_from`, its values and
rationale. Some entries are decoys (:mod:`annotator.workbench.decoys`): an item whose
expert answer is known, shown with a deliberately wrong suggestion. A decoy comes
through the same call, as the same :class:`Suggestion` (values, rationale, source),
so nothing the annotate view receives tells it from any other.

Every label submitted through a :class:`~annotator.workbench.session.WorkSession` in
an assisted queue records, in the label's own transaction, whether a suggestion was
visible and what it was (`review_suggestions`, keyed by label id; the lead's copy
also names the decoy). In a work pack the suggestions travel in `pack_suggestions`
(written when the pack is made) and a merge records them against the merged labels.

    >>> suggestion_for(project, annotator.id, "med-001")
    Suggestion(values={'correctness': 4}, rationale='Cites the guideline.', source='gpt-judge')
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from annotator.base.clock import now_iso
from annotator.queue.settings import QueueSettings, get_settings
from annotator.rubric.versions import current_version
from annotator.store.project import Project
from annotator.workbench.decoys import (
    DecoyPlan,
    borrowed_rationale,
    decoy_rng,
    expert_answer,
    insert_plan,
    is_decoy_draw,
    stored_plan,
    wrong_values,
)


@dataclass(frozen=True)
class Suggestion:
    """What the annotate view shows beside the form (a decoy looks exactly the same)."""

    values: dict[str, Any]
    rationale: str | None
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"values": dict(self.values), "rationale": self.rationale, "source": self.source}


@dataclass(frozen=True)
class Shown:
    """A suggestion with its provenance, for the record (lead side; never shown)."""

    suggestion: Suggestion
    source_version: str | None = None
    source_label_id: int | None = None
    decoy_id: int | None = None


@dataclass(frozen=True)
class SuggestSource:
    source_id: int
    name: str


def suggest_source(project: Project, suggest_from: str | None) -> SuggestSource | None:
    """The label source suggestions come from: a judge by name, else a source by name;
    with no name, the newest judge. None when there is none."""
    if suggest_from is None:
        row = project.row("SELECT source_id, name FROM judges ORDER BY id DESC LIMIT 1")
    else:
        row = project.row("SELECT source_id, name FROM judges WHERE name = ?", (suggest_from,))
        if row is None:
            row = project.row("SELECT id, name FROM sources WHERE name = ?", (suggest_from,))
    return SuggestSource(row[0], row[1]) if row else None


def _label_version(project: Project, label_id: int) -> str | None:
    return project.scalar(
        "SELECT 'v' || v.number FROM judge_results r JOIN judge_versions v "
        "ON v.id = r.version_id WHERE r.label_id = ? LIMIT 1",
        (label_id,),
    )


def judge_label(project: Project, source: SuggestSource, item_id: str) -> Any:
    return project.row(
        "SELECT id, values_json, rationale FROM effective_labels WHERE item_id = ? "
        "AND source_id = ? ORDER BY id DESC LIMIT 1",
        (item_id, source.source_id),
    )


def judge_suggestion(project: Project, source: SuggestSource, item_id: str) -> Shown | None:
    """The latest current label of the suggesting source on the item."""
    row = judge_label(project, source, item_id)
    if row is None:
        return None
    suggestion = Suggestion(json.loads(row["values_json"]), row["rationale"], source.name)
    return Shown(suggestion, _label_version(project, row["id"]), row["id"])


def _packed(project: Project, item_id: str) -> Shown | None:
    row = project.row("SELECT * FROM pack_suggestions WHERE item_id = ?", (item_id,))
    if row is None:
        return None
    suggestion = Suggestion(json.loads(row["values_json"]), row["rationale"], row["source"])
    return Shown(suggestion, row["source_version"], row["source_label_id"])


def _annotator_name(project: Project, annotator_id: int) -> str:
    return project.scalar("SELECT name FROM annotators WHERE id = ?", (annotator_id,)) or ""


def make_decoy(
    project: Project,
    source: SuggestSource,
    item_id: str,
    expert: dict[str, Any],
    rng: Any,
) -> DecoyPlan | None:
    """The wrong suggestion for a decoy on this item (not stored)."""
    pairwise = bool(project.scalar("SELECT pairwise FROM items WHERE id = ?", (item_id,)))
    criteria = current_version(project).criteria_for(pairwise)
    base_row = judge_label(project, source, item_id)
    base = json.loads(base_row["values_json"]) if base_row is not None else {}
    answers = {  # a wrong suggestion never spells another anchor's whole answer either
        json.dumps(json.loads(r[0]), sort_keys=True)
        for r in project.rows("SELECT reference FROM anchors WHERE status = 'active'")
    }
    values = None
    for _ in range(20):
        values = wrong_values(criteria, expert, base, rng)
        if values is None or json.dumps(values, sort_keys=True) not in answers:
            break
    if values is None:
        return None
    rationale = borrowed_rationale(project, source.source_id, item_id, values, expert, rng)
    return DecoyPlan(None, values, rationale, source.name)


def latest_version(project: Project, source: SuggestSource) -> str | None:
    return project.scalar(
        "SELECT 'v' || v.number FROM judge_versions v JOIN judges j ON j.id = v.judge_id "
        "WHERE j.source_id = ? ORDER BY v.number DESC LIMIT 1",
        (source.source_id,),
    )


def _live_decoy(
    project: Project,
    settings: QueueSettings,
    annotator_id: int,
    item_id: str,
    source: SuggestSource,
) -> Shown | None:
    """The decoy planned for this person's latest entry of the item, planning it now if
    the entry is open and the seeded draw says so."""
    entry = project.row(
        "SELECT position, kind, label_floor FROM queue_log WHERE annotator_id = ? "
        "AND item_id = ? ORDER BY position DESC LIMIT 1",
        (annotator_id, item_id),
    )
    if entry is None:
        return None
    row = project.row(
        "SELECT * FROM review_decoys WHERE annotator_id = ? AND position = ?",
        (annotator_id, entry["position"]),
    )
    if row is not None:
        plan = stored_plan(row)
    else:
        plan = _plan_open(project, settings, annotator_id, item_id, source, entry)
        if plan is None:
            return None
    return Shown(
        Suggestion(plan.values, plan.rationale, plan.source),
        latest_version(project, source),
        None,
        plan.id,
    )


def _plan_open(
    project: Project,
    settings: QueueSettings,
    annotator_id: int,
    item_id: str,
    source: SuggestSource,
    entry: Any,
) -> DecoyPlan | None:
    if settings.decoy_rate <= 0:
        return None
    last = project.scalar(
        "SELECT max(position) FROM queue_log WHERE annotator_id = ?", (annotator_id,)
    )
    answered = project.row(
        "SELECT 1 FROM labels WHERE item_id = ? AND annotator_id = ? AND id > ? "
        "AND status IN ('submitted', 'skipped', 'flagged') LIMIT 1",
        (item_id, annotator_id, entry["label_floor"]),
    )
    if entry["position"] != last or answered is not None:
        return None  # only the open entry may become a decoy, never one already answered
    known = expert_answer(project, item_id)
    if known is None:
        return None
    expert, origin = known
    name = _annotator_name(project, annotator_id)
    rng = decoy_rng(settings.seed, name, str(entry["position"]))
    if not is_decoy_draw(rng, entry["kind"], settings.decoy_rate, settings.current_anchor_rate):
        return None
    plan = make_decoy(project, source, item_id, expert, rng)
    if plan is None:
        return None
    return insert_plan(
        project, annotator_id, item_id, plan, expert, origin, position=entry["position"]
    )


def shown_for(project: Project, annotator_id: int, item_id: str) -> Shown | None:
    """The suggestion to show with its provenance, or None (assisted off, or nothing to
    suggest). May write the decoy plan row of the open entry (one short transaction)."""
    settings = get_settings(project, annotator_id)
    if not settings.assisted:
        return None
    packed = _packed(project, item_id)
    if packed is not None:
        return packed
    source = suggest_source(project, settings.suggest_from)
    if source is None:
        return None
    decoy = _live_decoy(project, settings, annotator_id, item_id, source)
    return decoy if decoy is not None else judge_suggestion(project, source, item_id)


def suggestion_for(project: Project, annotator_id: int, item_id: str) -> Suggestion | None:
    """What to show beside the form for this person and item (None: show nothing)."""
    shown = shown_for(project, annotator_id, item_id)
    return shown.suggestion if shown is not None else None


def is_assisted(project: Project, annotator_id: int) -> bool:
    return get_settings(project, annotator_id).assisted


def record_shown(
    project: Project,
    label_id: int,
    annotator_id: int,
    item_id: str,
    shown: Shown | None,
    *,
    via: str = "app",
    decoy_id: int | None = None,
) -> None:
    """Record, for one label, whether a suggestion was visible and what it was
    (inside the caller's transaction; a label is recorded once)."""
    suggestion = shown.suggestion if shown is not None else None
    project.conn.execute(
        "INSERT OR IGNORE INTO review_suggestions(label_id, annotator_id, item_id, visible, "
        "values_json, rationale, source, source_version, source_label_id, decoy_id, via, "
        "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            label_id,
            annotator_id,
            item_id,
            int(suggestion is not None),
            json.dumps(suggestion.values, ensure_ascii=False, sort_keys=True)
            if suggestion
            else None,
            suggestion.rationale if suggestion else None,
            suggestion.source if suggestion else None,
            shown.source_version if shown else None,
            shown.source_label_id if shown else None,
            decoy_id if decoy_id is not None else (shown.decoy_id if shown else None),
            via,
            now_iso(),
        ),
    )


__all__ = [
    "Shown",
    "Suggestion",
    "is_assisted",
    "judge_suggestion",
    "latest_version",
    "make_decoy",
    "record_shown",
    "shown_for",
    "suggest_source",
    "suggestion_for",
]
