"""Position bias (`judge run --swap`) against a scripted OpenAI-compatible server on
127.0.0.1 (no network): each pairwise item asked again with A and B exchanged, the answer
mapped back to the item's orientation and stored beside its label (never as one), the
swapped calls stored with purpose 'swap' and priced, a failed swap never costing the
label, and `--swap` on a judged project asking only the missing swaps."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from annotator.cli import main
from annotator.items.items import add_items, get_item, item_from_record
from annotator.judges.align import NOT_TRUSTED, Thresholds, judge_alignment
from annotator.judges.client import RetryPolicy
from annotator.judges.config import JudgeConfig, add_judge
from annotator.judges.prompt import build_messages, estimate_tokens
from annotator.judges.run import plan_run, run_judge
from annotator.judges.swap import (
    flipped_criteria,
    map_back,
    side_map,
    swapped_header,
    swapped_item,
)
from annotator.labels.labels import submit_label
from annotator.revision.publish import publish
from annotator.rubric.versions import current_version
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import create_project, open_project
from tests.support.fake_llm import FakeServer

FAST = RetryPolicy(max_attempts=3, answer_retries=1, backoff_s=0.01, max_wait_s=2)
PRICE = 100 * 2.0 / 1e6 + 20 * 10.0 / 1e6  # the fake server's usage at the judge's prices
STRENGTH = ["A much better", "A slightly better", "About the same", "B slightly better"]
RUBRIC = {
    "rubric": "pairs",
    "guidelines": "Compare the two answers.",
    "criteria": [
        {"key": "preference", "kind": "preference", "required": True},
        {
            "key": "more_factual",
            "kind": "categorical",
            "applies_to": "pairwise",
            "options": [{"value": "A"}, {"value": "B"}, {"value": "neither"}],
        },
        {
            "key": "strength",
            "kind": "ordinal",
            "applies_to": "pairwise",
            "options": [
                {"value": v, "label": label}
                for v, label in enumerate([*STRENGTH, "B much better"], start=1)
            ],
        },
        {"key": "harmful", "kind": "binary"},
        {"key": "comment", "kind": "text"},
    ],
}
ONLY_PREFERENCE = {"rubric": "p", "criteria": RUBRIC["criteria"][:1]}
PAIRWISE = [f"p{i}" for i in range(6)]
SINGLE = ["s0", "s1"]


def _project(tmp_path: Path, server: FakeServer, rubric: dict | None = None, n: int = 6) -> Path:
    project = create_project(tmp_path / "swap.annotator", name="Swap test")
    publish(project, rubric_from_dict(rubric or RUBRIC), note="first")
    records = [
        {"id": f"p{i}", "input": f"Q{i}?", "output_a": f"first {i}", "output_b": f"second {i}"}
        for i in range(n)
    ]
    if rubric is None:
        records += [{"id": s, "input": "Single?", "output": "One answer."} for s in SINGLE]
    add_items(project, [item_from_record(r) for r in records])
    add_judge(
        project,
        JudgeConfig(
            name="j",
            base_url=server.base_url,
            model="m",
            input_price=2.0,
            output_price=10.0,
            timeout_s=0.5,
        ),
    )
    path = project.path
    project.close()
    return path


def _swaps(path: Path) -> dict[str, dict]:
    with open_project(path) as project:
        rows = project.rows(
            "SELECT s.item_id, s.values_json, s.raw_json, s.result_id, s.version_id, "
            "r.version_id AS rv, r.item_id AS ri, l.values_json AS label FROM judge_swaps s "
            "JOIN judge_results r ON r.id = s.result_id JOIN labels l ON l.id = r.label_id "
            "ORDER BY s.id"
        )
    out = {}
    for r in rows:
        assert r["item_id"] not in out, "one swap row per item"
        assert (r["version_id"], r["item_id"]) == (r["rv"], r["ri"])
        out[r["item_id"]] = {
            "values": json.loads(r["values_json"]),
            "raw": json.loads(r["raw_json"]),
            "label": json.loads(r["label"]),
        }
    return out


def _judge_labels(path: Path) -> dict[str, list[dict]]:
    with open_project(path) as project:
        rows = project.rows(
            "SELECT l.item_id, l.values_json FROM labels l JOIN sources s ON s.id = l.source_id "
            "WHERE s.name = 'j' ORDER BY l.id"
        )
    out: dict[str, list[dict]] = {}
    for item_id, values in rows:
        out.setdefault(item_id, []).append(json.loads(values))
    return out


# -- the mapping ------------------------------------------------------------------------------


def test_side_maps_per_rubric_kind() -> None:
    extra = {
        "rubric": "x",
        "criteria": [
            *RUBRIC["criteria"],
            {
                "key": "lean",
                "kind": "preference",
                "options": [
                    {"value": "a_much"},
                    {"value": "a"},
                    {"value": "same"},
                    {"value": "b"},
                    {"value": "b_much"},
                    {"value": "A_only"},
                ],
            },  # fmt: skip
            {
                "key": "flaws",
                "kind": "multilabel",
                "applies_to": "pairwise",
                "options": [
                    {"value": "A_wrong"},
                    {"value": "B_wrong"},
                    {"value": "both_long"},
                    {"value": "B_rude"},
                    {"value": "A_rude"},
                ],
            },  # fmt: skip
            {
                "key": "words",
                "kind": "categorical",
                "options": [
                    {"value": 1, "label": "A is a bit better"},
                    {"value": 2, "label": "B is a bit better"},
                    {"value": 3, "label": "a draw"},
                ],
            },  # fmt: skip
            {"key": "score", "kind": "numeric", "min": 0, "max": 10},
        ],
    }
    rubric = rubric_from_dict(extra)
    maps = {c.key: side_map(c) for c in rubric.criteria}
    assert maps["preference"] == {"A": "B", "B": "A"}  # "tie" names no side
    assert maps["more_factual"] == {"A": "B", "B": "A"}
    assert maps["strength"] == {1: 5, 2: 4, 4: 2, 5: 1}  # by the labels; 3 stays
    assert maps["harmful"] == {} and maps["comment"] == {} and maps["score"] == {}
    # a lone "A_only" has no counterpart: left as it is
    assert maps["lean"] == {"a_much": "b_much", "a": "b", "b": "a", "b_much": "a_much"}
    assert maps["flaws"] == {"A_wrong": "B_wrong", "B_wrong": "A_wrong", "B_rude": "A_rude",
                             "A_rude": "B_rude"}  # fmt: skip
    assert maps["words"] == {1: 2, 2: 1}  # "a draw": an article, not a side
    given = {
        "preference": "tie",
        "more_factual": "A",
        "strength": 2,
        "harmful": "yes",
        "comment": "Response A rambles",
        "lean": "A_only",
        "flaws": ["A_wrong", "both_long", "A_rude"],
        "score": 7,
    }
    assert map_back(rubric, given) == {
        "preference": "tie",
        "more_factual": "B",
        "strength": 4,
        "harmful": "yes",
        "comment": "Response A rambles",  # text is copied, never rewritten
        "lean": "A_only",
        "flaws": ["B_wrong", "both_long", "B_rude"],  # in the options' order
        "score": 7,
    }
    assert map_back(rubric, map_back(rubric, given)) == given  # exchanging twice: no change
    label = {"preference": "tie", "more_factual": "A", "strength": 4, "harmful": "no"}
    mapped = map_back(rubric, given)
    assert flipped_criteria(rubric, label, mapped) == ["more_factual"]  # harmful: not a side


def test_the_swapped_item_and_its_prompt(tmp_path: Path) -> None:
    with FakeServer() as server:
        path = _project(tmp_path, server)
    with open_project(path) as project:
        item = get_item(project, "p1")
        swapped = swapped_item(item)
        assert (swapped.id, swapped.input) == (item.id, item.input)
        assert (swapped.output_a, swapped.output_b) == ("second 1", "first 1")
        messages, _ = build_messages(None, current_version(project), swapped)
        text = messages[1]["content"]
        assert text.index("Response A:\nsecond 1") < text.index("Response B:\nfirst 1")
        with pytest.raises(ValueError, match="not pairwise"):
            swapped_item(get_item(project, "s0"))
    assert swapped_header("p1") == "p1#swapped"


# -- runs -------------------------------------------------------------------------------------


def test_an_always_first_judge_flips_every_swap(tmp_path: Path) -> None:
    """The fake server's default answer is each criterion's first option: "A", whichever
    answer is shown first."""
    with FakeServer() as server:
        path = _project(tmp_path, server)
        result = run_judge(path, "j", swap=True, policy=FAST)
        calls = dict(server.script.calls)
    assert (result.judged, result.failed) == (8, 0)
    assert (result.swaps, result.flips, result.swaps_failed) == (6, 6, 0)
    assert calls == {**{i: 1 for i in PAIRWISE + SINGLE}, **{f"{i}#swapped": 1 for i in PAIRWISE}}
    swaps = _swaps(path)
    assert sorted(swaps) == PAIRWISE  # single items are never swapped
    for row in swaps.values():
        assert row["raw"]["preference"] == "A" and row["values"]["preference"] == "B"
        assert row["label"]["preference"] == "A"
        assert (row["raw"]["more_factual"], row["values"]["more_factual"]) == ("A", "B")
        assert (row["raw"]["strength"], row["values"]["strength"]) == (1, 5)
        assert row["values"]["harmful"] == row["raw"]["harmful"] == "yes"  # copied
        assert row["values"]["comment"] == row["raw"]["comment"]
    flips = [row["values"]["preference"] != row["label"]["preference"] for row in swaps.values()]
    assert float(np.mean(flips)) == 1.0 == result.flips / result.swaps
    labels = _judge_labels(path)
    assert sorted(labels) == sorted(PAIRWISE + SINGLE)
    assert all(len(v) == 1 for v in labels.values())  # the swapped answer is no label
    assert all(labels[i][0]["preference"] == "A" for i in PAIRWISE)


def test_a_position_consistent_judge_never_flips(tmp_path: Path) -> None:
    # asked with B shown first, it still prefers the same answer: "B" now
    consistent = {"preference": "B", "more_factual": "B", "strength": 5, "harmful": "yes",
                  "comment": "fine", "rationale": "the second one, shown first"}  # fmt: skip
    script = {"items": {f"{i}#swapped": [{"content": json.dumps(consistent)}] for i in PAIRWISE}}
    with FakeServer(script) as server:
        path = _project(tmp_path, server)
        result = run_judge(path, "j", swap=True, policy=FAST, concurrency=3)
    assert (result.swaps, result.flips) == (6, 0)
    for row in _swaps(path).values():
        assert row["raw"]["preference"] == "B"
        assert row["values"]["preference"] == "A" == row["label"]["preference"]
        assert (row["values"]["more_factual"], row["values"]["strength"]) == ("A", 1)


def test_swap_calls_have_their_purpose_and_price_and_the_plan_counts_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeServer() as server:
        path = _project(tmp_path, server)
        with open_project(path) as project:
            plain = plan_run(project, "j")
            plan = plan_run(project, "j", swap=True)
            rubric = current_version(project)
            swapped_tokens = sum(
                estimate_tokens(
                    build_messages(None, rubric, dataclasses.replace(
                        get_item(project, i),
                        output_a=get_item(project, i).output_b,
                        output_b=get_item(project, i).output_a,
                    ))[0]
                )
                for i in PAIRWISE
            )  # fmt: skip
        assert (plain.calls, plan.calls, plan.swaps, plan.swap_only) == (8, 14, 6, 0)
        assert plan.est_tokens_in == plain.est_tokens_in + swapped_tokens
        assert plan.est_tokens_out == 14 * 150
        assert plan.est_cost == pytest.approx(plan.est_tokens_in * 2 / 1e6 + 14 * 150 * 10 / 1e6)
        assert main(["judge", "run", str(path), "j", "--swap", "--dry-run", "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert (shown["calls"], shown["swaps"], shown["items"]) == (14, 6, 8)
        assert server.script.total == 0  # a plan sends nothing
        assert main(["judge", "run", str(path), "j", "--swap", "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
    assert (result["swaps"], result["flips"], result["calls"], result["retries"]) == (6, 6, 14, 0)
    assert result["cost"] == pytest.approx(14 * PRICE)
    with open_project(path) as project:
        calls = project.rows(
            "SELECT c.item_id, c.purpose, c.cost, c.outcome, c.result_id, r.item_id AS ri, "
            "c.request FROM judge_calls c JOIN judge_results r ON r.id = c.result_id"
        )
        label_costs = [r[0] for r in project.rows("SELECT cost FROM labels")]
    swap_calls = [c for c in calls if c["purpose"] == "swap"]
    assert sorted(c["item_id"] for c in swap_calls) == PAIRWISE
    assert len([c for c in calls if c["purpose"] == "label"]) == 8
    assert all(c["cost"] == pytest.approx(PRICE) for c in calls)
    assert all(c["ri"] == c["item_id"] and c["outcome"] == "answer" for c in swap_calls)
    for c in swap_calls:  # the stored request shows B's text first
        text = json.loads(c["request"])["messages"][1]["content"]
        number = c["item_id"][1:]
        assert text.index(f"second {number}") < text.index(f"first {number}")
    assert label_costs == pytest.approx([PRICE] * 8)  # a label costs its own call only
    with open_project(path) as project:
        label_id = project.scalar("SELECT label_id FROM judge_results WHERE item_id = 'p0'")
    assert main(["judge", "show-call", str(path), str(label_id)]) == 0
    shown_calls = json.loads(capsys.readouterr().out)
    assert sorted(c["purpose"] for c in shown_calls) == ["label", "swap"]


def test_a_failed_swap_keeps_the_label_and_a_later_swap_run_asks_only_the_swap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = {
        "items": {
            "p1#swapped": [{"status": 500}] * 3,  # every attempt fails
            "p2#swapped": [{"content": "not json"}, {"content": '{"preference": "C"}'}],
            "p3#swapped": [{"delay": 1.5}] * 3,  # no answer within the 0.5 s timeout
        }
    }
    with FakeServer(script) as server:
        path = _project(tmp_path, server)
        first = run_judge(path, "j", swap=True, policy=FAST, concurrency=4)
        assert (first.judged, first.failed) == (8, 0)
        assert (first.swaps, first.swaps_failed, first.flips) == (3, 3, 3)
        assert sorted(_swaps(path)) == ["p0", "p4", "p5"]
        with open_project(path) as project:
            outcomes = project.rows("SELECT outcome FROM judge_results")
            failed = project.rows(
                "SELECT item_id, outcome, attempts, result_id IS NOT NULL FROM judge_calls "
                "WHERE purpose = 'swap' AND outcome != 'answer' ORDER BY id"
            )
            plan = plan_run(project, "j", swap=True)
        assert {o[0] for o in outcomes} == {"label"}
        assert sorted(tuple(f) for f in failed) == [
            ("p1", "failed", 3, 1),
            ("p2", "off_rubric", 1, 1),
            ("p2", "off_rubric", 1, 1),
            ("p3", "failed", 3, 1),
        ]
        labels = _judge_labels(path)
        assert sorted(labels) == sorted(PAIRWISE + SINGLE)
        # the next --swap run asks only the missing swaps, and the plan says so
        assert (plan.item_ids, plan.swap_only, plan.swaps, plan.calls) == ([], 3, 3, 3)
        server.set_script({})
        second = run_judge(path, "j", swap=True, policy=FAST)
        calls = dict(server.script.calls)
        assert calls == {"p1#swapped": 1, "p2#swapped": 1, "p3#swapped": 1}
        assert (second.judged, second.skipped_already, second.swaps, second.flips) == (0, 8, 3, 3)
        assert sorted(_swaps(path)) == PAIRWISE
        assert _judge_labels(path) == labels  # no new label
        third = run_judge(path, "j", swap=True, policy=FAST)
        assert (third.calls, third.swaps) == (0, 0)
        assert main(["judge", "run", str(path), "j", "--swap"]) == 0
        assert "0 swaps asked" in capsys.readouterr().out


def test_a_swap_run_killed_and_run_again_keeps_one_label_and_one_swap_per_item(
    tmp_path: Path,
) -> None:
    """SIGKILL in the middle of a --swap run, then the run again: every item ends with one
    label and one swapped answer; only the items in flight at the kill are asked again."""
    concurrency = 4
    with FakeServer({"delay_s": 0.02}) as server:
        path = _project(tmp_path, server, rubric=ONLY_PREFERENCE, n=120)
        repo = Path(__file__).resolve().parents[1]
        command = [sys.executable, "-m", "annotator", "judge", "run", str(path), "j", "--swap"]
        run = subprocess.Popen(
            [*command, "--concurrency", str(concurrency), "--quiet"],
            cwd=repo,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while server.script.total < 80:
                assert run.poll() is None, "the run ended before the kill"
                time.sleep(0.02)
        finally:
            run.send_signal(signal.SIGKILL)
            run.wait()
        with open_project(path) as project:
            at_kill = project.scalar("SELECT count(*) FROM judge_swaps")
        assert 0 < at_kill < 120
        again = subprocess.run(
            [*command, "--json"], cwd=repo, capture_output=True, text=True, timeout=300,
            env=dict(os.environ),
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        calls = dict(server.script.calls)
    assert sorted(_swaps(path)) == sorted(f"p{i}" for i in range(120))
    labels = _judge_labels(path)
    assert len(labels) == 120 and all(len(v) == 1 for v in labels.values())
    plain = [n for key, n in calls.items() if not key.endswith("#swapped")]
    assert all(1 <= n <= 2 for n in calls.values())
    assert sum(1 for n in plain if n == 2) <= concurrency  # only the items in flight
    assert json.loads(again.stdout)["swaps"] == 120 - at_kill


# -- alignment --------------------------------------------------------------------------------


def test_alignment_finds_the_position_bias_of_a_swap_run(tmp_path: Path) -> None:
    """Experts label the pairwise items; two judges run with --swap. "first" always prefers
    the first-shown answer; "sticky" agrees with the experts but, with A and B exchanged,
    names the same position again (so its agreement alone would let it stand in)."""
    n = 40
    rng = np.random.default_rng(3)
    truth = rng.choice(["A", "B"], size=n)
    sticky = {
        "items": {
            **{f"p{i}": [{"content": json.dumps({"preference": t})}] for i, t in enumerate(truth)},
            **{f"p{i}#swapped": [{"content": json.dumps({"preference": t})}]
               for i, t in enumerate(truth)},
        }
    }  # fmt: skip
    with FakeServer() as first_server, FakeServer(sticky) as sticky_server:
        path = _project(tmp_path, first_server, rubric=ONLY_PREFERENCE, n=n)
        with open_project(path) as project:
            config = JudgeConfig(name="sticky", base_url=sticky_server.base_url, model="m")
            add_judge(project, config)
            experts = ensure_source(project, "experts", "expert")
            for name in ("ann", "bob", "cy"):
                ensure_annotator(project, name, experts)
                for i, t in enumerate(truth):
                    submit_label(project, item_id=f"p{i}", annotator=name, values={"preference": t})
        for name in ("j", "sticky"):
            result = run_judge(path, name, swap=True, policy=FAST)
            assert (result.judged, result.swaps, result.flips) == (n, n, n)
    with open_project(path) as project:
        first = judge_alignment(project, "j", n_boot=100).criterion("preference")
        stuck = judge_alignment(project, "sticky", n_boot=100).criterion("preference")
        loose = judge_alignment(
            project, "sticky", n_boot=100, thresholds=Thresholds(max_flip_rate=1.0)
        ).criterion("preference")
    position = first.to_dict().get("position")
    assert position is not None, "judge_alignment reports no position bias yet"
    assert position["flip_rate"] == pytest.approx(1.0)
    assert first.verdict == NOT_TRUSTED
    assert stuck.to_dict()["position"]["flip_rate"] == pytest.approx(1.0)
    assert stuck.main().value == pytest.approx(1.0)  # it agrees with every expert label
    assert stuck.verdict == NOT_TRUSTED, stuck.reason
    assert loose.verdict != NOT_TRUSTED, loose.reason  # the flip rate alone decided it
