"""CSV exports are safe to open in a spreadsheet: a text cell that begins with `=`, `+`,
`-`, `@`, a tab or a carriage return gets a leading `'` (OWASP "CSV injection"), numbers
stay numbers, `--csv-raw` writes the text as it is, and JSONL and Parquet keep it exact.

The project plants each of the six characters as the first one of item text, label text
values (a text criterion and the rationale), annotator names and source names, and gives a
numeric and an integer criterion negative values."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from annotator.base.clock import to_iso
from annotator.cli import main as cli
from annotator.exchange.export import ExportOptions, export_project
from annotator.items.items import add_items, item_from_record
from annotator.labels.labels import submit_label
from annotator.revision.publish import publish
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import Project, create_project
from tests.support.agreement_project import rubric

STARTS = ("=", "+", "-", "@", "\t", "\r")
PAYLOAD = {  # each first character, with something a spreadsheet would run
    "=": "=cmd|' /C calc'!A0",
    "+": "+SUM(1+1)",
    "-": "-2+3",
    "@": "@SUM(A1:A2)",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}
CRITERIA = [
    {"key": "delta", "kind": "numeric", "min": -10, "max": 10},
    {"key": "shift", "kind": "ordinal", "options": [{"value": v} for v in (-2, -1, 0, 1, 2)]},
    {"key": "comment", "kind": "text"},
]
UNDO = re.compile(r"^'(?='*[=+\-@\t\r])")  # the rule the docs give a reader


def undo(cell: str) -> str:
    return UNDO.sub("", cell)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = tmp_path_factory.mktemp("csv-safety")
    project = create_project(folder / "csv.annotator", name="CSV safety")
    publish(project, rubric(CRITERIA), note="first")
    records = [
        {"id": f"it-{n}", "input": PAYLOAD[c], "output": c + "answer", "context": "plain"}
        for n, c in enumerate(STARTS)
    ]
    records.append({"id": "it-plain", "input": "'=quoted already", "output": "''+two quotes"})
    add_items(project, [item_from_record(r) for r in records])
    with project.transaction():
        for n, c in enumerate(STARTS):
            source = ensure_source(project, f"{c}source{n}", "crowd")
            ensure_annotator(project, f"{c}person{n}", source)
    for n, c in enumerate(STARTS):
        for m, who in enumerate(STARTS):
            submit_label(
                project,
                item_id=f"it-{n}",
                annotator=f"{who}person{m}",
                values={"delta": -1.5 - m, "shift": -1, "comment": PAYLOAD[c]},
                rationale=c + "because",
            )
    plain = {"delta": -1.5, "shift": -1, "comment": PAYLOAD["="]}
    submit_label(project, item_id="it-plain", annotator="=person0", values=plain)
    return project


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def exports(project: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("csv-exports")
    out = {
        "csv": root / "csv",
        "named": root / "named",
        "raw": root / "raw",
        "jsonl": root / "jsonl",
        "parquet": root / "parquet",
    }
    export_project(project, out["csv"], ExportOptions(format="csv", n_boot=0))
    export_project(project, out["named"], ExportOptions(format="csv", n_boot=0, real_names=True))
    export_project(project, out["jsonl"], ExportOptions(format="jsonl", n_boot=0, real_names=True))
    export_project(
        project, out["parquet"], ExportOptions(format="parquet", n_boot=0, real_names=True)
    )
    path = str(project.path)
    project.close()
    status = cli(
        [
            "export", path, "--format", "csv", "--csv-raw", "--real-names", "--bootstrap", "0",
            "--out", str(out["raw"]), "--quiet",
        ]
    )  # fmt: skip
    assert status == 0
    return out


def _no_cell_starts_a_formula(folder: Path) -> None:
    for table in ("items", "labels", "sources"):
        for row in _rows(folder / f"{table}.csv"):
            for key, cell in row.items():
                if key in ("delta", "shift") or not cell:
                    continue
                assert cell[0] not in STARTS, (table, key, cell)


def test_every_text_cell_starting_a_formula_gets_a_quote(exports: dict[str, Path]) -> None:
    items = {r["item_id"]: r for r in _rows(exports["csv"] / "items.csv")}
    for n, c in enumerate(STARTS):
        assert items[f"it-{n}"]["input"] == "'" + PAYLOAD[c]
        assert items[f"it-{n}"]["output"] == "'" + c + "answer"
        assert items[f"it-{n}"]["context"] == "plain"
    labels = _rows(exports["csv"] / "labels.csv")
    assert len(labels) == 37
    for row in labels[:36]:
        n = int(row["item_id"].split("-")[1])
        c = STARTS[n]
        assert row["comment"] == "'" + PAYLOAD[c]
        assert row["rationale"] == "'" + c + "because"
        assert row["annotator"].startswith("ann-")  # pseudonyms: nothing to neutralise
    sources = {r["source"] for r in _rows(exports["csv"] / "sources.csv")}
    assert sources == {f"'{c}source{n}" for n, c in enumerate(STARTS)}
    named = _rows(exports["named"] / "labels.csv")
    assert {r["annotator"] for r in named} == {f"'{c}person{n}" for n, c in enumerate(STARTS)}
    assert {r["source"] for r in named} == sources
    for folder in (exports["csv"], exports["named"]):
        _no_cell_starts_a_formula(folder)


def test_numbers_stay_numbers(exports: dict[str, Path]) -> None:
    """By the value's type: -1.5 stays a number while the text "-2+3" in its row is quoted."""
    labels = _rows(exports["csv"] / "labels.csv")
    for row in (r for r in labels if r["item_id"] == "it-2"):
        assert row["comment"] == "'-2+3" and float(row["delta"]) < 0
    assert {r["delta"] for r in labels} == {str(-1.5 - m) for m in range(6)}
    assert {r["shift"] for r in labels} == {"-1"}
    items = _rows(exports["csv"] / "items.csv")
    assert {r["shift"] for r in items if r["shift"]} == {"-1"}
    assert all(float(r["delta"]) < 0 for r in items if r["delta"])


