"""Scale benchmark: import, export and report at 1M and at 10M labels.

Why a separate module: the other benchmarks show how close each operation is to
the machine's limit at 1M labels; this one shows what happens ten times larger,
that time grows linearly (throughput at 10M within a few percent of 1M) and
peak memory stays flat (each step streams, so 10M needs no more memory than 1M).

For each size a project is made the way a user would: the rubric published,
items imported (`import-items`), then labels imported (`import-labels`, ten
annotators per item), each step in a fresh process so its peak resident
memory is its own. The same project is then exported to JSONL and Parquet and
its whole HTML report written (1,000 resamples). Results compare 10M against
1M: throughput ratio (1.0 is perfectly linear) and peak-memory ratio.

    uv run python -m benchmarks --only scale [--quick]    # quick: 100k and 1M

It needs about 10 GB of free disk at full size and takes 20 to 40 minutes on
two cores.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from benchmarks.bench_import import ANNOTATORS, write_items, write_labels  # noqa: E402
from benchmarks.measure import RUBRIC_YAML, peak_mb  # noqa: E402

STEPS = ("import items", "import labels", "export jsonl", "export parquet", "report")


# -- one step per process ------------------------------------------------------------
def _step(name: str, project_path: str, source: str) -> dict[str, Any]:
    """Run one step on the project; how many rows it handled."""
    from annotator.store.project import open_project

    if name == "create":
        from annotator.revision.publish import publish
        from annotator.rubric.yaml_file import parse_rubric_text
        from annotator.store.project import create_project

        project = create_project(project_path, name="scale", actor="bench")
        publish(project, parse_rubric_text(RUBRIC_YAML))
        project.close()
        return {"rows": 0}
    with open_project(project_path, actor="bench") as project:
        if name == "import items":
            from annotator.exchange.item_import import import_items

            return {"rows": import_items(project, Path(source)).added}
        if name == "import labels":
            from annotator.exchange.label_import import import_labels

            added = import_labels(project, Path(source), source="tool", kind="other").added
            return {"rows": added}
        if name.startswith("export"):
            from annotator.exchange.export import ExportOptions, export_project

            result = export_project(project, source, ExportOptions(format=name.split()[1]))
            return {"rows": result.counts["labels"]}
        if name == "report":
            from annotator.report.html import write_report

            write_report(project, Path(source), n_boot=1000, seed=0)
            return {"rows": project.scalar("SELECT count(*) FROM labels")}
    raise ValueError(name)


def _child_main(argv: list[str]) -> None:
    cpu, wall = time.process_time(), time.perf_counter()
    figures = _step(*argv)
    figures["seconds"] = time.perf_counter() - wall
    figures["cpu_seconds"] = time.process_time() - cpu
    figures["peak_mb"] = peak_mb()
    print(json.dumps(figures))


def _measure(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if done.returncode != 0:
        raise RuntimeError(f"scale step {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the benchmark -------------------------------------------------------------------
def _one_size(folder: Path, n_labels: int) -> dict[str, dict[str, Any]]:
    """Every step at one size, in order, on one project; figures per step."""
    n_items = n_labels // ANNOTATORS
    items, labels = folder / "items.jsonl", folder / "labels.jsonl"
    write_items(items, n_items)
    write_labels(labels, n_items, n_labels)
    project = str(folder / "scale.annotator")
    _measure("create", project, "")
    sources = {
        "import items": str(items),
        "import labels": str(labels),
        "export jsonl": str(folder / "out-jsonl"),
        "export parquet": str(folder / "out-parquet"),
        "report": str(folder / "report.html"),
    }
    figures = {}
    for step in STEPS:
        figures[step] = _measure(step, project, sources[step])
        if step.startswith("export"):
            shutil.rmtree(sources[step], ignore_errors=True)
    return figures


def _label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def run(quick: bool) -> list[dict[str, Any]]:
    small, large = (100_000, 1_000_000) if quick else (1_000_000, 10_000_000)
    by_size: dict[int, dict[str, dict[str, Any]]] = {}
    for n in (small, large):
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as name:
            by_size[n] = _one_size(Path(name), n)
    results = []
    for step in STEPS:
        low, high = by_size[small][step], by_size[large][step]
        rate_low, rate_high = low["rows"] / low["seconds"], high["rows"] / high["seconds"]
        results.append(
            {
                "name": f"{step} at {_label(large)} labels (throughput)",
                "value": round(rate_high),
                "unit": "rows/s",
                "baseline_name": f"the same step at {_label(small)}",
                "baseline_value": round(rate_low),
                "ratio": round(rate_high / rate_low, 2),
                "seconds": round(high["seconds"], 1),
                "peak_mb": high["peak_mb"],
                "note": (
                    f"{_label(small)}: {low['seconds']:.1f} s, {low['peak_mb']} MB; "
                    f"{_label(large)}: {high['seconds']:.1f} s, {high['peak_mb']} MB "
                    f"(memory x{high['peak_mb'] / low['peak_mb']:.2f})"
                ),
            }
        )
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        _child_main(sys.argv[2:])
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
