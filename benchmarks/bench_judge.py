"""Judge benchmark: a judge run against the scripted OpenAI-compatible test server
(a separate process, answering every call in 50 ms) with concurrency 16.

- judged items per second, against the ideal 16 / 0.05 s = 320/s;
- the app's own overhead per call: wall time per item beyond the ideal, times the
  concurrency (what each call costs the runner: prompt, request, parsing, writing).

    uv run python -m benchmarks --only judge
    uv run python benchmarks/bench_judge.py --quick
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from annotator.exchange.item_import import import_items  # noqa: E402
from annotator.judges.config import JudgeConfig, add_judge  # noqa: E402
from annotator.judges.run import run_judge  # noqa: E402
from annotator.revision.publish import publish  # noqa: E402
from annotator.rubric.yaml_file import parse_rubric_text  # noqa: E402
from annotator.store.project import create_project  # noqa: E402
from benchmarks.measure import RUBRIC_YAML, WORDS, peak_mb  # noqa: E402

DELAY_S = 0.05
CONCURRENCY = 16


def _server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port_file = folder / "port"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.fake_llm",
            "--delay",
            str(DELAY_S),
            "--port-file",
            str(port_file),
        ],
        cwd=REPO,
    )
    for _ in range(200):
        if port_file.exists() and port_file.read_text():
            return process, f"http://127.0.0.1:{port_file.read_text()}/v1"
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("the test server did not start")


def run(quick: bool) -> list[dict[str, Any]]:
    n = 1_000 if quick else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        project = create_project(folder / "bench.annotator", name="bench")
        publish(project, parse_rubric_text(RUBRIC_YAML), note="bench")
        items = folder / "items.jsonl"
        with items.open("w", encoding="utf-8") as handle:
            for i in range(n):
                text = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(40))
                handle.write(json.dumps({"id": f"b{i:06d}", "input": text, "output": text}) + "\n")
        import_items(project, items)
        server, base_url = _server(folder)
        try:
            add_judge(project, JudgeConfig(name="bench", base_url=base_url, model="m"))
            project.close()
            started = time.perf_counter()
            result = run_judge(folder / "bench.annotator", "bench", concurrency=CONCURRENCY)
            seconds = time.perf_counter() - started
        finally:
            server.kill()
            server.wait()
    ideal = CONCURRENCY / DELAY_S
    rate = result.judged / seconds
    overhead_ms = max(0.0, (seconds / n - 1 / ideal) * CONCURRENCY * 1000)
    note = f"{n} items, {result.calls} calls, {result.failed} failed, concurrency {CONCURRENCY}"
    return [
        {
            "name": "judge run: items judged per second (50 ms server)",
            "value": round(rate, 1),
            "unit": "items/s",
            "baseline_name": "ideal: concurrency / latency",
            "baseline_value": ideal,
            "ratio": round(rate / ideal, 3),
            "seconds": round(seconds, 2),
            "peak_mb": peak_mb(),
            "note": note,
        },
        {
            "name": "judge run: the app's own overhead per call",
            "value": round(overhead_ms, 2),
            "unit": "ms/call",
            "baseline_name": "server latency per call",
            "baseline_value": DELAY_S * 1000,
            "ratio": round(overhead_ms / (DELAY_S * 1000), 3),
            "seconds": round(seconds, 2),
            "peak_mb": peak_mb(),
            "note": "wall time per item beyond the ideal, times the concurrency",
        },
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
