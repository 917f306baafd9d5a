"""Workbench benchmark: launch to first item, and submit to next item painted, at 1M.

A project with 1M items and 1M labels (20 other annotators) is built with bulk
`executemany`; a benchmark person gets an assigned queue (2,000 items, anchors
mixed in). A child process runs the real app offscreen and measures:

- launch: from starting the child process to the first item shown (ratio to a
  bare `QApplication` + one `QWidget` shown, measured the same way);
- submit -> next item painted: `AnnotateView.submit()` (validate, commit with
  synchronous=FULL, queue advance, draft cleanup, next card, form reset, item
  rendered) then a synchronous `repaint()`; ratio to a raw SQLite
  `BEGIN IMMEDIATE; INSERT; COMMIT` of one label row on the same file.

    uv run python benchmarks/bench_gui.py [--quick] [--browser]

`--browser` builds the project and times only the items browser's labeled /
not-labeled filters (count and first page), without the app child.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.measure import percentile  # noqa: E402

SUBMITS = 300
OTHER_ANNOTATORS = 20
QUEUE_ITEMS = 2000
PERSON = "bench-person"


def build(folder: Path, n_items: int, n_labels: int) -> Path:
    from annotator.anchors import anchors
    from annotator.base.clock import now_iso
    from annotator.demo import demo_dir
    from annotator.items.items import INSERT_ITEM_SQL
    from annotator.labels.labels import INSERT_LABEL_SQL
    from annotator.queue import assignments
    from annotator.revision.publish import publish
    from annotator.rubric.yaml_file import load_rubric_file
    from annotator.sources.sources import ensure_annotator, ensure_source
    from annotator.store.project import create_project

    path = folder / "gui-bench.annotator"
    project = create_project(path, name="gui bench", actor="bench")
    version = publish(project, load_rubric_file(demo_dir() / "rubric_v2.yaml")).version
    stamp = now_iso()
    body = "A realistic answer paragraph with some **markdown** and a list:\n\n- one\n- two\n"
    with project.transaction():
        project.conn.executemany(
            INSERT_ITEM_SQL,
            (
                (f"it-{i:07d}", f"Question {i}: how should this be handled?", "text",
                 body * 3, None, None, 0, None, None, "m", "1", "p1", "bench", None,
                 '{"domain": "code"}', "{}", f"{i:064x}", None)
                for i in range(n_items)
            ),
        )  # fmt: skip
        source = ensure_source(project, "experts", "expert")
        others = [
            ensure_annotator(project, f"other-{a:02d}", source).id for a in range(OTHER_ANNOTATORS)
        ]
        values = json.dumps({"correctness": 4, "safety": "safe", "verdict": "ship"})
        project.conn.executemany(
            INSERT_LABEL_SQL,
            (
                (uuid.uuid4().hex, f"it-{(j * 7919) % n_items:07d}", others[j % len(others)],
                 source.id, version.id, "submitted", values, None, None, stamp, stamp, 30.0,
                 None, None, None, "import", None, None)
                for j in range(n_labels)
            ),
        )  # fmt: skip
        ensure_annotator(project, PERSON, source)
    for j in range(20):
        anchors.add_anchor(
            project,
            f"it-{(n_items - 1 - j * 13):07d}",
            {"correctness": 4, "safety": "safe", "verdict": "ship"},
            "bench anchor",
        )
    assignments.assign(project, [PERSON], sample=QUEUE_ITEMS, seed=1, anchor_rate=0.1)
    project.conn.execute("ANALYZE")
    project.close()
    return path


def child(path: str, submits: int) -> None:
    """Runs inside the measured process: the real app, offscreen."""
    from PySide6.QtWidgets import QApplication

    from ui.shell.app import make_app
    from ui.shell.main_window import MainWindow

    started = time.perf_counter()
    app = make_app()
    window = MainWindow()
    window.resize(1440, 900)
    window.show()
    window.open_file(path)
    window.start_labeling(PERSON)
    view = window.annotate
    view.repaint()
    print(
        json.dumps({"first_item": time.time(), "in_process_s": time.perf_counter() - started}),
        flush=True,
    )
    answer = {"correctness": 4, "safety": "safe", "issues": [], "verdict": "ship"}
    timings = []
    for _ in range(submits):
        if view.card is None:
            break
        view.form.set_values(answer)
        t0 = time.perf_counter()
        view.submit()
        view.repaint()
        timings.append(time.perf_counter() - t0)
        QApplication.processEvents()
    raw = _raw_commit_times(path, 100)
    print(json.dumps({"submit": timings, "raw_commit": raw}), flush=True)
    window.close()
    del app


def _raw_commit_times(path: str, n: int) -> list[float]:
    from annotator.store.project import connect

    conn = connect(Path(path))
    conn.execute("CREATE TABLE IF NOT EXISTS bench_scratch (id INTEGER PRIMARY KEY, v TEXT)")
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bench_scratch(v) VALUES (?)", (f"row {i}",))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - t0)
    conn.close()
    return times


BARE_QT = (
    "import time, json; from PySide6.QtWidgets import QApplication, QLabel; "
    "app = QApplication([]); w = QLabel('x'); w.show(); w.repaint(); "
    "print(json.dumps({'first_item': time.time()}), flush=True)"
)


def _launch(command: list[str]) -> tuple[float, subprocess.Popen]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    start = time.time()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    first = json.loads(process.stdout.readline())
    return first["first_item"] - start, process


def _timed(action: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def _browser_queries(path: Path, n_items: int) -> list[dict[str, Any]]:
    """What the items browser asks of the core at this size (it asks off the UI thread):
    the first page and the count: unfiltered, labeled, not labeled (none are: the whole
    table is read to find nothing), and a text search that finds one item."""
    from annotator.items.query import PAGE_SIZE, ItemFilter, count_items_matching, items_page
    from annotator.store.project import open_reader

    reader = open_reader(path)
    try:
        bare_page = _timed(
            lambda: reader.rows("SELECT id FROM items ORDER BY seq LIMIT ?", (PAGE_SIZE,))
        )[1]
        bare_count = _timed(lambda: reader.scalar("SELECT count(*) FROM items"))[1]
        out = []
        for name, item_filter in (
            ("all items", ItemFilter()),
            ("labeled", ItemFilter(labeled=True)),
            ("not labeled", ItemFilter(labeled=False)),
            ("text search", ItemFilter(text=f"Question {n_items // 2}:")),
        ):
            page, page_s = _timed(lambda f=item_filter: items_page(reader, f))
            found, count_s = _timed(lambda f=item_filter: count_items_matching(reader, f))
            out.append(
                {"filter": name, "page_s": page_s, "count_s": count_s, "found": found,
                 "rows": len(page), "bare_page_s": bare_page, "bare_count_s": bare_count}
            )  # fmt: skip
        return out
    finally:
        reader.close()


def _label_filter_queries(path: Path, repeats: int = 5) -> list[dict[str, Any]]:
    """The labeled / not-labeled filters alone (issue 18: the per-item label state),
    count and first page each timed on their own, median of `repeats`, beside the bare
    `count(*)` and bare page measured the same way."""
    from annotator.items.query import PAGE_SIZE, ItemFilter, count_items_matching, items_page
    from annotator.store.project import open_reader

    def median_s(action: Any) -> tuple[Any, float]:
        runs = [_timed(action) for _ in range(repeats)]
        return runs[0][0], statistics.median(t for _, t in runs)

    reader = open_reader(path)
    try:
        bare_page = median_s(
            lambda: reader.rows("SELECT id FROM items ORDER BY seq LIMIT ?", (PAGE_SIZE,))
        )[1]
        bare_count = median_s(lambda: reader.scalar("SELECT count(*) FROM items"))[1]
        out = []
        for name, labeled in (("labeled", True), ("not labeled", False)):
            item_filter = ItemFilter(labeled=labeled)
            page, page_s = median_s(lambda f=item_filter: items_page(reader, f))
            found, count_s = median_s(lambda f=item_filter: count_items_matching(reader, f))
            out.append(
                {"filter": name, "page_s": page_s, "count_s": count_s, "found": found,
                 "rows": len(page), "bare_page_s": bare_page, "bare_count_s": bare_count}
            )  # fmt: skip
        return out
    finally:
        reader.close()


def _label_filter_rows(label_filters: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    rows = []
    for b in label_filters:
        for what, key, base_key, base_name in (
            ("count", "count_s", "bare_count_s", "bare count(*) of items"),
            ("first page", "page_s", "bare_page_s", "bare SELECT of a page of ids"),
        ):
            rows.append(
                {"name": f"items browser, {b['filter']} filter: {what}",
                 "value": round(b[key] * 1000, 2), "unit": "ms", "baseline_name": base_name,
                 "baseline_value": round(b[base_key] * 1000, 2),
                 "ratio": round(b[key] / b[base_key], 4), "seconds": round(b[key], 5),
                 "peak_mb": None,
                 "note": f"median of 5; {b['found']:,} items match, {b['rows']} rows on the "
                 f"page; aim: under 50 ms; {note}"}
            )  # fmt: skip
    return rows


def run_browser(quick: bool) -> list[dict[str, Any]]:
    """Only the items browser's label filter rows (no app child): `--browser`."""
    n = 50_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        path = build(Path(folder), n, n)
        build_s = time.perf_counter() - t0
        label_filters = _label_filter_queries(path)
    note = f"{n:,} items, {n:,} labels; project built in {build_s:.0f} s"
    return _label_filter_rows(label_filters, note)


