"""Queue benchmark: next-item selection and assignment at a million items.

Builds a project with bulk `executemany` (not the importer: that is measured
elsewhere), 100 annotators, 200 anchors, and labels for the first part of
every queue (with the matching served log, as if served), then measures:

- `queue.next_entry` per call while annotators label in turn (each call
  advances: it decides between item, anchor and repeat and writes the served
  log in its own committed transaction), against a bare indexed SELECT of the
  next unlabeled assigned item in the same project;
- `queue.queue_status` per call (the progress display);
- `assignments.assign` of every item (20% overlap with k=3, 100 annotators),
  against a bare `executemany` of the same rows into a same-shaped table.

    uv run python -m benchmarks            # the runner
    uv run python benchmarks/bench_queue.py --quick
"""

from __future__ import annotations

import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from annotator.anchors import anchors  # noqa: E402
from annotator.base.clock import now_iso  # noqa: E402
from annotator.items.items import INSERT_ITEM_SQL  # noqa: E402
from annotator.queue import assignments, queue  # noqa: E402
from annotator.revision.publish import publish  # noqa: E402
from annotator.rubric.versions import current_version  # noqa: E402
from annotator.rubric.yaml_file import rubric_from_dict  # noqa: E402
from annotator.sources.sources import ensure_annotator, ensure_source  # noqa: E402
from annotator.store.project import Project, create_project  # noqa: E402
from benchmarks.measure import peak_mb, percentile  # noqa: E402

ANNOTATORS = 100
ANCHORS = 200
LABELED_SHARE = 0.2  # of each queue, labeled before the measurement starts
RUBRIC = {
    "rubric": "bench",
    "criteria": [
        {"key": "correct", "kind": "binary"},
        {"key": "quality", "kind": "ordinal", "options": [{"value": v} for v in range(1, 6)]},
    ],
}


def _item_rows(n: int) -> Any:
    for i in range(n):
        digest = hashlib.sha256(str(i).encode()).hexdigest()
        tags = f'{{"domain": "{("med", "law", "code")[i % 3]}"}}'
        yield (
            f"it-{i:07d}", f"Question {i}?", "text", f"Answer {i}.", None, None, 0,
            None, None, "m", "1", "p1", "bench", None, tags, "{}", digest, None,
        )  # fmt: skip


def build(folder: Path, n_items: int) -> Project:
    project = create_project(folder / "bench.annotator", name="queue bench", actor="bench")
    publish(project, rubric_from_dict(RUBRIC))
    with project.transaction():
        project.conn.executemany(INSERT_ITEM_SQL, _item_rows(n_items))
        source = ensure_source(project, "experts", "expert")
        for a in range(ANNOTATORS):
            ensure_annotator(project, f"ann-{a:03d}", source)
        step = n_items // ANCHORS
        for j in range(ANCHORS):
            anchors.add_anchor(project, f"it-{j * step:07d}", {"correct": "yes"}, "bench")
    project.conn.execute("ANALYZE")
    return project


def prelabel(project: Project, version_id: int) -> int:
    """Label the first LABELED_SHARE of every queue and log it as served."""
    source_id = project.scalar("SELECT id FROM sources WHERE name = 'experts'")
    stamp = now_iso()
    total = 0
    anchor_ids = [a.item_id for a in anchors.list_anchors(project)]
    with project.transaction():
        next_id = (project.scalar("SELECT max(id) FROM labels") or 0) + 1
        for (annotator_id,) in project.rows("SELECT id FROM annotators ORDER BY id"):
            rows = project.rows(
                "SELECT position, item_id FROM assignments WHERE annotator_id = ? "
                "ORDER BY position",
                (annotator_id,),
            )
            done = [(p, i, "item") for p, i in rows[: int(len(rows) * LABELED_SHARE)]]
            # End each history on an anchor, as a real queue's would have some.
            done.append((None, anchor_ids[annotator_id % len(anchor_ids)], "anchor"))
            labels, log = [], []
            for served, (position, item_id, kind) in enumerate(done):
                labels.append(
                    (uuid.uuid4().hex, item_id, annotator_id, source_id, version_id,
                     '{"correct": "yes"}', stamp)
                )  # fmt: skip
                log.append(
                    (annotator_id, served, item_id, kind, 0, position, stamp, next_id - 1,
                     next_id, "submitted")
                )  # fmt: skip
                next_id += 1
            project.conn.executemany(LABEL_SQL, labels)
            project.conn.executemany(
                "INSERT INTO queue_log(annotator_id, position, item_id, kind, pass, order_pos, "
                "served_at, label_floor, answer_label_id, outcome) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                log,
            )
            total += len(labels)
    return total


