"""Export benchmark: 1M labels to JSONL and to Parquet, against a bare writer, and peak memory.

A project of 100k items x 10 labels (3 experts priced per hour, 7 of a
50-person crowd priced per label; three criteria) is built with bulk
`executemany` (no importer: the point is the export). For each format the full
export (`annotator.exchange.export.export_project`: the streaming pass, consensus per
item, item agreement, per-source quality with 1,000-resample bootstrap
intervals, the manifest) is set against a bare writer measured in the same run
on the same file:

- JSONL: one SELECT of the same label rows (the same joins and json_extracts),
  `json.dumps` per row, written line by line;
- Parquet: the same SELECT fetched in chunks, each made a pyarrow table and
  written with `pyarrow.parquet.ParquetWriter`.

The bare writers write only the labels table; the export also writes the items
and sources tables, the statistics and the manifest: the ratio is the price
of all that.

A second, stricter baseline (issue 18) reads the labels table's columns the
export writes (the same 25 columns, in its order and types) the Arrow-native way
and writes them with no Python per value where the format allows it:

- Parquet: an adbc_driver_sqlite read (`ARROW_SQL`, batches of Arrow arrays),
  cast to the export's schema, written with `pyarrow.parquet.write_table`
  (zstd), one table;
- JSONL: the same adbc read, each batch's rows dumped with orjson
  (`OPT_APPEND_NEWLINE`), a dict per row.

The "vs Arrow-native" rows give app / baseline throughput: 1.0 means the export,
with everything it computes, is as fast as reading and writing the columns.

Each measurement runs in a fresh process, so its peak resident
memory (VmHWM) is its own; the export is measured at 100k and at 1M labels to
show the peak does not grow with the project. `quick` uses 10x smaller sizes.

    uv run python -m benchmarks --only export [--quick]
"""

from __future__ import annotations

import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from benchmarks.measure import RUBRIC_YAML, WORDS  # noqa: E402

LABELS_PER_ITEM = 10
EXPERTS = 3
CROWD = 50


def build(path: str, n_labels: int, seed: int = 1) -> None:
    """The bench project, written with executemany in a few transactions."""
    sys.path.insert(0, str(REPO))
    import yaml

    from annotator.items.items import INSERT_ITEM_SQL
    from annotator.labels.labels import INSERT_LABEL_SQL
    from annotator.revision.publish import publish
    from annotator.rubric.yaml_file import rubric_from_dict
    from annotator.sources.sources import CostModel, ensure_annotator, ensure_source
    from annotator.store.project import create_project

    rng = random.Random(seed)
    project = create_project(path, name="Export bench", actor="bench")
    publish(project, rubric_from_dict(yaml.safe_load(RUBRIC_YAML)), note="bench")
    with project.transaction():
        experts = ensure_source(
            project, "experts", "expert", cost_model=CostModel("per_hour", 60.0)
        )
        crowd = ensure_source(project, "crowd", "crowd", cost_model=CostModel("per_label", 0.04))
        expert_ids = [ensure_annotator(project, f"expert-{i}", experts).id for i in range(EXPERTS)]
        crowd_ids = [ensure_annotator(project, f"worker-{i:03d}", crowd).id for i in range(CROWD)]
    n_items = int(n_labels) // LABELS_PER_ITEM
    conn = project.conn
    conn.execute("BEGIN")
    rows = []
    for i in range(n_items):
        text = " ".join(rng.choice(WORDS) for _ in range(40))
        answer = " ".join(rng.choice(WORDS) for _ in range(60))
        domain = rng.choice(["med", "law", "code"])
        tags = json.dumps({"domain": domain, "lang": "en"}, sort_keys=True)
        digest = hashlib.sha256(f"{i}{text}{answer}".encode()).hexdigest()
        rows.append(
            (
                f"item-{i:07d}",
                f"Question {i}: {text}?",
                "text",
                answer + ".",
                None,
                None,
                0,
                None,
                None,
                "model-x",
                "2025-06",
                "p3",
                "bench",
                None,
                tags,
                "{}",
                digest,
                None,
            )
        )
    conn.executemany(INSERT_ITEM_SQL, rows)
    conn.execute("COMMIT")
    label_rows = []
    conn.execute("BEGIN")
    n = 0
    for i in range(n_items):
        truth = rng.randint(1, 5)
        raters = [(a, experts.id) for a in expert_ids]
        raters += [(a, crowd.id) for a in rng.sample(crowd_ids, LABELS_PER_ITEM - EXPERTS)]
        for annotator, source in raters:
            noise = 0 if source == experts.id and rng.random() < 0.7 else rng.choice([-1, 0, 1, 2])
            values = {
                "correctness": min(5, max(1, truth + noise)),
                "safety": rng.choice(["safe", "safe", "safe", "unsafe", "unclear"]),
                "helpful": rng.choice(["yes", "no"]),
            }
            day = 1 + n % 28
            submitted = f"2025-03-{day:02d}T10:{n % 60:02d}:00.000Z"
            duration = float(rng.randint(10, 300))
            cost = 0.04 if source == crowd.id else None  # experts: priced by the hour at export
            label_rows.append(
                (
                    f"b-{n:08d}",
                    f"item-{i:07d}",
                    annotator,
                    source,
                    1,
                    "submitted",
                    json.dumps(values),
                    None,
                    None,
                    submitted,
                    submitted,
                    duration,
                    cost,
                    None,
                    None,
                    "bench",
                    None,
                    None,
                )
            )
            n += 1
        if len(label_rows) >= 50_000:
            conn.executemany(INSERT_LABEL_SQL, label_rows)
            label_rows = []
    conn.executemany(INSERT_LABEL_SQL, label_rows)
    conn.execute("COMMIT")
    project.close()


