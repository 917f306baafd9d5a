"""Everything the dashboard and the HTML report show, computed once.

One call reads the labels once (the label tables are cached per connection)
and builds agreement per criterion and source, the annotator matrices, drift
and its alerts, the lowest-agreement items, flagged labels and a consensus
summary. It only reads, so it can run on a second connection off the UI
thread; `progress(done, total, step)` reports and `cancelled()` stops it.

    >>> overview = build_overview(project, n_boot=1000, seed=0)
    >>> overview.agreement["criteria"]["coherence"]["alpha"]

What is on screen comes first: `build_overview(project, n_boot=0)` gives every point
estimate in a fraction of the time, and `with_intervals` then adds the bootstrap
intervals (only the agreement figures have any; nothing else is computed again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from annotator.base.clock import now_iso
from annotator.base.errors import AnnotatorError
from annotator.judges.label_versions import judge_subjects, label_versions, version_starts
from annotator.labels.data import criterion_specs, load_names
from annotator.labels.load import effective_count, label_stamp, load_all
from annotator.quality.agreement_report import agreement_report
from annotator.quality.consensus_tables import vote_summary
from annotator.quality.drift import DriftReport, drift_report
from annotator.quality.project_agreement import Settings, tables
from annotator.quality.scopes import lowest_agreement_items, pairwise_matrix
from annotator.stats.defaults import N_BOOT
from annotator.store.project import Project

ProgressFn = Callable[[int, int, str], None]
STEPS = ("agreement", "annotator matrix", "drift", "items to review", "consensus")


class Cancelled(AnnotatorError):
    """The user stopped the computation; nothing was written."""


@dataclass
class Overview:
    project: str
    generated_at: str
    label_stamp: int
    stats: dict[str, Any]
    agreement: dict[str, Any]
    matrices: dict[str, dict[str, Any]]
    drift: DriftReport
    lowest: list[dict[str, Any]]
    flagged: list[dict[str, Any]]
    consensus: dict[str, dict[str, Any]]
    settings: Settings
    notes: list[str] = field(default_factory=list)
    real_names: bool = True  # False: every annotator appears as their pseudonym
    # annotator -> criterion -> the judge version of each anchor answer, for the anchor
    # series of a judge's annotator (its chart breaks at every version change)
    answer_versions: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # judge (source name, annotator name or pseudonym) -> (first label time, version) per
    # version after the first: where its label-distribution chart marks a break
    version_starts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def attention(self) -> list[dict[str, Any]]:
        """The "needs attention" list: flags first (a person asking for help), then alerts,
        then the lowest-agreement items."""
        rows: list[dict[str, Any]] = []
        for flag in self.flagged:
            rows.append(
                {"kind": "flagged", "subject": flag["item_id"], "criterion": None,
                 "detail": f"{flag['annotator']}: {flag['note'] or 'flagged'}",
                 "item_id": flag["item_id"], "since": flag["submitted_at"]}
            )  # fmt: skip
        for alert in self.drift.alerts:
            rows.append(
                {"kind": "alert", "subject": f"{alert.subject_type} {alert.subject}",
                 "criterion": alert.criterion, "detail": alert.what, "item_id": None,
                 "since": alert.since, "alert": alert}
            )  # fmt: skip
        for entry in self.lowest:
            worst = max(
                ((k, v) for k, v in entry["criteria"].items() if v is not None),
                key=lambda kv: kv[1],
                default=(None, None),
            )
            rows.append(
                {"kind": "low agreement", "subject": entry["item_id"], "criterion": worst[0],
                 "detail": f"mean disagreement {entry['score']:.2f} over {entry['n_labels']} "
                           f"labels (most on {worst[0]})",
                 "item_id": entry["item_id"], "since": None}
            )  # fmt: skip
        return rows


def flagged_labels(
    project: Project, limit: int = 50, real_names: bool = True
) -> list[dict[str, Any]]:
    """Current flagged labels, newest first (annotators by pseudonym unless `real_names`)."""
    who = "a.name" if real_names else "a.pseudonym"
    rows = project.rows(
        f"SELECT l.item_id, {who}, l.note, l.submitted_at FROM current_labels l "
        "JOIN annotators a ON a.id = l.annotator_id WHERE l.status = 'flagged' "
        "ORDER BY l.submitted_at DESC, l.id DESC LIMIT ?",
        (limit,),
    )
    return [{"item_id": r[0], "annotator": r[1], "note": r[2], "submitted_at": r[3]} for r in rows]


def _union(seqs: list[np.ndarray]) -> np.ndarray:
    """The sorted union of item seqs; one part already sorted and distinct (a criterion's
    items, as `vote_summary` gives them) is its own union (np.unique costs a tenth of a
    second at 200k items)."""
    if len(seqs) == 1 and (len(seqs[0]) < 2 or bool(np.all(seqs[0][1:] > seqs[0][:-1]))):
        return seqs[0]
    return np.unique(np.concatenate(seqs)) if seqs else np.zeros(0, dtype=np.int64)


def consensus_summary(project: Project) -> dict[str, dict[str, Any]]:
    """Per criterion, under the auto method: items with a consensus, ties, adjudicated,
    methods and mean confidence; counted for all items at once (no object per item)."""
    specs = criterion_specs(project)
    tables = load_all(project, specs=specs)
    by_key: dict[str, list[Any]] = {}
    for spec in specs:
        by_key.setdefault(spec.key, []).append(spec)
    out: dict[str, dict[str, Any]] = {}
    for key, group in by_key.items():
        kind = group[0].kind
        method = {"ordinal": "median", "numeric": "mean"}.get(kind, "majority")
        c = group[0].criterion
        span = None
        if c is not None and c.minimum is not None and c.maximum is not None:
            span = (float(c.minimum), float(c.maximum))
        parts = [vote_summary(tables[s.name], method, span) for s in group]
        seqs = _union([p[0] for p in parts])
        tied = np.zeros(len(seqs), dtype=bool)
        confidence = np.ones(len(seqs))
        for items, tie, conf in parts:
            at = np.searchsorted(seqs, items)
            tied[at] |= tie
            confidence[at] = np.minimum(confidence[at], conf)
        decided = {
            row[0]
            for row in project.rows(
                "SELECT i.seq FROM current_adjudications a JOIN items i ON i.id = a.item_id "
                "WHERE a.criterion = ?",
                (key,),
            )
        }
        judged = np.isin(seqs, list(decided)) if decided else np.zeros(len(seqs), dtype=bool)
        n_items = len(seqs) + len(decided - set(seqs.tolist()))
        confidence[judged] = 1.0
        extra = n_items - len(seqs)
        mean_confidence = float((confidence.sum() + extra) / n_items) if n_items else None
        methods = {method: int((~judged).sum())} if len(seqs) else {}
        if decided:
            methods["adjudicated"] = len(decided)
        out[key] = {
            "items": n_items,
            "ties": int((tied & ~judged).sum()),
            "adjudicated": len(decided),
            "methods": methods,
            "mean_confidence": mean_confidence,
        }
    return out


def judge_answer_versions(
    project: Project, drift: DriftReport, real_names: bool = True
) -> dict[str, dict[str, list[str]]]:
    """For each anchor series of a judge's annotator, the version of each answer."""
    judges = judge_subjects(project, real_names)
    out: dict[str, dict[str, list[str]]] = {}
    for who, by in drift.anchors.items():
        if who not in judges:
            continue
        for criterion, series in by.items():
            found = label_versions(project, series.label_id.tolist())
            if found is not None:
                out.setdefault(who, {})[criterion] = found
    return out


