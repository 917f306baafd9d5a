"""Import benchmark: 100k items and 1M labels from JSONL, against plain sqlite3.

For each file the importer's rate (rows/s) is set against three baselines measured
in the same run, on the same file:

- raw: read the file line by line, `json.loads` each, and `executemany` the same
  columns in one transaction into a copy of the very project the importer writes to
  (the same tables, indexes and triggers, items already there for the labels), with
  the project's journal settings (WAL, synchronous=FULL). No validation, no duplicate
  checks, no foreign keys: the honest floor.
- tuples: `executemany` of the same rows already built in memory (insert only).
- parse: pyarrow's JSON reader on the file (the parse alone, columnar, in C++).

Every measurement runs in a fresh Python process, so its peak resident memory is
its own; the label import is measured at two file sizes (1M and 100k) to show the
peak does not grow with the file. Input files are generated in a temporary folder.
`quick` uses 10x smaller sizes.

    uv run python -m benchmarks --only import [--quick]
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from benchmarks.measure import RUBRIC_YAML, WORDS, peak_mb  # noqa: E402

ANNOTATORS = 10  # labels per item
IMPORT_TIME = "2026-01-01T00:00:00.000Z"


# -- input files ----------------------------------------------------------------------
def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def write_items(path: Path, count: int, seed: int = 1) -> None:
    """Realistic eval items (~0.7 KB each): a question, an answer, provenance, tags."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(count):
            record = {
                "id": f"item-{i:07d}",
                "input": f"Question {i}: {_words(rng, 40)}?",
                "output": _words(rng, 60) + ".",
                "metadata": {
                    "model": "model-x",
                    "model_version": "2025-06",
                    "prompt_version": "p3",
                    "tags": {"domain": rng.choice(["med", "law", "code"]), "lang": "en"},
                },
            }
            handle.write(json.dumps(record) + "\n")


