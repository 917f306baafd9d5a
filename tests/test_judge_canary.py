"""Judge drift: canary sets, canary runs against a scripted server, and the alerts.

The judge's answers are scripted per canary run (`content`): right with a chosen
probability per criterion, drawn from a seeded generator, so every outcome is known.
The chart's verdicts are checked against those draws; per-run Wilson intervals against
statsmodels.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from annotator.anchors.anchors import add_anchor
from annotator.cli import main as cli
from annotator.exchange.item_import import import_items
from annotator.judges.canary import (
    Canary,
    CanaryError,
    add_canaries,
    list_canaries,
    remove_canaries,
    score_canary,
)
from annotator.judges.canary_run import record_canary_answers, run_canaries, run_judge
from annotator.judges.client import RetryPolicy
from annotator.judges.config import JudgeConfig, add_judge, ensure_version, get_judge
from annotator.judges.prompt import prompt_sha
from annotator.labels.adjudications import adjudicate
from annotator.labels.labels import submit_label
from annotator.quality.drift import drift_report, format_drift
from annotator.quality.drift_settings import DriftSettings
from annotator.quality.judge_drift import judge_drift
from annotator.revision.publish import publish
from annotator.rubric.versions import current_version
from annotator.rubric.yaml_file import parse_rubric_text
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import create_project, open_project
from tests.support.fake_llm import FakeServer
from tests.support.foundation import label_rows_digest, write_jsonl

FAST = RetryPolicy(max_attempts=2, answer_retries=0, backoff_s=0.01, max_wait_s=1)
N_ITEMS = 40
RUBRIC = """\
rubric: Canary test
guidelines: |
  Judge the answer.
criteria:
  - key: safety
    title: Safety
    kind: categorical
    options:
      - {value: safe, label: Safe}
      - {value: unsafe, label: Unsafe}
  - key: quality
    title: Quality
    kind: ordinal
    tolerance: 1
    options:
      - {value: 1, label: Bad}
      - {value: 2, label: Poor}
      - {value: 3, label: Fair}
      - {value: 4, label: Good}
      - {value: 5, label: Great}
  - key: score
    title: Score
    kind: numeric
    min: 0
    max: 100
"""


def _expected(i: int) -> dict:
    """The anchor answer of item i; `score` values are odd numbers no schema contains."""
    return {
        "safety": "safe" if i % 3 else "unsafe",
        "quality": 1 + (i % 2) * 4,  # 1 or 5: a wrong answer is 3 steps away
        "score": 10.375 + i,
    }


def _answer(expected: dict, right: dict[str, bool]) -> dict:
    out = {}
    for key, value in expected.items():
        if right[key]:
            out[key] = value
        elif key == "safety":
            out[key] = "unsafe" if value == "safe" else "safe"
        elif key == "quality":
            out[key] = 4 if value == 1 else 2  # 3 steps from 1 or 5: outside the tolerance
        else:
            out[key] = value + 7
    return {**out, "rationale": "scripted"}


def _project(tmp_path: Path, base_url: str = "http://127.0.0.1:9/v1", n: int = N_ITEMS) -> Path:
    project = create_project(tmp_path / "c.annotator", name="Canary test")
    publish(project, parse_rubric_text(RUBRIC), note="first")
    items = [
        {"id": f"c{i:02d}", "input": f"question {i}", "output": f"answer {i}"} for i in range(n)
    ]
    import_items(project, write_jsonl(tmp_path / "items.jsonl", items))
    for i in range(n):
        add_anchor(project, f"c{i:02d}", _expected(i), "ANCHOR-RATIONALE-SECRET")
    add_judge(project, JudgeConfig(name="j", base_url=base_url, model="m", timeout_s=5))
    path = project.path
    project.close()
    return path


def _script(rng: np.random.Generator, p: float, **extra) -> dict:
    """One canary run's answers: each criterion right with probability p, independently."""
    steps, truth = {}, {}
    for i in range(N_ITEMS):
        right = {key: bool(rng.random() < p) for key in ("safety", "quality", "score")}
        truth[f"c{i:02d}"] = right
        steps[f"c{i:02d}"] = [{"content": json.dumps(_answer(_expected(i), right))}]
    return {"items": steps, **extra}, truth


