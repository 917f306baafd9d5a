"""Agreement benchmark: coefficients at 100k items x 5 raters, alpha's bootstrap, and the
whole report at a million labels.

- `agreement 100k x 5`: Krippendorff's alpha (ordinal, 1..5), Cohen's kappa for
  all 10 rater pairs (quadratic weights) and Gwet's AC1 on one criterion, no
  intervals; baseline: the `krippendorff` package's own alpha on the same
  matrix (the one figure every tool computes).
- `alpha bootstrap`: 1,000 item resamples of the same data; baseline: the
  package's alpha on each resample, measured on 20 resamples and scaled to 1,000.
- `report at 1M labels`: `annotator.report.html.write_report` on a project of 200k
  items x 5 raters (3 experts, 2 crowd; three criteria; anchors answered each
  week) with 1,000-resample intervals: agreement per criterion, source and
  against the experts, matrices, drift, lowest-agreement items, consensus, all
  charts; baseline: a bare SELECT of every effective label. Wall time is `value`;
  CPU time (`cpu_seconds`, `cpu_ratio`) and both peak memories (`peak_mb`,
  `baseline_peak_mb`) are given too, since a shared machine stretches wall time.
- `consensus, whole project`: `aggregate.consensus_all` (3 criteria) at 1M labels.
- `demo: annotator report` and `demo: annotator agreement`: the command on the demo
  project in a fresh process with warm bytecode (run once to fill a pycache, timed the
  second time): wall time from the process start and its CPU time (aim, issue 18: the
  report under 1 s, agreement under 0.5 s); baseline: `python -c pass`.
- `demo: dashboard overview`: what the dashboard computes on the demo, point estimates
  first (its first paint waits for these), then the intervals, then the same again
  (from the cache: nothing computed).

Each measurement runs in a fresh process, so its time and peak resident memory
(VmHWM) are its own. `quick` uses 10x smaller data (100k labels for the report).

    uv run python -m benchmarks --only agreement [--quick]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from benchmarks.measure import peak_mb  # noqa: E402

RATERS = 5
EXPERTS = 3
WEEKS = 8
ANCHORS = 200
RUBRIC = {
    "rubric": "agreement bench",
    "criteria": [
        {"key": "quality", "kind": "ordinal", "options": [{"value": v} for v in range(1, 6)]},
        {"key": "correct", "kind": "binary"},
        {"key": "topic", "kind": "categorical",
         "options": [{"value": v} for v in ("med", "law", "code")]},
    ],
}  # fmt: skip


# -- data -------------------------------------------------------------------------------------


def matrix(n_items: int, seed: int = 0) -> np.ndarray:
    """(raters, items) ordinal labels 1..5 around a true value; 3% missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, n_items)
    noise = rng.choice([-1, 0, 0, 0, 1], size=(RATERS, n_items))
    values = np.clip(truth + noise, 1, 5).astype(float)
    values[rng.random((RATERS, n_items)) < 0.03] = np.nan
    return values


def reliability(values: np.ndarray) -> Any:
    from annotator.stats.reliability import MISSING, ReliabilityData

    codes = np.where(np.isnan(values), MISSING, values - 1).astype(np.int32).T
    return ReliabilityData(
        codes, (1, 2, 3, 4, 5), tuple(range(codes.shape[0])), tuple(range(RATERS))
    )