def headline(project: Project) -> dict[str, Any]:
    """The report's headline counts, cheaply (the effective labels as the label load
    counted them, when it read them at this state)."""
    return {
        "items": project.scalar("SELECT count(*) FROM items"),
        "labels": effective_count(project),
        "annotators": project.scalar("SELECT count(*) FROM annotators"),
        "sources": [dict(r) for r in project.rows("SELECT name, kind FROM sources ORDER BY id")],
    }


def build_overview(
    project: Project,
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    progress: ProgressFn | None = None,
    cancelled: Callable[[], bool] | None = None,
    lowest_n: int = 20,
    real_names: bool = True,
) -> Overview:
    """Compute the whole overview (reads only). The dashboard shows real names; the
    report asks for `real_names=False` unless told otherwise: annotators then appear
    as their pseudonyms everywhere (matrices, drift, repeats, flags)."""
    settings = Settings(n_boot=n_boot, seed=seed)
    done = 0

    def step(name: str) -> None:
        nonlocal done
        if cancelled is not None and cancelled():
            raise Cancelled("Stopped; nothing was written.")
        if progress is not None:
            progress(done, len(STEPS), name)
        done += 1

    stamp = label_stamp(project)
    step("agreement")
    agreement = agreement_report(project, settings=settings, real_names=real_names)
    step("annotator matrix")
    names = load_names(project, real_names)
    matrices = {name: pairwise_matrix(table, names) for name, table in tables(project).items()}
    step("drift")
    drift = drift_report(project, real_names=real_names)
    answer_versions = judge_answer_versions(project, drift, real_names)
    step("items to review")
    lowest = lowest_agreement_items(project, lowest_n)
    flagged = flagged_labels(project, real_names=real_names)
    step("consensus")
    summary = consensus_summary(project)
    if progress is not None:
        progress(len(STEPS), len(STEPS), "done")
    return Overview(
        project=project.name,
        generated_at=now_iso(),
        label_stamp=stamp,
        stats=headline(project),
        agreement=agreement,
        matrices=matrices,
        drift=drift,
        lowest=lowest,
        flagged=flagged,
        consensus=summary,
        settings=settings,
        real_names=real_names,
        answer_versions=answer_versions,
        version_starts=version_starts(project, real_names),
    )


def with_intervals(
    project: Project,
    overview: Overview,
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    cancelled: Callable[[], bool] | None = None,
) -> Overview:
    """`overview` (computed with `n_boot=0`) with the agreement figures' bootstrap
    intervals: the same as `build_overview` with `n_boot`, but only the agreement is
    computed again (no other part of the overview has an interval)."""
    if cancelled is not None and cancelled():
        raise Cancelled("Stopped; nothing was written.")
    settings = Settings(n_boot=n_boot, seed=seed)
    agreement = agreement_report(project, settings=settings, real_names=overview.real_names)
    return replace(overview, agreement=agreement, settings=settings)
