"""Judge-first routing: which items a judge has labeled still need a human, and why.

Per item up for routing (not an anchor, not assigned to anyone, without an expert
reference on every criterion) the reasons it needs a human:

- not judged: the judge has no label on some criterion, or its last call failed;
- samples disagree: at most half of the judge's samples agree with its label
  (`judge_results.confidence` <= 0.5), or two of its versions labeled it differently;
- low confidence: sample agreement below `min_confidence` (default 0.8);
- second judge disagrees: another llm_judge source (`second_judge`, or any) gave
  another value on some criterion;
- not trusted here / assist only here: the judge's alignment verdict
  (`judge_alignment(by="slice")`) is not "stands in" where the item is. The most
  specific figures decide: the verdicts of the item's slices that have one (the
  worst of them), else the criterion's own; a criterion with no alignment at all
  counts as not trusted.

Items are ranked by the weight of their reasons (`WEIGHTS`, then the sample
agreement's shortfall, then a seeded shuffle), and cut to a budget of expert hours
(at the expert labels' mean `duration_s`) or money (their mean `cost`, else the
expert sources' cost model); the plan says what the cut leaves out. Every other
item keeps the judge's label as its provisional label.

The judged-only remainder's accuracy (the share of its labels that equal the expert
reference; numeric criteria within 0.5) is estimated from the expert-labeled items
the alignment paired, stratified by (reasons, slice cell), where a slice cell is an
item's combination of slice tags: a remainder item is measured against checked
items that routing treats exactly like it. Strata with fewer than MIN_CHECKED
checked items pool upward, as a partition: (reasons) alone, then flagged or not,
then everything. `annotator.stats.stratified` gives the point and a Jeffreys
posterior predictive interval. It assumes the expert-labeled items are like the
others of their stratum (e.g. a random sample), which a queue's random order gives.

    >>> plan = route_by_judge(project, "judge-acme", budget_hours=40)
    >>> [r.item_id for r in plan.to_humans], plan.remainder["overall"]["ci"]
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from annotator.base.errors import AnnotatorError, NotFoundError
from annotator.judges.align import DEFAULT_THRESHOLDS, judge_alignment
from annotator.judges.align_groups import TOO_FEW
from annotator.judges.align_rows import NOT_TRUSTED, STANDS_IN, Alignment, Thresholds
from annotator.labels.data import LabelTable, Names, criterion_specs, load_names
from annotator.labels.expert_cost import budget_capacity, expert_rates
from annotator.labels.load import load_all
from annotator.labels.reference import EXPERT, consensus, expert_reference, is_numeric
from annotator.labels.slices import slice_tags
from annotator.stats.defaults import CONFIDENCE, N_BOOT, SEED
from annotator.stats.stratified import stratified_accuracy
from annotator.store.project import Project

NOT_JUDGED = "not judged"
SAMPLES_DISAGREE = "samples disagree"
LOW_CONFIDENCE = "low confidence"
SECOND_JUDGE = "second judge disagrees"
NOT_TRUSTED_HERE = "not trusted here"
ASSIST_ONLY_HERE = "assist only here"
WEIGHTS = {
    NOT_JUDGED: 8,
    SAMPLES_DISAGREE: 4,
    NOT_TRUSTED_HERE: 4,
    SECOND_JUDGE: 3,
    ASSIST_ONLY_HERE: 2,
    LOW_CONFIDENCE: 1,
}
REASONS = tuple(WEIGHTS)
MIN_CONFIDENCE = 0.8
SPLIT_AT = 0.5  # sample agreement at or below this: no clear majority
MIN_CHECKED = 10  # checked items a stratum needs before it stands alone
NUMERIC_TOLERANCE = 0.5
AUDIT_ACTION = "route_by_judge"


class RoutingError(AnnotatorError):
    """A routing request that cannot be planned."""


@dataclass
class RoutedItem:
    item_id: str
    reasons: list[str]
    details: list[str]
    score: float
    confidence: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RoutingPlan:
    judge: str
    to_humans: list[RoutedItem]
    left_out: list[RoutedItem]  # needing a human, but beyond the budget
    kept: list[str]  # keep the judge's label as their provisional label
    excluded: dict[str, int]  # anchors, already assigned, already with an expert reference
    expert: dict[str, Any]  # seconds and cost per label, hours and money for to_humans
    budget: dict[str, Any] | None
    remainder: dict[str, Any]  # estimated accuracy of the judged-only remainder
    verdicts: dict[str, Any]  # per criterion: its verdict and its slices'
    notes: list[str] = field(default_factory=list)

    def reason_counts(self, which: str = "to_humans") -> dict[str, int]:
        counts = Counter(r for item in getattr(self, which) for r in item.reasons)
        return {r: counts[r] for r in REASONS if counts[r]}

    def to_dict(self) -> dict[str, Any]:
        return {
            "judge": self.judge,
            "to_humans": [r.to_dict() for r in self.to_humans],
            "left_out": [r.to_dict() for r in self.left_out],
            "kept": self.kept,
            "counts": {
                "to_humans": len(self.to_humans),
                "left_out": len(self.left_out),
                "kept": len(self.kept),
                "reasons": self.reason_counts(),
                "left_out_reasons": self.reason_counts("left_out"),
            },
            "excluded": self.excluded,
            "expert": self.expert,
            "budget": self.budget,
            "remainder": self.remainder,
            "verdicts": self.verdicts,
            "notes": self.notes,
        }


# -- what the project says about each item -------------------------------------------------
@dataclass
class _Facts:
    names: Names
    judge_source: int
    seq_of: dict[str, int]
    id_of: dict[int, str]
    judged: dict[str, dict[int, float]]  # criterion -> item seq -> judge's value
    split_versions: dict[int, list[str]]  # item seq -> criteria its versions disagree on
    confidence: dict[str, tuple[str, float | None]]  # item id -> (outcome, confidence)
    second: dict[int, list[str]]  # item seq -> "criterion (judge)" it disagrees on
    cells: dict[int, tuple[str, ...]]  # item seq -> its slice tags
    verdicts: dict[str, tuple[str, dict[str, str]]]  # criterion -> (verdict, slice verdicts)
    numeric: dict[str, bool]


def _judge_source(names: Names, name: str) -> int:
    by_name = {v: k for k, v in names.sources.items()}
    if name in by_name and names.source_kinds[by_name[name]] == "llm_judge":
        return by_name[name]
    judges = sorted(v for k, v in names.sources.items() if names.source_kinds[k] == "llm_judge")
    raise NotFoundError(
        f"No judge (llm_judge label source) named {name!r} (judges: {', '.join(judges) or 'none'})."
    )


def _values(table: LabelTable, mask: np.ndarray) -> dict[int, float]:
    found = consensus(table.subset(mask))
    if found is None:
        return {}
    return dict(zip(found.items.tolist(), found.value.tolist(), strict=True))


def _split(table: LabelTable, mask: np.ndarray) -> set[int]:
    """Items where the judge's current labels (one per version) differ."""
    mine = table.subset(mask)
    pairs = np.unique(np.stack([mine.item, mine.code.astype(np.int64)]), axis=1)
    seqs, counts = np.unique(pairs[0], return_counts=True) if pairs.size else ([], [])
    return {int(s) for s, c in zip(seqs, counts, strict=True) if c > 1}


