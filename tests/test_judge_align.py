"""`judge align`: a judge against the expert consensus, checked against independent sums."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.cli import main
from annotator.items.items import add_items, item_from_record
from annotator.judges.align import ASSIST_ONLY, NOT_TRUSTED, STANDS_IN, Thresholds, judge_alignment
from annotator.labels.adjudications import adjudicate
from annotator.labels.labels import submit_label
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import Project, create_project

N_ITEMS = 300
EXPERTS = ("ann", "bob", "cy")
RUBRIC = {
    "rubric": "align",
    "guidelines": "Rate the answer.",
    "criteria": [
        {"key": "quality", "kind": "ordinal", "options": [{"value": v} for v in (1, 2, 3, 4, 5)]}
    ],
}


def _project(folder: Path, judges: dict[str, str]) -> tuple[Project, np.ndarray, dict]:
    """3 experts on 300 items (noisy around a true score); each judge from the expert median
    by its rule: "exact", "high" (right w.p. 0.8, else one point high, capped at 5), "random"."""
    rng = np.random.default_rng(7)
    project = create_project(folder / "a.annotator", name="Align test")
    publish(project, rubric_from_dict(RUBRIC), note="first")
    ids = [f"it-{i:04d}" for i in range(N_ITEMS)]
    add_items(project, [item_from_record({"id": i, "input": "Q?", "output": "A."}) for i in ids])
    with project.transaction():
        experts = ensure_source(project, "experts", "expert")
        for name in EXPERTS:
            ensure_annotator(project, name, experts)
        for name in judges:
            ensure_annotator(project, f"{name}@v1", ensure_source(project, name, "llm_judge"))
    truth = rng.integers(1, 6, N_ITEMS)
    noise = rng.choice([-1, 0, 0, 0, 1], size=(N_ITEMS, len(EXPERTS)))
    scores = np.clip(truth[:, None] + noise, 1, 5)
    median = np.median(scores, axis=1).astype(int)
    judged: dict[str, np.ndarray] = {}
    for name, rule in judges.items():
        if rule == "exact":
            judged[name] = median.copy()
        elif rule == "high":
            right = rng.random(N_ITEMS) < 0.8
            judged[name] = np.where(right, median, np.minimum(median + 1, 5))
        else:
            judged[name] = rng.integers(1, 6, N_ITEMS)
    for i, item in enumerate(ids):
        for j, name in enumerate(EXPERTS):
            submit_label(
                project, item_id=item, annotator=name, values={"quality": int(scores[i, j])}
            )
        for name, values in judged.items():
            submit_label(
                project,
                item_id=item,
                annotator=f"{name}@v1",
                values={"quality": int(values[i])},
                origin="judge",
            )
    return project, scores, judged


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, np.ndarray, dict]:
    folder = tmp_path_factory.mktemp("align")
    return _project(folder, {"high": "high", "exact": "exact", "random": "random"})


def test_high_judge_matches_independent_sums(built: tuple) -> None:
    project, scores, judged = built
    result = judge_alignment(project, "high", n_boot=200)
    row = result.criterion("quality")
    median = np.median(scores, axis=1).astype(int)
    judge = judged["high"]
    assert row.n_items == N_ITEMS
    assert row.paired["reference"] == median.astype(float).tolist()
    expected = cohen_kappa_score(median, judge, weights="quadratic", labels=[1, 2, 3, 4, 5])
    assert row.agreement["cohen_kappa_quadratic"].value == pytest.approx(expected, abs=1e-9)
    assert row.coefficient == "cohen_kappa_quadratic"
    diff = (judge - median).astype(float)
    assert row.bias["mean_difference"] == pytest.approx(float(np.mean(diff)), abs=1e-9)
    assert row.bias["mean_difference"] > 0
    assert row.bias["share_lower"] == 0.0
    assert row.bias["share_higher"] == pytest.approx(float((diff > 0).mean()), abs=1e-12)
    low, high = row.bias["ci"]
    assert low < row.bias["mean_difference"] < high
    matrix = np.zeros((5, 5), dtype=int)
    np.add.at(matrix, (median - 1, judge - 1), 1)
    assert row.confusion == matrix.tolist()
    assert np.triu(matrix, 2).sum() == 0 and np.tril(matrix, -1).sum() == 0
    assert len(row.errs) == 10
    assert all(e["judge"] == e["reference"] + 1 for e in row.errs)


def test_ceiling_is_experts_against_the_rest(built: tuple) -> None:
    project, scores, _ = built
    row = judge_alignment(project, "exact", n_boot=100).criterion("quality")
    per = []
    for j in range(len(EXPERTS)):
        own = np.concatenate([scores[:, j] for k in range(len(EXPERTS)) if k != j])
        rest = np.concatenate([scores[:, k] for k in range(len(EXPERTS)) if k != j])
        per.append(cohen_kappa_score(own, rest, weights="quadratic", labels=[1, 2, 3, 4, 5]))
    assert row.ceiling["value"] == pytest.approx(float(np.mean(per)), abs=1e-9)
    assert row.ceiling["experts"] == list(EXPERTS)


def test_verdicts(built: tuple) -> None:
    project, _, _ = built
    exact = judge_alignment(project, "exact", n_boot=200).criterion("quality")
    assert exact.verdict == STANDS_IN, exact.reason
    assert exact.main().value == pytest.approx(1.0)
    assert exact.errs == []
    assert exact.to_dict()["ceiling_relation"] == "exceeds it"
    noisy = judge_alignment(project, "random", n_boot=200).criterion("quality")
    assert noisy.verdict == NOT_TRUSTED, noisy.reason
    strict = judge_alignment(
        project, "exact", n_boot=50, thresholds=Thresholds(not_trusted_below=1.01)
    )
    assert strict.criterion("quality").verdict == NOT_TRUSTED


def test_high_judge_fails_a_tight_bias_limit(built: tuple) -> None:
    project, _, _ = built
    row = judge_alignment(project, "high", n_boot=50, thresholds=Thresholds(max_bias=0.01))
    assert row.criterion("quality").verdict in (ASSIST_ONLY, NOT_TRUSTED)


def test_against_a_source_and_unknown_names(built: tuple) -> None:
    project, _, judged = built
    row = judge_alignment(project, "high", against="exact", n_boot=0).criterion("quality")
    assert row.bias["mean_difference"] == pytest.approx(
        float(np.mean(judged["high"] - judged["exact"])), abs=1e-9
    )
    by_annotator = judge_alignment(project, "high@v1", against="exact@v1", n_boot=0)
    assert by_annotator.criterion("quality").confusion == row.confusion
    with pytest.raises(Exception, match="No label source or annotator named"):
        judge_alignment(project, "nobody", n_boot=0)
    with pytest.raises(Exception, match="No criterion"):
        judge_alignment(project, "high", criterion="nope", n_boot=0)


def test_cli_prints_verdict_and_thresholds(built: tuple, capsys: pytest.CaptureFixture) -> None:
    project, _, _ = built
    code = main(["judge", "align", str(project.path), "exact", "--stands-in-margin", "0.1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "stands in" in out and "0.1" in out and "human ceiling" in out
    code = main(
        ["judge", "align", str(project.path), "random", "--json", "--not-trusted-below", "0.3"]
    )
    data = json.loads(capsys.readouterr().out)
    assert data["thresholds"]["not_trusted_below"] == 0.3
    assert data["criteria"][0]["verdict"] == NOT_TRUSTED


def test_nominal_rates_and_numeric_bias(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    project = create_project(tmp_path / "b.annotator", name="Align kinds")
    rubric = {
        "rubric": "kinds",
        "guidelines": "Rate.",
        "criteria": [
            {"key": "ok", "kind": "binary"},
            {"key": "score", "kind": "numeric", "min": 0, "max": 10},
        ],
    }
    publish(project, rubric_from_dict(rubric), note="first")
    ids = [f"it-{i:03d}" for i in range(60)]
    add_items(project, [item_from_record({"id": i, "input": "Q?", "output": "A."}) for i in ids])
    with project.transaction():
        experts = ensure_source(project, "experts", "expert")
        for name in EXPERTS:
            ensure_annotator(project, name, experts)
        ensure_annotator(project, "jj", ensure_source(project, "jj", "llm_judge"))
    ok = rng.random((60, 3)) < 0.6
    score = rng.integers(0, 11, (60, 3))
    judge_ok = rng.random(60) < 0.9
    judge_score = rng.integers(0, 11, 60)
    for i, item in enumerate(ids):
        for j, name in enumerate(EXPERTS):
            values = {"ok": "yes" if ok[i, j] else "no", "score": int(score[i, j])}
            submit_label(project, item_id=item, annotator=name, values=values)
        values = {"ok": "yes" if judge_ok[i] else "no", "score": int(judge_score[i])}
        submit_label(project, item_id=item, annotator="jj", values=values, origin="judge")
    result = judge_alignment(project, "jj", n_boot=50)
    nominal = result.criterion("ok")
    majority = ok.sum(axis=1) >= 2
    rates = {r["value"]: r for r in nominal.bias["rates"]}
    assert rates["yes"]["judge"] == pytest.approx(judge_ok.mean(), abs=1e-12)
    assert rates["yes"]["reference"] == pytest.approx(majority.mean(), abs=1e-12)
    assert nominal.coefficient == "cohen_kappa"
    yes = nominal.scale.index("yes")
    assert sum(row[yes] for row in nominal.confusion) == int(judge_ok.sum())
    numeric = result.criterion("score")
    diff = judge_score - score.mean(axis=1)
    assert numeric.bias["mean_difference"] == pytest.approx(float(diff.mean()), abs=1e-9)
    assert numeric.confusion is None
    assert numeric.verdict == NOT_TRUSTED

    adjudicate(project, ids[0], "score", 10)
    first = int(project.scalar("SELECT seq FROM items WHERE id = ?", (ids[0],)))
    after = judge_alignment(project, "jj", n_boot=0).criterion("score")
    at = after.paired["item"].index(first)
    assert after.paired["reference"][at] == 10.0
    experts_only = judge_alignment(project, "jj", against="experts", n_boot=0).criterion("score")
    assert experts_only.paired["reference"][at] == pytest.approx(float(score[0].mean()))
