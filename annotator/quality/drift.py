"""Quality over time, per annotator and per label source, and the alerts it raises.

- Anchor accuracy: every scored anchor answer, in submission order, per
  annotator (and pooled per source) and criterion, under a self-starting
  Bernoulli CUSUM control chart (`control_chart`; the alert rule is stated
  there); plus accuracy rolling over the last 50 answers and per calendar week
  (weeks start Monday, UTC), with Wilson intervals.
- Agreement with the rest: per annotator, criterion and week, the share of
  their labels that agree with the consensus of the other labels on the same
  item (majority / median / mean of the rest; exact, or within the criterion's
  tolerance for ordinal and numeric). Alert when a week with at least 30 such
  labels is below all earlier weeks by 0.10 or more and a one-sided Welch
  z-test gives p < 0.01 / (weeks tested).
- Label distributions, self-consistency on repeats, and the effect of a rubric
  version change: see `shift`.

    >>> report = drift_report(project)
    >>> [a.what for a in report.alerts]
    >>> apply_drift_alerts(project, report.alerts)   # raises anchor rates (alerts.py)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.labels.data import Names, day_to_iso, load_names
from annotator.quality import shift
from annotator.quality.agreement_drift import agreement_drift
from annotator.quality.alerts import Alert
from annotator.quality.anchor_series import AnchorSeries
from annotator.quality.drift_settings import DriftSettings
from annotator.quality.judge_drift import JudgeSeries, judge_drift
from annotator.quality.project_agreement import tables
from annotator.quality.review.stats import review_alerts
from annotator.quality.version_compare import version_effect
from annotator.stats.control_chart import (
    bernoulli_cusum,
    rolling_accuracy,
)
from annotator.store.project import Project

Progress = Callable[[str], None]


@dataclass
class DriftReport:
    anchors: dict[str, dict[str, AnchorSeries]]  # annotator -> criterion -> series
    source_anchors: dict[str, dict[str, AnchorSeries]]  # source -> criterion -> series
    agreement: dict[str, dict[str, list[dict[str, Any]]]]  # annotator -> criterion -> weeks
    distributions: list[dict[str, Any]]
    repeats: list[dict[str, Any]]
    versions: list[dict[str, Any]]
    alerts: list[Alert]
    notes: list[str]
    settings: DriftSettings
    judges: dict[str, dict[str, JudgeSeries]] = field(default_factory=dict)  # canaries

    def to_dict(self, series: bool = False) -> dict[str, Any]:
        return {
            "alert_rules": alert_rules(self.settings),
            "alerts": [a.to_dict() for a in self.alerts],
            "anchor_accuracy": {
                "annotators": {
                    who: {c: s.to_dict(series) for c, s in by.items()}
                    for who, by in self.anchors.items()
                },
                "sources": {
                    who: {c: s.to_dict(series) for c, s in by.items()}
                    for who, by in self.source_anchors.items()
                },
            },
            "judge_canaries": {
                judge: {c: s.to_dict(series) for c, s in by.items()}
                for judge, by in self.judges.items()
            },
            "agreement_with_rest": self.agreement,
            "distributions": self.distributions,
            "repeats": self.repeats,
            "rubric_versions": self.versions,
            "notes": self.notes,
        }


def alert_rules(settings: DriftSettings) -> dict[str, str]:
    c = settings.chart
    return {
        "anchor_accuracy": (
            f"Bernoulli CUSUM per annotator (and per source) and criterion: after a warm-up "
            f"of {c.warmup} scored answers, alarm when the log-likelihood ratio of a drop of "
            f"{c.delta:.2f} from the usual accuracy (its {c.p0_confidence:.0%} lower Wilson "
            f"bound) exceeds {c.threshold:g}"
        ),
        "agreement": (
            f"a week with at least {settings.min_window} labels whose share agreeing with the "
            f"consensus of the other labels on the item is {settings.min_drop:.2f} or more "
            "below that of the earlier weeks, "
            f"one-sided Welch z-test p < {settings.significance} / weeks tested"
        ),
        "distribution": (
            f"a week with at least {settings.min_window} labels whose value distribution differs "
            f"from the baseline week: Jensen-Shannon distance >= {settings.min_jsd:.2f} and "
            f"chi-square p < {settings.significance} / weeks tested"
        ),
        "self_consistency": (
            f"at least {settings.repeat_min} repeats and the 95% upper Wilson bound of "
            "agreeing with their own earlier label below 0.5"
        ),
        "judge_canary": _judge_rule(settings),
        "decoy_acceptance": (
            "after each decoy, one-sided exact binomial tail of the decoys accepted as shown "
            "against the most an independent labeler would (1 - the 95% lower Wilson bound of "
            "their unassisted expert agreement, at least 25%) below 0.0001 "
            "(quality.review.rules)"
        ),
        "assisted_agreement": (
            "per criterion, expert agreement with a suggestion visible below that without one: "
            "one-sided pooled two-proportion z-test p < 0.01, at least 20 labels each side"
        ),
    }


def _judge_rule(settings: DriftSettings) -> str:
    return (
        f"per LLM judge and criterion, each canary run against the judge's earlier runs: "
        f"{settings.judge_check.describe()}. By simulation (stats.run_check.simulate), a "
        "judge right on 90% of 40 canaries for 4 runs that falls to 60% alarms on the next "
        "run in about 85% of cases (99.9% with 80 canaries), and a stable judge "
        "false-alarms in about 0.4% of 5-run and 2% of 25-run series. judge_version: a "
        "judge version whose server reports another model or system fingerprint than the "
        "version before it"
    )


# -- anchors ----------------------------------------------------------------------------------


def anchor_answers(project: Project) -> list[tuple[Any, ...]]:
    """(label id, annotator, source, criterion, correct, julian day), in submission order."""
    return project.rows(
        "SELECT s.label_id, s.annotator_id, l.source_id, s.criterion, s.correct, "
        "julianday(l.submitted_at) AS day FROM anchor_scores s "
        "JOIN labels l ON l.id = s.label_id ORDER BY day, s.label_id"
    )


def _series(
    subject: str, criterion: str, rows: list[tuple[Any, ...]], settings: DriftSettings
) -> AnchorSeries:
    label_id = np.array([r[0] for r in rows], dtype=np.int64)
    outcome = np.array([r[4] for r in rows], dtype=np.int8)
    day = np.array([r[5] for r in rows], dtype=float)
    return AnchorSeries(
        subject,
        criterion,
        label_id,
        day,
        outcome,
        bernoulli_cusum(outcome, settings.chart),
        rolling_accuracy(outcome, settings.rolling_window),
    )


def anchor_drift(
    project: Project, names: Names, settings: DriftSettings
) -> tuple[dict[str, dict[str, AnchorSeries]], dict[str, dict[str, AnchorSeries]], list[Alert]]:
    rows = anchor_answers(project)
    by_person: dict[tuple[int, str], list[tuple[Any, ...]]] = {}
    by_source: dict[tuple[int, str], list[tuple[Any, ...]]] = {}
    for row in rows:
        by_person.setdefault((row[1], row[3]), []).append(row)
        by_source.setdefault((row[2], row[3]), []).append(row)
    people: dict[str, dict[str, AnchorSeries]] = {}
    sources: dict[str, dict[str, AnchorSeries]] = {}
    alerts: list[Alert] = []
    for (who, criterion), mine in sorted(by_person.items()):
        name = names.annotators.get(who, str(who))
        series = _series(name, criterion, mine, settings)
        people.setdefault(name, {})[criterion] = series
        alerts += _anchor_alerts(series, "annotator")
    for (source, criterion), mine in sorted(by_source.items()):
        name = names.sources.get(source, str(source))
        series = _series(name, criterion, mine, settings)
        sources.setdefault(name, {})[criterion] = series
        if len({row[1] for row in mine}) > 1:  # one person's source: their alert says it
            alerts += _anchor_alerts(series, "source")
    return people, sources, alerts


def _anchor_alerts(series: AnchorSeries, subject_type: str) -> list[Alert]:
    out = []
    for alarm in series.chart.alarms:
        since = day_to_iso(series.day[alarm.since])
        out.append(
            Alert(
                "anchor_accuracy",
                subject_type,
                series.subject,
                series.criterion,
                f"anchor accuracy on {series.criterion} fell from about {alarm.p0:.0%} to "
                f"{alarm.accuracy_since:.0%} over the last {alarm.n_since} scored answers "
                f"(since {since[:10]})",
                since,
                int(series.label_id[alarm.since]),
                {
                    "p0": alarm.p0,
                    "accuracy_since": alarm.accuracy_since,
                    "n_since": alarm.n_since,
                    "answer": alarm.at + 1,
                    "alarm_label_id": int(series.label_id[alarm.at]),
                    "threshold": series.chart.threshold,
                },
            )
        )
    return out


# -- the whole report -------------------------------------------------------------------------


def drift_report(
    project: Project,
    settings: DriftSettings | None = None,
    progress: Progress | None = None,
    *,
    real_names: bool = True,
) -> DriftReport:
    """Every drift figure and alert of a project (reads only; see alerts.apply_drift_alerts).
    With `real_names=False` annotators appear as their pseudonyms (the report's default)."""
    settings = settings or DriftSettings()
    step = progress or (lambda _text: None)
    names = load_names(project, real_names)
    step("anchor accuracy")
    people, sources, alerts = anchor_drift(project, names, settings)
    notes = []
    if not people:
        notes.append(
            "No scored anchor answers: add anchors (annotator anchors add) to follow accuracy."
        )
    step("agreement over time")
    loaded = tables(project)
    agreement, more = agreement_drift(loaded, names, settings)
    alerts += more
    step("label distributions")
    distributions, more = shift.distribution_drift(loaded, names, settings)
    alerts += more
    step("repeats and rubric versions")
    repeats, more = shift.self_consistency(project, names, settings)
    alerts += more
    versions = version_effect(project, names)
    step("judge canaries")
    judges, more = judge_drift(project, settings)
    alerts += more
    step("assisted review")
    alerts += review_alerts(project, real_names=real_names)
    if not repeats:
        notes.append("No repeat labels yet: set a repeat rate to measure self-consistency.")
    if not versions:
        notes.append("No item has labels under two rubric versions.")
    alerts.sort(key=lambda a: (a.since or "", a.subject, a.criterion or ""))
    return DriftReport(
        people, sources, agreement, distributions, repeats, versions, alerts, notes, settings,
        judges,
    )  # fmt: skip


def format_drift(report: DriftReport) -> str:
    """The human form of a drift report: alerts first, then the figures behind them."""
    lines = [f"Alerts ({len(report.alerts)}):"]
    for alert in report.alerts:
        where = f"{alert.subject_type} {alert.subject}"
        lines.append(f"  [{alert.kind}] {where}: {alert.what}")
    if not report.alerts:
        lines.append("  none")
    lines += ["", "Anchor accuracy (per annotator and criterion):"]
    for who, by in report.anchors.items():
        for criterion, series in by.items():
            d = series.to_dict()
            status = d["reason"] or (
                f"{len(d['alarms'])} alarm(s)" if d["alarms"] else "in control"
            )
            lines.append(
                f"  {who:<24} {criterion:<18} {d['n']:>6} answers  {d['accuracy']:.0%}  {status}"
            )
    if not report.anchors:
        lines.append("  no scored anchor answers")
    if report.judges:
        lines += ["", "Judge canaries (per LLM judge and criterion):"]
        for judge, by in report.judges.items():
            for criterion, series in by.items():
                d = series.to_dict()
                status = d["reason"] or (
                    f"{len(d['alarms'])} alarm(s)" if d["alarms"] else "in control"
                )
                last = d["runs"][-1]
                lines.append(
                    f"  {judge:<24} {criterion:<18} {d['n']:>6} answers  {d['accuracy']:.0%}  "
                    f"last run {last['accuracy']:.0%} ({last['version']}, {len(d['runs'])} "
                    f"runs)  {status}"
                )
    if report.repeats:
        lines += ["", "Self-consistency on repeats:"]
        for r in report.repeats:
            lines.append(
                f"  {r['annotator']:<24} {r['criterion']:<18} {r['agree']}/{r['n']} agree "
                f"({r['share']:.0%}, {r['low']:.0%}-{r['high']:.0%})"
            )
    if report.versions:
        lines += ["", "Rubric version changes on the same items:"]
        for v in report.versions:
            before, after = v["alpha_from"]["value"], v["alpha_to"]["value"]
            alphas = (
                f"alpha {before:.2f} -> {after:.2f}"
                if before is not None and after is not None
                else "alpha not defined"
            )
            lines.append(
                f"  {v['criterion']:<18} {v['from']} -> {v['to']}: {v['n_items']} items, "
                f"Jensen-Shannon {v['jsd']:.2f}, {alphas}"
            )
    if report.notes:
        lines += ["", *report.notes]
    lines += ["", "Alert rules:"]
    lines += [f"  {kind}: {rule}" for kind, rule in alert_rules(report.settings).items()]
    return "\n".join(lines)
