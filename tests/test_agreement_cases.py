"""Every published case in ../shared/reference/agreement_cases.json, reproduced to its
tolerance through the public functions AND through `annotator agreement --labels`
(the case written as a long CSV or JSONL file, as a lead would have it)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from annotator.cli import main as cli
from annotator.stats.agreement import (
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    krippendorff_alpha,
    percent_agreement,
)
from annotator.stats.consensus import dawid_skene
from annotator.stats.reliability import ReliabilityData
from tests.conftest import shared_path

LEVELS = ("nominal", "ordinal", "interval", "ratio")


@pytest.fixture(scope="module")
def cases() -> dict[str, dict]:
    data = json.loads(shared_path("reference", "agreement_cases.json").read_text("utf-8"))
    return {case["name"]: case for case in data["cases"]}


def long_records(case: dict) -> list[tuple[str, str, object]]:
    """(item, rater, value) for any layout of the file."""
    layout, data = case["layout"], case["data"]
    if layout == "raters x units":
        return [
            (f"u{i + 1}", f"r{r + 1}", value)
            for r, row in enumerate(data)
            for i, value in enumerate(row)
            if value is not None
        ]
    if layout == "subjects x category counts":
        # who gave which label is unknown: each subject's labels go to raters 1..6
        out = []
        for s, counts in enumerate(data):
            slot = 0
            for category, n in enumerate(counts):
                for _ in range(n):
                    slot += 1
                    out.append((f"s{s + 1}", f"r{slot}", f"c{category}"))
        return out
    if layout == "two label lists, one per rater":
        return [
            (f"p{i + 1}", rater, value)
            for rater in ("rater_a", "rater_b")
            for i, value in enumerate(data[rater])
        ]
    if layout == "task -> worker -> label":
        return [(task, w, v) for task, by in data.items() for w, v in by.items()]
    raise AssertionError(f"unknown layout {layout}")


def write_file(records: list[tuple[str, str, object]], path: Path) -> Path:
    if path.suffix == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["item", "rater", "value"])
            writer.writerows(records)
    else:
        lines = [json.dumps({"item": i, "rater": r, "value": v}) for i, r, v in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def quick(capsys: pytest.CaptureFixture[str], path: Path, *options: str) -> dict:
    capsys.readouterr()
    assert cli(["agreement", "--labels", str(path), "--json", "--bootstrap", "0", *options]) == 0
    return json.loads(capsys.readouterr().out)


def test_every_case_is_covered_here(cases):
    assert set(cases) == {
        "krippendorff_2011_4x12",
        "fleiss_1971_30x6",
        "cohen_grant_50",
        "dawid_skene_crowdkit_5x5",
    }, "a new reference case needs a test in this file"


# -- Krippendorff (2011) ----------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_2011_through_the_functions(cases, level):
    case = cases["krippendorff_2011_4x12"]
    data = ReliabilityData.from_matrix(case["data"], layout="raters x items")
    got = krippendorff_alpha(data, level, n_boot=0)
    assert got.value == pytest.approx(case["expected"][f"alpha_{level}"], abs=case["tol"])


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_2011_through_the_quick_cli(cases, level, suffix, tmp_path, capsys):
    case = cases["krippendorff_2011_4x12"]
    path = write_file(long_records(case), tmp_path / f"k2011{suffix}")
    printed = quick(capsys, path, "--level", level)
    assert printed["alpha"] == pytest.approx(case["expected"][f"alpha_{level}"], abs=case["tol"])
    assert printed["n_raters"] == 4 and printed["n_labels"] == 41


# -- Fleiss (1971) ----------------------------------------------------------------------------


def test_fleiss_1971_through_the_functions(cases):
    case = cases["fleiss_1971_30x6"]
    expected, tol = case["expected"]["fleiss_kappa"], case["tol"]
    assert fleiss_kappa_from_counts(case["data"], n_boot=0).value == pytest.approx(
        expected, abs=tol
    )
    data = ReliabilityData.from_category_counts(case["data"])
    assert fleiss_kappa(data, n_boot=0).value == pytest.approx(expected, abs=tol)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_fleiss_1971_through_the_quick_cli(cases, suffix, tmp_path, capsys):
    case = cases["fleiss_1971_30x6"]
    path = write_file(long_records(case), tmp_path / f"fleiss{suffix}")
    printed = quick(capsys, path)
    assert printed["fleiss_kappa"] == pytest.approx(
        case["expected"]["fleiss_kappa"], abs=case["tol"]
    )
    assert printed["n_items"] == 30 and printed["n_labels"] == 180


# -- Cohen's kappa, 50 proposals --------------------------------------------------------------


def test_cohen_50_proposals_through_the_functions(cases):
    case = cases["cohen_grant_50"]
    data = ReliabilityData.from_records(long_records(case))
    expected, tol = case["expected"], case["tol"]
    assert cohen_kappa(data, n_boot=0).value == pytest.approx(expected["cohen_kappa"], abs=tol)
    assert percent_agreement(data, n_boot=0).value == pytest.approx(
        expected["percent_agreement"], abs=tol
    )


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_cohen_50_proposals_through_the_quick_cli(cases, suffix, tmp_path, capsys):
    case = cases["cohen_grant_50"]
    path = write_file(long_records(case), tmp_path / f"cohen{suffix}")
    printed = quick(capsys, path, "--bootstrap", "200")
    expected, tol = case["expected"], case["tol"]
    assert printed["cohen_kappa"] == pytest.approx(expected["cohen_kappa"], abs=tol)
    assert printed["percent_agreement"] == pytest.approx(expected["percent_agreement"], abs=tol)
    low, high = printed["cohen_kappa_ci"]
    assert low < expected["cohen_kappa"] < high  # an interval around it, not a point


# -- Dawid-Skene (crowd-kit) ------------------------------------------------------------------


def test_dawid_skene_through_the_function(cases):
    case = cases["dawid_skene_crowdkit_5x5"]
    result = dawid_skene(long_records(case))
    assert result.labels() == case["expected"]["converged_labels"]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_dawid_skene_through_the_quick_cli(cases, suffix, tmp_path, capsys):
    case = cases["dawid_skene_crowdkit_5x5"]
    path = write_file(long_records(case), tmp_path / f"ds{suffix}")
    printed = quick(capsys, path, "--consensus", "dawid_skene")
    items = printed["consensus"]["items"]
    assert {k: v["value"] for k, v in items.items()} == case["expected"]["converged_labels"]
    assert printed["consensus"]["method"] == "dawid_skene"


def test_quick_mode_prints_a_table_with_the_consensus(cases, tmp_path, capsys):
    case = cases["dawid_skene_crowdkit_5x5"]
    path = write_file(long_records(case), tmp_path / "ds.csv")
    capsys.readouterr()
    assert cli(["agreement", "--labels", str(path), "--consensus", "majority"]) == 0
    out = capsys.readouterr().out
    assert "Krippendorff's alpha (nominal)" in out and "Consensus (majority)" in out
    assert "t4" in out
