"""LLM judges against a scripted OpenAI-compatible server on 127.0.0.1 (no network):
every label, failure, retry count, token count and cost is as scripted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.exchange.item_import import import_items
from annotator.items.items import get_item
from annotator.judges.client import RetryPolicy
from annotator.judges.config import JudgeConfig, JudgeError, add_judge, get_judge, judge_versions
from annotator.judges.prompt import TemplateError, build_messages, consensus
from annotator.judges.records import judge_failures, label_calls, replay_call, test_judge
from annotator.judges.run import plan_run, run_judge
from annotator.rubric.versions import current_version
from annotator.store.project import open_project
from tests.support.fake_llm import FakeServer
from tests.support.foundation import make_project_file, write_jsonl

FAST = RetryPolicy(max_attempts=3, answer_retries=1, backoff_s=0.01, max_wait_s=2)
GOOD = json.dumps({"quality": 3, "safety": "safe", "comment": None, "rationale": "fine"})


def _setup(tmp_path: Path, server: FakeServer, **extra) -> Path:
    path = make_project_file(tmp_path)
    config = JudgeConfig(
        name="j",
        base_url=server.base_url,
        model="m",
        input_price=2.0,
        output_price=10.0,
        timeout_s=extra.pop("timeout_s", 5),
        **extra,
    )
    with open_project(path) as project:
        add_judge(project, config)
    return path


def _labels(path: Path) -> dict[str, dict]:
    with open_project(path) as project:
        rows = project.rows(
            "SELECT l.item_id, l.values_json, l.tokens, l.cost FROM labels l "
            "JOIN sources s ON s.id = l.source_id WHERE s.name = 'j' ORDER BY l.id"
        )
    return {r[0]: {"values": json.loads(r[1]), "tokens": r[2], "cost": r[3]} for r in rows}


def test_scripted_run_labels_tokens_cost_and_resume(tmp_path: Path) -> None:
    script = {"items": {"q2": [{"content": GOOD.replace('"safe"', '"unsafe"')}]}}
    with FakeServer(script) as server:
        path = _setup(tmp_path, server)
        with open_project(path) as project:
            plan = plan_run(project, "j")
        assert plan.calls == 3 and plan.item_ids == ["q1", "q2", "q3"]
        assert plan.est_tokens_out == 3 * 150 and plan.est_cost is not None
        result = run_judge(path, "j", concurrency=2, policy=FAST)
        assert (result.judged, result.failed, result.calls, result.retries) == (3, 0, 3, 0)
        assert (result.tokens_in, result.tokens_out) == (300, 60)
        assert result.cost == pytest.approx(300 * 2 / 1e6 + 60 * 10 / 1e6)
        assert result.version == "v1" and result.stopped_reason is None
        labels = _labels(path)
        assert labels["q2"]["values"] == {"quality": 3, "safety": "unsafe"}
        assert labels["q1"]["values"] == {"quality": 1, "safety": "safe", "comment": "fine"}
        assert all(v["tokens"] == 120 for v in labels.values())
        assert labels["q1"]["cost"] == pytest.approx(100 * 2 / 1e6 + 20 * 10 / 1e6)
        again = run_judge(path, "j", items="all", policy=FAST)
        assert (again.judged, again.calls, again.skipped_already) == (0, 0, 3)
        assert server.script.total == 3
        with open_project(path) as project:
            [version] = judge_versions(project, "j")
            label_id = project.scalar("SELECT id FROM labels WHERE item_id = 'q2'")
            [stored] = label_calls(project, label_id)
            assert stored["response"]["text"] == GOOD.replace('"safe"', '"unsafe"')
            label_id = project.scalar("SELECT id FROM labels WHERE item_id = 'q1'")
            assert stored["request"]["model"] == "m"
            assert stored["request"]["response_format"]["type"] == "json_schema"
            replay = replay_call(project, label_id)
        assert replay["replay"]["same_text"] is True
        assert (version.reported_model, version.system_fingerprint) == ("fake-judge-1", "fp_test_1")
        assert version.labels == 3 and version.host.startswith("127.0.0.1:")


def test_malformed_and_off_scale_answers_retry_then_fail_with_raw_text(tmp_path: Path) -> None:
    script = {
        "items": {
            "q1": [{"content": "not json {"}, {"content": GOOD}],
            "q2": [{"content": '{"quality": 7, "safety": "safe"}'}, {"content": "```\n{}\n```"}],
        }
    }
    with FakeServer(script) as server:
        path = _setup(tmp_path, server)
        result = run_judge(path, "j", policy=FAST)
        assert (result.judged, result.failed, result.calls, result.retries) == (2, 1, 5, 2)
        assert set(_labels(path)) == {"q1", "q3"}
        with open_project(path) as project:
            [failure] = judge_failures(project, "j")
            assert project.scalar("SELECT count(*) FROM labels WHERE item_id = 'q2'") == 0
        assert failure.item_id == "q2" and failure.judge_version == "v1"
        assert failure.raw_text == "```\n{}\n```" and "quality" in failure.error
        assert failure.attempts == 2
        # a failed item is tried again by the next run; the failure stays on record
        server.set_script({})
        again = run_judge(path, "j", policy=FAST)
        assert (again.judged, again.calls) == (1, 1)
        assert set(_labels(path)) == {"q1", "q2", "q3"}


def test_429_retry_after_500_and_timeout(tmp_path: Path) -> None:
    script = {
        "items": {
            "q1": [{"status": 429, "retry_after": 0.2}, {}],
            "q2": [{"status": 500}, {"status": 500}, {"status": 500}],
            "q3": [{"delay": 1.5}, {}],
        }
    }
    with FakeServer(script) as server:
        path = _setup(tmp_path, server, timeout_s=0.5)
        result = run_judge(path, "j", concurrency=3, policy=FAST)
        calls = dict(server.script.calls)
    assert calls == {"q1": 2, "q2": 3, "q3": 2}
    assert (result.judged, result.failed, result.calls, result.retries) == (2, 1, 7, 4)
    assert (result.tokens_in, result.tokens_out) == (200, 40)  # only answered calls count
    with open_project(path) as project:
        [failure] = judge_failures(project, "j")
        retry_log = json.loads(
            project.scalar("SELECT response FROM judge_calls WHERE item_id = 'q1'")
        )["log"]
    assert failure.item_id == "q2" and "500" in failure.error and failure.attempts == 3
    assert "429" in retry_log[0]


def test_response_format_rejected_falls_back_to_prompt_json(tmp_path: Path) -> None:
    with FakeServer({"reject_response_format": True}) as server:
        path = _setup(tmp_path, server)
        result = run_judge(path, "j", concurrency=1, policy=FAST)
        assert result.judged == 3 and result.failed == 0
        assert result.calls == 4  # one 400, then every request without response_format
    with open_project(path) as project:
        requests = [json.loads(r[0]) for r in project.rows("SELECT request FROM judge_calls")]
    assert all("response_format" not in r for r in requests)


def test_model_change_mid_run_stops_or_continues_under_new_version(tmp_path: Path) -> None:
    items = [{"id": f"i{n}", "input": f"question {n}", "output": "answer"} for n in range(10)]
    script = {"model_after": [[4, "fake-judge-2"]]}
    with FakeServer(script) as server:
        path = make_project_file(tmp_path)
        with open_project(path) as project:
            import_items(project, write_jsonl(tmp_path / "more.jsonl", items))
            add_judge(project, JudgeConfig(name="j", base_url=server.base_url, model="m"))
        first = run_judge(path, "j", concurrency=1, policy=FAST)
        assert first.stopped_reason == "version_changed" and first.judged == 4
        assert first.calls == 5
        second = run_judge(path, "j", concurrency=1, accept_new_version=True, policy=FAST)
        assert second.stopped_reason is None and second.version == "v2"
        assert second.judged == 9  # "unlabeled": the items no version of the judge labeled
        third = run_judge(path, "j", items="all", policy=FAST)  # v2 now: the first 4 again
        assert (third.judged, third.skipped_already, third.version) == (4, 9, "v2")
        with open_project(path) as project:
            versions = judge_versions(project, "j")
            source = project.row("SELECT model_version FROM sources WHERE name = 'j'")[0]
    assert [(v.label, v.reported_model, v.labels) for v in versions] == [
        ("v1", "fake-judge-1", 4),
        ("v2", "fake-judge-2", 13),
    ]
    assert source.startswith("fake-judge-2")


def test_samples_consensus_and_confidence(tmp_path: Path) -> None:
    answers = [
        {"quality": 1, "safety": "safe"},
        {"quality": 3, "safety": "unsafe"},
        {"quality": 3, "safety": "safe"},
    ]
    script = {"items": {"q1": [{"content": json.dumps(a)} for a in answers]}}
    with FakeServer(script) as server:
        path = _setup(tmp_path, server, samples=3, temperature=0.7, seed=1)
        result = run_judge(path, "j", items="q1", policy=FAST)
    assert result.calls == 3 and result.judged == 1
    with open_project(path) as project:
        confidence = project.scalar("SELECT confidence FROM judge_results")
    assert _labels(path)["q1"]["values"] == {"quality": 3, "safety": "safe"}
    assert confidence == pytest.approx((2 / 3 + 2 / 3) / 2)


def test_consensus_kinds_and_prompt_contents(tmp_path: Path) -> None:
    path = make_project_file(tmp_path)
    with open_project(path) as project:
        rubric = current_version(project)
        messages, schema = build_messages(None, rubric, get_item(project, "q1"))
    values, share = consensus(rubric, [{"quality": 1}, {"quality": 2}, {"quality": 3}])
    assert values == {"quality": 2} and share == pytest.approx(1 / 3)
    text = messages[1]["content"]
    assert "Judge the answer to the question." in text and "What is 2+2?" in text
    assert '"unsafe"' in text and "Poor" in text
    assert schema["properties"]["quality"] == {"enum": [1, 2, 3]}


def test_bad_settings_and_templates_are_refused(tmp_path: Path) -> None:
    path = make_project_file(tmp_path)
    with open_project(path) as project:
        with pytest.raises(JudgeError, match="base-url"):
            add_judge(project, JudgeConfig(name="j", base_url="localhost", model="m"))
        with pytest.raises(TemplateError):
            add_judge(
                project,
                JudgeConfig(name="j", base_url="http://x/v1", model="m", prompt_template="{% if"),
            )
        add_judge(
            project,
            JudgeConfig(name="k", base_url="http://x/v1", model="m", prompt_template="{{ nope }}"),
        )
        with pytest.raises(TemplateError, match="nope"):
            plan_run(project, "k")
        add_judge(
            project,
            JudgeConfig(name="e", base_url="http://x/v1", model="m", api_key_env="NO_SUCH_VAR_X"),
        )
        assert get_judge(project, "e").config.api_key_env == "NO_SUCH_VAR_X"
    with pytest.raises(JudgeError, match="NO_SUCH_VAR_X"):
        run_judge(path, "e")


def test_test_call_reports_model_fingerprint_and_usage(tmp_path: Path) -> None:
    with FakeServer() as server:
        path = _setup(tmp_path, server)
        with open_project(path) as project:
            result = test_judge(project, "j")
    assert result.ok and result.reported_model == "fake-judge-1"
    assert result.system_fingerprint == "fp_test_1"
    assert (result.tokens_in, result.tokens_out) == (100, 20)
    assert result.answer_check == "on the rubric"


def test_export_has_the_judge_version_per_label(tmp_path: Path) -> None:
    with FakeServer() as server:
        path = _setup(tmp_path, server)
        run_judge(path, "j", policy=FAST)
    assert main(["export", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "out" / "labels.jsonl").open()]
    assert {r["judge_version"] for r in rows} == {"v1"}
    assert {r["model_version"] for r in rows} == {"fake-judge-1 (fp_test_1)"}


def test_import_labels_fills_the_judge_provenance(tmp_path: Path) -> None:
    path = make_project_file(tmp_path)
    labels = write_jsonl(
        tmp_path / "l.jsonl",
        [{"item_id": "q1", "annotator": "gpt-x", "values": {"quality": 2}}],
    )
    args = ["import-labels", str(path), str(labels), "--source", "ext", "--kind", "llm_judge"]
    extra = ["--model", "gpt-x", "--model-version", "2025-01", "--prompt-version", "p7"]
    assert main([*args, *extra]) == 0
    with open_project(path) as project:
        row = project.row("SELECT model_id, model_version, prompt_version FROM sources")
    assert tuple(row) == ("gpt-x", "2025-01", "p7")
