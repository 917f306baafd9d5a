"""Drift alarm benchmark: how often the anchor-accuracy chart cries wolf, how often
and how fast it catches a real drop, and what one chart costs.

The README's alarm figures come from here. Each rate is set against the issue's
aim (a stable annotator alarmed in at most 1 of 20 runs, i.e. 5%; a drop flagged
within 100 answers), and the chart's time per 5,000 answers against a bare numpy
pass over the same outcomes (a cumulative sum: the least any chart must do).

    uv run python -m benchmarks --only drift [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from annotator.stats.control_chart import bernoulli_cusum, detection, false_alarm_rate  # noqa: E402
from benchmarks.measure import peak_mb  # noqa: E402

LENGTH = 5_000
FALSE_ALARM_AIM = 0.05


def _row(
    name: str, value: float, unit: str, baseline: str, base: float, seconds: float, note: str
) -> dict[str, Any]:
    return {
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "baseline_name": baseline,
        "baseline_value": round(base, 6),
        "ratio": round(value / base, 3) if base else None,
        "seconds": round(seconds, 2),
        "peak_mb": peak_mb(),
        "note": note,
    }


def _chart_time(repeats: int) -> tuple[float, float]:
    """Median seconds of one chart over LENGTH answers, and of a bare cumulative sum."""
    rng = np.random.default_rng(1)
    outcomes = rng.random(LENGTH) < 0.9
    ours, bare = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        bernoulli_cusum(outcomes)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        np.cumsum(np.where(outcomes, 0.1, -0.9))
        bare.append(time.perf_counter() - started)
    return statistics.median(ours), statistics.median(bare)


def run(quick: bool) -> list[dict[str, Any]]:
    runs = 100 if quick else 1_000
    started = time.perf_counter()
    stable = false_alarm_rate(accuracy=0.9, length=LENGTH, runs=runs, seed=0)
    stable_s = time.perf_counter() - started
    started = time.perf_counter()
    drop = detection(before=0.9, after=0.6, change=300, within=100, runs=runs, seed=0)
    drop_s = time.perf_counter() - started
    ours, bare = _chart_time(5 if quick else 20)
    delay = statistics.median(drop.delays) if drop.delays else float("nan")
    return [
        _row(
            "false alarms, stable annotator at 90%",
            stable.rate * 100,
            "% of runs",
            "aim: at most 1 run in 20",
            FALSE_ALARM_AIM * 100,
            stable_s,
            f"{runs:,} simulated annotators x {LENGTH:,} anchor answers, seed 0",
        ),
        _row(
            "drop 90% -> 60% flagged within 100 answers",
            drop.rate * 100,
            "% of runs",
            "aim: every run",
            100.0,
            drop_s,
            f"{runs:,} runs, change after answer 300, seed 0; median delay {delay:.0f} answers",
        ),
        _row(
            f"one chart over {LENGTH:,} answers",
            ours * 1000,
            "ms",
            "bare numpy cumulative sum of the same answers",
            bare * 1000,
            ours,
            "self-starting Bernoulli CUSUM with the Wilson-bound reference",
        ),
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
