"""The adaptive anchor rate: the one rule, and the one place that applies and logs it.

When an annotator's recent anchor accuracy falls under a threshold, or the
drift analysis raises an alert about them, their anchor rate rises by a step
(up to a cap) each time the rule is evaluated, until their accuracy recovers;
then it steps back down to the lead's setting. Between the threshold and the
recovery level nothing moves (hysteresis, so the rate does not flap).

:func:`decide_rate` is pure, so the analytics and the tests can drive it;
:func:`update_annotators` (called after anchor scoring) and :func:`apply_alerts`
(called by the drift module) feed it from the project and log every change
with when and why in `anchor_rate_log`.

    >>> apply_alerts(project, [{"annotator": "Dr. Chen", "reason": "agreement fell"}])
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from annotator.base.clock import now_iso
from annotator.base.errors import NotFoundError
from annotator.queue.settings import (
    QueueError,
    QueueSettings,
    get_settings,
    save_settings,
    set_current_rate,
)
from annotator.store.project import Project


@dataclass(frozen=True)
class RatePolicy:
    """Numbers of the rule; an annotator's settings may override any of them."""

    threshold: float = 0.7  # recent accuracy under this raises the rate
    recover_at: float = 0.8  # ... at or above this lets it fall back
    step: float = 0.05  # change per evaluation
    cap: float = 0.3  # never above this
    window: int = 20  # the most recent scored anchor labels that count
    min_scored: int = 5  # with fewer, accuracy is not trusted either way

    @classmethod
    def from_settings(cls, settings: QueueSettings) -> RatePolicy:
        overrides = settings.adaptive.get("policy", {})
        return cls(**{k: v for k, v in overrides.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class RateInputs:
    """What the rule looks at for one annotator."""

    base_rate: float  # the lead's setting
    current_rate: float  # in force now
    accuracy: float | None  # mean per-criterion accuracy over the recent window
    n_scored: int  # anchor labels in that window
    alert_active: bool = False  # an earlier alert has not yet been cleared
    accuracy_since_alert: float | None = None
    n_since_alert: int = 0
    new_alerts: tuple[str, ...] = ()  # reasons of alerts arriving now
    max_rate: float = 1.0  # what the queue's minimum gap allows


@dataclass(frozen=True)
class RateDecision:
    rate: float
    reason: str | None  # None: nothing to say (no change, no alert)
    alert_active: bool


def _pct(value: float) -> str:
    return f"{value:.0%}"


def decide_rate(inputs: RateInputs, policy: RatePolicy) -> RateDecision:
    """The adaptive rule (pure): the rate to use next, and why it changed."""
    cap = min(max(policy.cap, inputs.base_rate), inputs.max_rate)
    current = inputs.current_rate
    raised = round(min(cap, current + policy.step), 6)
    # Accuracy counts only when enough anchors stand behind it.
    accuracy = inputs.accuracy if inputs.n_scored >= policy.min_scored else None
    if inputs.new_alerts:
        return RateDecision(raised, "alert: " + "; ".join(inputs.new_alerts), True)
    if accuracy is not None and accuracy < policy.threshold:
        reason = (
            f"anchor accuracy {_pct(accuracy)} over the last {inputs.n_scored} "
            f"anchors is under {_pct(policy.threshold)}"
        )
        return RateDecision(raised, reason if raised != current else None, inputs.alert_active)
    alert_active, cleared = inputs.alert_active, False
    if alert_active:
        since = inputs.accuracy_since_alert if inputs.n_since_alert >= policy.min_scored else None
        if since is None or since < policy.recover_at:
            return RateDecision(current, None, True)
        alert_active, cleared = False, True
    if current > inputs.base_rate and accuracy is not None and accuracy >= policy.recover_at:
        lowered = round(max(inputs.base_rate, current - policy.step), 6)
        what = "recovered after the alert" if cleared else "recovered"
        reason = (
            f"anchor accuracy {what}: {_pct(accuracy)} over the last "
            f"{inputs.n_scored} anchors (at or above {_pct(policy.recover_at)})"
        )
        return RateDecision(lowered, reason, alert_active)
    if cleared:
        return RateDecision(current, "alert cleared: anchor accuracy recovered", False)
    return RateDecision(current, None, alert_active)


@dataclass(frozen=True)
class RateChange:
    annotator_id: int
    annotator: str
    at: str
    old_rate: float
    new_rate: float
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def recent_accuracy(
    project: Project, annotator_id: int, window: int, after_label: int = 0
) -> tuple[float | None, int]:
    """Mean per-label accuracy (share of scored criteria correct) over the newest
    `window` scored anchor labels of an annotator (only labels after `after_label`)."""
    rows = project.rows(
        "SELECT avg(correct) FROM anchor_scores WHERE annotator_id = ? AND label_id > ? "
        "GROUP BY label_id ORDER BY label_id DESC LIMIT ?",
        (annotator_id, after_label, window),
    )
    if not rows:
        return None, 0
    return sum(row[0] for row in rows) / len(rows), len(rows)


def _inputs(
    project: Project, settings: QueueSettings, policy: RatePolicy, alerts: tuple[str, ...]
) -> RateInputs:
    accuracy, n = recent_accuracy(project, settings.annotator_id, policy.window)
    state = settings.adaptive
    since, n_since = None, 0
    if state.get("alert_active"):
        since, n_since = recent_accuracy(
            project, settings.annotator_id, policy.window, int(state.get("alert_floor", 0))
        )
    return RateInputs(
        base_rate=settings.anchor_rate,
        current_rate=settings.current_anchor_rate,
        accuracy=accuracy,
        n_scored=n,
        alert_active=bool(state.get("alert_active")),
        accuracy_since_alert=since,
        n_since_alert=n_since,
        new_alerts=alerts,
        max_rate=1.0 / (settings.min_gap + 1),
    )


def _annotator_name(project: Project, annotator_id: int) -> str:
    return project.scalar("SELECT name FROM annotators WHERE id = ?", (annotator_id,)) or "?"


def evaluate(
    project: Project, annotator_id: int, alerts: tuple[str, ...] = ()
) -> RateChange | None:
    """Run the rule for one annotator and store the result; log a change or an alert.

    Annotators whose queue the lead never configured (no settings) are left alone.
    Call inside a transaction.
    """
    settings = get_settings(project, annotator_id)
    if not settings.stored:
        return None
    policy = RatePolicy.from_settings(settings)
    inputs = _inputs(project, settings, policy, alerts)
    decision = decide_rate(inputs, policy)
    state = dict(settings.adaptive)
    if alerts:
        state["alert_floor"] = project.scalar("SELECT coalesce(max(id), 0) FROM labels")
    state["alert_active"] = decision.alert_active
    if decision.rate == settings.current_anchor_rate and state == settings.adaptive:
        return None
    set_current_rate(project, annotator_id, decision.rate, state)
    if decision.reason is None:
        return None
    details = {
        "accuracy": inputs.accuracy,
        "n_scored": inputs.n_scored,
        "base_rate": inputs.base_rate,
        "policy": asdict(policy),
    }
    at = now_iso()
    project.conn.execute(
        "INSERT INTO anchor_rate_log(annotator_id, at, old_rate, new_rate, reason, details) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            annotator_id,
            at,
            settings.current_anchor_rate,
            decision.rate,
            decision.reason,
            json.dumps(details, sort_keys=True),
        ),
    )
    return RateChange(
        annotator_id,
        _annotator_name(project, annotator_id),
        at,
        settings.current_anchor_rate,
        decision.rate,
        decision.reason,
        details,
    )


def update_annotators(project: Project, annotator_ids: list[int]) -> list[RateChange]:
    """Re-evaluate the rule for annotators whose anchor labels were just scored."""
    changes = []
    with project.transaction():
        for annotator_id in sorted(set(annotator_ids)):
            change = evaluate(project, annotator_id)
            if change is not None:
                changes.append(change)
    return changes


def apply_alerts(project: Project, alerts: list[dict[str, Any]]) -> list[RateChange]:
    """Raise the anchor rate of annotators an analysis is worried about.

    Each alert is `{"annotator": NAME or id, "reason": TEXT}` (other keys are
    ignored); several alerts for one person count as one step. The rate stays
    up until that person's accuracy on anchors scored after the alert recovers.
    """
    reasons: dict[int, list[str]] = {}
    for alert in alerts:
        who = alert.get("annotator")
        row = (
            project.row("SELECT id FROM annotators WHERE id = ?", (who,))
            if isinstance(who, int)
            else project.row("SELECT id FROM annotators WHERE name = ?", (who,))
        )
        if row is None:
            raise NotFoundError(f"Alert for an unknown annotator {who!r}.")
        reasons.setdefault(row[0], []).append(str(alert.get("reason") or "drift alert"))
    changes = []
    with project.transaction():
        for annotator_id, texts in sorted(reasons.items()):
            change = evaluate(project, annotator_id, tuple(texts))
            if change is not None:
                changes.append(change)
    return changes


def rate_log(project: Project, annotator: str | None = None) -> list[RateChange]:
    """Every logged change, oldest first (optionally for one annotator, by name)."""
    sql = (
        "SELECT r.*, a.name FROM anchor_rate_log r JOIN annotators a ON a.id = r.annotator_id "
        + ("WHERE a.name = ? " if annotator else "")
        + "ORDER BY r.id"
    )
    rows = project.rows(sql, (annotator,) if annotator else ())
    return [
        RateChange(
            row["annotator_id"],
            row["name"],
            row["at"],
            row["old_rate"],
            row["new_rate"],
            row["reason"],
            json.loads(row["details"]),
        )
        for row in rows
    ]


def set_policy(project: Project, annotator_id: int, **overrides: Any) -> RatePolicy:
    """Override some numbers of the rule for one annotator (others keep defaults)."""
    unknown = set(overrides) - set(RatePolicy.__dataclass_fields__)
    if unknown:
        raise QueueError(f"Unknown adaptive-rate setting(s): {', '.join(sorted(unknown))}.")
    with project.transaction():
        settings = get_settings(project, annotator_id)
        if not settings.stored:
            raise QueueError("Set up this annotator's queue first (annotator assign).")
        adaptive = dict(settings.adaptive)
        adaptive["policy"] = {**adaptive.get("policy", {}), **overrides}
        policy = RatePolicy(**adaptive["policy"])
        save_settings(project, replace(settings, adaptive=adaptive))
        project.audit("anchor_rate_policy", target=str(annotator_id), details=overrides)
    return policy