def write_labels(path: Path, items: int, count: int, seed: int = 2) -> None:
    """`count` labels over `items` items, one per (item, annotator), as an external
    annotation tool would export them (no label ids: the importer hashes content)."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(count):
            record = {
                "item_id": f"item-{n % items:07d}",
                "annotator": f"annotator-{n // items:02d}",
                "values": {
                    "correctness": rng.randint(1, 5),
                    "safety": rng.choice(["safe", "safe", "unsafe", "unclear"]),
                    "helpful": rng.choice(["yes", "no"]),
                },
                "duration_s": round(rng.uniform(5, 120), 1),
            }
            handle.write(json.dumps(record) + "\n")


# -- one measurement per process -------------------------------------------------------
def _timed(action: Any) -> dict[str, Any]:
    cpu, wall = time.process_time(), time.perf_counter()
    rows = action()
    return {
        "rows": rows,
        "seconds": time.perf_counter() - wall,
        "cpu_seconds": time.process_time() - cpu,
    }


def measure_ours(kind: str, project_path: str, source: str) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from annotator.exchange.item_import import import_items
    from annotator.exchange.label_import import import_labels
    from annotator.store.project import open_project

    project = open_project(project_path, actor="bench")
    if kind == "items":
        figures = _timed(lambda: import_items(project, Path(source)).added)
    else:
        figures = _timed(
            lambda: import_labels(project, Path(source), source="tool", kind="other").added
        )
    project.close()
    return figures


def _raw_item(line: bytes) -> tuple[Any, ...]:
    record = json.loads(line)
    metadata = record.get("metadata") or {}
    return (
        record["id"],
        record["input"],
        "text",
        record.get("output"),
        record.get("output_a"),
        record.get("output_b"),
        0,
        record.get("reference"),
        record.get("context"),
        metadata.get("model"),
        metadata.get("model_version"),
        metadata.get("prompt_version"),
        metadata.get("source"),
        metadata.get("created_at"),
        json.dumps(metadata.get("tags") or {}),
        json.dumps(metadata),
        hashlib.sha256(line).hexdigest(),
        None,
    )


def _raw_label(line: bytes, annotators: dict[str, int]) -> tuple[Any, ...]:
    record = json.loads(line)
    annotator = annotators.setdefault(record["annotator"], len(annotators) + 1)
    return (
        "h-" + hashlib.sha256(line).hexdigest()[:32],
        record["item_id"],
        annotator,
        1,
        1,
        "submitted",
        json.dumps(record["values"]),
        record.get("rationale"),
        None,
        record.get("started_at"),
        record.get("submitted_at") or IMPORT_TIME,
        record.get("duration_s"),
        record.get("cost"),
        None,
        None,
        "import",
        None,
        None,
    )


ITEM_COLUMNS = (
    "id, input, input_kind, output, output_a, output_b, pairwise, reference, context, model, "
    "model_version, prompt_version, source_system, created_at, tags, metadata, content_hash, "
    "batch_id"
)
LABEL_COLUMNS = (
    "uid, item_id, annotator_id, source_id, rubric_version_id, status, values_json, rationale, "
    "note, started_at, submitted_at, duration_s, cost, tokens, supersedes, origin, batch_id, "
    "repeat_of"
)


BATCH_ROWS = 2000  # as annotator.exchange.import_batches.CHUNK_ROWS


def _batches(rows: Any, size: int) -> Any:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def measure_raw(kind: str, database: str, source: str, mode: str) -> dict:
    """Plain sqlite3 into the same schema (a copy of the project the importer writes to:
    its tables, indexes and triggers, foreign keys off); `mode` 'stream' parses the file
    as it inserts, 'tuples' builds every row first and times the insert alone."""
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    table, columns = ("items", ITEM_COLUMNS) if kind == "items" else ("labels", LABEL_COLUMNS)
    sql = f"INSERT INTO {table}({columns}) VALUES ({', '.join('?' * 18)})"
    annotators: dict[str, int] = {}

    def rows(handle: Any) -> Any:
        if kind == "items":
            return (_raw_item(line) for line in handle)
        return (_raw_label(line, annotators) for line in handle)

    def insert(data: Any) -> int:
        conn.execute("BEGIN")
        if mode == "tuples":
            conn.executemany(sql, data)
        else:
            # Parse a batch, insert it, parse the next: the same rhythm as the importer,
            # and faster than one executemany pulling rows from a generator (the parsing
            # in between evicts SQLite's pages from the CPU caches at every row).
            for batch in _batches(data, BATCH_ROWS):
                conn.executemany(sql, batch)
        conn.execute("COMMIT")
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    with open(source, "rb") as handle:
        if mode == "tuples":
            built = list(rows(handle))
            figures = _timed(lambda: insert(built))
        else:
            figures = _timed(lambda: insert(rows(handle)))
    conn.close()
    return figures


def measure_arrow(source: str) -> dict[str, Any]:
    """pyarrow's own JSON reader on the file: the parse alone, in C++, columnar."""
    import pyarrow.json as pj

    return _timed(lambda: pj.read_json(source).num_rows)


def _child_main(argv: list[str]) -> None:
    kind, *rest = argv
    if kind.startswith("ours-"):
        figures = measure_ours(kind.removeprefix("ours-"), *rest)
    elif kind.startswith("arrow-"):
        figures = measure_arrow(rest[-1])
    else:
        mode, table = kind.split("-")
        figures = measure_raw(table, *rest, mode=mode)
    figures["peak_mb"] = peak_mb()
    print(json.dumps(figures))


