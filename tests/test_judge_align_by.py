"""`judge align --by`, where it errs, length bias and position bias, checked against
independent computations (sklearn, scipy, the Wilson formula written out)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import cohen_kappa_score

from annotator.base.clock import now_iso
from annotator.cli import main
from annotator.items.items import add_items, item_from_record
from annotator.judges.align import NOT_TRUSTED, STANDS_IN, Thresholds, judge_alignment
from annotator.judges.align_groups import MIN_GROUP_ITEMS, TOO_FEW, AlignByError
from annotator.judges.config import JudgeConfig, add_judge, ensure_version
from annotator.judges.selection import _where
from annotator.labels.labels import submit_label
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import Project, create_project
from tests.test_judge_align import EXPERTS, RUBRIC

N_ITEMS = 300
DOMAINS = ("code", "law", "med")


def _expert_scores(rng: np.random.Generator, n: int) -> np.ndarray:
    truth = rng.integers(1, 6, n)
    noise = rng.choice([-1, 0, 0, 0, 1], size=(n, len(EXPERTS)))
    return np.clip(truth[:, None] + noise, 1, 5)


def _start(folder: Path, rubric: dict, judges: tuple[str, ...]) -> Project:
    project = create_project(folder / "a.annotator", name="Align by test")
    publish(project, rubric_from_dict(rubric), note="first")
    with project.transaction():
        experts = ensure_source(project, "experts", "expert")
        for name in EXPERTS:
            ensure_annotator(project, name, experts)
        for name in judges:
            ensure_annotator(project, name, ensure_source(project, name, "llm_judge"))
    return project


@pytest.fixture(scope="module")
def sliced(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """300 items tagged domain=code/law/med (and lang=fr on 6 of them); the judge's labels
    are the expert median, except on domain=med: right w.p. 0.2, else uniformly random.
    The "long" judge is one point high (capped) on outputs longer than 200 characters."""
    rng = np.random.default_rng(11)
    project = _start(tmp_path_factory.mktemp("by"), RUBRIC, ("slicey", "long"))
    domain = np.array([DOMAINS[i % 3] for i in range(N_ITEMS)])
    lengths = rng.integers(20, 400, N_ITEMS)
    ids = [f"it-{i:04d}" for i in range(N_ITEMS)]
    records = []
    for i, item in enumerate(ids):
        tags = {"domain": str(domain[i]), "lang": "fr" if i < 6 else "en"}
        records.append({"id": item, "input": "Q?", "output": "x" * int(lengths[i]), "tags": tags})
    add_items(project, [item_from_record(r) for r in records])
    scores = _expert_scores(rng, N_ITEMS)
    median = np.median(scores, axis=1).astype(int)
    right = rng.random(N_ITEMS) < 0.2
    slicey = np.where((domain != "med") | right, median, rng.integers(1, 6, N_ITEMS))
    long = np.where(lengths > 200, np.minimum(median + 1, 5), median)
    for i, item in enumerate(ids):
        for j, name in enumerate(EXPERTS):
            values = {"quality": int(scores[i, j])}
            submit_label(project, item_id=item, annotator=name, values=values)
        for name, values in (("slicey", slicey), ("long", long)):
            submit_label(
                project,
                item_id=item,
                annotator=name,
                values={"quality": int(values[i])},
                origin="judge",
            )
    return {
        "project": project,
        "domain": domain,
        "median": median,
        "slicey": slicey,
        "long": long,
        "lengths": lengths,
        "ids": ids,
    }


def test_a_slice_where_the_judge_is_worse_is_not_trusted(sliced: dict) -> None:
    project = sliced["project"]
    result = judge_alignment(project, "slicey", by="slice", n_boot=200)
    row = result.criterion("quality")
    groups = {g["group"]: g for g in row.groups}
    assert set(groups) == {"domain=code", "domain=law", "domain=med", "lang=en", "lang=fr"}
    med = groups["domain=med"]
    assert med["by"] == "slice" and med["filter"] == "tag:domain=med"
    assert med["verdict"] == NOT_TRUSTED, med["reason"]
    for other in ("domain=code", "domain=law"):
        assert groups[other]["verdict"] == STANDS_IN, groups[other]["reason"]
        assert groups[other]["agreement"]["cohen_kappa_quadratic"]["value"] == pytest.approx(1.0)
    in_med = sliced["domain"] == "med"
    expected = cohen_kappa_score(
        sliced["median"][in_med],
        sliced["slicey"][in_med],
        weights="quadratic",
        labels=[1, 2, 3, 4, 5],
    )
    assert med["n_items"] == int(in_med.sum())
    assert med["agreement"]["cohen_kappa_quadratic"]["value"] == pytest.approx(expected, abs=1e-9)
    assert med["ceiling"]["value"] is not None and med["agreement"]["percent_agreement"]["ci"]
    # a slice below MIN_GROUP_ITEMS is listed, not dropped
    assert groups["lang=fr"]["verdict"] == TOO_FEW and groups["lang=fr"]["n_items"] == 6
    assert MIN_GROUP_ITEMS > 6
    # where it errs: the med slice first, with a filter that `judge run --items` takes
    weakest = row.weakest_slices
    assert weakest[0]["group"] == "domain=med" and weakest[0]["filter"] == "tag:domain=med"
    assert weakest[0]["value"] == pytest.approx(expected, abs=1e-9)
    assert "lang=fr" not in [w["group"] for w in weakest]
    where, params = _where(None, weakest[0]["filter"])  # type: ignore[arg-type]
    chosen = [r[0] for r in project.rows(f"SELECT id FROM items WHERE {where}", params)]
    assert chosen == [i for i, d in zip(sliced["ids"], sliced["domain"], strict=True) if d == "med"]
    # the largest gaps name their item as the filter
    assert row.errs and all(e["filter"] == e["item"] for e in row.errs)
    assert all(e["item"] in chosen for e in row.errs)


def test_weakest_slices_come_without_by(sliced: dict) -> None:
    row = judge_alignment(sliced["project"], "slicey", n_boot=0).criterion("quality")
    assert row.groups == []
    values = [w["value"] for w in row.weakest_slices]
    assert values == sorted(values) and row.weakest_slices[0]["group"] == "domain=med"
    assert all(w["n_items"] >= MIN_GROUP_ITEMS for w in row.weakest_slices)


def test_cli_by_slice_prints_the_group_table(sliced: dict, capsys: pytest.CaptureFixture) -> None:
    path = str(sliced["project"].path)
    assert main(["judge", "align", path, "slicey", "--by", "slice", "--n-boot", "50"]) == 0
    out = capsys.readouterr().out
    med = next(line for line in out.splitlines() if line.strip().startswith("domain=med "))
    assert "not trusted" in med
    assert "where it errs" in out and "(tag:domain=med)" in out
    assert "too few items" in out
    code = main(["judge", "align", path, "slicey", "--by", "slice", "--n-boot", "0", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["by"] == "slice"
    groups = data["criteria"][0]["groups"]
    assert {g["group"]: g["verdict"] for g in groups}["domain=law"] == STANDS_IN
    assert data["thresholds"]["max_flip_rate"] == 0.2
    with pytest.raises(SystemExit):
        main(["judge", "align", path, "slicey", "--by", "colour"])
    assert "invalid choice: 'colour'" in capsys.readouterr().err
    with pytest.raises(AlignByError, match="Cannot split the alignment by 'colour'"):
        judge_alignment(sliced["project"], "slicey", by="colour", n_boot=0)


def test_length_bias_matches_scipy(sliced: dict) -> None:
    row = judge_alignment(sliced["project"], "long", n_boot=300).criterion("quality")
    length = row.length_bias
    assert length is not None and length["gap"] == "judge - reference"
    gap = (sliced["long"] - sliced["median"]).astype(float)
    lengths = sliced["lengths"].astype(float)
    assert length["n"] == N_ITEMS
    assert length["pearson"]["value"] == pytest.approx(pearsonr(gap, lengths)[0], abs=1e-9)
    assert length["spearman"]["value"] == pytest.approx(spearmanr(gap, lengths)[0], abs=1e-9)
    assert length["pearson"]["value"] > 0.5
    assert length["pearson"]["ci"][0] > 0 and length["spearman"]["ci"][0] > 0
    assert length["a_minus_b"] is None  # no pairwise items
    # the exact-elsewhere judge errs only on med, whatever the length: no interval excluding 0
    flat = judge_alignment(sliced["project"], "slicey", n_boot=300).criterion("quality")
    low, high = flat.length_bias["pearson"]["ci"]
    signed = (sliced["slicey"] - sliced["median"]).astype(float)
    assert flat.length_bias["pearson"]["value"] == pytest.approx(
        pearsonr(signed, lengths)[0], abs=1e-9
    )
    assert low < 0 < high


def test_groups_by_week_and_rubric_version(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    project = _start(tmp_path, RUBRIC, ("wk",))
    ids = [f"w-{i:03d}" for i in range(40)]
    add_items(project, [item_from_record({"id": i, "input": "Q?", "output": "A."}) for i in ids])
    scores = _expert_scores(rng, 40)
    median = np.median(scores, axis=1).astype(int)
    # 25 judge labels on Wed 2026-03-04 (week of Mon 03-02), 15 on Mon 2026-03-09
    for i, item in enumerate(ids):
        for j, name in enumerate(EXPERTS):
            submit_label(
                project, item_id=item, annotator=name, values={"quality": int(scores[i, j])}
            )
    for i, item in enumerate(ids[:25]):
        submit_label(
            project,
            item_id=item,
            annotator="wk",
            values={"quality": int(median[i])},
            origin="judge",
            submitted_at="2026-03-04T10:00:00Z",
        )
    second = {**RUBRIC, "guidelines": "Rate the answer carefully."}
    publish(project, rubric_from_dict(second), note="second")
    for i, item in enumerate(ids[25:], start=25):
        submit_label(
            project,
            item_id=item,
            annotator="wk",
            values={"quality": int(median[i])},
            origin="judge",
            submitted_at="2026-03-09T23:30:00Z",
        )
    weeks = judge_alignment(project, "wk", by="week", n_boot=0).criterion("quality").groups
    assert [(g["group"], g["n_items"]) for g in weeks] == [("2026-03-02", 25), ("2026-03-09", 15)]
    assert all(g["filter"] is None and g["by"] == "week" for g in weeks)
    versions = judge_alignment(project, "wk", by="rubric-version", n_boot=0)
    groups = versions.criterion("quality").groups
    assert [(g["group"], g["n_items"]) for g in groups] == [("align v1", 25), ("align v2", 15)]
    assert groups[0]["agreement"]["cohen_kappa_quadratic"]["value"] == pytest.approx(1.0)


# -- position bias ------------------------------------------------------------------------------

PAIR_RUBRIC = {
    "rubric": "pairs",
    "guidelines": "Pick the better answer.",
    "criteria": [{"key": "preference", "kind": "preference", "applies_to": "pairwise"}],
}
N_PAIRS = 120


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture(scope="module")
def paired(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """120 pairwise items, experts agreeing on a preference; three judges (real judge rows:
    add_judge, ensure_version, submit_label, then judge_results and judge_swaps rows):
    "first" always picks whichever answer is shown first; "steady" gives the experts'
    answer both ways; "shaky" is the experts' answer, but flips on 30% of the swaps."""
    rng = np.random.default_rng(21)
    folder = tmp_path_factory.mktemp("pairs")
    project = create_project(folder / "p.annotator", name="Position")
    version = publish(project, rubric_from_dict(PAIR_RUBRIC), note="first").version
    with project.transaction():
        experts = ensure_source(project, "experts", "expert")
        for name in EXPERTS:
            ensure_annotator(project, name, experts)
    ids = [f"p-{i:03d}" for i in range(N_PAIRS)]
    len_a = rng.integers(10, 300, N_PAIRS)
    len_b = rng.integers(10, 300, N_PAIRS)
    records = [
        {
            "id": item,
            "input": "Q?",
            "output_a": "a" * int(len_a[i]),
            "output_b": "b" * int(len_b[i]),
        }
        for i, item in enumerate(ids)
    ]
    add_items(project, [item_from_record(r) for r in records])
    truth = rng.choice(["A", "B", "tie"], N_PAIRS, p=[0.45, 0.45, 0.10])
    for i, item in enumerate(ids):
        for name in EXPERTS:
            submit_label(project, item_id=item, annotator=name, values={"preference": truth[i]})
    other = {"A": "B", "B": "A", "tie": "A"}
    flips = rng.random(N_PAIRS) < 0.3
    answers = {
        "first": (np.full(N_PAIRS, "A"), np.full(N_PAIRS, "B")),  # mapped back: B was first
        "steady": (truth, truth),
        "shaky": (truth, np.where(flips, [other[t] for t in truth], truth)),
    }
    for name, (original, swapped) in answers.items():
        judge = add_judge(
            project, JudgeConfig(name=name, base_url="http://127.0.0.1:9/v1", model="m")
        )
        with project.transaction():
            version_id = ensure_version(project, judge, "m", None, "sha", version.id)
        for i, item in enumerate(ids):
            label = submit_label(
                project,
                item_id=item,
                annotator=name,
                values={"preference": str(original[i])},
                origin="judge",
            )
            with project.transaction():
                result_id = project.conn.execute(
                    "INSERT INTO judge_results(judge_id, version_id, item_id, label_id, outcome, "
                    "attempts, at) VALUES (?, ?, ?, ?, 'label', 1, ?)",
                    (judge.id, version_id, item, label.id, now_iso()),
                ).lastrowid
                raw = {"A": "B", "B": "A", "tie": "tie"}[str(swapped[i])]
                project.conn.execute(
                    "INSERT INTO judge_swaps(judge_id, version_id, item_id, result_id, "
                    "values_json, raw_json, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        judge.id,
                        version_id,
                        item,
                        result_id,
                        json.dumps({"preference": str(swapped[i])}),
                        json.dumps({"preference": raw}),
                        now_iso(),
                    ),
                )
    return {"project": project, "truth": truth, "flips": flips, "len_a": len_a, "len_b": len_b}