def _differs(a: float, b: float, numeric: bool) -> bool:
    return abs(a - b) > NUMERIC_TOLERANCE if numeric else a != b


def _latest_results(project: Project, source: int) -> dict[str, tuple[str, float | None]]:
    rows = project.rows(
        "SELECT r.item_id, r.outcome, r.confidence FROM judge_results r JOIN judges j "
        "ON j.id = r.judge_id WHERE j.source_id = ? ORDER BY r.id",
        (source,),
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def _verdicts(alignment: Alignment) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        row.criterion: (
            row.verdict,
            {g["group"]: g["verdict"] for g in row.groups if g["verdict"] != TOO_FEW},
        )
        for row in alignment.criteria
    }


def _facts(project: Project, judge: str, second_judge: str | None, alignment: Alignment) -> _Facts:
    names = load_names(project)
    source = _judge_source(names, judge)
    others = [k for k, v in names.source_kinds.items() if v == "llm_judge" and k != source]
    if second_judge is not None:
        others = [_judge_source(names, second_judge)]
        if others == [source]:
            raise RoutingError("The second judge must be another judge.")
    specs = criterion_specs(project)
    tables = load_all(project, specs=specs)
    judged, second, split = {}, {}, {}
    numeric = {}
    for spec in specs:
        table = tables[spec.name]
        numeric[spec.name] = is_numeric(table)
        mine = table.source == source
        judged[spec.name] = _values(table, mine)
        for seq in _split(table, mine):
            split.setdefault(seq, []).append(spec.name)
        for other in others:
            theirs = _values(table, table.source == other)
            for seq, value in theirs.items():
                own = judged[spec.name].get(seq)
                if own is not None and _differs(own, value, numeric[spec.name]):
                    second.setdefault(seq, []).append(f"{spec.name} ({names.sources[other]})")
    rows = project.rows("SELECT id, seq FROM items ORDER BY seq")
    cells: dict[int, list[str]] = {}
    for key, (seqs, values) in slice_tags(project).items():
        for seq, value in zip(seqs.tolist(), values.tolist(), strict=True):
            cells.setdefault(seq, []).append(f"{key}={value}")
    return _Facts(
        names,
        source,
        {r[0]: r[1] for r in rows},
        {r[1]: r[0] for r in rows},
        judged,
        split,
        _latest_results(project, source),
        second,
        {seq: tuple(v) for seq, v in cells.items()},
        _verdicts(alignment),
        numeric,
    )


