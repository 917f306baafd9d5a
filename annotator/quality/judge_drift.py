"""Judge drift: each LLM judge's scored canary answers as a series on the same control
chart as the annotators' anchor answers, and the alerts it raises.

Per judge and criterion, the canary answers (`judge_canary_answers`, written by a canary
run) in time order go through `stats.run_check`: a canary run arrives as one burst of
answers, so each run is tested against the runs before it (Fisher's exact test), which
catches a drop within the run that shows it more often, and false-alarms less, than the
annotators' answer-by-answer CUSUM tuned for runs (the rule and its measured rates are
in `drift.alert_rules`; settings in `DriftSettings.judge_check`). Alerts:

- "judge_canary": the chart alarms (accuracy on the canaries fell);
- "judge_version": a judge's newer version reports another model or system fingerprint
  than the version before it (a change the server made, not the lead).

`quality` may not import `judges`, so the tables are read here with SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.labels.data import day_to_iso
from annotator.quality.alerts import Alert
from annotator.quality.anchor_series import AnchorSeries
from annotator.quality.drift_settings import DriftSettings
from annotator.stats.control_chart import rolling_accuracy, wilson_interval
from annotator.stats.run_check import run_check
from annotator.store.project import Project


@dataclass
class JudgeSeries(AnchorSeries):
    """One judge's scored canary answers on one criterion, in order. `label_id` holds
    the canary answer ids (judge_canary_answers.id); `version` the judge version label
    ("v1", "v2", ...) and `run_id` the canary run of each answer."""

    version: np.ndarray
    run_id: np.ndarray

    def runs(self) -> list[dict[str, Any]]:
        """Accuracy per canary run, in order, with Wilson intervals."""
        out = []
        order = list(dict.fromkeys(self.run_id.tolist()))
        for run in order:
            mask = self.run_id == run
            first = int(np.argmax(mask))
            k, n = int(self.outcome[mask].sum()), int(mask.sum())
            low, high = wilson_interval(k, n)
            out.append(
                {"run_id": run, "at": day_to_iso(self.day[first]),
                 "version": str(self.version[first]), "n": n, "correct": k,
                 "accuracy": k / n, "low": float(low), "high": float(high)}
            )  # fmt: skip
        return out

    def to_dict(self, series: bool = False) -> dict[str, Any]:
        out = super().to_dict(series)
        for alarm, raw in zip(out["alarms"], self.chart.alarms, strict=True):
            alarm["run_id"] = str(self.run_id[raw.at])
            alarm["version"] = str(self.version[raw.at])
        out["runs"] = self.runs()
        if series:
            out["series"]["version"] = self.version.tolist()
            out["series"]["run_id"] = self.run_id.tolist()
        return out


def canary_rows(project: Project) -> list[tuple[Any, ...]]:
    """(answer id, judge, criterion, correct, julian day, run id, version number), in order."""
    return project.rows(
        "SELECT a.id, j.name, a.criterion, a.correct, julianday(a.at) AS day, a.run_id, "
        "v.number FROM judge_canary_answers a JOIN judges j ON j.id = a.judge_id "
        "JOIN judge_versions v ON v.id = a.version_id ORDER BY a.at, a.id"
    )


def judge_series(
    judge: str, criterion: str, rows: list[tuple[Any, ...]], settings: DriftSettings
) -> JudgeSeries:
    outcome = np.array([r[3] for r in rows], dtype=np.int8)
    runs = np.array([r[5] for r in rows], dtype=object)
    return JudgeSeries(
        judge,
        criterion,
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[4] for r in rows], dtype=float),
        outcome,
        run_check(outcome, runs, settings.judge_check),
        rolling_accuracy(outcome, settings.rolling_window),
        np.array([f"v{r[6]}" for r in rows], dtype=object),
        runs,
    )


def judge_drift(
    project: Project, settings: DriftSettings
) -> tuple[dict[str, dict[str, JudgeSeries]], list[Alert]]:
    """judge -> criterion -> canary series, and the judge alerts (canary and version)."""
    grouped: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for row in canary_rows(project):
        grouped.setdefault((row[1], row[2]), []).append(row)
    judges: dict[str, dict[str, JudgeSeries]] = {}
    alerts: list[Alert] = []
    for (judge, criterion), rows in sorted(grouped.items()):
        series = judge_series(judge, criterion, rows, settings)
        judges.setdefault(judge, {})[criterion] = series
        alerts += canary_alerts(series)
    return judges, alerts + version_alerts(project)


def canary_alerts(series: JudgeSeries) -> list[Alert]:
    out = []
    for alarm in series.chart.alarms:
        since = day_to_iso(series.day[alarm.since])
        run = str(series.run_id[alarm.at])
        version = str(series.version[alarm.at])
        before = series.outcome[: alarm.since]
        out.append(
            Alert(
                "judge_canary",
                "judge",
                series.subject,
                series.criterion,
                f"judge {series.subject} ({version}) is right on {alarm.accuracy_since:.0%} of "
                f"its canaries on {series.criterion} in the canary run of {since[:10]} "
                f"({alarm.n_since} answers), down from {alarm.p0:.0%} before it; re-check it "
                "before trusting its new labels",
                since,
                int(series.label_id[alarm.since]),
                {
                    "run_id": run,
                    "version": version,
                    "p0": alarm.p0,
                    "accuracy_before": float(before.mean()) if len(before) else None,
                    "accuracy_since": alarm.accuracy_since,
                    "n_since": alarm.n_since,
                    "answer": alarm.at + 1,
                    "alarm_answer_id": int(series.label_id[alarm.at]),
                    "threshold": series.chart.threshold,
                    "p_value": float(10 ** -series.chart.statistic[alarm.at]),
                },
            )
        )
    return out


def version_alerts(project: Project) -> list[Alert]:
    """A newer version whose reported model or fingerprint differs from the one before."""
    rows = project.rows(
        "SELECT j.name, v.number, v.reported_model, v.system_fingerprint, v.first_seen "
        "FROM judge_versions v JOIN judges j ON j.id = v.judge_id ORDER BY j.name, v.number"
    )
    out, previous = [], None
    for row in rows:
        name, number, model, fingerprint, first_seen = row
        if previous is not None and previous[0] == name:
            _, old_number, old_model, old_fingerprint, _ = previous
            if (model, fingerprint) != (old_model, old_fingerprint):
                what = (
                    f"model {old_model} -> {model}"
                    if model != old_model
                    else f"system fingerprint {old_fingerprint} -> {fingerprint}"
                )
                out.append(
                    Alert(
                        "judge_version",
                        "judge",
                        name,
                        None,
                        f"judge {name}: the server reports a different {what} from v{number} "
                        f"on (first seen {first_seen[:19]}); run its canaries and compare "
                        f"v{old_number} with v{number}",
                        first_seen,
                        None,
                        {
                            "from": f"v{old_number}",
                            "to": f"v{number}",
                            "model_before": old_model,
                            "model_after": model,
                            "fingerprint_before": old_fingerprint,
                            "fingerprint_after": fingerprint,
                            "first_seen": first_seen,
                        },
                    )
                )
        previous = row
    return out