def test_a_judge_that_picks_the_first_shown_is_not_trusted(paired: dict) -> None:
    row = judge_alignment(paired["project"], "first", n_boot=100).criterion("preference")
    p = row.position
    assert p is not None
    assert p["n_pairs"] == N_PAIRS and p["flips"] == N_PAIRS and p["flip_rate"] == 1.0
    assert p["first_rate"] == 1.0
    assert p["ci"] == pytest.approx(list(_wilson(N_PAIRS, N_PAIRS)), abs=1e-9)
    assert p["n_consistent_items"] == 0 and p["consistent"] == {}
    assert row.verdict == NOT_TRUSTED and "flip rate 1.000 > 0.2" in row.reason
    loose = judge_alignment(
        paired["project"], "first", n_boot=0, thresholds=Thresholds(max_flip_rate=1.0)
    )
    assert "flip rate 1.000 <= 1" in loose.criterion("preference").reason


def test_a_consistent_judge_is_not_downgraded(paired: dict) -> None:
    row = judge_alignment(paired["project"], "steady", n_boot=100).criterion("preference")
    p = row.position
    truth = paired["truth"]
    assert p["flips"] == 0 and p["flip_rate"] == 0.0
    assert p["ci"][0] == pytest.approx(0.0, abs=1e-12) and p["ci"][1] == pytest.approx(
        _wilson(0, N_PAIRS)[1], abs=1e-9
    )
    first = ((truth == "A").sum() + (truth == "B").sum()) / (2 * N_PAIRS)
    assert p["first_rate"] == pytest.approx(first, abs=1e-12)
    assert p["consistent"]["cohen_kappa"]["value"] == pytest.approx(1.0)
    assert row.verdict == STANDS_IN, row.reason
    text = main(["judge", "align", str(paired["project"].path), "steady", "--n-boot", "0"])
    assert text == 0


