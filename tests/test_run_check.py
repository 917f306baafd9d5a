"""The per-run control chart for judge canaries, checked against a hand-summed Fisher test."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from annotator.stats.run_check import RunCheckSettings, run_check, run_drop_p, simulate


def _fisher_less(run_k: int, run_n: int, base_k: int, base_n: int) -> float:
    """P(X <= run_k) for X hypergeometric: run_n draws from run_n + base_n answers of which
    run_k + base_k are right, summed term by term."""
    total, right = run_n + base_n, run_k + base_k
    denominator = comb(total, run_n)
    low = max(0, run_n - (total - right))
    return sum(comb(right, k) * comb(total - right, run_n - k) for k in range(low, run_k + 1)) / (
        denominator
    )


@pytest.mark.parametrize(
    "run_k, run_n, base_k, base_n",
    [(24, 40, 144, 160), (36, 40, 72, 80), (0, 10, 50, 60), (30, 40, 110, 120), (5, 7, 61, 70)],
)
def test_the_run_p_value_is_fishers_exact_one_sided(run_k, run_n, base_k, base_n) -> None:
    assert run_drop_p(run_k, run_n, base_k, base_n) == pytest.approx(
        _fisher_less(run_k, run_n, base_k, base_n), rel=1e-9, abs=1e-15
    )


def _runs(*blocks: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes and run names from (right, of) per run."""
    outcomes, names = [], []
    for index, (right, size) in enumerate(blocks):
        outcomes += [1] * right + [0] * (size - right)
        names += [f"r{index}"] * size
    return np.array(outcomes), np.array(names, dtype=object)


def test_a_bad_run_alarms_at_its_last_answer_and_a_lasting_drop_alarms_once() -> None:
    x, names = _runs((36, 40), (37, 40), (35, 40), (22, 40), (23, 40), (24, 40))
    chart = run_check(x, names)
    assert chart.started and len(chart.alarms) == 1
    alarm = chart.alarms[0]
    assert (alarm.since, alarm.at) == (120, 159)
    assert alarm.p0 == pytest.approx(108 / 120) and alarm.accuracy_since == pytest.approx(22 / 40)
    assert 10 ** -chart.statistic[150] == pytest.approx(_fisher_less(22, 40, 108, 120))
    # after the alarm the bad run starts the new baseline: the next run only relearns it
    # (40 < 60 answers), the one after is checked against both, and neither is news
    assert np.isnan(chart.statistic[160:200]).all() and np.isfinite(chart.statistic[200:]).all()


def test_no_chart_before_the_baseline_and_a_small_drop_is_not_news() -> None:
    x, names = _runs((36, 40))
    assert run_check(x, names).reason is not None and not run_check(x, names).started
    # a significant drop smaller than min_drop does not alarm
    x, names = _runs((390, 400), (350, 400))
    settings = RunCheckSettings(min_drop=0.10)
    assert run_drop_p(350, 400, 390, 400) < settings.alpha
    assert run_check(x, names, settings).alarms == ()


def test_the_rates_the_docs_quote() -> None:
    early, on_time = simulate(0.9, 0.6, trials=300, seed=1)
    assert early <= 0.02 and on_time >= 0.75
    quiet_early, never = simulate(0.9, 0.9, runs_before=25, runs_after=0, trials=300, seed=2)
    assert quiet_early <= 0.05 and never == 0.0