LABEL_SQL = (
    "INSERT INTO labels(uid, item_id, annotator_id, source_id, rubric_version_id, status, "
    "values_json, submitted_at, origin) VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?, 'bench')"
)


def _label(project: Project, item_id: str, annotator_id: int, source_id: int, version: int) -> None:
    with project.transaction():
        project.conn.execute(
            LABEL_SQL,
            (uuid.uuid4().hex, item_id, annotator_id, source_id, version, '{"correct": "yes"}',
             now_iso()),
        )  # fmt: skip


def measure_next(project: Project, calls: int, version_id: int) -> dict[str, Any]:
    source_id = project.scalar("SELECT id FROM sources WHERE name = 'experts'")
    ids = [row[0] for row in project.rows("SELECT id FROM annotators ORDER BY id")]
    rng = random.Random(5)
    times, status_times, kinds = [], [], {"item": 0, "anchor": 0, "repeat": 0}
    started = time.perf_counter()
    for _ in range(calls):
        annotator_id = rng.choice(ids)
        t0 = time.perf_counter()
        entry = queue.next_entry(project, annotator_id)
        times.append(time.perf_counter() - t0)
        assert entry is not None
        kinds[entry.kind] += 1
        _label(project, entry.item_id, annotator_id, source_id, version_id)
        t0 = time.perf_counter()
        queue.queue_status(project, annotator_id)
        status_times.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    return {"times": times, "status": status_times, "kinds": kinds, "seconds": elapsed}


def measure_bare(project: Project, calls: int) -> list[float]:
    """The floor: one indexed SELECT of the next unlabeled assigned item."""
    ids = [row[0] for row in project.rows("SELECT id FROM annotators ORDER BY id")]
    cursors = {
        a: project.scalar(
            "SELECT coalesce(max(order_pos), -1) FROM queue_log WHERE annotator_id = ? "
            "AND kind = 'item'",
            (a,),
        )
        for a in ids
    }
    rng = random.Random(6)
    sql = (
        "SELECT a.item_id, a.position FROM assignments a WHERE a.annotator_id = ? "
        "AND a.position > ? AND NOT EXISTS (SELECT 1 FROM labels l "
        "WHERE l.item_id = a.item_id AND l.annotator_id = a.annotator_id) "
        "ORDER BY a.position LIMIT 1"
    )
    times = []
    for _ in range(calls):
        annotator_id = rng.choice(ids)
        t0 = time.perf_counter()
        row = project.conn.execute(sql, (annotator_id, cursors[annotator_id])).fetchone()
        times.append(time.perf_counter() - t0)
        cursors[annotator_id] = row[1]
    return times