def build_project(path: Path, n_items: int, seed: int = 0) -> None:
    """A project of n_items x 5 labels through bulk inserts (the importer is measured elsewhere)."""
    from annotator.anchors.anchors import add_anchor
    from annotator.anchors.scoring import score_labels
    from annotator.items.items import INSERT_ITEM_SQL
    from annotator.labels.labels import INSERT_LABEL_SQL
    from annotator.revision.publish import publish
    from annotator.rubric.yaml_file import rubric_from_dict
    from annotator.sources.sources import ensure_annotator, ensure_source
    from annotator.store.project import create_project

    rng = np.random.default_rng(seed)
    project = create_project(path, name="agreement bench", actor="bench")
    version = publish(project, rubric_from_dict(RUBRIC)).version.id
    truth = rng.integers(1, 6, n_items)
    topic = rng.integers(0, 3, n_items)
    topics = ("med", "law", "code")
    project.conn.execute("PRAGMA synchronous = OFF")
    with project.transaction():
        project.conn.executemany(
            INSERT_ITEM_SQL,
            (
                (f"it-{i:07d}", f"Question {i}?", "text", f"Answer {i}.", None, None, 0, None,
                 None, "m", "1", "p1", "bench", None,
                 f'{{"domain": "{topics[topic[i]]}"}}', "{}", f"{i:064x}", None)
                for i in range(n_items)
            ),
        )  # fmt: skip
        experts = ensure_source(project, "experts", "expert")
        crowd = ensure_source(project, "crowd", "crowd")
        people = [
            (ensure_annotator(project, f"rater-{r}", experts if r < EXPERTS else crowd).id,
             experts.id if r < EXPERTS else crowd.id)
            for r in range(RATERS)
        ]  # fmt: skip
    for i in range(ANCHORS):
        q = int(truth[i])
        add_anchor(project, f"it-{i:07d}", {"quality": q}, "bench")
    project.conn.execute("UPDATE anchors SET created_at = '2020-01-01T00:00:00.000Z'")
    start = 1_767_225_600.0  # 2026-01-01 UTC
    span = WEEKS * 7 * 86400.0
    with project.transaction():
        label_id = 0
        for r, (annotator_id, source_id) in enumerate(people):
            wrong = 0.1 if r < EXPERTS else 0.3
            noise = np.where(rng.random(n_items) < wrong, rng.choice([-2, -1, 1, 2], n_items), 0)
            quality = np.clip(truth + noise, 1, 5)
            correct = (truth >= 3) ^ (rng.random(n_items) < wrong)
            their_topic = np.where(rng.random(n_items) < wrong, rng.integers(0, 3, n_items), topic)
            moments = start + np.sort(rng.random(n_items)) * span
            stamps = np.datetime_as_string((moments * 1000).astype("datetime64[ms]"), unit="ms")
            rows = []
            for i in range(n_items):
                label_id += 1
                answer = "yes" if correct[i] else "no"
                values = (f'{{"quality": {quality[i]}, "correct": "{answer}", '
                          f'"topic": "{topics[their_topic[i]]}"}}')  # fmt: skip
                rows.append(
                    (f"b{label_id:09d}", f"it-{i:07d}", annotator_id, source_id, version,
                     "submitted", values, None, None, None, f"{stamps[i]}Z", 30.0, None, None,
                     None, "bench", None, None)
                )  # fmt: skip
            project.conn.executemany(INSERT_LABEL_SQL, rows)
    anchor_labels = [
        row[0]
        for row in project.rows(
            "SELECT l.id FROM labels l JOIN anchors x ON x.item_id = l.item_id ORDER BY l.id"
        )
    ]
    score_labels(project, anchor_labels)
    project.conn.execute("ANALYZE")
    project.close()


# -- measurements (each in its own process) ---------------------------------------------------


