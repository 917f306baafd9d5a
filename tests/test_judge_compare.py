"""`judge compare`: a planted v2 that scores every item one point lower than v1 (never
below 1), through the real judge path against the scripted server: the exchange rate,
the mean shift, the cross-tab and the re-expressed headline figures are exact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from annotator.cli import main
from annotator.exchange.item_import import import_items
from annotator.judges import compare_judge_versions
from annotator.judges.client import RetryPolicy
from annotator.judges.compare import _isotonic
from annotator.judges.config import JudgeConfig, add_judge, judge_versions
from annotator.judges.run import plan_run, run_judge
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import parse_rubric_text
from annotator.store.project import create_project, open_project
from tests.support.fake_llm import FakeServer
from tests.support.foundation import write_jsonl

FAST = RetryPolicy(max_attempts=3, answer_retries=1, backoff_s=0.01, max_wait_s=2)
N = 200
RUBRIC = """\
rubric: Scores
guidelines: Score the answer.
criteria:
  - key: score
    title: Score
    kind: ordinal
    required: true
    options:
      - {value: 1, label: Bad}
      - {value: 2, label: Weak}
      - {value: 3, label: Fair}
      - {value: 4, label: Good}
      - {value: 5, label: Great}
"""


def _script(scores: dict[str, int], model: str) -> dict:
    items = {
        i: [{"content": json.dumps({"score": s, "rationale": "r"})}] for i, s in scores.items()
    }
    return {"model": model, "items": items}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    folder = tmp_path_factory.mktemp("compare")
    rng = np.random.default_rng(7)
    old = {f"i{n:03d}": int(rng.integers(1, 6)) for n in range(N)}
    new = {i: max(1, s - 1) for i, s in old.items()}
    project = create_project(folder / "p.annotator", name="Compare")
    publish(project, parse_rubric_text(RUBRIC), note="first")
    records = [{"id": i, "input": f"q {i}", "output": f"a {i}"} for i in old]
    import_items(project, write_jsonl(folder / "items.jsonl", records))
    path = project.path
    with FakeServer(_script(old, "judge-a")) as server:
        add_judge(project, JudgeConfig(name="j", base_url=server.base_url, model="m"))
        project.close()
        first = run_judge(path, "j", concurrency=8, policy=FAST)
        assert (first.judged, first.version) == (N, "v1")
        # new settings make a new version; it re-judges exactly v1's items
        with open_project(path) as p:
            config = json.loads(p.scalar("SELECT config FROM judges WHERE name = 'j'"))
            config["temperature"] = 0.5
            with p.transaction():
                p.conn.execute(
                    "UPDATE judges SET config = ? WHERE name = 'j'", (json.dumps(config),)
                )
            assert len(plan_run(p, "j", items="judged-by:v1").item_ids) == N
        server.set_script(_script(new, "judge-b"))
        second = run_judge(path, "j", items="judged-by:v1", concurrency=8, policy=FAST)
        assert (second.judged, second.version) == (N, "v2")
        with open_project(path) as p:
            assert [v.labels for v in judge_versions(p, "j")] == [N, N]
            assert plan_run(p, "j", items="judged-by:2").item_ids == []  # all judged under v2
    return path, old, new


def test_exchange_rate_shift_and_crosstab_are_exact(planted: tuple[Path, dict, dict]) -> None:
    path, old, new = planted
    with open_project(path) as project:
        result = compare_judge_versions(project, "j", "v1", "2", n_boot=0)
    assert (result.from_version, result.to_version, result.n_items) == ("v1", "v2", N)
    c = result.criterion("score")
    items = sorted(old)
    a = np.array([old[i] for i in items])
    b = np.array([new[i] for i in items])
    assert c.mean_shift == pytest.approx(float(np.mean(b - a)), abs=1e-9)
    expected = np.zeros((5, 5), dtype=int)
    np.add.at(expected, (a - 1, b - 1), 1)
    assert c.scale == [1, 2, 3, 4, 5]
    assert np.array_equal(np.array(c.crosstab), expected)
    rows = {row["old"]: row for row in c.exchange["rows"]}
    for s in range(2, 6):
        assert rows[s]["n"] == int(np.sum(a == s))
        assert rows[s]["mean_new"] == s - 1
        assert rows[s]["distribution"][str(s - 1)] == 1.0
    assert rows[1]["mean_new"] == 1.0  # capped: 1 stays 1
    assert c.agreement["percent_agreement"] == pytest.approx(float(np.mean(a == b)))
    assert c.agreement["alpha"] is not None and c.agreement["alpha"] < 1


def test_headline_figures_re_expressed_match_v2(planted: tuple[Path, dict, dict]) -> None:
    path, old, new = planted
    with open_project(path) as project:
        c = compare_judge_versions(project, "j", 1, "v2", n_boot=0).criterion("score")
        at4 = compare_judge_versions(project, "j", 1, 2, pass_at=4, n_boot=0).criterion("score")
    b = np.array([new[i] for i in sorted(new)])
    a = np.array([old[i] for i in sorted(old)])
    mapped, direct = c.headline["old_mapped_same_items"], c.headline["new_same_items"]
    assert direct["mean"] == pytest.approx(float(np.mean(b)), abs=1e-12)
    assert direct["share_passing"] == pytest.approx(float(np.mean(b >= 3)), abs=1e-12)
    assert mapped["mean"] == pytest.approx(direct["mean"], abs=1e-12)
    assert mapped["share_passing"] == pytest.approx(direct["share_passing"], abs=1e-12)
    assert c.headline["old_same_items"]["share_passing"] == pytest.approx(float(np.mean(a >= 3)))
    assert c.headline["old_mapped_all_items"]["mean"] == pytest.approx(float(np.mean(b)))
    assert at4.headline["old_mapped_same_items"]["share_passing"] == pytest.approx(
        float(np.mean(b >= 4)), abs=1e-12
    )
    assert at4.headline["old_same_items"]["share_passing"] == pytest.approx(float(np.mean(a >= 4)))


def test_numeric_exchange_is_isotonic() -> None:
    old = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    new = old * 2 + 1
    exchange, fitted, mapped_all = _isotonic(old, new, np.array([0.0, 3.0, 9.0]))
    assert exchange["rmse"] == pytest.approx(0.0, abs=1e-12)
    assert np.allclose(fitted, new) and np.allclose(mapped_all, [3.0, 7.0, 13.0])


def test_cli_json_and_refusals(planted: tuple[Path, dict, dict], capsys) -> None:
    path, _old, _new = planted
    assert main(["judge", "compare", str(path), "j", "--from", "v1", "--to", "v2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_items"] == N and out["criteria"][0]["key"] == "score"
    assert main(["judge", "compare", str(path), "j", "--from", "v1", "--to", "v2"]) == 0
    text = capsys.readouterr().out
    assert "mean shift" in text and "exchange rate" in text
    assert main(["judge", "compare", str(path), "j", "--from", "v1", "--to", "v9"]) != 0
    assert "no version v9" in capsys.readouterr().err
    assert main(["judge", "compare", str(path), "j", "--from", "x", "--to", "v2"]) != 0


NUMERIC_RUBRIC = """\
rubric: Mixed
guidelines: Score the answer.
criteria:
  - key: points
    title: Points
    kind: numeric
    required: true
    minimum: 0
    maximum: 10
  - key: ok
    title: OK
    kind: binary
    required: true