def measure_assign_baseline(project: Project) -> float:
    rows = project.rows(
        "SELECT annotator_id, position, item_id, set_id, overlapped FROM assignments "
        "WHERE set_id IS NOT NULL"
    )
    rows = sorted((tuple(r) for r in rows), key=lambda r: r[2])  # the order assign writes
    project.conn.execute(
        "CREATE TABLE bench_assignments (annotator_id INTEGER NOT NULL, position INTEGER NOT NULL, "
        "item_id TEXT NOT NULL, set_id INTEGER, overlapped INTEGER NOT NULL DEFAULT 0, "
        "removed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (annotator_id, position)) WITHOUT ROWID"
    )
    project.conn.execute(
        "CREATE UNIQUE INDEX bench_assignments_item ON bench_assignments(item_id, annotator_id)"
    )
    before = project.scalar("PRAGMA cache_size")
    project.conn.execute(f"PRAGMA cache_size = -{assignments.BULK_CACHE_KIB}")  # as assign does
    t0 = time.perf_counter()
    with project.transaction():
        project.conn.executemany(
            "INSERT INTO bench_assignments(annotator_id, position, item_id, set_id, overlapped) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    elapsed = time.perf_counter() - t0
    project.conn.execute(f"PRAGMA cache_size = {int(before)}")
    project.conn.execute("DROP TABLE bench_assignments")
    return elapsed


def _result(
    name: str,
    value: float | None,
    unit: str,
    baseline_name: str | None,
    baseline: float | None,
    seconds: float,
    note: str,
) -> dict[str, Any]:
    ratio = value / baseline if value is not None and baseline else None
    return {
        "name": name,
        "value": None if value is None else round(value, 4),
        "unit": unit,
        "baseline_name": baseline_name,
        "baseline_value": None if baseline is None else round(baseline, 4),
        "ratio": None if ratio is None else round(ratio, 2),
        "seconds": round(seconds, 2),
        "peak_mb": round(peak_mb(), 1),
        "note": note,
    }


def run(quick: bool) -> list[dict[str, Any]]:
    n_items = 50_000 if quick else 1_000_000
    calls = 1_000 if quick else 3_000
    scale = f"{n_items:,} items, {ANNOTATORS} annotators"
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as folder:
        t0 = time.perf_counter()
        project = build(Path(folder), n_items)
        build_s = time.perf_counter() - t0
        names = [f"ann-{a:03d}" for a in range(ANNOTATORS)]
        t0 = time.perf_counter()
        result = assignments.assign(
            project, names, overlap=0.2, k=3, seed=1, anchor_rate=0.1, repeat_rate=0.03,
            repeat_delay=20,
        )  # fmt: skip
        assign_s = time.perf_counter() - t0
        assign_peak = peak_mb()
        baseline_s = measure_assign_baseline(project)
        version_id = current_version(project).id
        labeled = prelabel(project, version_id)
        project.conn.execute("ANALYZE")
        bare = measure_bare(project, calls)
        measured = measure_next(project, calls, version_id)
        project.close()
    ms = [t * 1000 for t in measured["times"]]
    bare_ms = [t * 1000 for t in bare]
    status_ms = [t * 1000 for t in measured["status"]]
    kinds = measured["kinds"]
    context = (
        f"{scale}, {result.rows:,} assignments, {labeled:,} labels already made; "
        f"{calls} calls served {kinds['item']} items, {kinds['anchor']} anchors, "
        f"{kinds['repeat']} repeats; each call commits its served-log row"
    )
    return [
        _result(
            "queue next_entry median",
            statistics.median(ms),
            "ms",
            "bare indexed SELECT next unlabeled (median)",
            statistics.median(bare_ms),
            measured["seconds"],
            context,
        ),
        _result(
            "queue next_entry p99",
            percentile(ms, 0.99),
            "ms",
            "bare indexed SELECT next unlabeled (p99)",
            percentile(bare_ms, 0.99),
            measured["seconds"],
            context + "; aim: under 5 ms",
        ),
        _result(
            "queue_status p99",
            percentile(status_ms, 0.99),
            "ms",
            None,
            None,
            measured["seconds"],
            f"progress display (done/remaining), {scale}",
        ),
        _result(
            f"assign {n_items:,} items",
            assign_s,
            "s",
            "bare executemany of the same rows",
            baseline_s,
            assign_s,
            f"{scale}, overlap 0.2, k 3: {result.rows:,} rows; peak RSS after assign "
            f"{assign_peak:.0f} MB; project built in {build_s:.1f} s",
        ),
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
