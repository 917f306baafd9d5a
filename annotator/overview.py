"""Everything the dashboard and the HTML report show, computed once.

One call reads the labels once (the label tables are cached per connection)
and builds agreement per criterion and source, the annotator matrices, drift
and its alerts, the lowest-agreement items, flagged labels and a consensus
summary. It only reads, so it can run on a second connection off the UI
thread; `progress(done, total, step)` reports and `cancelled()` stops it.

    >>> overview = build_overview(project, n_boot=1000, seed=0)
    >>> overview.agreement["criteria"]["coherence"]["alpha"]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.agreement_report import agreement_report
from annotator.clock import now_iso
from annotator.drift import DriftReport, drift_report
from annotator.errors import AnnotatorError
from annotator.label_data import label_stamp, load_names
from annotator.project_agreement import Settings, tables
from annotator.scopes import lowest_agreement_items, pairwise_matrix
from annotator.stats import project_stats
from annotator.store import Project

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

    def attention(self) -> list[dict[str, Any]]:
        """The "needs attention" list: alerts, then lowest-agreement items, then flags."""
        rows: list[dict[str, Any]] = []
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
        for flag in self.flagged:
            rows.append(
                {"kind": "flagged", "subject": flag["item_id"], "criterion": None,
                 "detail": f"{flag['annotator']}: {flag['note'] or 'flagged'}",
                 "item_id": flag["item_id"], "since": flag["submitted_at"]}
            )  # fmt: skip
        return rows


def flagged_labels(project: Project, limit: int = 50) -> list[dict[str, Any]]:
    """Current flagged labels, newest first."""
    rows = project.rows(
        "SELECT l.item_id, a.name, l.note, l.submitted_at FROM current_labels l "
        "JOIN annotators a ON a.id = l.annotator_id WHERE l.status = 'flagged' "
        "ORDER BY l.submitted_at DESC, l.id DESC LIMIT ?",
        (limit,),
    )
    return [{"item_id": r[0], "annotator": r[1], "note": r[2], "submitted_at": r[3]} for r in rows]


def consensus_summary(project: Project) -> dict[str, dict[str, Any]]:
    """Per criterion: items with a consensus, ties, adjudicated, methods (auto method)."""
    from annotator.aggregate import consensus_all

    out: dict[str, dict[str, Any]] = {}
    for key, values in consensus_all(project).items():
        methods: dict[str, int] = {}
        for value in values.values():
            methods[value.method] = methods.get(value.method, 0) + 1
        confidences = [v.confidence for v in values.values() if v.confidence is not None]
        out[key] = {
            "items": len(values),
            "ties": sum(v.tie for v in values.values()),
            "adjudicated": methods.get("adjudicated", 0),
            "methods": methods,
            "mean_confidence": float(np.mean(confidences)) if confidences else None,
        }
    return out


def build_overview(
    project: Project,
    *,
    n_boot: int = 1000,
    seed: int | None = 0,
    progress: ProgressFn | None = None,
    cancelled: Callable[[], bool] | None = None,
    lowest_n: int = 20,
) -> Overview:
    """Compute the whole overview (reads only)."""
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
    agreement = agreement_report(project, settings=settings)
    step("annotator matrix")
    names = load_names(project)
    matrices = {name: pairwise_matrix(table, names) for name, table in tables(project).items()}
    step("drift")
    drift = drift_report(project)
    step("items to review")
    lowest = lowest_agreement_items(project, lowest_n)
    flagged = flagged_labels(project)
    step("consensus")
    summary = consensus_summary(project)
    if progress is not None:
        progress(len(STEPS), len(STEPS), "done")
    return Overview(
        project=project.name,
        generated_at=now_iso(),
        label_stamp=stamp,
        stats=project_stats(project),
        agreement=agreement,
        matrices=matrices,
        drift=drift,
        lowest=lowest,
        flagged=flagged,
        consensus=summary,
        settings=settings,
    )
