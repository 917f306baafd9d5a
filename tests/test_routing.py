"""Judge-first routing on planted projects whose truth is known on every item.

Errors, shares, hours and money are counted here from the planted design
(`tests.support.routing_project`), never read back from the plan; the interval is
checked for coverage of the true remainder accuracy over 20 seeds, and the
estimator against scipy's Beta quantiles.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from annotator.anchors.anchors import add_anchor
from annotator.cli import main
from annotator.judges.routing import (
    ASSIST_ONLY_HERE,
    LOW_CONFIDENCE,
    NOT_JUDGED,
    SAMPLES_DISAGREE,
    SECOND_JUDGE,
    RoutingError,
    _estimate,
    route_by_judge,
    routing_log,
)
from annotator.labels.expert_cost import BudgetError, parse_budget
from annotator.labels.labels import submit_label
from annotator.queue import queue
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.stats.stratified import stratified_accuracy
from annotator.store.project import open_project
from tests.support.routing_project import BAD, JUDGE, Planted, build

N_BOOT = 200


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    return build(tmp_path_factory.mktemp("route"), seed=0)


def _population(p: Planted) -> list[str]:
    """Items up for routing: not expert-labeled (nothing else is excluded in the design)."""
    return [i for i in p.items if i not in p.checked]


def _true_remainder_accuracy(p: Planted, routed: set[str]) -> float:
    rest = [i for i in _population(p) if i not in routed and i in p.judge]
    return float(np.mean([p.judge[i] == p.truth[i] for i in rest]))


def test_must_show_routed_set_holds_the_errors(planted: Planted) -> None:
    p = planted
    plan = route_by_judge(p.project, JUDGE, n_boot=N_BOOT)
    routed = {r.item_id for r in plan.to_humans}
    population = _population(p)
    errors = {i for i in population if i in p.judge and p.judge[i] != p.truth[i]}
    assert len(errors) > 40  # the design makes plenty
    caught = len(errors & routed) / len(errors)
    assert caught >= 0.90, caught
    assert len(routed) <= 0.5 * len(population), len(routed)
    true = _true_remainder_accuracy(p, routed)
    low, high = plan.remainder["overall"]["ci"]
    assert low <= true <= high, (low, true, high)
    assert low < plan.remainder["overall"]["accuracy"] <= high
    # every item is accounted for exactly once
    kept = set(plan.kept)
    assert not kept & routed and not plan.left_out
    assert len(kept) + len(routed) == len(population)
    assert plan.excluded["expert_reference"] == len(p.checked)
    assert plan.remainder["items"] == len(kept)


def test_reasons_follow_the_design(planted: Planted) -> None:
    p = planted
    plan = route_by_judge(p.project, JUDGE, n_boot=N_BOOT)
    by_item = {r.item_id: r for r in plan.to_humans}
    assert plan.verdicts["score"]["slices"][f"domain={BAD}"] != "stands in"
    for item in _population(p):
        conf = p.confidence[item]
        reasons = by_item[item].reasons if item in by_item else []
        assert (NOT_JUDGED in reasons) == (item in p.failed)
        assert (ASSIST_ONLY_HERE in reasons) == (p.domain[item] == BAD)
        if item not in p.failed:
            assert (SAMPLES_DISAGREE in reasons) == (conf <= 0.5)
            assert (LOW_CONFIDENCE in reasons) == (0.5 < conf < 0.8)
        if not reasons:
            assert item in plan.kept
    counts = plan.reason_counts()
    assert counts[ASSIST_ONLY_HERE] == sum(1 for i in _population(p) if p.domain[i] == BAD)
    assert counts[NOT_JUDGED] == len([i for i in p.failed if i not in p.checked])
    scores = [r.score for r in plan.to_humans]
    assert scores == sorted(scores, reverse=True)


def test_interval_covers_the_truth_over_seeds(tmp_path: Path) -> None:
    covered, seeds = 0, 20
    for seed in range(seeds):
        p = build(tmp_path / str(seed), seed=100 + seed)
        plan = route_by_judge(p.project, JUDGE, n_boot=N_BOOT, seed=seed)
        true = _true_remainder_accuracy(p, {r.item_id for r in plan.to_humans})
        low, high = plan.remainder["overall"]["ci"]
        covered += low <= true <= high
        p.project.close()
    assert covered >= 18, covered


def test_estimator_against_independent_figures() -> None:
    right, checked, sizes = [45, 30, 8], [50, 30, 10], [200, 100, 20]
    est = stratified_accuracy(right, checked, sizes, seed=3)
    weights = np.array(sizes) / sum(sizes)
    assert est.value == pytest.approx(float(np.sum(weights * np.divide(right, checked))))
    assert (est.n_checked, est.n_unchecked) == (90, 320)
    # with a huge unchecked set the predictive interval is the Jeffreys interval of the rate
    big = stratified_accuracy([40], [50], [2_000_000], seed=1)
    expected = sps.beta.ppf([0.025, 0.975], 40.5, 10.5)
    assert big.ci == pytest.approx(tuple(expected), abs=0.004)
    # all right: the interval still has width (Jeffreys), unlike a bootstrap
    perfect = stratified_accuracy([30], [30], [100], seed=1)
    assert perfect.ci[0] < 0.99 and perfect.ci[1] == 1.0
    assert stratified_accuracy([1], [2], [0]).value is None
    with pytest.raises(ValueError):
        stratified_accuracy([3], [2], [5])


def test_hours_budget_cuts_by_measured_time(planted: Planted) -> None:
    p = planted
    full = route_by_judge(p.project, JUDGE, n_boot=N_BOOT)
    seconds = float(np.mean(p.durations))
    hours = 1.5
    plan = route_by_judge(p.project, JUDGE, budget_hours=hours, n_boot=N_BOOT)
    cap = math.floor(hours * 3600 / seconds)
    assert cap < len(full.to_humans)
    assert len(plan.to_humans) == cap
    assert plan.expert["seconds_per_label"] == pytest.approx(seconds)
    assert plan.expert["hours"] == pytest.approx(cap * seconds / 3600)
    assert plan.expert["hours"] <= hours < (cap + 1) * seconds / 3600
    assert [r.item_id for r in plan.to_humans + plan.left_out] == [
        r.item_id for r in full.to_humans
    ]
    assert min(r.score for r in plan.to_humans) >= max(r.score for r in plan.left_out)
    assert plan.budget["leaves_out"] == len(full.to_humans) - cap
    left = plan.reason_counts("left_out")
    assert sum(left.values()) >= len(plan.left_out)
    judged_left = sum(1 for r in plan.left_out if NOT_JUDGED not in r.reasons)
    assert plan.remainder["items"] == len(plan.kept) + judged_left
    # overlap doubles the labels per item and halves what the budget buys
    double = route_by_judge(
        p.project, JUDGE, budget_hours=hours, labels_per_item=2.0, n_boot=N_BOOT
    )
    assert len(double.to_humans) == math.floor(hours * 3600 / (2 * seconds))


def test_money_budget_cuts_by_measured_cost(planted: Planted) -> None:
    p = planted
    cost = float(np.mean(p.costs))
    plan = route_by_judge(p.project, JUDGE, budget_money=25.0, n_boot=N_BOOT)
    cap = math.floor(25.0 / cost)
    assert len(plan.to_humans) == cap
    assert plan.expert["money"] == pytest.approx(cap * cost)
    assert plan.expert["money"] <= 25.0 < (cap + 1) * cost
    with pytest.raises(BudgetError, match="one budget"):
        route_by_judge(p.project, JUDGE, budget_hours=1, budget_money=1, n_boot=0)


def test_parse_budget() -> None:
    assert parse_budget("40h") == ("hours", 40.0, None)
    assert parse_budget("90min") == ("hours", 1.5, None)
    assert parse_budget("2.5 hours") == ("hours", 2.5, None)
    assert parse_budget("300") == ("money", 300.0, None)
    assert parse_budget("300usd") == ("money", 300.0, "USD")
    for bad in ("", "h", "40 parsecs", "-3"):
        with pytest.raises(BudgetError, match="--budget"):
            parse_budget(bad)


def test_second_judge_and_no_cost(tmp_path: Path) -> None:
    p = build(tmp_path, seed=5, n_items=200, checked=0.4)
    project = p.project
    first = route_by_judge(project, JUDGE, n_boot=N_BOOT)
    targets = first.kept[:10]
    with project.transaction():
        other = ensure_source(project, "beta", "llm_judge")
        ensure_annotator(project, "beta", other)
    for n, item in enumerate(first.kept[:20]):
        value = p.judge[item] if n >= 10 else (p.judge[item] % 5) + 1
        submit_label(project, item_id=item, annotator="beta", values={"score": value})
    plan = route_by_judge(project, JUDGE, n_boot=N_BOOT)
    flagged = {r.item_id for r in plan.to_humans if SECOND_JUDGE in r.reasons}
    assert flagged == set(targets)
    named = route_by_judge(project, JUDGE, second_judge="beta", n_boot=N_BOOT)
    assert {r.item_id for r in named.to_humans if SECOND_JUDGE in r.reasons} == flagged
    with pytest.raises(RoutingError, match="another judge"):
        route_by_judge(project, JUDGE, second_judge=JUDGE, n_boot=0)
    with pytest.raises(Exception, match="No judge"):
        route_by_judge(project, "experts", n_boot=0)


def test_cli_dry_run_json(planted: Planted, capsys: pytest.CaptureFixture) -> None:
    p = planted
    path = str(p.project.path)
    code = main(
        ["assign", path, "--annotators", "A,B", "--route-by-judge", JUDGE, "--dry-run", "--json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    direct = route_by_judge(p.project, JUDGE)
    assert [r["item_id"] for r in data["to_humans"]] == [r.item_id for r in direct.to_humans]
    assert data["counts"]["to_humans"] == len(direct.to_humans)
    assert data["counts"]["reasons"] == direct.reason_counts()
    assert data["remainder"]["overall"]["ci"] == pytest.approx(direct.remainder["overall"]["ci"])
    assert p.project.scalar("SELECT count(*) FROM assignments") == 0
    code = main(["assign", path, "--annotators", "A", "--route-by-judge", JUDGE, "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and "Judge-first routing" in out and "Dry run" in out
    assert "judged-only remainder" in out and "assist only" in out
    code = main(["assign", path, "--annotators", "A", "--budget", "3h"])
    assert code != 0 and "--route-by-judge" in capsys.readouterr().err
    code = main(["assign", path, "--annotators", "A", "--route-by-judge", JUDGE, "--budget", "x"])
    assert code != 0 and "--budget takes" in capsys.readouterr().err
    assert p.project.scalar("SELECT count(*) FROM assignments") == 0


def test_cli_assigns_routed_items_and_seeds_anchors(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    p = build(tmp_path, seed=9, n_items=300, checked=0.4)
    anchors = sorted(p.checked)[:15]
    for item in anchors:
        add_anchor(p.project, item, {"score": p.truth[item]}, "known")
    path = p.project.path
    p.project.close()
    args = ["assign", str(path), "--annotators", "A,B", "--route-by-judge", JUDGE]
    code = main([*args, "--anchor-rate", "0.2", "--seed", "4", "--budget", "1h"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.index("Judge-first routing") < out.index("Assigned")
    with open_project(path) as project:
        plan_again = route_by_judge(project, JUDGE, budget_hours=1, seed=4)
        assigned = {r[0] for r in project.rows("SELECT DISTINCT item_id FROM assignments")}
        log = routing_log(project, JUDGE)
        assert len(log) == 1
        routed = set(log[0]["to_humans"])
        assert assigned == routed and len(routed) > 0
        assert not set(log[0]["kept"]) & routed
        assert log[0]["set_id"] == project.scalar("SELECT max(id) FROM assignment_sets")
        assert all(log[0]["to_humans"][i] for i in routed)
        # the routed items are assigned now, so a second plan excludes them
        assert plan_again.excluded["assigned"] == len(routed)
        person = project.row("SELECT id FROM annotators WHERE name = 'A'")[0]
        served = queue.preview(project, person, 60)
    kinds = [e.kind for e in served]
    assert "anchor" in kinds
    assert {e.item_id for e in served if e.kind == "anchor"} <= set(anchors)
    assert {e.item_id for e in served if e.kind == "item"} <= routed


def test_small_strata_pool_upward_as_a_partition() -> None:
    a, b, low = ("domain=a",), ("domain=b",), ("low confidence",)
    keys: dict[int, tuple] = {}
    right: dict[int, bool] = {}
    seq = 0
    for count, key, wrong in ((12, ((), a), 1), (5, ((), b), 2), (20, (low, a), 6)):
        for n in range(count):
            keys[seq], right[seq] = key, n >= wrong
            seq += 1
    remainder = []
    for count, key in ((30, ((), a)), (10, ((), b)), (4, (low, b))):
        for _ in range(count):
            keys[seq] = key
            remainder.append(seq)
            seq += 1
    found = _estimate(right, remainder, keys, 0.95, 0)
    shape = [(s["checked"], s["right"], s["items"]) for s in found["strata"]]
    # ((), a) stands alone; (low, b) has no checked items of its own and joins (low,);
    # ((), b) has 5 checked: too few for its cell, its reasons or "unflagged": all pooled
    assert shape == [(12, 11, 30), (20, 14, 4), (5, 3, 10)]
    expected = (30 * 11 / 12 + 4 * 14 / 20 + 10 * 3 / 5) / 44
    assert found["accuracy"] == pytest.approx(expected)
    assert found["unestimated"] == 0 and found["items"] == 44


def test_cli_lists_routing_decisions(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    p = build(tmp_path, seed=5, n_items=200, checked=0.4)
    path = p.project.path
    p.project.close()
    assert main(["queue", str(path), "--routing"]) == 0
    assert "No judge-first routing decisions yet" in capsys.readouterr().out
    args = ["assign", str(path), "--annotators", "A,B", "--route-by-judge", JUDGE]
    assert main([*args, "--seed", "2", "--budget", "1h", "--json"]) == 0
    routed = json.loads(capsys.readouterr().out)["routing"]
    assert main(["queue", str(path), "--routing", "--json"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert [e["judge"] for e in log] == [JUDGE]
    assert len(log[0]["to_humans"]) == len(routed["to_humans"]) > 0
    assert main(["queue", str(path), "--routing"]) == 0
    text = capsys.readouterr().out
    assert f"to people: {len(routed['to_humans']):,}" in text
    assert JUDGE in text and "kept the judge's label" in text
    assert main(["queue", str(path), "--routing", "--judge", "someone-else"]) == 0
    assert "No judge-first routing decisions by someone-else" in capsys.readouterr().out
    assert main(["queue", str(path), "--status", "--routing"]) == 2
    assert "Choose one" in capsys.readouterr().err
