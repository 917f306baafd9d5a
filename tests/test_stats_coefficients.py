"""Coefficients against independent implementations and published worked examples,
and every "not defined" case giving a reason instead of NaN or an exception."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

from annotator.stats.agreement import (
    cohen_kappa,
    cohen_kappa_from_table,
    cohen_kappa_pairwise,
    compute_all,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    gwet_ac1,
    item_disagreement,
    krippendorff_alpha,
    percent_agreement,
)
from annotator.stats.reliability import ReliabilityData, ReliabilityError
from tests.conftest import shared_path

# -- Fleiss' kappa against statsmodels ------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fleiss_kappa_matches_statsmodels_on_random_tables(seed):
    rng = np.random.default_rng(seed)
    raters, categories = rng.integers(2, 8), rng.integers(2, 6)
    shares = rng.dirichlet(np.ones(categories), size=60)
    table = np.vstack([rng.multinomial(raters, p) for p in shares])
    expected = statsmodels_fleiss(table, method="fleiss")
    assert fleiss_kappa_from_counts(table, n_boot=0).value == pytest.approx(expected, abs=1e-12)


def test_fleiss_kappa_from_ratings_matches_statsmodels():
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 4, 200)
    ratings = np.where(rng.random((200, 5)) < 0.6, truth[:, None], rng.integers(0, 4, (200, 5)))
    table, _ = aggregate_raters(ratings, n_cat=4)
    data = ReliabilityData(ratings, (0, 1, 2, 3), tuple(range(200)), tuple("abcde"))
    expected = statsmodels_fleiss(table, method="fleiss")
    assert fleiss_kappa(data, n_boot=0).value == pytest.approx(expected, abs=1e-12)


# -- Cohen's kappa against sklearn ----------------------------------------------------------------


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_sklearn_over_shared_items_and_full_scale(weights):
    rng = np.random.default_rng(11)
    scale = [1, 2, 3, 4, 5, 6]  # 3 is never used: it still widens the weighted distances
    used = np.array([1, 2, 4, 5, 6])
    a = rng.choice(used, 300)
    b = np.where(rng.random(300) < 0.5, a, rng.choice(used, 300))
    a_missing, b_missing = rng.random(300) < 0.1, rng.random(300) < 0.15
    records = [(i, "a", int(a[i])) for i in range(300) if not a_missing[i]]
    records += [(i, "b", int(b[i])) for i in range(300) if not b_missing[i]]
    data = ReliabilityData.from_records(records, value_domain=scale)
    shared = ~a_missing & ~b_missing
    expected = cohen_kappa_score(a[shared], b[shared], weights=weights, labels=scale)
    result = cohen_kappa(data, "a", "b", weights=weights, n_boot=0)
    assert result.value == pytest.approx(expected, abs=1e-12)
    assert result.n_items == int(shared.sum())


def test_pairwise_kappa_matrix_matches_sklearn_per_pair():
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 3, (120, 4)).astype(np.int32)
    codes[rng.random((120, 4)) < 0.2] = -1
    data = ReliabilityData(codes, ("x", "y", "z"), tuple(range(120)), ("p", "q", "r", "s"))
    pairwise = cohen_kappa_pairwise(data, weights="linear")
    for i in range(4):
        for j in range(i + 1, 4):
            both = (codes[:, i] >= 0) & (codes[:, j] >= 0)
            expected = cohen_kappa_score(
                codes[both, i], codes[both, j], weights="linear", labels=[0, 1, 2]
            )
            assert pairwise.values[i, j] == pytest.approx(expected, abs=1e-12)
            assert pairwise.values[j, i] == pairwise.values[i, j]
            assert pairwise.n_shared[i, j] == both.sum()
    assert pairwise.get("s", "p").value == pytest.approx(pairwise.values[0, 3])
    assert len(pairwise.to_frame()) == 6


# -- Gwet's AC1 against published worked examples -------------------------------------------------
# Source: K. L. Gwet, irrCAC R package (CRAN 1.0, 2019), README / "overview" vignette,
# whose examples follow Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.:
#   gwet.ac1.table(cont3x3abstractors)  -> AC1 0.8493305; kappa2.table -> 0.7964094;
#                                           pa2.table -> 0.89
#   gwet.ac1.dist(distrib.6raters)      -> AC1 0.4448007, pa 0.5511111;
#                                           fleiss.kappa.dist -> 0.4139265
#   gwet.ac1.raw(cac.raw4raters)        -> AC1 0.77544, pa 0.8181818
# distrib.6raters is the first 15 subjects of Fleiss (1971); cac.raw4raters is
# Krippendorff's 4 x 12 example (Gwet 2014, p. 120): both are read from the
# shared reference file rather than copied here.

CONT3X3_ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]  # rows rater A, columns rater B


def _from_table(table: list[list[int]]) -> ReliabilityData:
    records = []
    item = 0
    for a, row in enumerate(table):
        for b, count in enumerate(row):
            for _ in range(count):
                records += [(item, "A", a), (item, "B", b)]
                item += 1
    return ReliabilityData.from_records(records, value_domain=range(len(table)))


def test_gwet_ac1_matches_irrcac_contingency_table_example():
    data = _from_table(CONT3X3_ABSTRACTORS)
    assert gwet_ac1(data, n_boot=0).value == pytest.approx(0.8493305, abs=5e-8)
    assert cohen_kappa(data, n_boot=0).value == pytest.approx(0.7964094, abs=5e-8)
    assert percent_agreement(data, n_boot=0).value == pytest.approx(0.89, abs=1e-12)
    from_table = cohen_kappa_from_table(CONT3X3_ABSTRACTORS, n_boot=0)
    assert from_table.value == pytest.approx(0.7964094, abs=5e-8)


@pytest.fixture(scope="module")
def reference_cases() -> dict[str, dict]:
    path = shared_path("reference", "agreement_cases.json")
    return {case["name"]: case for case in json.loads(path.read_text())["cases"]}


def test_gwet_ac1_matches_irrcac_distribution_example(reference_cases):
    first_15 = reference_cases["fleiss_1971_30x6"]["data"][:15]
    data = ReliabilityData.from_category_counts(first_15)
    assert gwet_ac1(data, n_boot=0).value == pytest.approx(0.4448007, abs=5e-8)
    assert percent_agreement(data, n_boot=0).value == pytest.approx(0.5511111, abs=5e-8)
    assert fleiss_kappa(data, n_boot=0).value == pytest.approx(0.4139265, abs=5e-8)


def test_gwet_ac1_matches_irrcac_raw_ratings_with_missing(reference_cases):
    matrix = reference_cases["krippendorff_2011_4x12"]["data"]
    data = ReliabilityData.from_matrix(matrix, value_domain=[1, 2, 3, 4, 5])
    assert gwet_ac1(data, n_boot=0).value == pytest.approx(0.77544, abs=5e-6)
    assert percent_agreement(data, n_boot=0).value == pytest.approx(0.8181818, abs=5e-8)


# -- compute_all ----------------------------------------------------------------------------------


def test_compute_all_keys_for_two_and_for_more_raters():
    two = _from_table(CONT3X3_ABSTRACTORS)
    assert list(compute_all(two, "ordinal", n_boot=0)) == [
        "alpha",
        "cohen_kappa",
        "cohen_kappa_linear",
        "cohen_kappa_quadratic",
        "fleiss_kappa",
        "gwet_ac1",
        "percent_agreement",
    ]
    nominal = compute_all(two, "nominal", n_boot=0)
    assert nominal["cohen_kappa_linear"].value is None
    assert "nominal" in nominal["cohen_kappa_linear"].reason
    three = ReliabilityData.from_records([(1, "a", "x"), (1, "b", "x"), (1, "c", "y")])
    assert list(compute_all(three, "nominal", n_boot=0)) == [
        "alpha",
        "fleiss_kappa",
        "gwet_ac1",
        "percent_agreement",
    ]


def test_compute_all_gives_intervals_around_the_estimate():
    data = _from_table(CONT3X3_ABSTRACTORS)
    for key, result in compute_all(data, "ordinal", n_boot=300, seed=1).items():
        assert result.ci is not None, key
        low, high = result.ci
        assert low <= result.value <= high, key


# -- not defined: a reason, never NaN or an exception ----------------------------------------


def _assert_undefined(result, *words: str) -> None:
    assert result.value is None
    assert result.ci is None
    assert result.reason.startswith("not defined, because ")
    for word in words:
        assert word in result.reason, result.reason


def _assert_no_nan(results) -> None:
    for result in results.values():
        assert result.value is None or math.isfinite(result.value)


def test_one_rater_is_not_defined_anywhere():
    data = ReliabilityData.from_records([(1, "ann", 1), (2, "ann", 2), (3, "ann", 1)])
    results = compute_all(data, "ordinal", n_boot=50)
    for result in results.values():
        _assert_undefined(result, "only one rater", "'ann'")


def test_no_labels_at_all():
    results = compute_all(ReliabilityData.from_records([]), "nominal", n_boot=50)
    for result in results.values():
        _assert_undefined(result, "no labels")


def test_no_item_with_two_labels():
    data = ReliabilityData.from_records([(1, "a", "x"), (2, "b", "y"), (3, "a", "y")])
    results = compute_all(data, "nominal", n_boot=50)
    for key in ("alpha", "gwet_ac1", "percent_agreement", "fleiss_kappa"):
        _assert_undefined(results[key], "two or more")
    _assert_undefined(cohen_kappa(data, "a", "b"), "no item in common")


def test_a_single_value_used_leaves_alpha_kappa_and_fleiss_undefined_but_not_ac1():
    records = [(i, r, "good") for i in range(10) for r in ("a", "b")]
    data = ReliabilityData.from_records(records, value_domain=["bad", "good"])
    results = compute_all(data, "nominal", n_boot=50)
    _assert_undefined(results["alpha"], "'good'", "no variation")
    _assert_undefined(results["cohen_kappa"], "same value", "'good'")
    _assert_undefined(results["fleiss_kappa"], "'good'")
    assert results["gwet_ac1"].value == pytest.approx(1.0)  # AC1's design: defined here
    assert results["percent_agreement"].value == pytest.approx(1.0)
    _assert_no_nan(results)
    one_value_domain = ReliabilityData.from_records(records)
    _assert_undefined(gwet_ac1(one_value_domain), "full scale")


def test_fleiss_kappa_needs_the_same_number_of_labels_per_item():
    data = ReliabilityData.from_records(
        [(1, "a", 1), (1, "b", 1), (2, "a", 2), (2, "b", 2), (2, "c", 1)]
    )
    _assert_undefined(fleiss_kappa(data), "different numbers of labels", "2 to 3")
    _assert_undefined(fleiss_kappa_from_counts([[2, 0], [1, 2]]), "different numbers")
    _assert_undefined(fleiss_kappa_from_counts([[1, 0], [0, 1]]), "only one label")


def test_interval_level_on_text_values_is_a_reason_not_a_crash():
    data = ReliabilityData.from_records([(1, "a", "low"), (1, "b", "high")])
    _assert_undefined(krippendorff_alpha(data, "interval"), "'high'", "not a number")


def test_cohen_kappa_needs_named_raters_when_there_are_more_than_two():
    data = ReliabilityData.from_records([(1, "a", 1), (1, "b", 1), (1, "c", 2)])
    with pytest.raises(ReliabilityError, match="name the two"):
        cohen_kappa(data)
    with pytest.raises(ReliabilityError, match="no rater 'zed'"):
        cohen_kappa(data, "a", "zed")


def test_unknown_level_is_an_error_naming_the_choices():
    data = ReliabilityData.from_records([(1, "a", 1), (1, "b", 1)])
    with pytest.raises(ReliabilityError, match="nominal, ordinal, interval, ratio"):
        compute_all(data, "categorical")


# -- item disagreement ----------------------------------------------------------------------------


def test_item_disagreement_scores_by_hand():
    records = [
        ("same", "a", 3), ("same", "b", 3), ("same", "c", 3),
        ("split", "a", 1), ("split", "b", 1), ("split", "c", 2),
        ("far", "a", 1), ("far", "b", 5),
        ("alone", "a", 4),
    ]  # fmt: skip
    data = ReliabilityData.from_records(records, value_domain=[1, 2, 3, 4, 5])
    nominal = item_disagreement(data, "nominal")
    # split: 3 pairs, 2 disagree; far: 1 pair, disagrees
    assert [(item, round(score, 6)) for item, score, _ in nominal.ranked()] == [
        ("far", 1.0),
        ("split", round(2 / 3, 6)),
        ("same", 0.0),
    ]
    ordinal = item_disagreement(data, "ordinal")
    scores = dict(zip(ordinal.items, ordinal.scores, strict=True))
    assert scores["far"] == pytest.approx(1.0)  # 1 vs 5: the whole span
    assert scores["split"] == pytest.approx((2 * 1 / 4) / 3)  # two pairs one step apart
    assert math.isnan(scores["alone"])
    interval = item_disagreement(data, "interval")
    assert dict(zip(interval.items, interval.scores, strict=True))["split"] == pytest.approx(
        (2 * 1 / 16) / 3
    )
