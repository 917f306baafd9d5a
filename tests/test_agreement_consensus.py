"""Consensus through the project API: adjudicated first, then the chosen method; ties
stated; sources weighted or excluded; the method and confidence recorded; streaming
gives the same answers in item order. Expected values are worked out by hand here
(or, for Dawid-Skene, come from crowd-kit's published test case)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from annotator.labels.adjudications import AdjudicationError, adjudicate
from annotator.quality.aggregate import (
    ConsensusError,
    consensus,
    consensus_all,
    dawid_skene_fit,
    iter_consensus,
)
from annotator.revision.publish import publish
from annotator.rubric.versions import current_version
from annotator.rubric.yaml_file import rubric_from_dict
from tests.conftest import shared_path
from tests.support.agreement_project import label, make_project, team


@pytest.fixture
def voted(tmp_path):
    """Three experts and two crowd workers on four items."""
    project = make_project(tmp_path, ["a", "b", "c", "d"])
    team(
        project,
        {
            "e1": ("experts", "expert"),
            "e2": ("experts", "expert"),
            "e3": ("experts", "expert"),
            "c1": ("crowd", "crowd"),
            "c2": ("crowd", "crowd"),
        },
    )
    votes = {
        # item: {annotator: (quality, verdict, issues, score)}
        "a": {"e1": (4, "a", ["tone"], 6), "e2": (4, "a", [], 8), "e3": (5, "b", ["tone"], 7)},
        "b": {"e1": (1, "a", [], 1), "e2": (2, "b", ["factual"], 2)},
        "c": {"e1": (2, "c", [], 3), "c1": (5, "b", [], 9), "c2": (5, "b", [], 9)},
        "d": {"c1": (3, "a", ["factual", "tone"], 5)},
    }
    for item, by in votes.items():
        for who, (q, v, issues, score) in by.items():
            label(
                project, who, item, {"quality": q, "verdict": v, "issues": issues, "score": score}
            )
    yield project
    project.close()


def test_auto_picks_median_majority_and_mean_by_kind(voted):
    quality = consensus(voted, "quality")
    assert list(quality) == ["a", "b", "c", "d"]  # import order
    assert quality["a"].value == 4 and quality["a"].method == "median"
    assert quality["a"].confidence == pytest.approx(2 / 3) and quality["a"].n_labels == 3
    assert quality["b"].tie and quality["b"].value is None and quality["b"].tied_values == (1, 2)
    assert quality["c"].value == 5  # median of 2, 5, 5
    verdict = consensus(voted, "verdict")
    assert verdict["a"].value == "a" and verdict["a"].method == "majority"
    assert verdict["b"].tie and set(verdict["b"].tied_values) == {"a", "b"}
    score = consensus(voted, "score")
    assert score["a"].method == "mean" and score["a"].value == pytest.approx(7.0)
    assert score["c"].value == pytest.approx(7.0)  # (3 + 9 + 9) / 3


def test_multilabel_is_decided_per_option(voted):
    issues = consensus(voted, "issues")
    assert issues["a"].value == ["tone"]  # tone 2 of 3, factual 0 of 3
    assert issues["a"].confidence == pytest.approx(2 / 3)
    assert issues["b"].tie and issues["b"].tied_values == ("factual",)
    assert issues["c"].value == []
    assert issues["d"].value == ["factual", "tone"]


def test_sources_are_excluded_chosen_by_kind_or_weighted(voted):
    experts = consensus(voted, "quality", source_kinds=["expert"])
    assert experts["c"].value == 2 and experts["c"].n_labels == 1
    assert "d" not in experts
    no_crowd = consensus(voted, "verdict", exclude_sources=["crowd"])
    assert no_crowd["c"].value == "c"
    crowd_only = consensus(voted, "verdict", sources=["crowd"])
    assert set(crowd_only) == {"c", "d"}
    weighted = consensus(voted, "verdict", weights={"experts": 5.0})
    assert weighted["c"].value == "c"  # 5 for the expert against 1 + 1
    assert weighted["c"].confidence == pytest.approx(5 / 7)
    assert weighted["c"].method == "weighted_majority"
    by_person = consensus(voted, "verdict", weights={"e2": 3.0})
    assert by_person["b"].value == "b"  # the tie a/b broken by e2's weight
    with pytest.raises(ConsensusError, match="neither a source nor an annotator"):
        consensus(voted, "verdict", weights={"nobody": 1.0})
    weighted_mean = consensus(voted, "score", weights={"crowd": 0.0})
    assert weighted_mean["c"].value == pytest.approx(3.0)


def test_an_adjudicated_value_outranks_the_aggregate_and_keeps_its_history(voted):
    adjudicate(voted, "b", "quality", 2, rationale="the summary misses the date")
    adjudicate(voted, "b", "quality", 1, rationale="on reflection: wrong name too")
    adjudicate(voted, "d", "verdict", "c", rationale="lead's call")
    quality = consensus(voted, "quality")
    assert quality["b"].value == 1 and quality["b"].method == "adjudicated"
    assert quality["b"].confidence == 1.0 and quality["b"].details["aggregate"] is None
    assert quality["b"].details["rationale"] == "on reflection: wrong name too"
    assert quality["a"].method == "median"
    assert consensus(voted, "verdict")["d"].value == "c"
    assert consensus(voted, "quality", adjudicated=False)["b"].tie
    with pytest.raises(AdjudicationError, match="off the scale"):
        adjudicate(voted, "a", "quality", 9)
    rows = voted.rows("SELECT supersedes FROM adjudications ORDER BY id")
    assert [r[0] for r in rows] == [None, 1, None]


def test_adjudication_of_an_item_nobody_labeled_still_counts(tmp_path):
    project = make_project(tmp_path, ["x", "y"])
    team(project, {"e1": ("experts", "expert")})
    label(project, "e1", "x", {"quality": 3})
    adjudicate(project, "y", "quality", 5)
    result = consensus(project, "quality")
    assert list(result) == ["x", "y"]
    assert result["y"].value == 5 and result["y"].n_labels == 0
    streamed = dict(iter_consensus(project, ["quality"], chunk_items=1))
    assert streamed["y"]["quality"].value == 5


def test_streaming_gives_the_same_values_in_item_order(voted):
    adjudicate(voted, "c", "quality", 3)
    whole = consensus_all(voted)
    assert set(whole) == {"quality", "verdict", "issues", "score"}  # free text has none
    for chunk in (1, 2, 10):
        streamed = list(iter_consensus(voted, chunk_items=chunk))
        assert [item for item, _ in streamed] == ["a", "b", "c", "d"]
        for key, values in whole.items():
            assert {i: v[key] for i, v in streamed if key in v} == values


def test_rubric_version_limits_the_labels(voted):
    v1 = current_version(voted)
    data = json.loads(json.dumps(v1.content_dict()))
    data["guidelines"] += " Read twice."
    v2 = publish(voted, rubric_from_dict(data), note="clearer").version
    label(voted, "e1", "d", {"quality": 1}, rubric_version=v2)
    under_v2 = consensus(voted, "quality", rubric_version=v2.id)
    assert set(under_v2) == {"d"} and under_v2["d"].value == 1
    assert consensus(voted, "quality", rubric_version=v1.id)["d"].value == 3
    assert consensus(voted, "quality")["d"].tie  # both versions: 1 and 3


def test_bad_requests_are_user_errors(voted):
    with pytest.raises(ConsensusError, match="free text"):
        consensus(voted, "notes")
    with pytest.raises(ConsensusError, match="Unknown consensus method"):
        consensus(voted, "quality", method="vibes")
    with pytest.raises(ConsensusError, match="median needs an ordinal"):
        consensus(voted, "verdict", method="median")
    with pytest.raises(Exception, match="No criterion 'nope'"):
        consensus(voted, "nope")


def test_dawid_skene_reproduces_crowd_kit_through_the_project(tmp_path):
    cases = json.loads(shared_path("reference", "agreement_cases.json").read_text())
    case = next(c for c in cases["cases"] if c["name"] == "dawid_skene_crowdkit_5x5")
    criteria = [
        {"key": "answer", "kind": "categorical", "options": [{"value": "yes"}, {"value": "no"}]}
    ]
    project = make_project(tmp_path, list(case["data"]), criteria=criteria)
    workers = sorted({w for by in case["data"].values() for w in by})
    team(project, {w: ("crowd", "crowd") for w in workers})
    for task, by in case["data"].items():
        for worker, value in by.items():
            label(project, worker, task, {"answer": value})
    result = consensus(project, "answer", method="dawid_skene")
    got = {item: c.value for item, c in result.items()}
    assert got == case["expected"]["converged_labels"]
    assert all(c.method == "dawid_skene" for c in result.values())
    assert all(0.5 <= c.confidence <= 1 for c in result.values())
    streamed = {i: v["answer"].value for i, v in iter_consensus(project, method="dawid_skene")}
    assert streamed == case["expected"]["converged_labels"]
    model = dawid_skene_fit(project, "answer")
    assert set(model["reliability"]) == set(workers) and model["converged"]
    assert all(0 <= r <= 1 for r in model["reliability"].values())
    project.close()


def test_the_vectorised_votes_follow_the_pure_methods(tmp_path):
    """consensus() counts every item at once; consensus_methods decides item by item."""
    from annotator.stats.consensus import majority_vote, mean_score, median_vote

    rng = np.random.default_rng(8)
    project = make_project(tmp_path, 120)
    people = [f"p{k}" for k in range(6)]
    team(project, {p: ("experts", "expert") for p in people})
    records: dict[str, list[tuple[str, str, object]]] = {"quality": [], "verdict": [], "score": []}
    for i in range(120):
        item = f"it-{i:04d}"
        for who in people[: int(rng.integers(1, 7))]:
            values = {
                "quality": int(rng.integers(1, 6)),
                "verdict": str(rng.choice(list("abc"))),
                "score": int(rng.integers(0, 11)),
            }
            label(project, who, item, values)
            for key, value in values.items():
                records[key].append((item, who, value))
    expected = {
        "quality": median_vote(records["quality"], scale=[1, 2, 3, 4, 5]),
        "verdict": majority_vote(records["verdict"], scale=list("abc")),
        "score": mean_score(records["score"], scale_range=(0, 10)),
    }
    for key, result in expected.items():
        got = consensus(project, key)
        assert list(got) == [c.item for c in result.items]
        for c in result.items:
            mine = got[c.item]
            assert (mine.value, mine.tie, mine.n_labels) == (c.value, c.tie, c.n_labels)
            assert mine.tied_values == tuple(c.tied_values)
            assert mine.confidence == pytest.approx(c.confidence)
    project.close()


def test_the_summary_counts_what_consensus_decides(voted):
    from annotator.report.overview import consensus_summary

    adjudicate(voted, "b", "quality", 2)
    adjudicate(voted, "d", "verdict", "c")
    summary = consensus_summary(voted)
    for key, values in consensus_all(voted).items():
        entry = summary[key]
        assert entry["items"] == len(values)
        assert entry["ties"] == sum(v.tie for v in values.values())
        assert entry["adjudicated"] == sum(v.method == "adjudicated" for v in values.values())
        mean = np.mean([v.confidence for v in values.values()])
        assert entry["mean_confidence"] == pytest.approx(mean)


def test_streaming_a_numeric_criterion_without_a_range_matches_the_whole(tmp_path):
    criteria = [{"key": "score", "kind": "numeric"}]  # no min or max in the rubric
    project = make_project(tmp_path, ["a", "b", "c"], criteria=criteria)
    team(project, {"x": ("experts", "expert"), "y": ("experts", "expert")})
    for item, (one, two) in {"a": (0, 2), "b": (5, 5), "c": (8, 10)}.items():
        label(project, "x", item, {"score": one})
        label(project, "y", item, {"score": two})
    whole = consensus(project, "score")
    assert whole["a"].confidence == pytest.approx(1 - 1 / 5)  # spread 1, half of 0..10
    streamed = {i: v["score"] for i, v in iter_consensus(project, chunk_items=1)}
    assert streamed == whole
    project.close()


@pytest.mark.parametrize("method", ["majority", "median"])
def test_the_vote_summary_of_many_items_follows_the_consensus_rules(method):
    """Thousands of items (each worked out once per distinct count row): the tie and the
    vote share of every item are what `stats.consensus` gives item by item."""
    from annotator.labels.data import CriterionSpec, LabelTable
    from annotator.quality.consensus_tables import vote_summary
    from annotator.stats.consensus import majority_vote, median_vote

    rng = np.random.default_rng(5)
    records = [
        (i, r, int(rng.integers(0, 4))) for i in range(3000) for r in range(int(rng.integers(1, 6)))
    ]
    item, rater, code = (np.array(column, dtype=np.int64) for column in zip(*records, strict=True))
    spec = CriterionSpec("quality", "Quality", "ordinal", "ordinal", (0, 1, 2, 3), (1,))
    n = len(records)
    table = LabelTable(spec, spec.values, np.arange(n), item, rater, np.ones(n, np.int64),
                       np.ones(n, np.int64), np.zeros(n), code)  # fmt: skip
    seqs, tied, share = vote_summary(table, method)
    vote = majority_vote if method == "majority" else median_vote
    expected = vote(records, scale=[0, 1, 2, 3]).by_item()
    assert seqs.tolist() == list(range(3000))
    assert tied.tolist() == [expected[i].tie for i in range(3000)]
    if method == "majority":  # the majority's confidence is its share of the votes
        assert share.tolist() == pytest.approx([expected[i].confidence for i in range(3000)])
    else:  # the median's: the larger of the shares of the two middle values
        counts = np.zeros((3000, 4))
        for i, _, v in records:
            counts[i, v] += 1
        for i in range(0, 3000, 7):
            m = counts[i].sum()
            below = np.cumsum(counts[i])
            lower, upper = int(np.argmax(below > (m - 1) // 2)), int(np.argmax(below > m // 2))
            assert share[i] == pytest.approx(max(counts[i, lower], counts[i, upper]) / m)
