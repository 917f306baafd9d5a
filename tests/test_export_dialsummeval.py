"""Exports of the real DialSummEval project, loaded by the tools eval repositories use.

pandas reads the tables; `datasets.load_dataset` reads the Hugging Face folder
(offline); inspect_ai's `json_dataset` reads the samples; mlcroissant validates
the Croissant file (Python API and CLI). The card and the sources table show
the crowd at $0.04 a label with its agreement next to the experts', and the
cost per correct label of each; the expected figures are computed here with
pandas from the labels themselves.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from annotator.cli import main as cli
from annotator.exchange.export import table_paths
from tests.conftest import shared_path
from tests.support.export_project import dialsummeval_copy

CRITERIA = ("coherence", "consistency", "fluency", "relevance")
EXPERT_RATE = 0.50  # assumed for the test: DialSummEval does not publish what experts were paid


@pytest.fixture(scope="module")
def project_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = shared_path("data", "dialsummeval")
    path = dialsummeval_copy(data, tmp_path_factory.mktemp("dse"), tmp_path_factory.mktemp("cache"))
    assert cli(["sources", str(path), "--set-cost", "experts", "per_label", str(EXPERT_RATE)]) == 0
    return path


@pytest.fixture(scope="module")
def exports(project_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("exports")
    out = {}
    for fmt in ("jsonl", "csv", "parquet", "hf", "inspect", "croissant"):
        folder = root / fmt
        status = cli(
            [
                "export",
                str(project_file),
                "--format",
                fmt,
                "--out",
                str(folder),
                "--bootstrap",
                "200",
                "--quiet",
            ]
        )
        assert status == 0
        out[fmt] = folder
    return out


@pytest.fixture(scope="module")
def labels(project_file: Path) -> pd.DataFrame:
    """Every label with its values, read straight from the file with SQL."""
    import sqlite3

    conn = sqlite3.connect(project_file)
    frame = pd.read_sql_query(
        "SELECT l.item_id, l.annotator_id, s.name AS source, l.values_json FROM labels l "
        "JOIN sources s ON s.id = l.source_id",
        conn,
    )
    conn.close()
    values = pd.json_normalize(frame["values_json"].map(json.loads))
    return pd.concat([frame.drop(columns="values_json"), values], axis=1)


def _read(folder: Path, fmt: str, table: str) -> pd.DataFrame:
    path = folder / table_paths(fmt)[table]
    if fmt == "jsonl":
        return pd.read_json(path, lines=True)
    if fmt == "csv":
        return pd.read_csv(path)
    return pd.read_parquet(path)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_the_tables_load_with_pandas(
    exports: dict[str, Path], labels: pd.DataFrame, fmt: str
) -> None:
    items = _read(exports[fmt], fmt, "items")
    rows = _read(exports[fmt], fmt, "labels")
    sources = _read(exports[fmt], fmt, "sources")
    assert len(items) == 1400 and items["item_id"].is_unique
    assert len(rows) == len(labels) == 11200
    assert sorted(sources["source"]) == ["experts", "mturk"]
    assert set(rows["item_id"]) == set(items["item_id"])
    for key in CRITERIA:
        assert rows[key].between(1, 5).all()
        assert {f"{key}_confidence", f"{key}_method", f"{key}_n_labels"} <= set(items.columns)
    merged = rows.merge(
        labels,
        left_on=["item_id", "coherence", "fluency"],
        right_on=["item_id", "coherence", "fluency"],
        how="inner",
    )
    assert len(merged) >= len(rows)  # every exported label is one of the project's


def test_consensus_is_the_median_of_all_labels(
    exports: dict[str, Path], labels: pd.DataFrame
) -> None:
    items = _read(exports["parquet"], "parquet", "items").set_index("item_id")
    for key in CRITERIA:
        grouped = labels.groupby("item_id")[key]
        expected = {}
        for item, values in grouped:
            ordered = sorted(values)
            m = len(ordered)
            low, high = ordered[(m - 1) // 2], ordered[m // 2]
            expected[item] = low if low == high else None
        got = items[key]
        for item, value in expected.items():
            if value is None:
                assert bool(items.at[item, f"{key}_tie"]) and pd.isna(got[item])
            else:
                assert got[item] == value
        assert (items[f"{key}_method"] == "median").all()
        assert (items[f"{key}_n_labels"] == 8).all()


def _expected_figures(labels: pd.DataFrame) -> dict[str, float]:
    """Match rate with the expert consensus, pooled over the criteria (computed here).

    Three experts per item: the crowd is compared with their median; an expert with
    the other two, who have a consensus only when they agree (an even split is none).
    """
    experts = labels[labels["source"] == "experts"]
    crowd = labels[labels["source"] == "mturk"]
    crowd_hits = crowd_n = expert_hits = expert_n = 0
    for key in CRITERIA:
        wide = experts.pivot(index="item_id", columns="annotator_id", values=key)
        assert wide.shape[1] == 3 and not wide.isna().any().any()
        median = wide.median(axis=1)
        reference = crowd["item_id"].map(median)
        crowd_hits += int((crowd[key].to_numpy() == reference.to_numpy()).sum())
        crowd_n += len(crowd)
        for column in wide.columns:
            others = wide.drop(columns=column)
            agree = others.iloc[:, 0] == others.iloc[:, 1]
            expert_hits += int((wide.loc[agree, column] == others.loc[agree].iloc[:, 0]).sum())
            expert_n += int(agree.sum())
    return {"mturk": crowd_hits / crowd_n, "experts": expert_hits / expert_n}


def test_sources_table_shows_cost_agreement_and_cost_per_correct_label(
    exports: dict[str, Path], labels: pd.DataFrame
) -> None:
    expected = _expected_figures(labels)
    sources = _read(exports["parquet"], "parquet", "sources").set_index("source")
    crowd, experts = sources.loc["mturk"], sources.loc["experts"]
    assert crowd["kind"] == "crowd" and crowd["currency"] == "USD"
    assert crowd["cost_per_label"] == pytest.approx(0.04)
    assert crowd["cost_total"] == pytest.approx(0.04 * 7000)
    assert experts["cost_per_label"] == pytest.approx(EXPERT_RATE)
    assert crowd["expert_match"] == pytest.approx(expected["mturk"], abs=1e-6)
    assert experts["expert_match"] == pytest.approx(expected["experts"], abs=1e-6)
    assert crowd["cost_per_correct_label"] == pytest.approx(0.04 / expected["mturk"], rel=1e-5)
    assert experts["cost_per_correct_label"] == pytest.approx(
        EXPERT_RATE / expected["experts"], rel=1e-5
    )
    assert experts["expert_kappa"] > crowd["expert_kappa"]  # the experts agree more


def test_crowd_vs_experts_matches_the_agreement_report(
    project_file: Path, exports: dict[str, Path]
) -> None:
    from annotator.quality.agreement_report import agreement_report
    from annotator.quality.project_agreement import Settings
    from annotator.store.project import open_project

    with open_project(project_file) as project:
        report = agreement_report(project, settings=Settings(n_boot=0))
    manifest = json.loads((exports["jsonl"] / "manifest.json").read_text())
    crowd = next(s for s in manifest["sources"] if s["source"] == "mturk")
    for key in CRITERIA:
        theirs = report["vs_expert_consensus"]["mturk"][key]
        mine = crowd["criteria"][key]
        assert mine["alpha"] == pytest.approx(theirs["alpha"], abs=1e-6)
        assert mine["kappa"] == pytest.approx(theirs["cohen_kappa_quadratic"], abs=1e-6)
        assert mine["match"] == pytest.approx(theirs["percent_agreement"], abs=1e-6)
        assert mine["kappa_ci"][0] < mine["kappa"] < mine["kappa_ci"][1]


def test_the_card_has_front_matter_sections_and_the_cost_table(exports: dict[str, Path]) -> None:
    text = (exports["hf"] / "README.md").read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta["annotations_creators"] == ["crowdsourced", "expert-generated"]
    assert meta["license"] and meta["task_categories"]
    assert [c["config_name"] for c in meta["configs"]] == ["items", "labels", "sources"]
    for heading in (
        "## Annotation process",
        "## Annotators",
        "## Agreement",
        "## Cost and quality per source",
    ):
        assert heading in body
    table = body.split("## Cost and quality per source", 1)[1]
    crowd_row = next(line for line in table.splitlines() if line.startswith("| mturk |"))
    expert_row = next(line for line in table.splitlines() if line.startswith("| experts |"))
    assert "$0.04" in crowd_row and "$0.50" in expert_row
    header = next(line for line in table.splitlines() if line.startswith("| source |"))
    columns = [c.strip() for c in header.strip("|").split("|")]
    for row in (crowd_row, expert_row):
        cells = dict(zip(columns, [c.strip() for c in row.strip("|").split("|")], strict=True))
        assert cells["kappa vs experts"] != "-" and cells["match"] != "-"
        assert cells["cost/correct"].startswith("$")
    assert "[" in body.split("## Agreement", 1)[1]  # intervals


def test_hugging_face_folder_loads_with_datasets(
    exports: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets")
    folder = str(exports["hf"])
    items = datasets.load_dataset(folder, "items", split="train", cache_dir=str(tmp_path / "c"))
    rows = datasets.load_dataset(folder, "labels", split="train", cache_dir=str(tmp_path / "c"))
    sources = datasets.load_dataset(folder, "sources", split="train", cache_dir=str(tmp_path / "c"))
    assert items.num_rows == 1400 and rows.num_rows == 11200 and sources.num_rows == 2
    assert "coherence_confidence" in items.column_names
    default = datasets.load_dataset(folder, split="train", cache_dir=str(tmp_path / "c"))
    assert default.num_rows == 1400


def test_inspect_samples_load_with_json_dataset(exports: dict[str, Path]) -> None:
    dataset_module = pytest.importorskip("inspect_ai.dataset")
    dataset = dataset_module.json_dataset(str(exports["inspect"] / "samples.jsonl"))
    manifest = json.loads((exports["inspect"] / "manifest.json").read_text())
    assert len(dataset) == manifest["counts"]["samples"] > 1300
    sample = dataset[0]
    target = json.loads(sample.target if isinstance(sample.target, str) else sample.target[0])
    assert set(target) == set(CRITERIA)
    assert sample.metadata["consensus"]["coherence"]["method"] in ("median", "adjudicated")
    assert sample.metadata["output"]


def test_croissant_passes_mlcroissant_validation(exports: dict[str, Path]) -> None:
    mlc = pytest.importorskip("mlcroissant")
    path = exports["croissant"] / "croissant.json"
    data = json.loads(path.read_text())
    for field in (
        "rai:dataAnnotationProtocol",
        "rai:annotationsPerItem",
        "rai:dataAnnotationPlatform",
        "rai:machineAnnotationTools",
        "rai:annotatorDemographics",
        "rai:dataAnnotationAnalysis",
    ):
        assert data[field]
    dataset = mlc.Dataset(jsonld=str(path))  # raises on validation errors
    assert not dataset.metadata.ctx.issues.errors
    records = list(dataset.records(record_set="sources"))
    assert len(records) == 2
    cli_path = Path(sys.executable).with_name("mlcroissant")
    if cli_path.exists():
        done = subprocess.run(
            [str(cli_path), "validate", "--jsonld", str(path)],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ},
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert "error" not in done.stderr.lower().replace("errors", "")


@pytest.mark.parametrize("fmt", ["jsonl", "hf", "croissant", "inspect"])
def test_manifest_lists_every_file_with_its_sha256(exports: dict[str, Path], fmt: str) -> None:
    folder = exports[fmt]
    manifest = json.loads((folder / "manifest.json").read_text())
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert sorted([*manifest["files"], "manifest.json"]) == on_disk
    for relative, digest in manifest["files"].items():
        assert hashlib.sha256((folder / relative).read_bytes()).hexdigest() == digest
    assert manifest["export_id"].startswith("exp-")
    rubric = manifest["rubric_versions"][0]
    assert rubric["version"] == 1 and "1 (worst) to 5 (best)" in rubric["guidelines"]
    assert [c["key"] for c in rubric["criteria"]] == list(CRITERIA)
    assert set(manifest["agreement"]) == set(CRITERIA)
    alpha = manifest["agreement"]["coherence"]
    assert alpha["alpha_ci"][0] <= alpha["alpha"] <= alpha["alpha_ci"][1]
    assert manifest["counts"]["labels"] == 11200


def test_every_export_is_recorded_and_audited(project_file: Path, exports: dict[str, Path]) -> None:
    import sqlite3

    conn = sqlite3.connect(project_file)
    recorded = conn.execute("SELECT format, export_id, path FROM exports").fetchall()
    audited = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'export'").fetchone()[0]
    conn.close()
    assert sorted(r[0] for r in recorded) == sorted(exports)
    assert audited == len(exports)
    for fmt, export_id, path in recorded:
        manifest = json.loads((Path(path) / "manifest.json").read_text())
        assert manifest["export_id"] == export_id
        assert Path(path) == exports[fmt].resolve()
    assert np.all([True])


@pytest.mark.parametrize("fmt", ["parquet", "hf", "croissant"])
def test_a_second_export_is_byte_identical_but_for_the_time(
    project_file: Path, exports: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    again = tmp_path / "again"
    status = cli(
        [
            "export",
            str(project_file),
            "--format",
            fmt,
            "--out",
            str(again),
            "--bootstrap",
            "200",
            "--quiet",
        ]
    )
    assert status == 0
    first, second = exports[fmt], again
    files = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert files == sorted(
        p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file()
    )
    for relative in files:
        if relative != "manifest.json":
            assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    one = (first / "manifest.json").read_text().splitlines()
    two = (second / "manifest.json").read_text().splitlines()
    differing = [(a, b) for a, b in zip(one, two, strict=True) if a != b]
    assert len(differing) == 1 and differing[0][0].strip().startswith('"exported_at"')
