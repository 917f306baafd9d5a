"""One annotator's (or source's, or judge's) scored answers on one criterion as a control
chart series: the piece the drift report, the judge canaries and the charts share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.labels.data import day_to_iso, week_start
from annotator.stats.control_chart import ChartResult
from annotator.stats.control_chart import wilson_interval as wilson


@dataclass
class AnchorSeries:
    """One annotator's (or source's) scored answers on one criterion, in order."""

    subject: str
    criterion: str
    label_id: np.ndarray
    day: np.ndarray
    outcome: np.ndarray
    chart: ChartResult
    rolling: tuple[np.ndarray, np.ndarray, np.ndarray]

    def weekly(self) -> list[dict[str, Any]]:
        weeks = np.floor((self.day - 2440591.5) / 7).astype(np.int64)
        out = []
        for week in np.unique(weeks).tolist():
            mask = weeks == week
            k, n = int(self.outcome[mask].sum()), int(mask.sum())
            low, high = wilson(k, n)
            out.append(
                {"week": week_start(week), "n": n, "correct": k, "accuracy": k / n,
                 "low": float(low), "high": float(high)}
            )  # fmt: skip
        return out

    def to_dict(self, series: bool = False) -> dict[str, Any]:
        chart = self.chart
        out: dict[str, Any] = {
            "n": len(self.outcome),
            "accuracy": float(self.outcome.mean()) if len(self.outcome) else None,
            "reason": chart.reason,
            "threshold": chart.threshold,
            "p0": _last(chart.p0),
            "statistic": _last(chart.statistic),
            "alarms": [
                {
                    "at": a.at,
                    "since": a.since,
                    "label_id": int(self.label_id[a.at]),
                    "since_label_id": int(self.label_id[a.since]),
                    "since_time": day_to_iso(self.day[a.since]),
                    "p0": a.p0,
                    "accuracy_since": a.accuracy_since,
                    "n_since": a.n_since,
                }
                for a in chart.alarms
            ],
            "weekly": self.weekly(),
        }
        if series:
            out["series"] = {
                "label_id": self.label_id.tolist(),
                "outcome": self.outcome.tolist(),
                "rolling": [_nan_none(a) for a in self.rolling],
                "statistic": _nan_none(chart.statistic),
                "p0": _nan_none(chart.p0),
            }
        return out


def _last(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if len(finite) else None


def _nan_none(values: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else float(v) for v in values.tolist()]