def measure(name: str, arg: str) -> dict[str, Any]:
    if name == "coefficients":
        from annotator.stats.agreement import gwet_ac1, krippendorff_alpha
        from annotator.stats.kappa import cohen_kappa_pairwise

        data = reliability(matrix(int(arg)))
        t0 = time.perf_counter()
        alpha = krippendorff_alpha(data, "ordinal", n_boot=0).value
        cohen_kappa_pairwise(data, weights="quadratic", n_boot=0)
        gwet_ac1(data, n_boot=0)
        return {"seconds": time.perf_counter() - t0, "value": alpha}
    if name == "package_alpha":
        import krippendorff

        values = matrix(int(arg))
        t0 = time.perf_counter()
        alpha = krippendorff.alpha(
            reliability_data=values, value_domain=[1, 2, 3, 4, 5], level_of_measurement="ordinal"
        )
        return {"seconds": time.perf_counter() - t0, "value": float(alpha)}
    if name == "bootstrap":
        from annotator.stats.alpha import bootstrap_alpha

        data = reliability(matrix(int(arg)))
        t0 = time.perf_counter()
        draws = bootstrap_alpha(data, "ordinal", n_boot=1000, seed=0)
        return {"seconds": time.perf_counter() - t0, "value": list(draws.interval(0.95))}
    if name == "package_bootstrap":
        import krippendorff

        values = matrix(int(arg))
        rng = np.random.default_rng(0)
        t0 = time.perf_counter()
        for _ in range(20):
            pick = rng.integers(0, values.shape[1], values.shape[1])
            krippendorff.alpha(
                reliability_data=values[:, pick],
                value_domain=[1, 2, 3, 4, 5],
                level_of_measurement="ordinal",
            )
        return {"seconds": (time.perf_counter() - t0) * 50}
    if name == "report":
        from annotator.report.html import write_report
        from annotator.store.arrow_query import close_readers
        from annotator.store.project import open_project

        path = Path(arg)
        with open_project(path) as project:
            t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
            write_report(project, path.with_suffix(".html"), n_boot=1000, seed=0)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            close_readers()  # the kept Arrow readers end, so their CPU is counted
            readers_cpu = _children_cpu() - k0
        return {
            "seconds": seconds,
            # the Arrow reads run in child processes (store.arrow_server): their CPU counts
            "cpu_seconds": cpu + readers_cpu,
            "readers_cpu_seconds": readers_cpu,
            "readers_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "size_kb": path.with_suffix(".html").stat().st_size // 1024,
        }
    if name == "consensus":
        from annotator.quality.aggregate import consensus_all
        from annotator.store.project import open_project

        with open_project(Path(arg)) as project:
            t0 = time.perf_counter()
            result = consensus_all(project)
            return {"seconds": time.perf_counter() - t0, "value": sum(map(len, result.values()))}
    if name == "demo_overview":
        from annotator.report.cache import cached_overview
        from annotator.store.project import open_reader

        with open_reader(Path(arg)) as reader:
            t0 = time.perf_counter()
            cached_overview(reader, n_boot=0, seed=0)
            point = time.perf_counter() - t0
            cached_overview(reader, n_boot=1000, seed=0)
            intervals = time.perf_counter() - t0 - point
            t1 = time.perf_counter()
            cached_overview(reader, n_boot=1000, seed=0)
            again = time.perf_counter() - t1
        return {"seconds": point, "intervals": intervals, "again": again}
    if name == "bare_select":
        import sqlite3

        conn = sqlite3.connect(arg)
        t0, c0 = time.perf_counter(), time.process_time()
        cursor = conn.execute(
            "SELECT l.id, l.item_id, l.annotator_id, l.source_id, l.submitted_at, l.values_json "
            "FROM effective_labels l"
        )
        n = 0
        while rows := cursor.fetchmany(100_000):
            n += len(rows)
        return {
            "seconds": time.perf_counter() - t0,
            "cpu_seconds": time.process_time() - c0,
            "value": n,
        }
    raise ValueError(name)


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (the Arrow readers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _child(name: str, arg: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", name, arg],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


_PEAK_AT_EXIT = (
    "import atexit, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status', encoding='ascii'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('PEAK_KB ' + line.split()[1] + '\\n')\n"
    "atexit.register(_peak)\n"
)


def _timed_command(args: list[str], env: dict[str, str]) -> dict[str, float | None]:
    """Wall and CPU seconds (user + system) of `python args` in a fresh process, and its
    peak resident memory (VmHWM, written by a `sitecustomize` of its own at exit)."""
    import resource
    import subprocess as sp

    hook = Path(env["PYTHONPYCACHEPREFIX"]).parent / "peak-hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(_PEAK_AT_EXIT, encoding="utf-8")
    env = {**env, "PYTHONPATH": str(hook)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = sp.run([sys.executable, *args], cwd=REPO, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peaks = [line.split()[1] for line in done.stderr.decode().splitlines() if "PEAK_KB" in line]
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "peak_mb": round(int(peaks[-1]) / 1024, 1) if peaks else None,
    }


def demo_rows(folder: Path) -> list[dict[str, Any]]:
    """The demo project's `report` and `agreement` commands with warm bytecode, and the
    dashboard's overview (point estimates, intervals, from the cache)."""
    import os

    from annotator.demo import build_demo

    path = build_demo(folder / "demo.annotator")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    bare = [_timed_command(["-c", "pass"], env) for _ in range(2)][-1]
    rows = []
    for label, args, aim in (
        ("report", ["report", str(path), "--out", str(folder / "demo.html")], 1.0),
        ("agreement", ["agreement", str(path)], 0.5),
    ):
        timed = [_timed_command(["-m", "annotator", *args], env) for _ in range(2)][-1]
        row = _result(
            f"demo: annotator {label}",
            timed["seconds"],
            "s",
            "python -c pass",
            bare["seconds"],
            timed["seconds"],
            timed["peak_mb"],
            f"the demo project, warm bytecode (second of two runs); CPU {timed['cpu_seconds']:.2f}"
            f" s; aim (issue 18): under {aim:g} s after Python starts",
        )
        row.update(
            cpu_seconds=round(timed["cpu_seconds"], 3),
            baseline_cpu_seconds=round(bare["cpu_seconds"], 3),
        )
        rows.append(row)
    overview = _child("demo_overview", str(path))
    rows.append(
        _result(
            "demo: dashboard overview, point estimates",
            overview["seconds"],
            "s",
            None,
            None,
            overview["seconds"] + overview["intervals"],
            overview["peak_mb"],
            f"then the intervals in {overview['intervals']:.2f} s; computed again for the same "
            f"state: {overview['again'] * 1000:.1f} ms (the cache)",
        )
    )
    return rows


def _result(
    name: str,
    value: float,
    unit: str,
    baseline_name: str | None,
    baseline: float | None,
    seconds: float,
    peak_mb: float | None,
    note: str,
) -> dict[str, Any]:
    return {
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "baseline_name": baseline_name,
        "baseline_value": None if baseline is None else round(baseline, 4),
        "ratio": round(value / baseline, 3) if baseline else None,
        "seconds": round(seconds, 2),
        "peak_mb": peak_mb,
        "note": note,
    }


def run(quick: bool) -> list[dict[str, Any]]:
    n_items = 10_000 if quick else 100_000
    report_items = 20_000 if quick else 200_000
    scale = f"{n_items:,} items x {RATERS} raters, ordinal 1..5"
    ours = _child("coefficients", str(n_items))
    package = _child("package_alpha", str(n_items))
    boot = _child("bootstrap", str(n_items))
    package_boot = _child("package_bootstrap", str(n_items))
    results = [
        _result(
            f"alpha + 10 pairwise kappas + AC1, {n_items // 1000}k x {RATERS}",
            ours["seconds"],
            "s",
            "krippendorff package: alpha alone",
            package["seconds"],
            ours["seconds"],
            ours["peak_mb"],
            f"{scale}; alpha {ours['value']:.4f} (package {package['value']:.4f}); aim: under 1 s",
        ),
        _result(
            f"alpha bootstrap, 1,000 resamples, {n_items // 1000}k x {RATERS}",
            boot["seconds"],
            "s",
            "krippendorff package per resample (20 timed, x50)",
            package_boot["seconds"],
            boot["seconds"],
            boot["peak_mb"],
            f"{scale}; 95% interval {boot['value'][0]:.4f} to {boot['value'][1]:.4f}; "
            "aim: under 10 s",
        ),
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.annotator"
        t0 = time.perf_counter()
        build_project(path, report_items)
        build_s = time.perf_counter() - t0
        labels = report_items * RATERS
        report = _child("report", str(path))
        bare = _child("bare_select", str(path))
        consensus = _child("consensus", str(path))
    report_row = _result(
        f"report at {labels / 1e6:g}M labels",
        report["seconds"],
        "s",
        "bare SELECT of every effective label",
        bare["seconds"],
        report["seconds"],
        report["peak_mb"],
        f"{report_items:,} items x {RATERS} raters, 3 criteria, 2 sources, {ANCHORS} anchors "
        f"answered over {WEEKS} weeks; 1,000-resample intervals; HTML "
        f"{report['size_kb']:,} kB; project built in {build_s:.0f} s; aim (issue 18): CPU "
        "within 4x the bare SELECT's, peak memory 500 MB",
    )
    # CPU time as well as wall time (a shared machine stretches wall time), and the
    # baseline's own peak memory beside the report's
    report_row.update(
        cpu_seconds=round(report["cpu_seconds"], 2),
        baseline_cpu_seconds=round(bare["cpu_seconds"], 2),
        cpu_ratio=round(report["cpu_seconds"] / bare["cpu_seconds"], 2)
        if bare["cpu_seconds"]
        else None,
        baseline_peak_mb=bare["peak_mb"],
        readers_cpu_seconds=round(report["readers_cpu_seconds"], 2),
        readers_peak_mb=round(report["readers_peak_mb"], 1),
    )
    results += [
        report_row,
        _result(
            f"consensus, whole project, {labels / 1e6:g}M labels",
            consensus["seconds"],
            "s",
            "bare SELECT of every effective label",
            bare["seconds"],
            consensus["seconds"],
            consensus["peak_mb"],
            f"aggregate.consensus_all: 3 criteria x {report_items:,} items "
            "(median, majority, majority)",
        ),
    ]
    with tempfile.TemporaryDirectory() as folder:
        results += demo_rows(Path(folder))
    return results


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--measure":
        out = measure(sys.argv[2], sys.argv[3])
        out["peak_mb"] = peak_mb()
        print(json.dumps(out))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(json.dumps(row))