def _reasons(facts: _Facts, seq: int, min_confidence: float) -> RoutedItem:
    item = facts.id_of[seq]
    reasons: set[str] = set()
    details: list[str] = []
    outcome, conf = facts.confidence.get(item, ("label", None))
    missing = [c for c, values in facts.judged.items() if seq not in values]
    if missing or outcome == "failure":
        reasons.add(NOT_JUDGED)
        details.append(
            "last judge call failed"
            if outcome == "failure"
            else f"no judge label on {', '.join(missing)}"
        )
    if conf is not None and conf <= SPLIT_AT:
        reasons.add(SAMPLES_DISAGREE)
        details.append(f"sample agreement {conf:.2f}")
    elif conf is not None and conf < min_confidence:
        reasons.add(LOW_CONFIDENCE)
        details.append(f"sample agreement {conf:.2f} < {min_confidence:g}")
    if seq in facts.split_versions:
        reasons.add(SAMPLES_DISAGREE)
        details.append(f"versions disagree on {', '.join(facts.split_versions[seq])}")
    if seq in facts.second:
        reasons.add(SECOND_JUDGE)
        details.append(f"second judge disagrees on {', '.join(facts.second[seq])}")
    cell = facts.cells.get(seq, ())
    for criterion in facts.judged:
        if criterion not in facts.verdicts:
            reasons.add(NOT_TRUSTED_HERE)
            details.append(f"{criterion}: no alignment with the expert reference")
            continue
        verdict, groups = facts.verdicts[criterion]
        where = [(groups[g], f"slice {g}") for g in cell if g in groups]
        where = where or [(verdict, "the criterion")]
        worst = min(where, key=lambda w: (w[0] != NOT_TRUSTED, w[0] == STANDS_IN))
        if worst[0] != STANDS_IN:
            reasons.add(NOT_TRUSTED_HERE if worst[0] == NOT_TRUSTED else ASSIST_ONLY_HERE)
            details.append(f"{criterion}: {worst[0]} in {worst[1]}")
    shortfall = max(0.0, 1.0 - conf) if conf is not None else 0.0
    score = sum(WEIGHTS[r] for r in reasons) + shortfall
    ordered = [r for r in REASONS if r in reasons]
    return RoutedItem(item, ordered, details, round(score, 6), conf)


# -- the remainder's accuracy ---------------------------------------------------------------
def _right(alignment: Alignment, facts: _Facts) -> dict[str, dict[int, bool]]:
    """criterion -> checked item seq -> whether the judge's label equals the reference."""
    out = {}
    for row in alignment.criteria:
        own = np.asarray(row.paired["own_code"], dtype=float)
        ref = np.asarray(row.paired["reference_code"], dtype=float)
        if facts.numeric.get(row.criterion):
            ok = np.abs(own - ref) <= NUMERIC_TOLERANCE
        else:
            ok = own == ref
        out[row.criterion] = dict(zip(row.paired["item"], ok.tolist(), strict=True))
    return out


def _levels(reasons: tuple[str, ...], cell: tuple[str, ...]) -> list[tuple[Any, ...]]:
    return [(0, reasons, cell), (1, reasons), (2, bool(reasons)), (3,)]