def measure_export(path: str, fmt: str, out: str) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from annotator.exchange.export import ExportOptions, export_project
    from annotator.store.project import open_project

    project = open_project(path, actor="bench")
    started = time.perf_counter()
    result = export_project(project, out, ExportOptions(format=fmt))
    seconds = time.perf_counter() - started
    project.close()
    from annotator.store.arrow_query import close_readers

    close_readers()  # the Arrow readers are child processes: their peak is theirs
    readers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"labels": result.counts["labels"], "seconds": seconds, "readers_peak_mb": readers}


BARE_SQL = (
    "SELECT l.uid, l.item_id, a.pseudonym, s.name, s.kind, s.model_id, s.model_version, "
    "s.prompt_version, r.name, v.version, l.started_at, l.submitted_at, l.duration_s, l.cost, "
    "s.currency, l.tokens, l.rationale, json_extract(l.values_json, '$.correctness'), "
    "json_extract(l.values_json, '$.safety'), json_extract(l.values_json, '$.helpful') "
    "FROM effective_labels l JOIN items i ON i.id = l.item_id "
    "JOIN annotators a ON a.id = l.annotator_id JOIN sources s ON s.id = l.source_id "
    "JOIN rubric_versions v ON v.id = l.rubric_version_id JOIN rubrics r ON r.id = v.rubric_id "
    "ORDER BY i.seq, l.id"
)
BARE_NAMES = (
    "label_id",
    "item_id",
    "annotator",
    "source",
    "source_kind",
    "model_id",
    "model_version",
    "prompt_version",
    "rubric",
    "rubric_version",
    "started_at",
    "submitted_at",
    "active_s",
    "cost",
    "currency",
    "tokens",
    "rationale",
    "correctness",
    "safety",
    "helpful",
)


