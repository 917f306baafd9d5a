"""Quality and cost per source and annotator, checked against the project's own design.

Every expected figure is computed here from the labels the builder wrote (or
with scikit-learn / the krippendorff package), never read back from the code
under test.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.anchors.scoring import score_value
from annotator.labels.labels import submit_label
from annotator.labels.scope import Scope
from annotator.quality.aggregate import dawid_skene_fit
from annotator.quality.by_source.expert_pairs import table_agreement, table_figures
from annotator.quality.by_source.source_quality import source_quality
from annotator.quality.project_agreement import Settings
from annotator.rubric.versions import current_version
from annotator.sources.costs import set_cost_model
from annotator.sources.sources import ensure_annotator, ensure_source, make_cost_model
from tests.support.export_project import (
    ANCHOR_REFERENCE,
    ANCHORS,
    CROWD,
    CROWD_RATE,
    EXPERT_RATE,
    EXPERTS,
    JUDGE,
    TOKEN_RATE,
    SmallProject,
    small_project,
)

FAST = Settings(n_boot=200, seed=0)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SmallProject:
    return small_project(tmp_path_factory.mktemp("sources"))


@pytest.fixture(scope="module")
def report(built: SmallProject):
    return source_quality(built.project, settings=FAST, real_names=True)


def _by_source(built: SmallProject) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for w in built.effective:
        out[w.source].append(w)
    return out


def test_costs_follow_each_cost_model(built: SmallProject, report) -> None:
    groups = _by_source(built)
    expected = {
        "experts": sum(EXPERT_RATE * w.duration / 3600 for w in groups["experts"]),
        "crowd": CROWD_RATE * len(groups["crowd"]),
        "judge": sum(TOKEN_RATE * w.tokens for w in groups["judge"]),
    }
    for name, total in expected.items():
        row = report.source(name)
        n = len(groups[name])
        items = len({w.item for w in groups[name]})
        assert row["n_labels"] == n
        assert row["currency"] == "USD"
        assert row["cost_total"] == pytest.approx(total, rel=1e-9)
        assert row["cost_per_label"] == pytest.approx(total / n, rel=1e-9)
        assert row["cost_per_item"] == pytest.approx(total / items, rel=1e-9)
    assert report.source("crowd")["cost_per_label"] == pytest.approx(CROWD_RATE)
    assert report.currency == "USD"


def _anchor_answers(built: SmallProject) -> dict[str, tuple[int, int]]:
    version = current_version(built.project)
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for w in built.effective:
        if w.item not in ANCHORS:
            continue
        for key, reference in ANCHOR_REFERENCE.items():
            value = w.values.get(key, [] if key == "issues" else None)
            criterion = version.criterion(key)
            correct = score_value(criterion, criterion.coerce(reference), criterion.coerce(value))
            out[w.annotator][0] += int(correct.correct)
            out[w.annotator][1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def test_anchor_accuracy_and_cost_per_correct_label(built: SmallProject, report) -> None:
    answers = _anchor_answers(built)
    rows = {row["annotator"]: row for row in report.annotators}
    for name, (correct, total) in answers.items():
        assert rows[name]["anchor_answers"] == total
        assert rows[name]["anchor_accuracy"] == pytest.approx(correct / total)
    for source, members in (("experts", EXPERTS), ("crowd", CROWD), ("judge", (JUDGE,))):
        correct = sum(answers[m][0] for m in members)
        total = sum(answers[m][1] for m in members)
        row = report.source(source)
        assert row["anchor_accuracy"] == pytest.approx(correct / total)
        assert row["correct_basis"] == "anchor accuracy"
        assert row["cost_per_correct_label"] == pytest.approx(
            row["cost_per_label"] * total / correct
        )


def test_self_consistency_on_repeats(built: SmallProject, report) -> None:
    project = built.project
    same = n = 0
    for now, before in project.rows(
        "SELECT r.values_json, o.values_json FROM labels r JOIN labels o ON o.id = r.repeat_of"
    ):
        a, b = json.loads(now), json.loads(before)
        for key in ("quality", "verdict", "score"):
            n += 1
            same += a[key] == b[key]
        n += 1
        same += a.get("issues", []) == b.get("issues", [])
    assert n == 12 and same == 11  # one repeat changed its verdict
    rows = {row["annotator"]: row for row in report.annotators}
    assert rows[CROWD[0]]["repeat_pairs"] == n
    assert rows[CROWD[0]]["self_consistency"] == pytest.approx(same / n)
    assert rows[CROWD[1]]["self_consistency"] is None
    assert report.source("crowd")["self_consistency"] == pytest.approx(same / n)


def test_median_active_time(built: SmallProject, report) -> None:
    groups = _by_source(built)
    for source in ("experts", "crowd"):
        expected = float(np.median([w.duration for w in groups[source]]))
        assert report.source(source)["median_active_s"] == pytest.approx(expected)
    assert report.source("judge")["median_active_s"] is None
    rows = {row["annotator"]: row for row in report.annotators}
    mine = [w.duration for w in built.effective if w.annotator == EXPERTS[1]]
    assert rows[EXPERTS[1]]["median_active_s"] == pytest.approx(float(np.median(mine)))


def _expert_reference(built: SmallProject, key: str, leave_out: str | None, item: str):
    values = sorted(
        w.values[key]
        for w in built.effective
        if w.source == "experts" and w.item == item and w.annotator != leave_out
    )
    if len(values) % 2 == 0 and values[len(values) // 2 - 1] != values[len(values) // 2]:
        return None  # an even split: no consensus
    return values[len(values) // 2]


def test_agreement_with_the_expert_consensus_on_an_ordinal_criterion(built: SmallProject) -> None:
    result = source_quality(built.project, Scope.parse(criteria=["quality"]), settings=FAST)
    for source in ("crowd", "judge", "experts"):
        pairs = []
        for w in built.effective:
            if w.source != source:
                continue
            leave_out = w.annotator if source == "experts" else None
            reference = _expert_reference(built, "quality", leave_out, w.item)
            if reference is not None:
                pairs.append((reference, w.values["quality"]))
        ref, mine = np.array(pairs).T
        row = result.source(source)
        assert row["expert_match"] == pytest.approx(float(np.mean(ref == mine)))
        assert row["expert_labels_compared"] == len(pairs)
        kappa = cohen_kappa_score(ref, mine, weights="quadratic", labels=[1, 2, 3, 4, 5])
        assert row["expert_kappa"] == pytest.approx(kappa)
        alpha = krippendorff.alpha(
            reliability_data=np.array([ref, mine], dtype=float),
            level_of_measurement="ordinal",
            value_domain=[1, 2, 3, 4, 5],
        )
        assert row["expert_alpha"] == pytest.approx(alpha)
        assert row["criteria"]["quality"]["kappa_ci"] is not None


def test_dawid_skene_reliability_is_aggregates_fit(built: SmallProject) -> None:
    result = source_quality(
        built.project, Scope.parse(criteria=["verdict"]), settings=FAST, real_names=True
    )
    fit = dawid_skene_fit(built.project, "verdict")
    rows = {row["annotator"]: row for row in result.annotators}
    for name, value in fit["reliability"].items():
        assert rows[name]["ds_reliability"] == pytest.approx(value, abs=1e-9)


def test_pseudonyms_unless_real_names(built: SmallProject, report) -> None:
    hidden = source_quality(built.project, settings=Settings(n_boot=0))
    text = json.dumps(hidden.to_dict())
    for name in (*EXPERTS, *CROWD, JUDGE):
        assert name not in text
    assert {row["annotator"] for row in report.annotators} == {*EXPERTS, *CROWD, JUDGE}
    assert all(row["annotator"].startswith("ann-") for row in hidden.annotators)


def test_table_figures_match_the_reference_implementations() -> None:
    rng = random.Random(3)
    for level, values in (("nominal", ("a", "b", "c")), ("ordinal", (1, 2, 3, 4, 5))):
        for _ in range(20):
            k = len(values)
            table = np.array([[rng.randint(0, 9) for _ in range(k)] for _ in range(k)])
            quick = table_figures(table, values, level)
            full = table_agreement(table, values, level, "x", Settings(n_boot=0))
            ref = np.repeat(np.arange(k), table.sum(axis=1))
            mine = np.concatenate([np.repeat(np.arange(k), table[r]) for r in range(k)])
            weights = None if level == "nominal" else "quadratic"
            kappa = cohen_kappa_score(ref, mine, weights=weights, labels=list(range(k)))
            assert quick["kappa"] == pytest.approx(kappa)
            assert quick["alpha"] == pytest.approx(full["alpha"].value)
            assert quick["match"] == pytest.approx(float(np.trace(table) / table.sum()))


def test_set_cost_model_prices_labels_without_a_stored_cost(tmp_path: Path) -> None:
    built = small_project(tmp_path)
    project = built.project
    with project.transaction():
        helpers = ensure_source(project, "helpers", "other")
        ensure_annotator(project, "Helper Hank", helpers)
    for item in ("it-0001", "it-0002", "it-0003"):
        submit_label(project, item_id=item, annotator="Helper Hank", values={"quality": 3})
    before = source_quality(project, settings=Settings(n_boot=0)).source("helpers")
    assert before["cost_total"] is None and before["cost_per_correct_label"] is None
    set_cost_model(project, "helpers", make_cost_model("per_label", 0.25, "EUR"))
    action, target = project.row("SELECT action, target FROM audit_log ORDER BY id DESC LIMIT 1")
    assert (action, target) == ("set_cost_model", "helpers")
    after = source_quality(project, settings=Settings(n_boot=0))
    row = after.source("helpers")
    assert row["cost_total"] == pytest.approx(0.75)
    assert row["currency"] == "EUR"
    assert after.currency is None  # USD and EUR: no single currency


def test_table_intervals_resample_labels_like_the_item_bootstrap() -> None:
    """Multinomial draws over the table's cells are the same distribution as resampling
    (reference, label) units: the intervals agree with compute_all's within noise."""
    from annotator.quality.by_source.expert_pairs import table_summary

    rng = np.random.default_rng(5)
    truth = rng.integers(0, 5, 3000)
    noisy = np.clip(truth + rng.choice([-1, 0, 0, 0, 1], 3000), 0, 4)
    table = np.zeros((5, 5), dtype=np.int64)
    np.add.at(table, (truth, noisy), 1)
    settings = Settings(n_boot=2000, seed=1)
    mine = table_summary(table, (1, 2, 3, 4, 5), "ordinal", settings)
    theirs = table_agreement(table, (1, 2, 3, 4, 5), "ordinal", "x", settings)
    for name, key in (
        ("kappa", "cohen_kappa_quadratic"),
        ("alpha", "alpha"),
        ("match", "percent_agreement"),
    ):
        assert mine[name] == pytest.approx(theirs[key].value)
        low, high = mine[f"{name}_ci"]
        their_low, their_high = theirs[key].ci
        width = their_high - their_low
        assert low == pytest.approx(their_low, abs=0.1 * width)
        assert high == pytest.approx(their_high, abs=0.1 * width)