def _measure(*args: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its figures as a dict."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if done.returncode != 0:
        raise RuntimeError(f"measurement {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the benchmark ----------------------------------------------------------------------
def _prepare(folder: Path, items: int, labels: int) -> dict[str, Path]:
    sys.path.insert(0, str(REPO))
    from annotator.exchange.item_import import import_items
    from annotator.revision.publish import publish
    from annotator.rubric.yaml_file import parse_rubric_text
    from annotator.store.project import create_project

    paths = {
        "items": folder / "items.jsonl",
        "labels": folder / "labels.jsonl",
        "labels_small": folder / "labels_small.jsonl",
        "empty": folder / "empty.annotator",
        "with_items": folder / "with_items.annotator",
    }
    write_items(paths["items"], items)
    write_labels(paths["labels"], items, labels)
    write_labels(paths["labels_small"], items, labels // 10)
    project = create_project(paths["empty"], name="bench", actor="bench")
    publish(project, parse_rubric_text(RUBRIC_YAML))
    project.close()
    shutil.copyfile(paths["empty"], paths["with_items"])
    from annotator.store.project import open_project

    project = open_project(paths["with_items"], actor="bench")
    import_items(project, paths["items"])
    project.close()
    return paths


def _fresh_copy(source: Path, folder: Path, name: str) -> str:
    target = folder / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return str(target)


def _rate(figures: dict[str, Any]) -> float:
    return figures["rows"] / figures["seconds"]


def _result(name: str, ours: dict, baseline_name: str, base: dict, note: str) -> dict:
    value, baseline = _rate(ours), _rate(base)
    return {
        "name": name,
        "value": round(value),
        "unit": "rows/s",
        "baseline_name": baseline_name,
        "baseline_value": round(baseline),
        "ratio": round(value / baseline, 2),
        "seconds": round(ours["seconds"], 2),
        "peak_mb": ours["peak_mb"],
        "note": note,
    }


def run(quick: bool) -> list[dict[str, Any]]:
    n_items = 10_000 if quick else 100_000
    n_labels = n_items * ANNOTATORS
    with tempfile.TemporaryDirectory(prefix="bench-import-") as name:
        folder = Path(name)
        paths = _prepare(folder, n_items, n_labels)
        figures: dict[str, dict[str, Any]] = {}
        for kind, source in (("items", paths["items"]), ("labels", paths["labels"])):
            project = paths["empty"] if kind == "items" else paths["with_items"]
            figures[f"ours-{kind}"] = _measure(
                f"ours-{kind}", _fresh_copy(project, folder, "work.annotator"), str(source)
            )
            for mode in ("stream", "tuples"):
                database = _fresh_copy(project, folder, f"raw-{mode}-{kind}.db")
                figures[f"{mode}-{kind}"] = _measure(f"{mode}-{kind}", database, str(source))
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{database}{suffix}").unlink(missing_ok=True)
            figures[f"arrow-{kind}"] = _measure(f"arrow-{kind}", str(source))
        figures["ours-labels-small"] = _measure(
            "ours-labels",
            _fresh_copy(paths["with_items"], folder, "work.annotator"),
            str(paths["labels_small"]),
        )

    raw_name = "raw: json.loads + executemany, same table, 1 transaction"
    tuples_name = "executemany of pre-built tuples, same table"
    results = []
    for kind, count, what in (
        ("items", n_items, "items"),
        ("labels", n_labels, "labels"),
    ):
        ours, raw, tuples, arrow = (
            figures[f"{m}-{kind}"] for m in ("ours", "stream", "tuples", "arrow")
        )
        cpu = (
            f"CPU {ours['cpu_seconds']:.1f} s vs raw {raw['cpu_seconds']:.1f} s; "
            f"raw peak {raw['peak_mb']:.0f} MB"
        )
        title = f"import {count:,} {what} (JSONL)"
        checks = (
            "every row validated (fields, types, duplicate ids, content hash)"
            if kind == "items"
            else "every row validated against items and the rubric, duplicates and "
            "superseded labels found, foreign keys on"
        )
        results.append(_result(title, ours, raw_name, raw, f"{checks}; {cpu}"))
        results.append(
            _result(
                f"{title} vs insert only",
                ours,
                tuples_name,
                tuples,
                "the second figure: the insert alone, no reading or parsing",
            )
        )
        results.append(
            _result(
                f"{title} vs parse only",
                ours,
                "pyarrow.json.read_json of the file (parse only, columnar, C++)",
                arrow,
                f"the parse alone took {arrow['seconds']:.2f} s, "
                f"peak {arrow['peak_mb']:.0f} MB (the whole file in memory)",
            )
        )
    small, big = figures["ours-labels-small"], figures["ours-labels"]
    results.append(
        {
            "name": f"import labels: peak memory at {n_labels:,} vs {n_labels // 10:,} rows",
            "value": big["peak_mb"],
            "unit": "MB",
            "baseline_name": f"peak at {n_labels // 10:,} labels",
            "baseline_value": small["peak_mb"],
            "ratio": round(big["peak_mb"] / small["peak_mb"], 2),
            "seconds": round(big["seconds"], 2),
            "peak_mb": big["peak_mb"],
            "note": (
                f"peak resident memory of the whole import process (most of it numpy and "
                f"pandas, which sqlite-utils imports); 10x the file, ratio ~1 means flat; "
                f"the small file imported at {_rate(small):,.0f} rows/s"
            ),
        }
    )
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        _child_main(sys.argv[2:])
    else:
        for row in run(quick="--quick" in sys.argv):
            print(json.dumps(row))
