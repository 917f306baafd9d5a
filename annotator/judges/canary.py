"""A judge's canary set: items with known answers it is asked again and again, so a judge
that changes behind an unchanged model name shows up as falling canary accuracy.

Canaries come from the active anchors (their reference answers and tolerances) or from
expert-labeled items (per criterion, the expert reference of `labels.reference`: the
adjudicated value first, else the experts' consensus; a criterion where the experts tie
is left out for that item, and counted). The expected answers are frozen into
`judge_canaries.expected_json` when chosen, as {"values": {criterion: value},
"tolerances": {criterion: tolerance}}, so later anchor edits or expert labels never
move the yardstick. They stay on the lead's side: the prompt is built from the item
alone (`prompt.build_messages`), never from these values.

    >>> add_canaries(project, "judge-acme", "anchors", n=40, by="lead")
    >>> [c.item_id for c in list_canaries(project, "judge-acme")]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from annotator.anchors.anchors import list_anchors
from annotator.anchors.scoring import score_value
from annotator.base.clock import now_iso
from annotator.base.errors import NotFoundError
from annotator.judges.config import JudgeError, get_judge
from annotator.labels.data import criterion_specs, item_ids, load_names
from annotator.labels.load import load_all
from annotator.labels.reference import EXPERT, expert_reference, is_numeric
from annotator.rubric.model import RubricVersion
from annotator.rubric.versions import current_version
from annotator.store.project import Project

CHOICES = ("anchors", "expert", "anchors+expert")


class CanaryError(JudgeError):
    """A canary set cannot be changed as asked; the message says which items and why."""


@dataclass(frozen=True)
class Canary:
    item_id: str
    origin: str  # "anchor" or "expert"
    expected: dict[str, Any]
    tolerances: dict[str, float] = field(default_factory=dict)
    added_at: str = ""
    added_by: str = ""
    removed_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CanaryChange:
    judge: str
    added: list[str] = field(default_factory=list)
    already: int = 0  # already in the set, left as they were
    tied_items: int = 0  # expert-labeled items skipped: the experts tie on every criterion
    tied_criteria: int = 0  # (item, criterion) pairs left out because the experts tie
    removed: int = 0
    size: int = 0  # the set's size afterwards

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        if self.removed:
            return f"{self.removed} canaries removed from {self.judge!r}; {self.size} remain."
        ties = ""
        if self.tied_items or self.tied_criteria:
            ties = (
                f"; {self.tied_items} expert-labeled items skipped and {self.tied_criteria} "
                "criteria left out where the experts tie"
            )
        return (
            f"{len(self.added)} canaries added to {self.judge!r} ({self.already} already in "
            f"the set{ties}); the set has {self.size} items."
        )


# -- choosing -----------------------------------------------------------------------------


def _scored(rubric: RubricVersion, values: dict[str, Any]) -> dict[str, Any]:
    """Only criteria a canary answer can be scored on (present now, and not free text)."""
    return {
        k: v for k, v in values.items() if k in rubric.keys and rubric.criterion(k).kind != "text"
    }


def anchor_expectations(project: Project) -> dict[str, tuple[dict[str, Any], dict[str, float]]]:
    """item id -> (reference, tolerances) of every live anchor, without criteria under review."""
    rubric = current_version(project)
    out = {}
    for anchor in list_anchors(project):
        live = {k: v for k, v in anchor.reference.items() if k not in anchor.review}
        values = _scored(rubric, live)
        if values:
            tolerances = {k: float(t) for k, t in anchor.tolerances.items() if k in values}
            out[anchor.item_id] = (values, tolerances)
    return out


def expert_expectations(project: Project) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """item id -> the expert reference per criterion, and item id -> criteria left out as
    tied (`labels.reference.expert_reference`: adjudicated first, else the consensus)."""
    names = load_names(project)
    experts = [s for s, kind in names.source_kinds.items() if kind == EXPERT]
    rubric = current_version(project)
    specs = [s for s in criterion_specs(project) if s.key in rubric.keys]
    tables = load_all(project, specs=specs)
    by_seq: dict[int, dict[str, Any]] = {}
    options: dict[tuple[int, str], dict[Any, bool]] = {}
    tied: dict[int, set[str]] = {}
    for spec in specs:
        table = tables[spec.name]
        reference = expert_reference(project, table, experts)
        labeled = set(table.item[np.isin(table.source, experts)].tolist())
        defined = set() if reference is None else set(reference.items.tolist())
        for seq in labeled - defined:
            tied.setdefault(seq, set()).add(spec.key)
        if reference is None:
            continue
        for seq, value in zip(reference.items.tolist(), reference.value.tolist(), strict=True):
            if spec.option is not None:
                options.setdefault((seq, spec.key), {})[spec.option] = bool(
                    table.values[int(value)]
                )
            elif is_numeric(table):
                if spec.kind == "numeric":
                    number = int(value) if value.is_integer() else value
                    by_seq.setdefault(seq, {})[spec.key] = number
                else:  # an ordinal criterion measured as interval: a mean is off the scale
                    tied.setdefault(seq, set()).add(spec.key)
            else:
                by_seq.setdefault(seq, {})[spec.key] = table.values[int(value)]
    for (seq, key), ticked in options.items():
        scale = rubric.criterion(key).option_values
        if key in tied.get(seq, set()) or set(ticked) != set(scale):
            tied.setdefault(seq, set()).add(key)
            continue
        by_seq.setdefault(seq, {})[key] = [o for o in scale if ticked[o]]
    ids = item_ids(project, sorted(set(by_seq) | set(tied)))
    expected = {ids[s]: v for s, v in by_seq.items() if s in ids}
    ties = {ids[s]: len(keys) for s, keys in tied.items() if s in ids}
    return expected, ties


def add_canaries(
    project: Project,
    judge_name: str,
    items: str | Sequence[str] = "anchors",
    n: int | None = None,
    by: str = "lead",
) -> CanaryChange:
    """Add items to a judge's canary set (at most `n` new ones, in import order): the
    active anchors, the expert-labeled items, both ("anchors+expert"), or these item ids
    (each an anchor, else expert-labeled; anything else is refused). One transaction."""
    judge = get_judge(project, judge_name)
    if n is not None and n < 1:
        raise CanaryError("--n must be 1 or more.")
    anchors = anchor_expectations(project)
    experts, ties = expert_expectations(project)
    change = CanaryChange(judge.name)
    chosen: dict[str, tuple[str, dict[str, Any], dict[str, float]]] = {}
    if isinstance(items, str):
        if items not in CHOICES:
            raise CanaryError(f"Unknown canary choice {items!r}; use {', '.join(CHOICES)}.")
        if "anchors" in items:
            chosen.update({i: ("anchor", v, t) for i, (v, t) in anchors.items()})
        if "expert" in items:
            for item_id, values in experts.items():
                chosen.setdefault(item_id, ("expert", values, {}))
            change.tied_items = sum(1 for i in ties if i not in experts and i not in chosen)
            change.tied_criteria = sum(c for i, c in ties.items() if i in experts)
        ordered = _in_import_order(project, list(chosen))
    else:
        ordered = list(dict.fromkeys(items))
        _check_known(project, ordered)
        refused = [i for i in ordered if i not in anchors and i not in experts]
        if refused:
            more = f" and {len(refused) - 5} more" if len(refused) > 5 else ""
            shown = ", ".join(refused[:5]) + more
            raise CanaryError(
                f"Not added: {shown} {'is' if len(refused) == 1 else 'are'} neither an active "
                "anchor nor expert-labeled (with a reference the experts agree on), so there "
                "is no known answer to check the judge against."
            )
        for item_id in ordered:
            if item_id in anchors:
                chosen[item_id] = ("anchor", *anchors[item_id])
            else:
                chosen[item_id] = ("expert", experts[item_id], {})
    current = {
        r[0]
        for r in project.rows(
            "SELECT item_id FROM judge_canaries WHERE judge_id = ? AND removed_at IS NULL",
            (judge.id,),
        )
    }
    stamp = now_iso()
    with project.transaction():
        for item_id in ordered:
            if item_id in current:
                change.already += 1
                continue
            if n is not None and len(change.added) >= n:
                break
            origin, values, tolerances = chosen[item_id]
            expected = json.dumps({"values": values, "tolerances": tolerances}, sort_keys=True)
            project.conn.execute(
                "INSERT INTO judge_canaries(judge_id, item_id, origin, expected_json, added_at, "
                "added_by, removed_at) VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT(judge_id, "
                "item_id) DO UPDATE SET origin = excluded.origin, expected_json = "
                "excluded.expected_json, added_at = excluded.added_at, added_by = "
                "excluded.added_by, removed_at = NULL",
                (judge.id, item_id, origin, expected, stamp, by),
            )
            change.added.append(item_id)
        if change.added:
            project.audit(
                "judge_canary_add",
                target=judge.name,
                details={"items": len(change.added), "by": by},
            )
    change.size = len(list_canaries(project, judge.name))
    return change


def _in_import_order(project: Project, ids: list[str]) -> list[str]:
    seqs = dict(project.rows("SELECT id, seq FROM items"))
    return sorted((i for i in ids if i in seqs), key=lambda i: seqs[i])


def _check_known(project: Project, ids: list[str]) -> None:
    known = {r[0] for r in project.rows("SELECT id FROM items")}
    missing = [i for i in ids if i not in known]
    if missing:
        raise NotFoundError(f"No item {missing[0]!r} in this project; no canary was added.")


def remove_canaries(
    project: Project, judge_name: str, item_ids: Sequence[str] | None = None
) -> CanaryChange:
    """Take items out of the set (all of it without ids). Their past answers stay."""
    judge = get_judge(project, judge_name)
    live = {c.item_id for c in list_canaries(project, judge.name)}
    wanted = list(live) if item_ids is None else list(dict.fromkeys(item_ids))
    missing = [i for i in wanted if i not in live]
    if missing:
        raise CanaryError(f"{missing[0]!r} is not in the canary set of {judge.name!r}.")
    change = CanaryChange(judge.name)
    with project.transaction():
        stamp = now_iso()
        for item_id in wanted:
            project.conn.execute(
                "UPDATE judge_canaries SET removed_at = ? WHERE judge_id = ? AND item_id = ?",
                (stamp, judge.id, item_id),
            )
        if wanted:
            project.audit("judge_canary_remove", target=judge.name, details={"items": len(wanted)})
    change.removed = len(wanted)
    change.size = len(live) - len(wanted)
    return change


def list_canaries(project: Project, judge_name: str, removed: bool = False) -> list[Canary]:
    """The judge's canary set, oldest first (with `removed`, past members too)."""
    judge = get_judge(project, judge_name)
    where = "" if removed else " AND removed_at IS NULL"
    rows = project.rows(
        f"SELECT * FROM judge_canaries WHERE judge_id = ?{where} ORDER BY id", (judge.id,)
    )
    out = []
    for row in rows:
        frozen = json.loads(row["expected_json"])
        out.append(
            Canary(
                row["item_id"],
                row["origin"],
                frozen["values"],
                frozen.get("tolerances", {}),
                row["added_at"],
                row["added_by"],
                row["removed_at"],
            )
        )
    return out


# -- scoring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CanaryScore:
    criterion: str
    value: Any  # the judge's answer (None: it gave none)
    expected: Any
    correct: bool


def score_canary(
    rubric: RubricVersion, canary: Canary, values: dict[str, Any]
) -> list[CanaryScore]:
    """Each criterion's answer against the frozen expected value, by the anchors' rule
    (`anchors.scoring.score_value`, with the canary's tolerance). No answer on an expected
    criterion is wrong (a multilabel criterion left empty answered "none of these");
    criteria no longer in the rubric, or whose expected value no longer fits it, are skipped."""
    out = []
    for key, expected in canary.expected.items():
        if key not in rubric.keys:
            continue
        criterion = rubric.criterion(key)
        value = values.get(key, [] if criterion.kind == "multilabel" else None)
        if value is None:
            out.append(CanaryScore(key, None, expected, False))
            continue
        try:
            score = score_value(criterion, expected, value, canary.tolerances.get(key))
        except (ValueError, TypeError):
            continue
        if score is not None:
            out.append(CanaryScore(key, value, expected, score.correct))
    return out
