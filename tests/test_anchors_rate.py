"""The adaptive anchor rate: it rises while accuracy is low or after an alert, then falls back."""

from __future__ import annotations

import pytest

from annotator.anchors import anchors
from annotator.anchors import rate as anchor_rate
from annotator.anchors.rate import RateInputs, RatePolicy, decide_rate
from annotator.queue import assignments, queue
from annotator.queue.settings import get_settings
from tests.support.queue_project import answer, make_project, people

POLICY = {"threshold": 0.7, "recover_at": 0.8, "step": 0.05, "cap": 0.3, "window": 10}
BASE = 0.1


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, n_items=300)
    for i in range(60):
        anchors.add_anchor(project, f"it-{i:04d}", {"correct": "yes"}, "it is right")
    person = people(project, ["A"])["A"]
    assignments.assign(project, ["A"], seed=3, anchor_rate=BASE, anchor_window_items=1000)
    anchor_rate.set_policy(project, person.id, min_scored=5, **POLICY)
    project.person = person
    yield project
    project.close()


def _rate(project) -> float:
    return get_settings(project, project.person.id).current_anchor_rate


def _answers(project, start: int, verdicts: list[str]) -> list[float]:
    """Answer anchors it-{start}... with these verdicts; the rate after each."""
    rates = []
    for offset, verdict in enumerate(verdicts):
        answer(project, "A", f"it-{start + offset:04d}", {"correct": verdict})
        rates.append(_rate(project))
    return rates


def _anchor_share(project, n=100) -> float:
    entries = queue.preview(project, project.person.id, n)
    return sum(e.kind == "anchor" for e in entries) / len(entries)


def test_accuracy_drops_the_rate_rises_then_recovers_and_falls_back(project):
    assert _answers(project, 0, ["yes"] * 10) == [BASE] * 10
    calm_share = _anchor_share(project)

    dropping = _answers(project, 10, ["no"] * 10)
    # last-10 accuracy: 0.9, 0.8, 0.7 hold; 0.6 and below raise by 0.05 up to the cap
    assert dropping == [0.1, 0.1, 0.1, 0.15, 0.2, 0.25, 0.3, 0.3, 0.3, 0.3]
    assert _anchor_share(project) > calm_share + 0.1, "the queue serves more anchors now"

    recovering = _answers(project, 20, ["yes"] * 12)
    # accuracy climbs 0.1 per answer; below 0.8 the rate holds, then it steps down to base
    assert recovering == [0.3] * 7 + [0.25, 0.2, 0.15, 0.1, 0.1]

    log = anchor_rate.rate_log(project, "A")
    assert [(c.old_rate, c.new_rate) for c in log] == [
        (0.1, 0.15),
        (0.15, 0.2),
        (0.2, 0.25),
        (0.25, 0.3),
        (0.3, 0.25),
        (0.25, 0.2),
        (0.2, 0.15),
        (0.15, 0.1),
    ]
    assert all("under 70%" in c.reason for c in log[:4])
    assert all("recovered" in c.reason for c in log[4:])
    assert log[0].details["accuracy"] == pytest.approx(0.6)


def test_an_alert_raises_the_rate_until_accuracy_after_it_recovers(project):
    _answers(project, 0, ["yes"] * 10)
    changes = anchor_rate.apply_alerts(project, [{"annotator": "A", "reason": "agreement fell"}])
    assert [(c.old_rate, c.new_rate) for c in changes] == [(0.1, 0.15)]
    assert changes[0].reason == "alert: agreement fell"
    assert _answers(project, 10, ["yes"] * 5) == [0.15, 0.15, 0.15, 0.15, 0.1]
    assert "after the alert" in anchor_rate.rate_log(project)[-1].reason


def test_an_alert_for_someone_unknown_is_refused(project):
    with pytest.raises(Exception, match="unknown annotator"):
        anchor_rate.apply_alerts(project, [{"annotator": "Nobody", "reason": "x"}])


def test_the_lead_setting_a_new_rate_resets_the_rate_in_force(project):
    _answers(project, 0, ["no"] * 6)
    assert _rate(project) > BASE
    assignments.assign(project, ["A"], seed=3, anchor_rate=0.05)
    assert _rate(project) == 0.05


@pytest.mark.parametrize(
    ("inputs", "rate", "moved"),
    [
        (RateInputs(0.1, 0.1, accuracy=0.5, n_scored=3), 0.1, False),  # too few to trust
        (RateInputs(0.1, 0.1, accuracy=0.5, n_scored=10), 0.15, True),
        (RateInputs(0.1, 0.3, accuracy=0.5, n_scored=10), 0.3, False),  # at the cap
        (RateInputs(0.1, 0.2, accuracy=0.75, n_scored=10), 0.2, False),  # hysteresis band
        (RateInputs(0.1, 0.2, accuracy=0.9, n_scored=10), 0.15, True),
        (RateInputs(0.1, 0.1, accuracy=1.0, n_scored=10), 0.1, False),  # at base: stays
        (RateInputs(0.1, 0.1, accuracy=1.0, n_scored=10, new_alerts=("x",)), 0.15, True),
        (RateInputs(0.1, 0.3, accuracy=0.1, n_scored=10, max_rate=0.25), 0.25, True),
    ],
)
def test_the_rule_itself(inputs, rate, moved):
    decision = decide_rate(inputs, RatePolicy())
    assert decision.rate == pytest.approx(rate)
    assert (decision.reason is not None) == moved