def _estimate(
    right: dict[int, bool],
    remainder: list[int],
    keys: dict[int, tuple[tuple[str, ...], tuple[str, ...]]],
    confidence: float,
    seed: int | None,
) -> dict[str, Any]:
    """Partition checked and remainder items into strata, pooling small ones upward."""
    open_checked, open_rest = list(right), list(remainder)
    strata: list[dict[str, Any]] = []
    for level in range(4):
        groups: dict[tuple[Any, ...], tuple[list[int], list[int]]] = {}
        for seq in open_checked:
            groups.setdefault(_levels(*keys[seq])[level], ([], []))[0].append(seq)
        for seq in open_rest:
            groups.setdefault(_levels(*keys[seq])[level], ([], []))[1].append(seq)
        open_checked, open_rest = [], []
        for key, (checked, rest) in groups.items():
            enough = len(checked) >= (MIN_CHECKED if level < 3 else 1)
            if rest and enough:
                strata.append(
                    {
                        "stratum": _stratum_name(key),
                        "checked": len(checked),
                        "right": int(sum(right[s] for s in checked)),
                        "items": len(rest),
                    }
                )
            elif rest or level < 3:
                open_checked += checked
                open_rest += rest
    n_rest = sum(s["items"] for s in strata)
    if not strata:
        return {
            "items": len(remainder),
            "accuracy": None,
            "ci": None,
            "checked": len(right),
            "strata": [],
            "unestimated": len(open_rest),
        }
    est = stratified_accuracy(
        [s["right"] for s in strata],
        [s["checked"] for s in strata],
        [s["items"] for s in strata],
        confidence=confidence,
        seed=seed,
    )
    return {
        "items": len(remainder),
        "accuracy": est.value,
        "ci": list(est.ci) if est.ci else None,
        "checked": len(right),
        "strata": strata,
        "unestimated": len(remainder) - n_rest,
    }


def _stratum_name(key: tuple[Any, ...]) -> str:
    level = key[0]
    if level == 0:
        reasons = ", ".join(key[1]) or "no reason"
        return f"{reasons} | {', '.join(key[2]) or 'no slice'}"
    if level == 1:
        return ", ".join(key[1]) or "no reason"
    if level == 2:
        return "flagged (pooled)" if key[1] else "unflagged (pooled)"
    return "all checked items (pooled)"


def _remainder(
    alignment: Alignment,
    facts: _Facts,
    remainder: list[int],
    min_confidence: float,
    confidence: float,
    seed: int | None,
) -> dict[str, Any]:
    right = _right(alignment, facts)
    checked = sorted({s for per in right.values() for s in per})
    keys = {}
    for seq in set(checked) | set(remainder):
        item = _reasons(facts, seq, min_confidence)
        keys[seq] = (tuple(item.reasons), facts.cells.get(seq, ()))
    out: dict[str, Any] = {"items": len(remainder), "confidence": confidence, "criteria": {}}
    for criterion, per in right.items():
        out["criteria"][criterion] = _estimate(per, remainder, keys, confidence, seed)
    if len(right) == 1:
        out["overall"] = next(iter(out["criteria"].values()))
    else:
        every = set.intersection(*(set(per) for per in right.values())) if right else set()
        both = {s: all(per[s] for per in right.values()) for s in sorted(every)}
        out["overall"] = _estimate(both, remainder, keys, confidence, seed)
    return out


