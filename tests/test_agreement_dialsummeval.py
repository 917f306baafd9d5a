"""Real data: on the DialSummEval project, `annotator agreement --json` reports each
criterion's alpha for the experts, for the MTurk crowd, and the crowd against the
expert consensus, and each figure equals the `krippendorff` package run directly on
the raw files (read here with csv/json, never through the project)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from annotator.cli import main as cli
from annotator.quality.aggregate import consensus
from annotator.store.project import open_project
from tests.conftest import shared_path
from tests.support import dialsummeval
from tests.support.dialsummeval_raw import (
    CROWD_COLUMNS,
    SCALE,
    alpha_from_labels,
    crowd_vs_expert_alpha,
    pairs_alpha,
    read_raw,
)


@pytest.fixture(scope="module")
def data() -> Path:
    return shared_path("data", "dialsummeval")


@pytest.fixture(scope="module")
def built(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dialsummeval.build_project(data, tmp_path_factory.mktemp("dse-agreement"))


@pytest.fixture(scope="module")
def raw(data: Path) -> dict[str, dict[str, dict[str, list[int]]]]:
    return read_raw(data)


@pytest.fixture(scope="module")
def report(built: Path) -> dict:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert cli(["agreement", str(built), "--json", "--bootstrap", "200"]) == 0
    return json.loads(buffer.getvalue())


@pytest.mark.parametrize("key", list(CROWD_COLUMNS))
def test_expert_and_crowd_alpha_per_criterion(report, raw, key):
    experts = report["sources"]["experts"]["criteria"][key]
    crowd = report["sources"]["mturk"]["criteria"][key]
    assert experts["alpha"] == pytest.approx(alpha_from_labels(raw[key]["experts"]), abs=1e-9)
    assert crowd["alpha"] == pytest.approx(alpha_from_labels(raw[key]["crowd"]), abs=1e-9)
    assert (experts["n_items"], experts["n_labels"], experts["n_raters"]) == (1400, 4200, 3)
    assert (crowd["n_items"], crowd["n_labels"], crowd["n_raters"]) == (1400, 7000, 283)
    for entry in (experts, crowd):
        low, high = entry["alpha_ci"]
        assert low <= entry["alpha"] <= high
    assert experts["level"] == "ordinal" and experts["scale"] == SCALE


@pytest.mark.parametrize("key", list(CROWD_COLUMNS))
def test_crowd_against_the_expert_consensus(report, raw, key):
    median = {item: statistics.median(labels) for item, labels in raw[key]["experts"].items()}
    vs = report["vs_expert_consensus"]["mturk"][key]
    assert vs["alpha"] == pytest.approx(crowd_vs_expert_alpha(raw, key), abs=1e-9)
    assert vs["n_labels"] == 7000 and vs["n_items"] == 1400
    crowd_median = {i: statistics.median(labels) for i, labels in raw[key]["crowd"].items()}
    own = [(median[i], crowd_median[i]) for i in median]
    assert vs["source_consensus"]["alpha"] == pytest.approx(pairs_alpha(own), abs=1e-9)


def test_the_sources_differ_as_the_files_say(report, raw):
    """The worked example: the crowd agrees with itself and with the experts far less
    than the experts agree with each other, on every criterion but fluency (where the
    experts barely agree either)."""
    for key in ("coherence", "consistency", "relevance"):
        experts = report["sources"]["experts"]["criteria"][key]
        crowd = report["sources"]["mturk"]["criteria"][key]
        assert experts["alpha_ci"][0] > crowd["alpha_ci"][1]


def test_expert_consensus_is_the_median_of_the_three(built, raw):
    with open_project(built) as project:
        result = consensus(project, "relevance", source_kinds=["expert"])
    median = {i: statistics.median(v) for i, v in raw["relevance"]["experts"].items()}
    assert {i: c.value for i, c in result.items()} == median
    assert all(c.method == "median" and c.n_labels == 3 for c in result.values())