def run(quick: bool) -> list[dict[str, Any]]:
    n = 50_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        path = build(Path(folder), n, n)
        build_s = time.perf_counter() - t0
        bare, bare_process = _launch([sys.executable, "-c", BARE_QT])
        bare_process.wait()
        launch, process = _launch(
            [sys.executable, str(Path(__file__).resolve()), "--child", str(path), str(SUBMITS)]
        )
        line = process.stdout.readline()
        process.wait()
        if not line:
            raise RuntimeError(f"the app process failed: {process.stderr.read()[-2000:]}")
        result = json.loads(line)
        browse = _browser_queries(path, n)
        label_filters = _label_filter_queries(path)
    submit_ms = [1000 * t for t in result["submit"]]
    raw_ms = [1000 * t for t in result["raw_commit"]]
    median, p99 = statistics.median(submit_ms), percentile(submit_ms, 0.99)
    raw_median = statistics.median(raw_ms)
    note = f"{n:,} items, {n:,} labels; project built in {build_s:.0f} s"
    return [
        {
            "name": "launch to first item shown",
            "value": round(launch, 2),
            "unit": "s",
            "baseline_name": "bare QApplication + one widget",
            "baseline_value": round(bare, 2),
            "ratio": round(launch / bare, 2),
            "seconds": round(launch, 2),
            "peak_mb": None,
            "note": note,
        },
        {
            "name": "submit to next item painted, median",
            "value": round(median, 1),
            "unit": "ms",
            "baseline_name": "raw SQLite insert+commit (FULL sync)",
            "baseline_value": round(raw_median, 2),
            "ratio": round(median / raw_median, 1),
            "seconds": round(median / 1000, 4),
            "peak_mb": None,
            "note": f"{len(submit_ms)} submits; {note}",
        },
        {
            "name": "submit to next item painted, p99",
            "value": round(p99, 1),
            "unit": "ms",
            "baseline_name": "raw SQLite insert+commit p99",
            "baseline_value": round(percentile(raw_ms, 0.99), 2),
            "ratio": round(p99 / percentile(raw_ms, 0.99), 1),
            "seconds": round(p99 / 1000, 4),
            "peak_mb": None,
            "note": "aim: under 50 ms",
        },
        *(
            {
                "name": f"items browser, {b['filter']}: first page / count",
                "value": round(b["page_s"] * 1000, 1),
                "unit": "ms",
                "baseline_name": "bare SELECT of a page of ids (count: bare count(*))",
                "baseline_value": round(b["bare_page_s"] * 1000, 2),
                "ratio": round(b["page_s"] / b["bare_page_s"], 1),
                "seconds": round(b["count_s"], 2),
                "peak_mb": None,
                "note": f"{b['rows']} rows shown; count {b['found']:,} in {b['count_s']:.2f} s "
                f"(bare count(*) {b['bare_count_s']:.2f} s), both off the UI thread; {note}",
            }
            for b in browse
        ),
        *_label_filter_rows(label_filters, note),
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    elif "--browser" in sys.argv:
        for row in run_browser("--quick" in sys.argv):
            print(row)
    else:
        for row in run("--quick" in sys.argv):
            print(row)