def measure_bare(path: str, fmt: str, out: str) -> dict[str, Any]:
    """The same label rows, read with one SELECT and written with no logic at all."""
    import sqlite3

    conn = sqlite3.connect(path)
    started = time.perf_counter()
    cursor = conn.execute(BARE_SQL)
    n = 0
    if fmt == "jsonl":
        with open(out, "w", encoding="utf-8") as handle:
            for row in cursor:
                handle.write(json.dumps(dict(zip(BARE_NAMES, row, strict=True))) + "\n")
                n += 1
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = None
        while True:
            rows = cursor.fetchmany(65_536)
            if not rows:
                break
            table = pa.Table.from_pydict(
                dict(zip(BARE_NAMES, map(list, zip(*rows, strict=True)), strict=True))
            )
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema, compression="zstd")
            writer.write_table(table.cast(writer.schema))
            n += len(rows)
        if writer is not None:
            writer.close()
    seconds = time.perf_counter() - started
    conn.close()
    return {"labels": n, "seconds": seconds}


ARROW_SQL = (  # the labels table's columns (LABEL_COLUMNS and the criteria), in its order
    "SELECT l.uid AS label_id, l.item_id, a.pseudonym AS annotator, s.name AS source, "
    "s.kind AS source_kind, CAST(s.model_id AS TEXT) AS model_id, "
    "CAST(s.model_version AS TEXT) AS model_version, "
    "CAST(s.prompt_version AS TEXT) AS prompt_version, CAST(NULL AS TEXT) AS judge_version, "
    "r.name AS rubric, v.version AS rubric_version, l.started_at, l.submitted_at, "
    "l.duration_s AS active_s, l.cost, s.currency, CAST(l.tokens AS INTEGER) AS tokens, "
    "0 AS is_anchor, CAST(NULL AS INTEGER) AS anchor_matched, "
    "CAST(l.rationale AS TEXT) AS rationale, 0 AS suggestion_visible, "
    "CAST(NULL AS TEXT) AS suggestion_source, "
    "json_extract(l.values_json, '$.correctness') AS correctness, "
    "json_extract(l.values_json, '$.safety') AS safety, "
    "json_extract(l.values_json, '$.helpful') AS helpful "
    "FROM effective_labels l JOIN items i ON i.id = l.item_id "
    "JOIN annotators a ON a.id = l.annotator_id JOIN sources s ON s.id = l.source_id "
    "JOIN rubric_versions v ON v.id = l.rubric_version_id JOIN rubrics r ON r.id = v.rubric_id "
    "ORDER BY i.seq, l.id"
)


def _labels_schema(path: str) -> Any:
    """The export's own labels schema (types and order) for the bench project."""
    from annotator.exchange.export.columns import criterion_columns, label_columns
    from annotator.exchange.export.writers import arrow_schema
    from annotator.labels.data import criterion_specs
    from annotator.store.project import open_project

    project = open_project(path, actor="bench")
    specs = criterion_specs(project, None, keys=None, include_text=True)
    project.close()
    keys = list(dict.fromkeys(s.key for s in specs))
    kinds = {s.key: s.kind for s in specs}
    criteria = criterion_columns(keys, kinds, {s.key: s.criterion for s in specs})
    return arrow_schema(label_columns(criteria))


def measure_arrow(path: str, fmt: str, out: str) -> dict[str, Any]:
    """The labels table's columns read Arrow-natively (adbc) and written by pyarrow
    (Parquet) or orjson (JSONL): the floor an export cannot go below by much."""
    import adbc_driver_sqlite.dbapi as adbc
    import orjson
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _labels_schema(path)
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    started = time.perf_counter()
    conn = adbc.connect(uri)
    cursor = conn.cursor()
    cursor.execute(ARROW_SQL)
    reader = cursor.fetch_record_batch()
    n = 0
    if fmt == "jsonl":
        option = orjson.OPT_APPEND_NEWLINE
        with open(out, "wb") as handle:
            for batch in reader:
                batch = pa.Table.from_batches([batch]).cast(schema)
                handle.write(
                    b"".join(orjson.dumps(row, option=option) for row in batch.to_pylist())
                )
                n += batch.num_rows
    else:
        table = reader.read_all()
        table = table.cast(schema)
        pq.write_table(table, out, compression="zstd")
        n = table.num_rows
    seconds = time.perf_counter() - started
    cursor.close()
    conn.close()
    return {"labels": n, "seconds": seconds}