def test_consistent_items_only_and_the_flip_limit(paired: dict, capsys) -> None:
    project, truth, flips = paired["project"], paired["truth"], paired["flips"]
    row = judge_alignment(project, "shaky", n_boot=0).criterion("preference")
    p = row.position
    assert p["flips"] == int(flips.sum())
    assert p["flip_rate"] == pytest.approx(flips.mean(), abs=1e-12)
    assert p["ci"] == pytest.approx(list(_wilson(int(flips.sum()), N_PAIRS)), abs=1e-9)
    assert p["n_consistent_items"] == int((~flips).sum())
    # on the consistent items the judge's answer is the experts': kappa 1
    assert p["consistent"]["cohen_kappa"]["value"] == pytest.approx(1.0)
    assert row.verdict == NOT_TRUSTED
    args = ["judge", "align", str(project.path), "shaky", "--n-boot", "0", "--json"]
    assert main([*args, "--max-flip-rate", "0.5"]) == 0
    data = json.loads(capsys.readouterr().out)["criteria"][0]
    assert data["verdict"] != NOT_TRUSTED and data["position"]["flips"] == int(flips.sum())
    # pairwise length: len(A) + len(B), and len(A) - len(B), against scipy
    length = row.length_bias
    # the shaky judge's original answers are the experts': no gap, no correlation
    assert length["gap"] == "disagreement (0/1)" and length["pearson"]["value"] is None
    first = judge_alignment(project, "first", n_boot=0).criterion("preference").length_bias
    gap = (truth != "A").astype(float)
    total = (paired["len_a"] + paired["len_b"]).astype(float)
    diff = (paired["len_a"] - paired["len_b"]).astype(float)
    assert first["pearson"]["value"] == pytest.approx(pearsonr(gap, total)[0], abs=1e-9)
    assert first["spearman"]["value"] == pytest.approx(spearmanr(gap, total)[0], abs=1e-9)
    assert first["a_minus_b"]["n"] == N_PAIRS
    assert first["a_minus_b"]["spearman"]["value"] == pytest.approx(
        spearmanr(gap, diff)[0], abs=1e-9
    )
