"""`annotator report`: one self-contained HTML file. On DialSummEval its agreement table
holds each source's alpha and the crowd against the expert consensus, equal to the
`krippendorff` package on the raw files; on the synthetic drift project it lists the
planted alerts with their charts. Read back with the standard library's HTML parser."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from annotator.cli import main as cli
from tests.conftest import shared_path
from tests.support import dialsummeval, drift_project
from tests.support.dialsummeval_raw import (
    CROWD_COLUMNS,
    alpha_from_labels,
    crowd_vs_expert_alpha,
    read_raw,
)


class ReportParser(HTMLParser):
    """Rows of every table with an id, tags seen, and external references."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self.table: str | None = None
        self.tags: dict[str, int] = {}
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        found = dict(attrs)
        for key in ("src", "href"):
            value = found.get(key) or ""
            if value and not value.startswith(("#", "data:")):
                self.external.append(value)
        if tag == "table" and found.get("id"):
            self.table = found["id"]
            self.tables[self.table] = []
        elif tag == "tr" and self.table is not None and any(k.startswith("data-") for k in found):
            self.tables[self.table].append({k: v or "" for k, v in found.items()})

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.table = None


def read_report(path: Path) -> ReportParser:
    parser = ReportParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def dse_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReportParser, dict, Path]:
    data = shared_path("data", "dialsummeval")
    folder = tmp_path_factory.mktemp("dse-report")
    project = dialsummeval.build_project(data, folder)
    out = folder / "report.html"
    assert cli(["report", str(project), "--out", str(out), "--bootstrap", "200"]) == 0
    return read_report(out), read_raw(data), out


def test_the_report_has_each_source_and_the_crowd_against_the_experts(dse_report):
    report, raw, _ = dse_report
    rows = {(r["data-criterion"], r["data-scope"]): r for r in report.tables["agreement"]}
    for key in CROWD_COLUMNS:
        experts = float(rows[(key, "experts (expert)")]["data-alpha"])
        crowd = float(rows[(key, "mturk (crowd)")]["data-alpha"])
        versus = float(rows[(key, "mturk vs expert consensus")]["data-alpha"])
        assert experts == pytest.approx(alpha_from_labels(raw[key]["experts"]), abs=1e-9)
        assert crowd == pytest.approx(alpha_from_labels(raw[key]["crowd"]), abs=1e-9)
        assert versus == pytest.approx(crowd_vs_expert_alpha(raw, key), abs=1e-9)


def test_the_report_is_one_self_contained_file(dse_report):
    report, _, path = dse_report
    text = path.read_text(encoding="utf-8")
    assert report.external == [], "the report must not link to anything outside itself"
    assert report.tags.get("script", 0) == 0 and report.tags.get("link", 0) == 0
    assert report.tags.get("style", 0) >= 1
    assert "url(http" not in text and "@import" not in text
    assert report.tags.get("svg", 0) >= 2  # the agreement chart and the annotator matrices
    assert "<image" not in text or "data:image/png;base64," in text
    assert len(report.tables["lowest"]) == 20
    assert "Agreement per criterion" in text and "Needs attention" in text


def test_the_drift_project_report_lists_the_planted_alerts(tmp_path):
    project = drift_project.build(tmp_path)
    out = tmp_path / "out" / "drift.html"
    command = ["report", str(project), "--out", str(out), "--bootstrap", "100", "--real-names"]
    assert cli(command) == 0  # names, to find the planted ones (default: test_report_names)
    report = read_report(out)
    alerts = {(r["data-kind"], r["data-subject"]) for r in report.tables["alerts"]}
    assert ("anchor_accuracy", drift_project.DRIFTER) in alerts
    assert ("distribution", drift_project.JUDGE) in alerts
    text = out.read_text(encoding="utf-8")
    assert "Self-consistency on repeats" in text and "Rubric version changes" in text
    versions = {r["data-criterion"]: r for r in report.tables["versions"]}
    assert versions["quality"]["data-n-items"] == "40"  # the 40 items relabeled under v2
    assert versions["quality"]["data-to"].endswith("v2")
    assert "Alert rules" in text and "Bernoulli CUSUM" in text
    assert report.tags.get("svg", 0) >= 6  # agreement, matrices, drift and distribution charts


def test_a_folder_as_the_output_is_a_user_error(dse_report, capsys):
    _, _, path = dse_report
    project = path.parent / "dialsummeval.annotator"
    assert cli(["report", str(project), "--out", str(path.parent)]) == 2
    assert "is a folder" in capsys.readouterr().err