"""


def test_numeric_and_binary_criteria_through_the_real_path(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    ids = [f"n{k:02d}" for k in range(40)]
    old = {i: (int(rng.integers(0, 11)), str(rng.choice(["yes", "no"]))) for i in ids}
    new = {i: (p / 2, "yes" if p >= 4 else "no") for i, (p, _) in old.items()}

    def script(values: dict, model: str) -> dict:
        answers = {
            i: [{"content": json.dumps({"points": p, "ok": ok, "rationale": "r"})}]
            for i, (p, ok) in values.items()
        }
        return {"model": model, "items": answers}

    project = create_project(tmp_path / "n.annotator", name="Mixed")
    publish(project, parse_rubric_text(NUMERIC_RUBRIC), note="first")
    records = [{"id": i, "input": "q", "output": "a"} for i in ids]
    import_items(project, write_jsonl(tmp_path / "items.jsonl", records))
    path = project.path
    with FakeServer(script(old, "a")) as server:
        add_judge(project, JudgeConfig(name="j", base_url=server.base_url, model="m"))
        project.close()
        run_judge(path, "j", concurrency=8, policy=FAST)
        with open_project(path) as p, p.transaction():
            p.conn.execute("UPDATE judges SET config = json_set(config, '$.seed', 1)")
        server.set_script(script(new, "b"))
        run_judge(path, "j", items="judged-by:v1", concurrency=8, policy=FAST)
    with open_project(path) as project:
        result = compare_judge_versions(project, "j", "v1", "v2", n_boot=0)
    a = np.array([float(old[i][0]) for i in ids])
    b = np.array([new[i][0] for i in ids])
    points = result.criterion("points")
    assert points.exchange["kind"] == "isotonic"
    assert points.exchange["rmse"] == pytest.approx(0.0, abs=1e-9)
    assert points.mean_shift == pytest.approx(float(np.mean(b - a)), abs=1e-9)
    mapped = points.headline["old_mapped_same_items"]
    assert mapped["mean"] == pytest.approx(float(np.mean(b)), abs=1e-9)
    assert mapped["share_passing"] == pytest.approx(float(np.mean(b >= 5)), abs=1e-12)
    assert points.headline["pass_rule"] == ">= 5"
    ok = result.criterion("ok")
    old_yes = np.array([old[i][1] == "yes" for i in ids])
    new_yes = np.array([new[i][1] == "yes" for i in ids])
    assert ok.scale == ["yes", "no"]
    assert ok.mean_shift == pytest.approx(float(np.mean(new_yes) - np.mean(old_yes)), abs=1e-12)
    assert ok.headline["new_same_items"]["share_passing"] == pytest.approx(float(np.mean(new_yes)))
    assert ok.headline["old_same_items"]["share_passing"] == pytest.approx(float(np.mean(old_yes)))
    assert ok.crosstab[0][0] == int(np.sum(old_yes & new_yes))