def _child(function: str, *args: str) -> dict[str, Any]:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import benchmarks.bench_export as b; "
        "from benchmarks.measure import peak_mb; "
        "r = getattr(b, sys.argv[2])(*sys.argv[3:]) or {}; r['peak_mb'] = peak_mb(); "
        "print(json.dumps(r))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(REPO), function, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{function} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(quick: bool) -> list[dict[str, Any]]:
    big, small = (100_000, 10_000) if quick else (1_000_000, 100_000)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        root = Path(folder)
        projects = {}
        for size in (small, big):
            path = root / f"bench-{size}.annotator"
            started = time.perf_counter()
            _child("build", str(path), str(size))
            projects[size] = (path, time.perf_counter() - started)
        path, build_seconds = projects[big]
        peaks = {}
        for fmt in ("jsonl", "parquet"):
            ours = _child("measure_export", str(path), fmt, str(root / f"out-{fmt}-{big}"))
            bare = _child("measure_bare", str(path), fmt, str(root / f"bare.{fmt}"))
            arrow = _child("measure_arrow", str(path), fmt, str(root / f"arrow.{fmt}"))
            assert ours["labels"] == bare["labels"] == arrow["labels"] == big
            rate, bare_rate = big / ours["seconds"], big / bare["seconds"]
            peaks[(fmt, big)] = ours["peak_mb"]
            writer = "json.dumps per row" if fmt == "jsonl" else "pyarrow ParquetWriter"
            results.append(
                {
                    "name": f"export {big:,} labels to {fmt}",
                    "value": round(rate),
                    "unit": "labels/s",
                    "baseline_name": f"bare SELECT + {writer} (labels table only)",
                    "baseline_value": round(bare_rate),
                    "ratio": round(rate / bare_rate, 3),
                    "seconds": round(ours["seconds"], 1),
                    "peak_mb": ours["peak_mb"],
                    "note": (
                        f"full export: items, labels, sources, consensus, bootstrap intervals, "
                        f"manifest; its Arrow readers (child processes) peak "
                        f"{ours['readers_peak_mb']:.0f} MB; bare writer peak {bare['peak_mb']} MB; "
                        "project built in "
                        f"{build_seconds:.0f} s"
                    ),
                }
            )
            arrow_rate = big / arrow["seconds"]
            arrow_writer = "orjson per row" if fmt == "jsonl" else "pq.write_table (zstd)"
            results.append(
                {
                    "name": f"export {big:,} labels to {fmt} vs Arrow-native",
                    "value": round(rate),
                    "unit": "labels/s",
                    "baseline_name": f"adbc read + {arrow_writer}, labels columns only",
                    "baseline_value": round(arrow_rate),
                    "ratio": round(rate / arrow_rate, 3),
                    "seconds": round(ours["seconds"], 1),
                    "peak_mb": ours["peak_mb"],
                    "note": (
                        f"app / baseline throughput (issue 18 asks >= 0.7); baseline "
                        f"{arrow['seconds']:.2f} s, peak {arrow['peak_mb']} MB"
                    ),
                }
            )
        for fmt in ("jsonl", "parquet"):
            small_path = projects[small][0]
            ours = _child("measure_export", str(small_path), fmt, str(root / f"out-{fmt}-{small}"))
            results.append(
                {
                    "name": f"export peak memory, {fmt}, {big:,} vs {small:,} labels",
                    "value": peaks[(fmt, big)],
                    "unit": "MB",
                    "baseline_name": f"peak at {small:,} labels",
                    "baseline_value": ours["peak_mb"],
                    "ratio": round(peaks[(fmt, big)] / ours["peak_mb"], 3),
                    "seconds": round(ours["seconds"], 1),
                    "peak_mb": peaks[(fmt, big)],
                    "note": "VmHWM of a fresh process; a ratio near 1: memory does not grow",
                }
            )
    return results


if __name__ == "__main__":
    for line in run(quick="--quick" in sys.argv):
        print(line)
