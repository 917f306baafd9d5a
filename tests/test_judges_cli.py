"""The judge commands end to end: a SIGKILL in the middle of a 500-item run, then the run
again (every item judged once; the server called once per item but for the calls in
flight at the kill), and the API key nowhere in the project, exports, report or output."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from annotator.store.project import open_project
from tests.support.fake_llm import FakeServer
from tests.support.foundation import make_project_file, write_jsonl

REPO = Path(__file__).resolve().parents[1]
CONCURRENCY = 8


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def _project_with_items(tmp_path: Path, n: int) -> Path:
    path = make_project_file(tmp_path)
    records = [{"id": f"it{k:04d}", "input": f"question {k}", "output": "42"} for k in range(n)]
    items = write_jsonl(tmp_path / "items.jsonl", records)
    assert _cli("import-items", str(path), str(items)).returncode == 0
    return path


def test_sigkill_mid_run_then_run_again_judges_each_item_once(tmp_path: Path) -> None:
    path = _project_with_items(tmp_path, 497)  # with the 3 seed items: 500
    with FakeServer({"delay_s": 0.02}) as server:
        added = _cli("judge", "add", str(path), "j", "--base-url", server.base_url, "--model", "m")
        assert added.returncode == 0, added.stderr
        command = [sys.executable, "-m", "annotator", "judge", "run", str(path), "j"]
        run = subprocess.Popen(
            [*command, "--concurrency", str(CONCURRENCY), "--quiet"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while server.script.total < 150:  # wait for the run to be well under way
                assert run.poll() is None, "the run ended before the kill"
                time.sleep(0.05)
        finally:
            run.send_signal(signal.SIGKILL)
            run.wait()
        calls_at_kill = server.script.total
        with open_project(path) as project:
            judged_at_kill = project.scalar("SELECT count(*) FROM judge_results")
        assert 150 <= calls_at_kill < 500 and judged_at_kill < 500
        again = _cli("judge", "run", str(path), "j", "--concurrency", str(CONCURRENCY), "--json")
        assert again.returncode == 0, again.stderr
        calls = dict(server.script.calls)
    result = json.loads(again.stdout)
    assert result["judged"] + judged_at_kill == 500
    assert result["skipped_already"] == judged_at_kill
    assert len(calls) == 500 and all(1 <= n <= 2 for n in calls.values())
    twice = sum(1 for n in calls.values() if n == 2)
    assert twice <= CONCURRENCY  # only calls in flight at the kill were made again
    with open_project(path) as project:
        per_item = project.rows(
            "SELECT l.item_id, count(*) FROM labels l JOIN sources s ON s.id = l.source_id "
            "WHERE s.name = 'j' GROUP BY l.item_id"
        )
        results = project.scalar("SELECT count(*) FROM judge_results WHERE outcome = 'label'")
    assert len(per_item) == 500 and all(n == 1 for _, n in per_item)
    assert results == 500
    print(
        f"kill: {calls_at_kill} calls and {judged_at_kill} items judged at the kill; "
        f"{twice} items called twice; {sum(calls.values())} calls in all"
    )


def test_api_key_never_leaves_the_environment(tmp_path: Path) -> None:
    key = "sk-test-" + secrets.token_hex(16)
    env = {"JUDGE_KEY_FOR_TEST": key}
    path = make_project_file(tmp_path)
    script = {
        "items": {"q2": [{"content": "not json"}, {"content": "still not"}, {"content": "no"}]}
    }
    outputs: list[str] = []
    with FakeServer(script) as server:
        for args in (
            [
                "judge",
                "add",
                str(path),
                "j",
                "--base-url",
                server.base_url,
                "--model",
                "m",
                "--api-key-env",
                "JUDGE_KEY_FOR_TEST",
                "--input-price",
                "1",
                "--output-price",
                "2",
            ],
            ["judge", "test", str(path), "j"],
            ["judge", "run", str(path), "j", "--dry-run"],
            ["judge", "run", str(path), "j"],
            ["judge", "show", str(path), "j", "--json"],
            ["judge", "failures", str(path), "j", "--json"],
            ["judge", "show-call", str(path), "1"],
            ["export", str(path), "--out", str(tmp_path / "export")],
            ["report", str(path), "--out", str(tmp_path / "report.html")],
        ):
            done = _cli(*args, env=env)
            assert done.returncode == 0, (args, done.stderr)
            outputs += [done.stdout, done.stderr]
        missing = _cli("judge", "run", str(path), "j", "--items", "all")  # no variable set
        outputs += [missing.stdout, missing.stderr]
    assert missing.returncode != 0 and "JUDGE_KEY_FOR_TEST" in missing.stderr
    assert "Traceback" not in missing.stderr
    needle = key.encode()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".annotator" for p in files) and any(p.suffix == ".html" for p in files)
    for file in files:
        assert needle not in file.read_bytes(), file
        assert key[8:].encode() not in file.read_bytes(), file
    for text in outputs:
        assert key not in text


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_cleanly_and_the_next_run_carries_on(tmp_path: Path) -> None:
    path = _project_with_items(tmp_path, 57)  # with the 3 seed items: 60
    with FakeServer({"delay_s": 0.05}) as server:
        added = _cli("judge", "add", str(path), "j", "--base-url", server.base_url, "--model", "m")
        assert added.returncode == 0, added.stderr
        run = subprocess.Popen(
            [sys.executable, "-m", "annotator", "judge", "run", str(path), "j", "--concurrency",
             "2"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # as from a terminal: a shell that runs the tests in the background starts
            # them with Ctrl+C ignored, and the run would inherit that
            preexec_fn=_interruptible,
        )  # fmt: skip
        while server.script.total < 10:
            assert run.poll() is None, "the run ended before Ctrl+C"
            time.sleep(0.02)
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=60)
        assert run.returncode == 130, err
        assert "Traceback" not in err and "Ctrl+C" in out + err
        with open_project(path) as project:
            judged = project.scalar("SELECT count(*) FROM judge_results WHERE outcome = 'label'")
        assert 10 <= judged < 60, "what was answered before Ctrl+C is kept"
        calls_before = server.script.total
        again = _cli("judge", "run", str(path), "j", "--json")
        assert again.returncode == 0, again.stderr
        assert server.script.total - calls_before == 60 - judged, "no item is asked twice"
    result = json.loads(again.stdout)
    assert result["judged"] + judged == 60