def test_the_quote_is_undone_exactly(exports: dict[str, Path]) -> None:
    """The docs' rule gives back the text: also for text that begins with a quote."""
    exact = {r["item_id"]: r for r in _jsonl(exports["jsonl"] / "items.jsonl")}
    for row in _rows(exports["csv"] / "items.csv"):
        for key in ("input", "output"):
            assert undo(row[key]) == (exact[row["item_id"]][key] or "")
    plain = next(r for r in _rows(exports["csv"] / "items.csv") if r["item_id"] == "it-plain")
    assert plain["input"] == "''=quoted already" and plain["output"] == "'''+two quotes"


def test_csv_raw_writes_the_text_as_it_is(exports: dict[str, Path]) -> None:
    items = {r["item_id"]: r for r in _rows(exports["raw"] / "items.csv")}
    for n, c in enumerate(STARTS):
        assert items[f"it-{n}"]["input"] == PAYLOAD[c]
    assert items["it-plain"]["input"] == "'=quoted already"
    labels = _rows(exports["raw"] / "labels.csv")
    assert {r["annotator"] for r in labels} == {f"{c}person{n}" for n, c in enumerate(STARTS)}
    manifest = json.loads((exports["raw"] / "manifest.json").read_text())
    assert manifest["options"]["csv_raw"] is True
    assert manifest["csv_cells"]["prefixed"] == 0
    safe = json.loads((exports["csv"] / "manifest.json").read_text())
    assert safe["options"]["csv_raw"] is False
    assert safe["csv_cells"]["prefixed"] > 0 and safe["csv_cells"]["prefix"] == "'"


def _as_json_lines(row: dict) -> dict:
    """A Parquet row as JSON lines writes it: times as their stored ISO text, a struct
    without the keys an item does not have."""
    out = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = to_iso(value)
        elif isinstance(value, dict):
            value = {k: v for k, v in value.items() if v is not None}
        elif key in ("tags", "metadata"):  # no item has any key: the object's JSON text
            value = json.loads(value)
        out[key] = value
    return out


def test_jsonl_and_parquet_keep_the_exact_text(exports: dict[str, Path]) -> None:
    import pyarrow.parquet as pq

    for table in ("items", "labels", "sources"):
        exact = _jsonl(exports["jsonl"] / f"{table}.jsonl")
        parquet = pq.read_table(exports["parquet"] / f"{table}.parquet").to_pylist()
        assert [_as_json_lines(row) for row in parquet] == exact
    items = {r["item_id"]: r for r in _jsonl(exports["jsonl"] / "items.jsonl")}
    for n, c in enumerate(STARTS):
        assert items[f"it-{n}"]["input"] == PAYLOAD[c]
    labels = _jsonl(exports["jsonl"] / "labels.jsonl")
    assert {r["annotator"] for r in labels} == {f"{c}person{n}" for n, c in enumerate(STARTS)}
    assert {r["comment"] for r in labels} == set(PAYLOAD.values())
    assert all(r["delta"] < 0 and r["shift"] == -1 for r in labels)
    manifest = json.loads((exports["jsonl"] / "manifest.json").read_text())
    assert "csv_cells" not in manifest