# -- the plan ---------------------------------------------------------------------------------
def route_by_judge(
    project: Project,
    judge_name: str,
    *,
    budget_hours: float | None = None,
    budget_money: float | None = None,
    budget_currency: str | None = None,
    second_judge: str | None = None,
    min_confidence: float = MIN_CONFIDENCE,
    labels_per_item: float = 1.0,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    n_boot: int = N_BOOT,
    confidence: float = CONFIDENCE,
    seed: int | None = SEED,
) -> RoutingPlan:
    """Which items go to experts (ranked, cut to the budget) and which keep the judge's
    label; reads only. `labels_per_item` prices overlap (1 + overlap * (k - 1))."""
    if not 0.0 <= min_confidence <= 1.0:
        raise RoutingError("The minimum sample agreement is a share between 0 and 1.")
    alignment = judge_alignment(
        project, judge_name, by="slice", n_boot=n_boot, seed=seed, thresholds=thresholds
    )
    facts = _facts(project, judge_name, second_judge, alignment)
    anchors = {r[0] for r in project.rows("SELECT DISTINCT item_id FROM anchors")}
    assigned = {
        r[0] for r in project.rows("SELECT DISTINCT item_id FROM assignments WHERE removed = 0")
    }
    settled = _settled(project, facts)
    excluded = {"anchors": 0, "assigned": 0, "expert_reference": 0}
    candidates: list[RoutedItem] = []
    for item, seq in facts.seq_of.items():
        if item in anchors:
            excluded["anchors"] += 1
        elif item in assigned:
            excluded["assigned"] += 1
        elif seq in settled:
            excluded["expert_reference"] += 1
        else:
            candidates.append(_reasons(facts, seq, min_confidence))
    rng = random.Random(f"{seed}|route")
    tiebreak = {c.item_id: rng.random() for c in candidates}
    flagged = sorted(
        (c for c in candidates if c.reasons), key=lambda c: (-c.score, tiebreak[c.item_id])
    )
    rates = expert_rates(project)
    cap, budget = budget_capacity(
        rates, budget_hours, budget_money, budget_currency, labels_per_item
    )
    to_humans = flagged if cap is None else flagged[:cap]
    left_out = [] if cap is None else flagged[cap:]
    kept = [c.item_id for c in candidates if not c.reasons]
    if budget is not None:
        budget["items"] = cap
        budget["leaves_out"] = len(left_out)
    n_labels = len(to_humans) * labels_per_item
    expert = {
        **rates,
        "labels_per_item": labels_per_item,
        "labels": n_labels,
        "hours": n_labels * rates["seconds_per_label"] / 3600.0,
        "money": n_labels * rates["cost_per_label"]
        if rates["cost_per_label"] is not None
        else None,
    }
    rest = [facts.seq_of[i] for i in kept]
    rest += [facts.seq_of[c.item_id] for c in left_out if NOT_JUDGED not in c.reasons]
    remainder = _remainder(alignment, facts, rest, min_confidence, confidence, seed)
    remainder["kept"] = len(kept)
    remainder["left_out_by_budget"] = len(rest) - len(kept)
    notes = list(alignment.notes)
    if not facts.confidence:
        notes.append(
            "no judge calls recorded (imported labels): sample agreement is unknown, so "
            "only versions, a second judge and the alignment verdicts flag items"
        )
    unlabeled = sum(1 for c in left_out if NOT_JUDGED in c.reasons)
    if unlabeled:
        notes.append(f"{unlabeled} item(s) beyond the budget have no judge label at all")
    return RoutingPlan(
        judge_name,
        to_humans,
        left_out,
        kept,
        excluded,
        expert,
        budget,
        remainder,
        {c: {"verdict": v, "slices": g} for c, (v, g) in facts.verdicts.items()},
        notes,
    )


def _settled(project: Project, facts: _Facts) -> set[int]:
    """Items with an expert reference (adjudicated or consensus) on every criterion."""
    specs = criterion_specs(project)
    tables = load_all(project, specs=specs)
    experts = [s for s, k in facts.names.source_kinds.items() if k == EXPERT]
    settled: set[int] | None = None
    for spec in specs:
        found = expert_reference(project, tables[spec.name], experts)
        seqs = set(found.items.tolist()) if found is not None else set()
        settled = seqs if settled is None else settled & seqs
    return settled or set()


# -- the record ---------------------------------------------------------------------------
def record_routing(project: Project, plan: RoutingPlan, set_id: int | None) -> None:
    """Keep the decision in the audit log (inside the transaction that assigns)."""
    project.audit(
        AUDIT_ACTION,
        target=plan.judge,
        details={
            "set_id": set_id,
            "to_humans": {r.item_id: r.reasons for r in plan.to_humans},
            "left_out": {r.item_id: r.reasons for r in plan.left_out},
            "kept": plan.kept,
            "budget": plan.budget,
            "remainder": {k: plan.remainder["overall"][k] for k in ("items", "accuracy", "ci")},
        },
    )


def routing_log(project: Project, judge: str | None = None) -> list[dict[str, Any]]:
    """Past routing decisions, oldest first: who went to humans and why, who kept the judge."""
    rows = project.rows(
        "SELECT at, actor, target, details FROM audit_log WHERE action = ? ORDER BY id",
        (AUDIT_ACTION,),
    )
    out = []
    for at, actor, target, details in rows:
        if judge is not None and target != judge:
            continue
        out.append({"at": at, "actor": actor, "judge": target, **json.loads(details)})
    return out


__all__ = [
    "REASONS",
    "RoutingError",
    "RoutedItem",
    "RoutingPlan",
    "record_routing",
    "route_by_judge",
    "routing_log",
]