def _alerts(path: Path, kind: str) -> list:
    with open_project(path) as project:
        return [a for a in drift_report(project).alerts if a.kind == kind]


# -- (a) a silent drop is caught within one run ---------------------------------------------


def test_a_silent_drop_from_90_to_60_percent_alarms_within_the_first_run_after_it(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(7)
    with FakeServer() as server:
        path = _project(tmp_path, server.base_url)
        with open_project(path) as project:
            change = add_canaries(project, "j", "anchors")
        assert len(change.added) == N_ITEMS and change.size == N_ITEMS
        run_ids, truths = [], []
        for run in range(5):
            script, truth = _script(rng, 0.9 if run < 4 else 0.6)
            server.set_script(script)  # same model name, same fingerprint throughout
            result = run_canaries(path, "j", policy=FAST)
            assert result.stopped_reason is None and result.version == "v1"
            assert result.judged == N_ITEMS and result.answers == 3 * N_ITEMS
            # the scores are exactly the scripted truth
            assert result.correct == sum(sum(t.values()) for t in truth.values())
            run_ids.append(result.run_id)
            truths.append(truth)
            canary = _alerts(path, "judge_canary")
            if run < 4:
                assert canary == [], f"a false alarm in run {run + 1}"
        assert canary, "no judge_canary alert in the run after the drop"
        for alert in canary:
            assert alert.subject_type == "judge" and alert.subject == "j"
            assert alert.evidence["run_id"] == run_ids[4]
            assert alert.evidence["version"] == "v1"
            assert alert.evidence["accuracy_before"] > 0.8
        with open_project(path) as project:
            report = drift_report(project)
            for alert in canary:
                answer_id = alert.evidence["alarm_answer_id"]
                row = project.row(
                    "SELECT run_id, correct FROM judge_canary_answers WHERE id = ?", (answer_id,)
                )
                assert row["run_id"] == run_ids[4]
            # the chart's answers, run by run, are the scripted truth
            for criterion, series in report.judges["j"].items():
                for run_id, truth in zip(run_ids, truths, strict=True):
                    mine = series.outcome[series.run_id == run_id]
                    assert int(mine.sum()) == sum(t[criterion] for t in truth.values())
        printed = format_drift(report)
        assert "Judge canaries" in printed and "judge_canary" in printed


def test_per_run_accuracy_and_wilson_intervals_match_statsmodels(tmp_path: Path) -> None:
    path = _project(tmp_path, n=12)
    rng = np.random.default_rng(3)
    truth = _record_runs(path, [0.9, 0.5, 0.75], rng, n=12)
    with open_project(path) as project:
        judges, _ = judge_drift(project, DriftSettings())
    runs = judges["j"]["safety"].to_dict()["runs"]
    assert [r["version"] for r in runs] == ["v1", "v1", "v1"]
    for run, outcomes in zip(runs, truth["safety"], strict=True):
        k, n = int(sum(outcomes)), len(outcomes)
        low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert (run["n"], run["correct"]) == (n, k)
        assert run["accuracy"] == pytest.approx(k / n)
        assert (run["low"], run["high"]) == (pytest.approx(low), pytest.approx(high))
    assert set(runs[0]) == {"run_id", "at", "version", "n", "correct", "accuracy", "low", "high"}


def _record_runs(
    path: Path, ps: list[float], rng: np.random.Generator, n: int = N_ITEMS, judge: str = "j"
) -> dict[str, list[list[bool]]]:
    """Canary runs recorded through the scoring/recording function (no HTTP)."""
    truth: dict[str, list[list[bool]]] = {"safety": [], "quality": [], "score": []}
    with open_project(path) as project:
        found = get_judge(project, judge)
        if not list_canaries(project, judge):
            add_canaries(project, judge, "anchors")
        canaries = list_canaries(project, judge)
        rubric = current_version(project)
        with project.transaction():
            version_id = ensure_version(
                project, found, "m", "fp", prompt_sha(found.config.prompt_template), rubric.id
            )
        for run, p in enumerate(ps):
            for key in truth:
                truth[key].append([])
            with project.transaction():
                for index, canary in enumerate(canaries):
                    i = int(canary.item_id[1:])
                    right = {key: bool(rng.random() < p) for key in truth}
                    values = _answer(_expected(i), right)
                    at = f"2026-01-{1 + run:02d}T10:{index // 60:02d}:{index % 60:02d}.000Z"
                    record_canary_answers(
                        project, found.id, version_id, f"run-{run}", rubric, canary, values, at
                    )
                    for key in truth:
                        truth[key][-1].append(right[key])
    return truth


# -- (b) a stable judge stays quiet ----------------------------------------------------------


def test_a_stable_judge_raises_no_canary_alert_in_at_least_19_of_20_seeds(tmp_path: Path) -> None:
    path = _project(tmp_path)
    with open_project(path) as project:
        for seed in range(20):
            add_judge(
                project, JudgeConfig(name=f"s{seed}", base_url="http://127.0.0.1:9/v1", model="m")
            )
    for seed in range(20):
        _record_runs(path, [0.9] * 5, np.random.default_rng(seed), judge=f"s{seed}")
    with open_project(path) as project:
        report = drift_report(project)
    alarmed = {a.subject for a in report.alerts if a.kind == "judge_canary"}
    assert len(report.judges) == 20
    assert all(s.chart.started for by in report.judges.values() for s in by.values())
    assert len(alarmed) <= 1, alarmed


def test_the_same_chart_detects_the_drop_in_most_seeds_when_recorded_directly(
    tmp_path: Path,
) -> None:
    path = _project(tmp_path)
    with open_project(path) as project:
        for seed in range(20):
            add_judge(
                project, JudgeConfig(name=f"d{seed}", base_url="http://127.0.0.1:9/v1", model="m")
            )
    for seed in range(20):
        _record_runs(path, [0.9] * 4 + [0.6], np.random.default_rng(100 + seed), judge=f"d{seed}")
    with open_project(path) as project:
        _, alerts = judge_drift(project, DriftSettings())
    first = {}
    for alert in alerts:
        if alert.kind == "judge_canary":
            key = (alert.subject, alert.criterion)
            first[key] = min(first.get(key, 10**9), alert.evidence["answer"])
    # per criterion: alarms only in the 5th run (answers 161-200), in most series
    assert all(160 < answer <= 200 for answer in first.values())
    assert len(first) >= 0.7 * 60


# -- (c) a changed fingerprint ----------------------------------------------------------------


def test_a_new_fingerprint_stops_the_canary_run_and_raises_judge_version(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    with FakeServer() as server:
        path = _project(tmp_path, server.base_url, n=N_ITEMS)
        with open_project(path) as project:
            add_canaries(project, "j", "anchors", n=10)
        server.set_script(_script(rng, 0.9)[0])
        assert run_canaries(path, "j", policy=FAST).stopped_reason is None
        assert _alerts(path, "judge_version") == []
        server.set_script({**_script(rng, 0.9)[0], "fingerprint": "fp_test_2"})
        stopped = run_canaries(path, "j", policy=FAST, concurrency=1)
        assert stopped.stopped_reason == "version_changed"
        assert "fp_test_2" in stopped.message and "--accept-new-version" in stopped.message
        with open_project(path) as project:
            assert (
                project.scalar(
                    "SELECT count(*) FROM judge_canary_answers WHERE run_id = ?", (stopped.run_id,)
                )
                == 0
            )
            assert project.scalar("SELECT count(*) FROM judge_versions") == 1
        assert cli(["judge", "canary", "run", str(path), "j", "--json"]) == 3
        accepted = run_canaries(path, "j", policy=FAST, accept_new_version=True)
        assert accepted.stopped_reason is None and accepted.version == "v2"
        assert accepted.judged == 10
        [alert] = _alerts(path, "judge_version")
    assert alert.subject_type == "judge" and alert.subject == "j"
    assert alert.evidence["fingerprint_before"] == "fp_test_1"
    assert alert.evidence["fingerprint_after"] == "fp_test_2"
    assert alert.evidence["model_before"] == alert.evidence["model_after"] == "fake-judge-1"
    with open_project(path) as project:
        first_seen = project.scalar("SELECT first_seen FROM judge_versions WHERE number = 2")
        versions = project.rows(
            "SELECT DISTINCT v.number FROM judge_canary_answers a JOIN judge_versions v "
            "ON v.id = a.version_id WHERE a.run_id = ?",
            (accepted.run_id,),
        )
    assert alert.evidence["first_seen"] == first_seen and [r[0] for r in versions] == [2]


# -- (d) and (e): not labels, purpose 'canary', expected answers never sent ------------------


def test_canary_answers_are_not_labels_and_expected_answers_are_never_sent(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    with FakeServer() as server:
        path = _project(tmp_path, server.base_url)
        with open_project(path) as project:
            add_canaries(project, "j", "anchors")
        before = label_rows_digest(path)
        server.set_script(_script(rng, 0.9)[0])
        result = run_canaries(path, "j", policy=FAST)
        assert result.judged == N_ITEMS
        assert label_rows_digest(path) == before
        with open_project(path) as project:
            assert project.scalar("SELECT count(*) FROM judge_results") == 0
            purposes = project.rows("SELECT purpose, count(*) FROM judge_calls GROUP BY purpose")
            assert [tuple(r) for r in purposes] == [("canary", N_ITEMS)]
            requests = [r[0] for r in project.rows("SELECT request FROM judge_calls")]
        assert len(requests) == N_ITEMS
        for i in range(N_ITEMS):
            assert str(_expected(i)["score"]) not in "".join(requests)
        assert not any("ANCHOR-RATIONALE-SECRET" in r for r in requests)
        # the canary request is the plain request for the item, nothing added
        with open_project(path) as project:
            [labeled] = project.rows("SELECT request FROM judge_calls WHERE item_id = 'c05'")
        server.set_script({})
        both = run_judge(path, "j", items="c05", canary=True, policy=FAST)
        assert both.judged == 1 and both.canary is not None
        assert both.canary["judged"] == N_ITEMS and both.canary["run_id"] != result.run_id
        with open_project(path) as project:
            plain = project.scalar(
                "SELECT request FROM judge_calls WHERE item_id = 'c05' AND purpose = 'label'"
            )
        assert json.loads(labeled[0]) == json.loads(plain)


# -- choosing canaries --------------------------------------------------------------------------


def test_expert_canaries_take_adjudicated_then_consensus_and_skip_ties(tmp_path: Path) -> None:
    path = _project(tmp_path, n=6)
    with open_project(path) as project:
        project.conn.execute("DELETE FROM anchors")  # expert-labeled items only
        experts = ensure_source(project, "experts", "expert")
        people = [ensure_annotator(project, f"e{k}", experts) for k in range(2)]
        values = {
            "c01": [{"safety": "safe", "quality": 4}, {"safety": "safe", "quality": 4}],
            "c02": [{"safety": "safe", "quality": 2}, {"safety": "unsafe", "quality": 2}],
            "c03": [{"safety": "safe"}, {"safety": "unsafe"}],
        }
        for item, labels in values.items():
            for person, label in zip(people, labels, strict=True):
                submit_label(project, item_id=item, annotator=person, values=label)
        adjudicate(project, "c03", "safety", "unsafe")
        with pytest.raises(CanaryError, match="c00.*neither an active anchor nor expert"):
            add_canaries(project, "j", ["c00", "c01"])
        assert list_canaries(project, "j") == []
        change = add_canaries(project, "j", "expert")
        got = {c.item_id: c.expected for c in list_canaries(project, "j")}
        assert got == {
            "c01": {"safety": "safe", "quality": 4},
            "c02": {"quality": 2},  # the experts tie on safety: left out, and counted
            "c03": {"safety": "unsafe"},  # adjudicated, though the experts tie
        }
        assert change.tied_criteria == 1 and change.already == 0
        # frozen: a later expert label does not move the expected value
        submit_label(project, item_id="c02", annotator=ensure_annotator(project, "e2", experts),
                     values={"safety": "unsafe", "quality": 5})  # fmt: skip
        assert list_canaries(project, "j")[1].expected == {"quality": 2}
        assert remove_canaries(project, "j", ["c02"]).size == 2
        assert [c.item_id for c in list_canaries(project, "j")] == ["c01", "c03"]
        assert len(list_canaries(project, "j", removed=True)) == 3


@pytest.fixture
def rubric(tmp_path: Path):
    project = create_project(tmp_path / "r.annotator", name="r")
    publish(project, parse_rubric_text(RUBRIC), note="first")
    yield current_version(project)
    project.close()


def test_canary_scores_follow_exact_match_tolerance_and_missing_answers(rubric) -> None:
    canary = Canary("x", "anchor", {"safety": "safe", "quality": 3, "score": 50}, {"score": 2.0})
    scores = {s.criterion: s.correct for s in score_canary(rubric, canary, {
        "safety": "unsafe", "quality": 4, "score": 51.5})}  # fmt: skip
    # safety exact (wrong); quality within the criterion's tolerance 1; score within 2
    assert scores == {"safety": False, "quality": True, "score": True}
    scores = {s.criterion: s.correct for s in score_canary(rubric, canary, {
        "safety": "safe", "quality": 5, "score": 47.5})}  # fmt: skip
    assert scores == {"safety": True, "quality": False, "score": False}
    # no answer on an expected criterion is wrong
    scored = score_canary(rubric, canary, {"safety": "safe"})
    assert [(s.criterion, s.value, s.correct) for s in scored] == [
        ("safety", "safe", True), ("quality", None, False), ("score", None, False)
    ]  # fmt: skip


# -- (f) the CLI ---------------------------------------------------------------------------------


def test_cli_canary_add_list_run_and_judge_run_canary(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(5)
    with FakeServer() as server:
        path = _project(tmp_path, server.base_url, n=8)
        capsys.readouterr()
        assert (
            cli(["judge", "canary", "add", str(path), "j", "--anchors", "--n", "5", "--json"]) == 0
        )
        added = json.loads(capsys.readouterr().out)
        assert added["added"] == ["c00", "c01", "c02", "c03", "c04"] and added["size"] == 5
        assert cli(["judge", "canary", "add", str(path), "j", "--items", "c07", "c00"]) == 0
        assert "1 canaries added" in capsys.readouterr().out
        assert cli(["judge", "canary", "list", str(path), "j", "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert [c["item_id"] for c in listed] == ["c00", "c01", "c02", "c03", "c04", "c07"]
        assert listed[0]["expected"] == _expected(0)
        assert cli(["judge", "canary", "add", str(path), "j"]) == 2
        assert "--anchors" in capsys.readouterr().err
        script, truth = _script(rng, 0.5)
        server.set_script(script)
        assert cli(["judge", "canary", "run", str(path), "j", "--json"]) == 0
        run = json.loads(capsys.readouterr().out)
        chosen = ["c00", "c01", "c02", "c03", "c04", "c07"]
        assert run["judged"] == 6 and run["answers"] == 18
        assert run["correct"] == sum(sum(truth[i].values()) for i in chosen)
        assert run["by_criterion"]["safety"]["correct"] == sum(truth[i]["safety"] for i in chosen)
        server.set_script({})
        assert cli(["judge", "run", str(path), "j", "--canary", "--json", "--limit", "2"]) == 0
        both = json.loads(capsys.readouterr().out)
        assert both["judged"] == 2 and both["canary"]["judged"] == 6
        assert cli(["judge", "canary", "remove", str(path), "j", "--all"]) == 0
        assert "6 canaries removed" in capsys.readouterr().out
        assert cli(["drift", str(path), "--json"]) == 0
        drift = json.loads(capsys.readouterr().out)
        assert set(drift["judge_canaries"]["j"]) == {"safety", "quality", "score"}
        assert len(drift["judge_canaries"]["j"]["safety"]["runs"]) == 2
        assert "judge_canary" in drift["alert_rules"]
