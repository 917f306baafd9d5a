"""Drift alerts as data, and the one place that turns them into anchor-rate changes.

An alert says who (an annotator or a label source), which criterion, what
moved, since when, and the evidence. Alerts about an annotator raise their
anchor rate through `anchor_rate.apply_alerts` (more anchors until their
accuracy recovers). Each alert is applied once: its key is written to the
audit log, so running the analysis again does not keep stepping the rate up.

    >>> changes = apply_drift_alerts(project, report.alerts)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from annotator.anchors import rate as anchor_rate
from annotator.store.project import Project

KINDS = (
    "anchor_accuracy",
    "agreement",
    "distribution",
    "self_consistency",
    "judge_canary",  # an LLM judge's canary accuracy fell (quality.judge_drift)
    "judge_version",  # a judge's server reports another model or fingerprint
    "decoy_acceptance",  # accepts decoys' wrong suggestions above chance (quality.review)
    "assisted_agreement",  # agrees with experts less with a suggestion than without
)
AUDIT_ACTION = "drift_alert"


@dataclass(frozen=True)
class Alert:
    kind: str  # one of KINDS
    subject_type: str  # annotator, source, judge or project
    subject: str  # the annotator's or source's name ("all labels" for the project)
    criterion: str | None
    what: str  # one sentence a lead can act on
    since: str | None  # ISO time the change began
    since_label_id: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Stable identity: the same change found again has the same key."""
        text = json.dumps(
            [self.kind, self.subject_type, self.subject, self.criterion, self.since_label_id,
             self.since],
            default=str,
        )  # fmt: skip
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, **asdict(self)}


def applied_keys(project: Project) -> set[str]:
    return {
        row[0]
        for row in project.rows("SELECT target FROM audit_log WHERE action = ?", (AUDIT_ACTION,))
    }


def apply_drift_alerts(
    project: Project, alerts: list[Alert]
) -> tuple[list[Alert], list[anchor_rate.RateChange]]:
    """Raise the anchor rate of annotators with new alerts (one transaction).

    Returns (the alerts applied now, the rate changes logged). Alerts about a
    source or the whole project are for the lead to read; they change no rate.
    Annotators whose queue the lead never set up are left alone by the rate rule.
    """
    done = applied_keys(project)
    fresh = [a for a in alerts if a.subject_type == "annotator" and a.key not in done]
    if not fresh:
        return [], []
    with project.transaction():
        changes = anchor_rate.apply_alerts(
            project, [{"annotator": a.subject, "reason": a.what} for a in fresh]
        )
        for alert in fresh:
            project.audit(AUDIT_ACTION, target=alert.key, details=alert.to_dict())
    return fresh, changes
