"""The anchor-accuracy control chart on synthetic annotators: a drop from 90% to 60%
after answer 300 is flagged within 100 answers; a stable annotator over 5,000
answers raises no alarm in (at most) one of 20 seeds; degenerate input says why."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from annotator.stats.control_chart import (
    ChartSettings,
    bernoulli_cusum,
    detection,
    rolling_accuracy,
    wilson_interval,
)


def drifting(seed: int, change: int = 300, length: int = 600) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.random(change) < 0.9, rng.random(length - change) < 0.6])


def test_a_drop_from_90_to_60_percent_is_flagged_within_100_answers():
    chart = bernoulli_cusum(drifting(seed=7))
    assert chart.alarms, "the drop was not flagged at all"
    first = chart.alarms[0]
    assert 300 <= first.at <= 400, f"flagged at answer {first.at}, change at 300"
    assert first.since >= 250  # dated near the change, not at the start
    assert first.accuracy_since < 0.75 < first.p0
    print(f"\nflagged {first.at - 300} answers after the change (dated at {first.since})")


def test_the_detection_rate_over_many_annotators():
    result = detection(before=0.9, after=0.6, change=300, within=100, runs=100, seed=3)
    print(
        f"\n90% -> 60% at answer 300, flagged within 100 answers in {result.rate:.0%} of "
        f"{result.runs} runs; median delay {np.median(result.delays):.0f} answers"
    )
    assert result.rate >= 0.9


def test_a_stable_annotator_raises_an_alarm_in_at_most_one_of_20_seeds():
    alarmed = []
    for seed in range(20):
        rng = np.random.default_rng(1_000 + seed)
        chart = bernoulli_cusum(rng.random(5_000) < 0.9)
        if chart.alarms:
            alarmed.append(seed)
    rate = len(alarmed) / 20
    print(f"\nfalse-alarm rate over 20 stable annotators x 5,000 answers: {rate:.0%} {alarmed}")
    assert len(alarmed) <= 1


@pytest.mark.parametrize("accuracy", [0.7, 0.97])
def test_stable_annotators_at_other_accuracies_stay_quiet(accuracy):
    quiet = sum(
        not bernoulli_cusum(np.random.default_rng(seed).random(5_000) < accuracy).alarms
        for seed in range(10)
    )
    assert quiet >= 9


def test_one_drop_raises_one_alarm_and_a_further_drop_another():
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.random(300) < 0.9, rng.random(400) < 0.6, rng.random(400) < 0.3])
    alarms = bernoulli_cusum(x).alarms
    assert len(alarms) == 2
    assert 300 <= alarms[0].at <= 400 and 700 <= alarms[1].at <= 800


def test_too_few_answers_is_a_reason_not_a_chart():
    chart = bernoulli_cusum([1] * 40)
    assert not chart.started and not chart.alarms
    assert chart.reason.startswith("not enough scored anchor answers yet: 40 of the 100")
    assert np.isnan(chart.statistic).all()


def test_a_consistently_weak_annotator_is_not_a_drift():
    rng = np.random.default_rng(9)
    assert not bernoulli_cusum(rng.random(2_000) < 0.3).alarms
    assert not bernoulli_cusum(np.zeros(500)).alarms
    assert not bernoulli_cusum(np.ones(500)).alarms


def test_settings_change_the_rule():
    x = drifting(seed=7)
    late = bernoulli_cusum(x, ChartSettings(threshold=40.0))
    assert not late.alarms or late.alarms[0].at > bernoulli_cusum(x).alarms[0].at


def test_wilson_interval_matches_statsmodels():
    for k, n in [(0, 10), (3, 10), (45, 50), (50, 50), (812, 1000)]:
        low, high = wilson_interval(k, n)
        expected = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert (float(low), float(high)) == pytest.approx(expected, abs=1e-12)
    low, high = wilson_interval(0, 0)
    assert np.isnan(low) and np.isnan(high)


def test_rolling_accuracy_uses_the_last_window():
    x = np.array([1] * 10 + [0] * 10)
    accuracy, low, high = rolling_accuracy(x, window=10)
    assert accuracy[9] == 1.0 and accuracy[19] == 0.0 and accuracy[14] == 0.5
    assert (low <= accuracy + 1e-12).all() and (accuracy <= high + 1e-12).all()
