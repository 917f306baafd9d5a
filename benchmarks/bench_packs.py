"""Work-pack benchmark: create and merge a pack of 10,000 items with 10,000 labels.

Builds a project with bulk `executemany` (50,000 items, 100 anchors, one
annotator assigned 10,000 of the items with anchors at 1 in 10), then measures:

- `packs.create_pack` of every item assigned (anchors mixed in), against a bare
  SQLite copy of the same item rows into a fresh file (read them, create the
  table, executemany, commit);
- `packs.merge_packs` of the pack after 10,000 labels were written into it
  (all checks: items, rubric, every value; anchors scored), against a bare
  `executemany` of the same label rows into a same-shaped table;
- merging the same pack again (idempotent: every label found by its uid).

    uv run python -m benchmarks --only packs
    uv run python benchmarks/bench_packs.py --quick
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from annotator.anchors.anchors import add_anchor  # noqa: E402
from annotator.base.clock import now_iso  # noqa: E402
from annotator.exchange import packs  # noqa: E402
from annotator.items.items import INSERT_ITEM_SQL, ITEM_COLUMNS  # noqa: E402
from annotator.labels.labels import INSERT_LABEL_SQL, LABEL_COLUMNS  # noqa: E402
from annotator.queue.settings import configure  # noqa: E402
from annotator.revision.publish import publish  # noqa: E402
from annotator.rubric.versions import current_version  # noqa: E402
from annotator.rubric.yaml_file import rubric_from_dict  # noqa: E402
from annotator.sources.sources import ensure_annotator, ensure_source  # noqa: E402
from annotator.store.project import Project, create_project  # noqa: E402
from benchmarks.measure import peak_mb  # noqa: E402

ANCHORS = 100
PERSON = "Dr. Bench"
RUBRIC = {
    "rubric": "bench",
    "criteria": [
        {"key": "correct", "kind": "binary"},
        {"key": "quality", "kind": "ordinal", "options": [{"value": v} for v in range(1, 6)]},
        {"key": "topic", "kind": "categorical", "options": [{"value": v} for v in "abc"]},
    ],
}


def _item_rows(n: int) -> Any:
    for i in range(n):
        digest = hashlib.sha256(str(i).encode()).hexdigest()
        text = f"Question {i}: " + "lorem ipsum " * 20
        yield (
            f"it-{i:07d}", text, "text", f"Answer {i}. " + "dolor sit amet " * 30, None, None, 0,
            None, None, "m", "1", "p1", "bench", None, '{"domain": "med"}', "{}", digest, None,
        )  # fmt: skip


def build(folder: Path, n_items: int, n_assigned: int) -> Project:
    project = create_project(folder / "bench.annotator", name="pack bench", actor="bench")
    publish(project, rubric_from_dict(RUBRIC))
    with project.transaction():
        project.conn.executemany(INSERT_ITEM_SQL, _item_rows(n_items))
        person = ensure_annotator(project, PERSON, ensure_source(project, "experts", "expert"))
        project.conn.execute(
            "INSERT INTO assignment_sets(id, created_at, actor, seed) VALUES (1, ?, 'bench', 1)",
            (now_iso(),),
        )
        project.conn.executemany(
            "INSERT INTO assignments(annotator_id, position, item_id, set_id) VALUES (?, ?, ?, 1)",
            ((person.id, i, f"it-{i:07d}") for i in range(n_assigned)),
        )
    configure(project, person.id, anchor_rate=0.1, seed=3, assigned_count=n_assigned)
    for a in range(ANCHORS):
        item_id = f"it-{n_items - 1 - a:07d}"
        add_anchor(project, item_id, {"correct": "yes", "quality": 3, "topic": "a"}, f"why {a}")
    return project


def label_in_pack(path: Path, n_labels: int) -> int:
    """Write labels into the pack as if the annotator had (not timed)."""
    pack = packs.open_pack(path)
    try:
        person = pack.row("SELECT id, source_id FROM annotators").__iter__()
        annotator_id, source_id = next(person), next(person)
        version_id = current_version(pack).id
        items = [r[0] for r in pack.rows("SELECT item_id FROM assignments ORDER BY position")]
        stamp = now_iso()
        rows = [
            (
                uuid.uuid4().hex, item_id, annotator_id, source_id, version_id, "submitted",
                json.dumps({"correct": "yes", "quality": 1 + i % 5, "topic": "abc"[i % 3]}),
                None, None, stamp, stamp, 12.5, None, None, None, "app", None, None,
            )
            for i, item_id in enumerate(items[:n_labels])
        ]  # fmt: skip
        with pack.transaction():
            pack.conn.executemany(INSERT_LABEL_SQL, rows)
        return len(rows)
    finally:
        pack.close()


def baseline_copy(project: Project, folder: Path, item_ids: list[str]) -> float:
    """Read the same item rows, write them to a fresh SQLite file, commit."""
    target = folder / "bare-copy.sqlite"
    columns = ", ".join(c for c in ITEM_COLUMNS if c != "batch_id")
    ddl = project.scalar("SELECT sql FROM sqlite_master WHERE name = 'items'")
    started = time.perf_counter()
    rows = []
    for start in range(0, len(item_ids), 500):
        part = item_ids[start : start + 500]
        rows += project.rows(
            f"SELECT {columns} FROM items WHERE id IN ({', '.join('?' * len(part))})", part
        )
    conn = sqlite3.connect(str(target), isolation_level=None)
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("BEGIN")
    conn.execute(ddl)
    marks = ", ".join("?" * len(rows[0]))
    conn.executemany(f"INSERT INTO items({columns}) VALUES ({marks})", [tuple(r) for r in rows])
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - started


def baseline_insert(project: Project, folder: Path, pack_path: Path) -> float:
    """executemany the same label rows into a same-shaped table, one transaction."""
    source = sqlite3.connect(str(pack_path))
    rows = source.execute(f"SELECT {', '.join(LABEL_COLUMNS)} FROM labels ORDER BY id").fetchall()
    source.close()
    ddl = project.scalar("SELECT sql FROM sqlite_master WHERE name = 'labels'")
    conn = sqlite3.connect(str(folder / "bare-labels.sqlite"), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(ddl)
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(INSERT_LABEL_SQL, rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _result(
    name: str,
    value: float,
    baseline_name: str | None,
    baseline: float | None,
    seconds: float,
    note: str,
) -> dict[str, Any]:
    ratio = value / baseline if baseline else None
    return {
        "name": name,
        "value": round(value, 4),
        "unit": "s",
        "baseline_name": baseline_name,
        "baseline_value": None if baseline is None else round(baseline, 4),
        "ratio": None if ratio is None else round(ratio, 2),
        "seconds": round(seconds, 2),
        "peak_mb": round(peak_mb(), 1),
        "note": note,
    }


def run(quick: bool) -> list[dict[str, Any]]:
    n_items, n_assigned = (5_000, 1_000) if quick else (50_000, 10_000)
    with tempfile.TemporaryDirectory(prefix="bench-packs-") as tmp:
        folder = Path(tmp)
        project = build(folder, n_items, n_assigned)
        project.conn.execute("ANALYZE")
        out = folder / "bench.annpack"
        started = time.perf_counter()
        info = packs.create_pack(project, PERSON, out)
        create_s = time.perf_counter() - started
        item_ids = [
            r[0]
            for r in project.rows(
                "SELECT item_id FROM pack_entries WHERE pack_id = ? ORDER BY position",
                (info.pack_id,),
            )
        ]
        copy_s = baseline_copy(project, folder, item_ids)
        size_mb = out.stat().st_size / 1e6
        n_labels = label_in_pack(out, info.items)
        started = time.perf_counter()
        report = packs.merge_packs(project, [out])
        merge_s = time.perf_counter() - started
        started = time.perf_counter()
        again = packs.merge_packs(project, [out])
        again_s = time.perf_counter() - started
        insert_s = baseline_insert(project, folder, out)
        project.close()
    result = report.packs[0]
    context = (
        f"{info.items:,} entries ({info.anchors} anchors mixed in) from a project of "
        f"{n_items:,} items; pack file {size_mb:.1f} MB"
    )
    assert again.added == 0 and result.added == n_labels
    return [
        _result(
            "pack create",
            create_s,
            "bare SQLite copy of the same item rows",
            copy_s,
            create_s,
            context + "; aim: under 5 s",
        ),
        _result(
            "pack merge",
            merge_s,
            "bare executemany of the same label rows",
            insert_s,
            merge_s,
            f"{result.added:,} labels checked and added, {result.anchors_scored} anchor answers "
            f"scored; every item and value checked; aim: under 5 s",
        ),
        _result(
            "pack merge again (nothing new)",
            again_s,
            None,
            None,
            again_s,
            f"{again.already_merged:,} labels found by uid; no row written",
        ),
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
