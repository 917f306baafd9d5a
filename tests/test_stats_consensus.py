"""Consensus methods: ties stated, weights, median over the scale, mean, Dawid-Skene.

(The published Dawid-Skene case from crowd-kit is in test_stats_reference.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

from annotator.stats.consensus import (
    dawid_skene,
    majority_vote,
    mean_score,
    median_vote,
    weighted_majority_vote,
)
from annotator.stats.reliability import ReliabilityError

VOTES = [
    ("clear", "a", "yes"), ("clear", "b", "yes"), ("clear", "c", "no"),
    ("tie", "a", "yes"), ("tie", "b", "no"),
    ("three", "a", "x"), ("three", "b", "y"), ("three", "c", "z"),
    ("unlabeled", "a", None),
]  # fmt: skip


def test_majority_vote_states_ties_and_vote_shares():
    result = majority_vote(VOTES)
    assert result.method == "majority"
    items = result.by_item()
    assert items["clear"].value == "yes" and not items["clear"].tie
    assert items["clear"].confidence == pytest.approx(2 / 3)
    assert items["tie"].value is None and items["tie"].tie
    assert items["tie"].tied_values == ("no", "yes")
    assert items["tie"].confidence == pytest.approx(0.5)
    assert items["three"].tied_values == ("x", "y", "z")
    assert {c.item for c in result.ties} == {"tie", "three"}
    assert "unlabeled" not in items  # a None value is no label, so no item either


def test_tied_values_follow_the_scale_order():
    result = majority_vote([(1, "a", "good"), (1, "b", "bad")], scale=["good", "bad"])
    assert result.items[0].tied_values == ("good", "bad")


def test_weighted_majority_breaks_a_tie_by_weight_and_refuses_unknown_raters():
    result = weighted_majority_vote(VOTES, {"a": 1.0, "b": 3.0, "c": 1.0})
    items = result.by_item()
    assert items["tie"].value == "no"
    assert items["tie"].confidence == pytest.approx(3 / 4)
    assert items["clear"].value == "yes"
    assert items["clear"].confidence == pytest.approx(4 / 5)
    with pytest.raises(ReliabilityError, match="rater 'c' has no weight"):
        weighted_majority_vote(VOTES, {"a": 1.0, "b": 1.0})
    fallback = weighted_majority_vote(VOTES, {"a": 2.0}, default_weight=1.0)
    assert fallback.by_item()["tie"].value == "yes"
    with pytest.raises(ReliabilityError, match="use a number >= 0"):
        weighted_majority_vote(VOTES, {"a": -1.0, "b": 1.0, "c": 1.0})


def test_median_over_the_scale_order_with_even_splits_as_ties():
    scale = ["poor", "fair", "good", "great", "superb"]
    records = [
        ("odd", "a", "poor"), ("odd", "b", "great"), ("odd", "c", "fair"),
        ("even", "a", "poor"), ("even", "b", "great"),
        ("even_same", "a", "good"), ("even_same", "b", "good"),
        ("even_middle", "a", "poor"), ("even_middle", "b", "fair"),
        ("even_middle", "c", "fair"), ("even_middle", "d", "superb"),
    ]  # fmt: skip
    items = median_vote(records, scale=scale).by_item()
    assert items["odd"].value == "fair"  # poor < fair < great by the scale, not alphabet
    assert items["even"].tie and items["even"].tied_values == ("poor", "great")
    assert items["even_same"].value == "good" and items["even_same"].confidence == 1.0
    assert items["even_middle"].value == "fair"
    assert items["even_middle"].confidence == pytest.approx(0.5)


def test_mean_score_with_spread_based_confidence():
    records = [(1, "a", 1), (1, "b", 5), (2, "a", 4), (2, "b", 4), (3, "a", 2), (3, "b", 3)]
    items = mean_score(records, scale_range=(1, 5)).by_item()
    assert items[1].value == pytest.approx(3.0) and items[1].spread == pytest.approx(2.0)
    assert items[1].confidence == pytest.approx(0.0)  # half at each end of the scale
    assert items[2].confidence == pytest.approx(1.0)
    assert items[3].value == pytest.approx(2.5)
    assert items[3].confidence == pytest.approx(1 - 0.5 / 2)
    with pytest.raises(ReliabilityError, match="not a number"):
        mean_score([(1, "a", "good")])


def _crowd(seed: int):
    """600 items, 3 classes; two careful raters (90% right), three who answer at random."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, 600)
    records = []
    for rater in range(5):
        careful = rater < 2
        right = rng.random(600) < 0.9
        guess = rng.integers(0, 3, 600)
        given = np.where(careful & right, truth, guess) if careful else guess
        records += [(i, f"r{rater}", int(given[i])) for i in range(600)]
    return truth, records


def test_dawid_skene_learns_whom_to_trust():
    truth, records = _crowd(seed=3)
    result = dawid_skene(records)
    assert result.method == "dawid_skene" and result.converged
    labels = result.labels()
    ds_right = np.mean([labels[i] == truth[i] for i in range(600)])
    mv = majority_vote(records).labels()
    mv_right = np.mean([mv[i] == truth[i] for i in range(600)])
    assert ds_right > mv_right + 0.1
    careful = np.diag(result.confusion["r0"]).mean()
    random = np.diag(result.confusion["r4"]).mean()
    assert careful > 0.8 and random < 0.5


def test_dawid_skene_returns_a_proper_model_and_is_deterministic():
    _, records = _crowd(seed=4)
    first, again = dawid_skene(records), dawid_skene(records)
    assert first.labels() == again.labels()
    assert first.log_likelihood == again.log_likelihood
    assert first.classes == (0, 1, 2)
    assert sum(first.class_priors.values()) == pytest.approx(1.0)
    for matrix in first.confusion.values():
        assert matrix.shape == (3, 3)
        np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    for item in first.items:
        assert sum(item.posterior.values()) == pytest.approx(1.0)
        assert item.confidence == pytest.approx(max(item.posterior.values()))


def test_dawid_skene_stops_at_max_iter_and_says_so():
    _, records = _crowd(seed=5)
    result = dawid_skene(records, tol=0.0, max_iter=3)
    assert result.n_iter == 3 and not result.converged


def test_dawid_skene_reports_classes_nobody_used():
    result = dawid_skene([(1, "a", "yes"), (1, "b", "yes")], classes=["no", "yes", "unsure"])
    assert result.classes == ("no", "yes", "unsure")
    assert result.labels() == {1: "yes"}
