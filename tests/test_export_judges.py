"""The judges in an export: the manifest's `judges` equals `judge_summaries` (at the export's
stated resample count), the `sources` row of a judge carries its current version, verdicts
and agreement, the dataset card has a paragraph per judge, and two exports of the same
state stay byte-identical. Figures checked against the design of
`tests/support/judge_project` (v1 the planted truth, v2 one point lower)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.exchange.export import ExportOptions, export_project
from annotator.exchange.export.columns import SOURCE_COLUMNS
from annotator.exchange.export.run import JUDGE_N_BOOT
from annotator.judges.summary import judge_summaries
from annotator.store.project import open_project
from tests.support import judge_project
from tests.support.export_project import small_project
from tests.support.judge_project import JUDGE, JudgeProject


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> JudgeProject:
    return judge_project.build(tmp_path_factory.mktemp("export-judges"))


def _sources(folder: Path) -> dict[str, dict]:
    lines = (folder / "sources.jsonl").read_text(encoding="utf-8").splitlines()
    return {row["source"]: row for row in map(json.loads, lines)}


def test_the_manifest_holds_judge_summaries(built: JudgeProject, tmp_path: Path) -> None:
    with open_project(built.path) as project:
        result = export_project(project, tmp_path / "out", ExportOptions(n_boot=300))
        expected = judge_summaries(project, n_boot=JUDGE_N_BOOT, seed=0, real_names=False)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["judges"] == json.loads(json.dumps(expected))
    assert manifest["judge_settings"]["n_boot"] == JUDGE_N_BOOT < 300  # a modest count, stated
    assert result.manifest["judges"] == manifest["judges"]
    [judge] = manifest["judges"]
    assert judge["judge"] == JUDGE and judge["current_version"] == "v2"
    assert [v["version"] for v in judge["versions"]] == ["v1", "v2"]
    assert judge["alignment"]["settings"]["n_boot"] == JUDGE_N_BOOT
    # independently: the current labels are v2's, against the expert median
    median = [int(np.median(built.experts[i])) for i in built.items]
    current = [built.v2[i] for i in built.items]
    kappa = cohen_kappa_score(median, current, weights="quadratic", labels=[1, 2, 3, 4, 5])
    [score] = judge["alignment"]["criteria"]
    assert score["agreement"] == pytest.approx(kappa, abs=1e-6)
    assert score["agreement"] == round(score["agreement"], 6)  # rounded like the statistics
    bias = np.mean(np.array(current) - np.array(median))
    assert score["bias"] == pytest.approx(bias, abs=1e-6)


def test_two_versions_give_an_exchange_rate(built: JudgeProject, tmp_path: Path) -> None:
    with open_project(built.path) as project:
        export_project(project, tmp_path / "out", ExportOptions(n_boot=0))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    [pair] = manifest["judges"][0]["exchange"]
    assert (pair["from"], pair["to"], pair["n_items"]) == ("v1", "v2", len(built.items))
    [score] = pair["criteria"]
    old = np.array([built.v1[i] for i in built.items])
    new = np.array([built.v2[i] for i in built.items])
    assert score["mean_shift"] == pytest.approx(float(np.mean(new - old)), abs=1e-6)
    assert score["percent_agreement"] == pytest.approx(float(np.mean(new == old)), abs=1e-6)
    rows = {row["old"]: row for row in score["exchange"]["rows"]}
    for value in range(2, 6):
        assert rows[value]["n"] == int(np.sum(old == value))
        assert rows[value]["mean_new"] == value - 1
    assert rows[1]["mean_new"] == 1


def test_the_sources_row_of_a_judge(built: JudgeProject, tmp_path: Path) -> None:
    with open_project(built.path) as project:
        export_project(project, tmp_path / "out", ExportOptions(n_boot=50))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    [score] = manifest["judges"][0]["alignment"]["criteria"]
    rows = _sources(tmp_path / "out")
    names = [c.name for c in SOURCE_COLUMNS]
    assert list(rows[JUDGE]) == names  # every column, in order
    assert names.index("judge_version") > names.index("median_active_s")  # the old ones first
    judge = rows[JUDGE]
    assert judge["judge_version"] == "v2"
    assert judge["judge_verdicts"] == f"score: {score['verdict']}"
    low, high = score["agreement_ci"]
    assert judge["judge_agreement"] == f"score: {score['agreement']:.3f} [{low:.3f}, {high:.3f}]"
    experts = rows["experts"]
    assert (experts["judge_version"], experts["judge_verdicts"], experts["judge_agreement"]) == (
        None,
        None,
        None,
    )


def test_the_card_has_a_paragraph_per_judge(built: JudgeProject, tmp_path: Path) -> None:
    with open_project(built.path) as project:
        export_project(project, tmp_path / "hf", ExportOptions(format="hf", n_boot=50))
    manifest = json.loads((tmp_path / "hf" / "manifest.json").read_text(encoding="utf-8"))
    [score] = manifest["judges"][0]["alignment"]["criteria"]
    card = (tmp_path / "hf" / "README.md").read_text(encoding="utf-8")
    assert "## LLM judges" in card
    section = card.split("## LLM judges", 1)[1].split("\n## ", 1)[0]
    assert f"**{JUDGE}** (current version v2, 2 versions)" in section
    assert f"`score` {score['verdict']} ({score['agreement']:.3f}" in section
    assert "Thresholds: stands in" in section


def test_same_state_same_bytes_with_a_judge(built: JudgeProject, tmp_path: Path) -> None:
    with open_project(built.path) as project:
        for name in ("one", "two"):
            export_project(project, tmp_path / name, ExportOptions(format="hf", n_boot=50))
    a = {p.name: p.read_bytes() for p in (tmp_path / "one").rglob("*") if p.is_file()}
    b = {p.name: p.read_bytes() for p in (tmp_path / "two").rglob("*") if p.is_file()}
    assert [name for name in a if a[name] != b[name]] == ["manifest.json"]
    left, right = (json.loads(x["manifest.json"]) for x in (a, b))
    left.pop("exported_at"), right.pop("exported_at")
    assert left == right and left["judges"]


def test_imported_judge_labels_are_a_judge_without_exchange(tmp_path: Path) -> None:
    small = small_project(tmp_path / "p")  # its "judge" source's labels were imported
    export_project(small.project, tmp_path / "out", ExportOptions(n_boot=0))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    [judge] = manifest["judges"]
    assert (judge["judge"], judge["configured"], judge["exchange"]) == ("judge", False, [])
    labels = [w for w in small.effective if w.source == "judge"]
    [version] = judge["versions"]
    assert version["labels"] == len(labels)
    assert version["items_judged"] == len({w.item for w in labels})
    assert version["version"].startswith("ann-")  # the annotator's pseudonym, not its name
    assert _sources(tmp_path / "out")["judge"]["judge_version"] == version["version"]


def test_no_judge_no_judges(tmp_path: Path) -> None:
    path = judge_project.experts_only(tmp_path)
    with open_project(path) as project:
        export_project(project, tmp_path / "hf", ExportOptions(format="hf", n_boot=0))
    manifest = json.loads((tmp_path / "hf" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["judges"] == [] and "judge_settings" not in manifest
    assert "## LLM judges" not in (tmp_path / "hf" / "README.md").read_text(encoding="utf-8")
