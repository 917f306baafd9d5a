"""Every export format, loaded back by its own readers, says what the project holds.

The demo project (explicit `"issues": []` answers, pairwise items the multilabel
criterion does not apply to, optional criteria left unanswered, slice tags,
timestamps, two rubric versions) plus three items with nested metadata is
exported in every format and read back with pandas, `datasets` and mlcroissant.
The expected values come from the project file itself (values_json), not from
the exporter: a multilabel answer is `[]` on a submitted label of an item it
applies to when nothing is stored, null where it was never asked. Agreement on
`issues[hallucination]` recomputed with the `krippendorff` package from the
exported labels table equals the manifest's; read as "null = missing" (the old
export) it would not.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from annotator.base.clock import parse_time
from annotator.cli import main as cli
from annotator.demo import build_demo
from annotator.exchange.export import ExportOptions, export_project
from annotator.exchange.item_import import import_items
from annotator.exchange.label_import import import_labels
from annotator.store.project import Project, open_project

FORMATS = ("jsonl", "csv", "parquet", "hf", "croissant", "inspect")
VALUE_KEYS = ("correctness", "safety", "issues", "verdict", "preference", "confidence", "notes")
EXTRA_ITEMS = [
    {
        "id": f"rt-{n}",
        "input": f"question {n}",
        "output": f"answer {n}",
        "created_at": f"2026-10-0{n + 1}T08:00:0{n}.250Z",
        "tags": {"domain": "roundtrip", "difficulty": "hard"},
        "metadata": {"run": {"seed": n, "arms": ["a", "b"]}, "score": 0.5 + n, "n": n},
    }
    for n in range(3)
]
EXTRA_LABELS = [  # explicit [], a tick, and one with the key absent (also "none ticked")
    {"issues": []},
    {"issues": ["hallucination"]},
    {},
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("roundtrip")
    path = build_demo(folder / "demo.annotator")
    project = open_project(path)
    items = folder / "extra_items.jsonl"
    items.write_text("".join(json.dumps(i) + "\n" for i in EXTRA_ITEMS), encoding="utf-8")
    import_items(project, items)
    rows = []
    for n in range(3):
        for k, person in enumerate(("Tomás Ortega", "crowd-2c91")):
            values = {"correctness": 3 + k, "safety": "safe", "verdict": "ship"}
            values |= EXTRA_LABELS[(n + k) % 3]
            rows.append(
                {
                    "item_id": f"rt-{n}",
                    "annotator": person,
                    "rubric_version": 2,
                    "values": values,
                    "started_at": f"2026-10-1{n}T09:00:00Z",
                    "submitted_at": f"2026-10-1{n}T09:01:0{k}.5Z",
                }
            )
    by_source = {"Tomás Ortega": ("experts", "expert"), "crowd-2c91": ("crowd", "crowd")}
    for person, (source, kind) in by_source.items():
        part = folder / f"{source}.jsonl"
        part.write_text(
            "".join(json.dumps(r) + "\n" for r in rows if r["annotator"] == person),
            encoding="utf-8",
        )
        import_labels(project, part, source=source, kind=kind)
    out = {}
    for fmt in FORMATS:
        out[fmt] = folder / fmt
        if fmt == "inspect":
            continue
        export_project(project, out[fmt], ExportOptions(format=fmt, n_boot=0))
    project.close()
    template = "Judge this answer.\n\nQ: {input}\nA: {output}"
    code = cli(
        [
            "export",
            str(path),
            "--format",
            "inspect",
            "--out",
            str(out["inspect"]),
            "--n-boot",
            "0",
            "--prompt-template",
            template,
            "--quiet",
        ]
    )
    assert code == 0
    project = open_project(path)
    return {"project": project, "path": path, "out": out, "truth": _truth(project)}


def _truth(project: Project) -> dict[str, dict[str, Any]]:
    """Each exported label's values as the project file holds them, by label id."""
    asked: dict[tuple[int, str], tuple[str, str]] = {}
    for version_id, data in project.rows("SELECT id, criteria FROM rubric_versions"):
        for c in json.loads(data):
            asked[(version_id, c["key"])] = (c["kind"], c.get("applies_to", "all"))
    out = {}
    for uid, values_json, version, pairwise, started, submitted in project.rows(
        "SELECT l.uid, l.values_json, l.rubric_version_id, i.pairwise, l.started_at, "
        "l.submitted_at FROM effective_labels l JOIN items i ON i.id = l.item_id"
    ):
        stored = json.loads(values_json)
        row: dict[str, Any] = {"started_at": started, "submitted_at": submitted}
        for key in VALUE_KEYS:
            value = stored.get(key)
            kind, applies = asked.get((version, key), (None, "all"))
            fits = applies == "all" or (applies == "pairwise") == bool(pairwise)
            if value is None and kind == "multilabel" and fits:
                value = []  # submitted with nothing ticked
            row[key] = value
        out[uid] = row
    return out


