"""A control chart for answers that arrive in runs: each run against the runs before it.

An LLM judge's canary answers come in bursts (a canary run asks every canary at
once), so the question after each run is whether *this run* is worse than the
judge's usual level, not whether an answer stream drifted. The rule, with the
defaults (`RunCheckSettings`):

- the baseline is every answer since the chart last (re)started, before this
  run; the chart starts once the baseline holds `min_baseline` = 60 answers;
- the run alarms when Fisher's exact test, one-sided (this run's accuracy is
  lower than the baseline's), gives p < `alpha` = 0.002, and the drop is at
  least `min_drop` = 0.10 (a significant but trivial drop is not news);
- after an alarm the chart restarts at the alarmed run: that run and the ones
  after it become the new baseline, so one drop raises one alarm and only a
  further drop another.

Why these numbers, measured by simulation (`simulate`): a judge right on 90% of 40
canaries per run for 4 runs that falls to 60% alarms on the first run after the
drop in essentially every trial, and a stable judge at 90% over 25 runs alarms in
well under 2% of trials per criterion (Fisher's test is conservative, and the
per-run false-alarm chance is below `alpha`).

The result is a `ChartResult`, so the drift report, its alerts and its charts take
it exactly as they take the annotators' CUSUM: the statistic is -log10(p) of the
run each answer belongs to, the threshold -log10(alpha).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import log10

import numpy as np

from annotator.stats.control_chart import Alarm, ChartResult, ChartSettings

MIN_BASELINE = 60
ALPHA = 0.002
MIN_DROP = 0.10


@dataclass(frozen=True)
class RunCheckSettings:
    min_baseline: int = MIN_BASELINE
    alpha: float = ALPHA
    min_drop: float = MIN_DROP

    def describe(self) -> str:
        return (
            f"after a baseline of {self.min_baseline} answers, a run alarms when Fisher's exact "
            f"test (one-sided: this run below the runs before it since the last alarm) gives "
            f"p < {self.alpha:g} and accuracy dropped by {self.min_drop:.2f} or more"
        )


def run_drop_p(run_k: int, run_n: int, base_k: int, base_n: int) -> float:
    """One-sided Fisher p that a run of `run_k` right of `run_n` is below the baseline."""
    from scipy.stats import fisher_exact  # lazy: scipy.stats takes a second to import

    table = [[run_k, run_n - run_k], [base_k, base_n - base_k]]
    return float(fisher_exact(table, alternative="less").pvalue)


def run_check(
    outcomes: np.ndarray | list[int],
    runs: np.ndarray | list[object],
    settings: RunCheckSettings | None = None,
) -> ChartResult:
    """The chart over 0/1 outcomes in time order, `runs` naming each outcome's run
    (consecutive equal names are one run)."""
    settings = settings or RunCheckSettings()
    x = np.asarray(outcomes, dtype=np.int8)
    names = list(runs)
    n = len(x)
    statistic = np.full(n, np.nan)
    p0_trace = np.full(n, np.nan)
    threshold = -log10(settings.alpha)
    chart = ChartSettings(warmup=settings.min_baseline, delta=settings.min_drop,
                          threshold=threshold)  # fmt: skip
    bounds = [0] + [i for i in range(1, n) if names[i] != names[i - 1]] + [n]
    alarms: list[Alarm] = []
    base_start = 0
    started = False
    for begin, end in zip(bounds, bounds[1:], strict=False):
        base = x[base_start:begin]
        if len(base) < settings.min_baseline:
            continue
        started = True
        run = x[begin:end]
        base_rate, run_rate = float(base.mean()), float(run.mean())
        p = run_drop_p(int(run.sum()), len(run), int(base.sum()), len(base))
        statistic[begin:end] = -log10(max(p, 1e-300))
        p0_trace[begin:end] = base_rate
        if p < settings.alpha and base_rate - run_rate >= settings.min_drop:
            alarms.append(Alarm(end - 1, begin, base_rate, run_rate, len(run)))
            base_start = begin
    reason = None
    if not started:
        reason = (
            f"not enough scored answers yet: the first run is checked once {settings.min_baseline} "
            "answers before it set the usual accuracy"
        )
    return ChartResult(
        statistic, p0_trace, threshold, chart, tuple(alarms), reason, n, "run test −log10 p"
    )


def simulate(
    before: float,
    after: float,
    *,
    run_size: int = 40,
    runs_before: int = 4,
    runs_after: int = 1,
    trials: int = 500,
    seed: int = 0,
    settings: RunCheckSettings | None = None,
) -> tuple[float, float]:
    """(share of trials with an alarm before the change, share alarming on the first run
    after it): the rates quoted above, and the ones the tests hold."""
    rng = np.random.default_rng(seed)
    early = on_time = 0
    names = np.repeat(np.arange(runs_before + runs_after), run_size)
    change = runs_before * run_size
    for _ in range(trials):
        x = np.concatenate([rng.random(change) < before,
                            rng.random(runs_after * run_size) < after])  # fmt: skip
        alarms = run_check(x, names, settings).alarms
        early += any(a.at < change for a in alarms)
        on_time += any(change <= a.at < change + run_size for a in alarms)
    return early / trials, on_time / trials


__all__ = ["RunCheckSettings", "run_check", "run_drop_p", "simulate"]
