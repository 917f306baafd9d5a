"""Every case of shared/reference/agreement_cases.json, through the public functions.

The file holds published values (Krippendorff 2011, Fleiss 1971, a textbook
Cohen's kappa example, crowd-kit's Dawid-Skene test); it is read at test time
and the tests skip when it is absent (a user's clone has no shared/ folder).
"""

from __future__ import annotations

import json

import pytest

from annotator.stats.agreement import (
    cohen_kappa,
    compute_all,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    krippendorff_alpha,
    percent_agreement,
)
from annotator.stats.consensus import dawid_skene
from annotator.stats.reliability import ReliabilityData
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def cases() -> dict[str, dict]:
    path = shared_path("reference", "agreement_cases.json")
    return {case["name"]: case for case in json.loads(path.read_text())["cases"]}


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_alpha_matches_krippendorff_2011(cases, level):
    case = cases["krippendorff_2011_4x12"]
    assert case["layout"] == "raters x units"
    data = ReliabilityData.from_matrix(case["data"], value_domain=[1, 2, 3, 4, 5])
    result = krippendorff_alpha(data, level, n_boot=0)
    assert result.value == pytest.approx(case["expected"][f"alpha_{level}"], abs=case["tol"])
    assert result.reason is None
    assert result.n_items == 11  # the twelfth unit has one value: not pairable


def test_alpha_in_compute_all_matches_krippendorff_2011(cases):
    case = cases["krippendorff_2011_4x12"]
    data = ReliabilityData.from_matrix(case["data"], value_domain=[1, 2, 3, 4, 5])
    for level in ("nominal", "ordinal", "interval", "ratio"):
        results = compute_all(data, level, n_boot=0)
        expected = case["expected"][f"alpha_{level}"]
        assert results["alpha"].value == pytest.approx(expected, abs=case["tol"])


def test_fleiss_kappa_matches_fleiss_1971(cases):
    case = cases["fleiss_1971_30x6"]
    expected = case["expected"]["fleiss_kappa"]
    from_counts = fleiss_kappa_from_counts(case["data"], n_boot=0)
    assert from_counts.value == pytest.approx(expected, abs=case["tol"])
    assert (from_counts.n_items, from_counts.n_labels) == (30, 180)
    data = ReliabilityData.from_category_counts(case["data"])
    assert fleiss_kappa(data, n_boot=0).value == pytest.approx(expected, abs=case["tol"])


def _two_raters(case: dict) -> ReliabilityData:
    a, b = case["data"]["rater_a"], case["data"]["rater_b"]
    records = [(i, "A", v) for i, v in enumerate(a)] + [(i, "B", v) for i, v in enumerate(b)]
    return ReliabilityData.from_records(records)


def test_cohen_kappa_and_percent_agreement_match_the_50_proposals(cases):
    case = cases["cohen_grant_50"]
    data = _two_raters(case)
    tol = case["tol"]
    assert cohen_kappa(data, "A", "B", n_boot=0).value == pytest.approx(
        case["expected"]["cohen_kappa"], abs=tol
    )
    assert percent_agreement(data, n_boot=0).value == pytest.approx(
        case["expected"]["percent_agreement"], abs=tol
    )
    results = compute_all(data, "nominal", n_boot=0)
    assert results["cohen_kappa"].value == pytest.approx(case["expected"]["cohen_kappa"], abs=tol)
    assert results["percent_agreement"].value == pytest.approx(
        case["expected"]["percent_agreement"], abs=tol
    )


def test_dawid_skene_converges_to_crowd_kit_labels(cases):
    case = cases["dawid_skene_crowdkit_5x5"]
    records = [
        (task, worker, label)
        for task, labels in case["data"].items()
        for worker, label in labels.items()
    ]
    result = dawid_skene(records)
    assert result.converged
    assert result.labels() == case["expected"]["converged_labels"]