def _plain(value: Any) -> Any:
    """A value as Python: numpy arrays as lists, NaN as None, bytes as text."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _same_time(exported: Any, stored: str | None) -> bool:
    if stored is None:
        return exported is None
    if isinstance(exported, str):
        return parse_time(exported) == parse_time(stored)
    if isinstance(exported, pd.Timestamp):
        exported = exported.to_pydatetime()
    assert isinstance(exported, datetime) and exported.tzinfo is not None, exported
    return exported.astimezone(UTC) == parse_time(stored)


def _check_labels(rows: list[dict[str, Any]], truth: dict[str, dict[str, Any]]) -> None:
    assert {r["label_id"] for r in rows} == set(truth)
    for row in rows:
        want = truth[row["label_id"]]
        for key in VALUE_KEYS:
            got = _plain(row[key])
            if isinstance(want[key], int | float) and got is not None:
                assert float(got) == float(want[key]), (row["label_id"], key)
            else:
                assert got == want[key], (row["label_id"], key, got, want[key])
        for key in ("started_at", "submitted_at"):
            assert _same_time(_plain(row[key]), want[key]), (row["label_id"], key)


def _labels(fmt: str, out: Path) -> list[dict[str, Any]]:
    """The labels table as a reader of the format gets it."""
    if fmt == "jsonl":
        return pd.read_json(out / "labels.jsonl", lines=True, dtype=False).to_dict("records")
    if fmt == "csv":
        frame = pd.read_csv(out / "labels.csv", keep_default_na=False, na_values=[""])
        rows = frame.to_dict("records")
        for row in rows:  # CSV keeps lists as JSON text
            row["issues"] = None if _plain(row["issues"]) is None else json.loads(row["issues"])
        return rows
    if fmt == "parquet":
        return pd.read_parquet(out / "labels.parquet").to_dict("records")
    if fmt == "hf":
        datasets = pytest.importorskip("datasets")
        table = datasets.load_dataset(str(out), "labels", split="train")
        features = table.features
        rows = table.to_list()
        for row in rows:  # ClassLabel codes back to the rubric's options
            for key, feature in features.items():
                if isinstance(feature, datasets.ClassLabel) and row[key] is not None:
                    row[key] = feature.int2str(row[key])
                inner = getattr(feature, "feature", None)
                if isinstance(inner, datasets.ClassLabel) and row[key] is not None:
                    row[key] = [inner.int2str(v) for v in row[key]]
        return rows
    mlc = pytest.importorskip("mlcroissant")
    dataset = mlc.Dataset(jsonld=str(out / "croissant.json"))
    return [
        {k.removeprefix("labels/"): _plain(v) for k, v in record.items()}
        for record in dataset.records(record_set="labels")
    ]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "hf", "croissant"])
def test_every_label_value_reads_back_as_the_project_holds_it(built: dict, fmt: str) -> None:
    rows = _labels(fmt, built["out"][fmt])
    _check_labels(rows, built["truth"])
    issues = [_plain(r["issues"]) for r in rows]
    assert sum(v == [] for v in issues) > 60  # the demo's explicit "none ticked"


def test_no_stored_multilabel_value_is_none_ticked_where_asked_and_null_where_not() -> None:
    import pyarrow as pa

    from annotator.exchange.export.columns import CriterionColumn
    from annotator.exchange.export.label_arrays import _asked, _list_column

    c = CriterionColumn("issues", "multilabel", "list:string", True, "single", frozenset({1, 2}))
    raw = pa.array(['["a"]', None, None, "[]", None, '["a","b"]'])
    pairwise = np.array([False, False, True, False, False, False])
    version = np.array([1, 1, 1, 2, 3, 2])  # version 3 does not ask it
    asked = _asked(c, pairwise, version)
    assert asked.tolist() == [True, True, False, True, False, True]
    got = _list_column(c, raw, asked).to_pylist()
    assert got == [["a"], [], None, [], None, ["a", "b"]]


def test_parquet_types_are_as_declared(built: dict) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    labels = pq.read_schema(built["out"]["parquet"] / "labels.parquet")
    stamp = pa.timestamp("us", tz="UTC")
    assert labels.field("started_at").type == stamp
    assert labels.field("submitted_at").type == stamp
    assert labels.field("issues").type == pa.list_(pa.string())
    items = pq.read_schema(built["out"]["parquet"] / "items.parquet")
    assert items.field("created_at").type == stamp
    assert items.field("issues").type == pa.list_(pa.string())
    assert items.field("tags").type == pa.struct(
        [pa.field(k, pa.string()) for k in ("difficulty", "domain", "language")]
    )
    metadata = items.field("metadata").type
    assert pa.types.is_struct(metadata)
    fields = {f.name: f.type for f in metadata}
    assert fields["n"] == pa.int64()
    assert fields["run"] == pa.string()  # nested: its JSON text
    assert fields["score"] == pa.float64()


def test_nested_item_values_read_back(built: dict) -> None:
    out = built["out"]
    parquet = pd.read_parquet(out["parquet"] / "items.parquet").set_index("item_id")
    jsonl = pd.read_json(out["jsonl"] / "items.jsonl", lines=True, dtype=False)
    jsonl = jsonl.set_index("item_id")
    csv = pd.read_csv(out["csv"] / "items.csv").set_index("item_id")
    for i in parquet.index:  # the consensus of a multilabel criterion: a list everywhere
        want = _plain(parquet.at[i, "issues"])
        assert _plain(jsonl.at[i, "issues"]) == want
        assert (
            json.loads(csv.at[i, "issues"]) if isinstance(csv.at[i, "issues"], str) else None
        ) == want
    assert any(_plain(v) == [] for v in parquet["issues"])
    for item in EXTRA_ITEMS:
        i = item["id"]
        assert jsonl.at[i, "tags"] == item["tags"]
        assert jsonl.at[i, "metadata"] == item["metadata"]
        assert json.loads(csv.at[i, "metadata"]) == item["metadata"]
        tags = {k: v for k, v in parquet.at[i, "tags"].items() if v is not None}
        assert tags == item["tags"]
        meta = {k: v for k, v in parquet.at[i, "metadata"].items() if v is not None}
        assert json.loads(meta.pop("run")) == item["metadata"]["run"]
        assert meta == {k: v for k, v in item["metadata"].items() if k != "run"}
        stamp = parquet.at[i, "created_at"]
        assert stamp.to_pydatetime() == parse_time(item["created_at"])
        assert jsonl.at[i, "created_at"] == item["created_at"]


def test_hf_features_name_the_options(built: dict) -> None:
    datasets = pytest.importorskip("datasets")
    labels = datasets.load_dataset(str(built["out"]["hf"]), "labels", split="train")
    issues = labels.features["issues"]
    assert isinstance(issues.feature, datasets.ClassLabel)
    assert issues.feature.names[0] == "hallucination"
    assert isinstance(labels.features["verdict"], datasets.ClassLabel)
    assert "ship" in labels.features["verdict"].names
    assert labels.features["submitted_at"] == datasets.Value("timestamp[us, tz=UTC]")
    items = datasets.load_dataset(str(built["out"]["hf"]), "items", split="train")
    assert items.features["created_at"] == datasets.Value("timestamp[us, tz=UTC]")
    assert set(items.features["tags"]) == {"difficulty", "domain", "language"}


def _alpha(frame: pd.DataFrame, option: str) -> tuple[float, int]:
    """Krippendorff's alpha (nominal) on one option of `issues`, raters x items, from the
    exported labels; a null answer is missing, a list is ticked / not ticked."""
    krippendorff = pytest.importorskip("krippendorff")
    raters = sorted(frame["annotator"].unique())
    items = sorted(frame["item_id"].unique())
    data = np.full((len(raters), len(items)), np.nan)
    n = 0
    for rater, item, issues in frame[["annotator", "item_id", "issues"]].itertuples(index=False):
        issues = _plain(issues)
        if issues is None:
            continue
        data[raters.index(rater), items.index(item)] = float(option in issues)
        n += 1
    return krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), n


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_agreement_from_the_exported_labels_is_the_manifests(built: dict, fmt: str) -> None:
    out = built["out"][fmt]
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["agreement"]["issues[hallucination]"]
    frame = pd.DataFrame(_labels(fmt, out))
    alpha, n = _alpha(frame, "hallucination")
    assert n == entry["n_labels"]
    assert alpha == pytest.approx(entry["alpha"], abs=1e-6)
    # read the old way (an empty list as missing) the figure is another one
    old = frame.assign(issues=[v if len(_plain(v) or []) else None for v in frame["issues"]])
    wrong, fewer = _alpha(old, "hallucination")
    assert fewer < n and abs(wrong - entry["alpha"]) > 0.05


def test_croissant_and_card_name_every_model_and_never_none(built: dict) -> None:
    data = json.loads((built["out"]["croissant"] / "croissant.json").read_text())
    card = (built["out"]["hf"] / "README.md").read_text()
    sources = json.loads((built["out"]["parquet"] / "manifest.json").read_text())["sources"]
    judged = [s for s in sources if s.get("model_id")]
    assert judged
    tools = " ".join(data["rai:machineAnnotationTools"])
    platform = " ".join(data["rai:dataAnnotationPlatform"])
    for s in judged:
        for key in ("model_id", "model_version", "prompt_version"):
            if s.get(key):
                assert s[key] in tools and s[key] in platform and s[key] in card, key
    text = json.dumps(data)
    assert "None" not in text and "None" not in card
    fields = {f["name"]: f for rs in data["recordSet"] for f in rs["field"]}
    assert fields["submitted_at"]["dataType"] == "sc:DateTime"
    assert fields["issues"]["repeated"] is True


def test_inspect_samples_carry_the_prompt_rubric_and_sources(built: dict) -> None:
    dataset_module = pytest.importorskip("inspect_ai.dataset")
    dataset = dataset_module.json_dataset(str(built["out"]["inspect"] / "samples.jsonl"))
    project = built["project"]
    labels = pd.read_parquet(built["out"]["parquet"] / "labels.parquet")
    assert len(dataset) > 30
    for sample in dataset:
        item = project.row("SELECT * FROM items WHERE id = ?", [sample.id])
        if item["input_kind"] == "text":
            want = f"Judge this answer.\n\nQ: {item['input']}\nA: {item['output'] or ''}"
            assert sample.input == want
        meta = sample.metadata
        assert meta["rubric"] == "Assistant answer review"
        on_item = labels[labels["item_id"] == sample.id]
        assert meta["rubric_version"] == on_item["rubric_version"].max()
        expected = []
        for source, part in sorted(on_item.groupby("source"), key=lambda e: e[0]):
            priced = part["cost"].dropna()
            expected.append(
                {
                    "source": source,
                    "labels": len(part),
                    "cost": round(priced.sum(), 6) if len(priced) else None,
                }
            )
        got = [{k: m[k] for k in ("source", "labels", "cost")} for m in meta["label_sources"]]
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            assert g["source"] == e["source"] and g["labels"] == e["labels"]
            assert (g["cost"] is None) == (e["cost"] is None)
            if e["cost"] is not None:
                assert g["cost"] == pytest.approx(e["cost"], abs=1e-5)
    manifest = json.loads((built["out"]["inspect"] / "manifest.json").read_text())
    assert manifest["options"]["prompt_template"].startswith("Judge this answer.")


def test_inspect_default_prompt_puts_the_output_in_the_input(tmp_path: Path) -> None:
    from annotator.exchange.export.inspect_samples import prompt

    single = {"id": "a", "input": "Q?", "input_kind": "text", "pairwise": 0, "output": "A."}
    single |= {"output_a": None, "output_b": None, "reference": None, "context": None}
    assert prompt(single, None) == "Q?\n\nResponse:\nA."
    pair = single | {"pairwise": 1, "output": None, "output_a": "x", "output_b": "y"}
    assert prompt(pair, None) == "Q?\n\nResponse A:\nx\n\nResponse B:\ny"
    chat = single | {
        "input_kind": "chat",
        "input": json.dumps(
            [{"role": "developer", "content": "s"}, {"role": "user", "content": "u"}]
        ),
    }
    assert prompt(chat, "{input}|{output}") == "system: s\n\nuser: u|A."


def test_a_bad_prompt_template_is_refused_before_anything_is_written() -> None:
    from annotator.exchange.export import ExportError

    with pytest.raises(ExportError, match=r"--prompt-template: unknown field \{answer\}"):
        ExportOptions(format="inspect", prompt_template="{answer}").check()
