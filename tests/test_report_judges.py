"""The report's "LLM judges" section and the version breaks in a judge's charts.

On a project with three experts and a configured judge run twice through the scripted
server (v1 answers the planted truth, v2 one point lower; `tests/support/judge_project`):
the section lists both versions, the per-criterion verdict and agreement equal to
`judge_alignment`'s (and the kappa equal to scikit-learn's on the expert median against
v2's answers), and the v1 -> v2 exchange rate with the mean shift computed from the design.
The anchor-accuracy chart of the judge never draws one line across the version change and
marks it "v2". A project without a judge says so in one line.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D
from sklearn.metrics import cohen_kappa_score

from annotator.judges.align import judge_alignment
from annotator.judges.label_versions import label_versions, version_starts
from annotator.judges.summary import judge_summaries
from annotator.quality.drift import drift_report
from annotator.report.charts import distribution_chart, drift_chart
from annotator.report.html import write_report
from annotator.report.judges import NO_JUDGE
from annotator.report.overview import build_overview
from annotator.store.project import open_project
from tests.support import judge_project
from tests.support.judge_project import JUDGE, JudgeProject


class Rows(HTMLParser):
    """Rows with data- attributes of every table with an id, and the ids seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self.table: str | None = None
        self.ids: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if "id" in found:
            self.ids.append(found["id"])
        if tag == "a" and found.get("href", "").startswith("#"):
            self.links.append(found["href"][1:])
        if tag == "table" and found.get("id"):
            self.table = found["id"]
            self.tables[self.table] = []
        elif tag == "tr" and self.table is not None and any(k.startswith("data-") for k in found):
            self.tables[self.table].append(found)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.table = None


def _read(path: Path) -> Rows:
    parser = Rows()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> JudgeProject:
    return judge_project.build(tmp_path_factory.mktemp("report-judges"))


@pytest.fixture(scope="module")
def report(built: JudgeProject, tmp_path_factory: pytest.TempPathFactory) -> tuple[Rows, str]:
    out = tmp_path_factory.mktemp("report-out") / "report.html"
    with open_project(built.path) as project:
        write_report(project, out, n_boot=100, seed=0)
    return _read(out), out.read_text(encoding="utf-8")


def test_the_section_is_in_the_contents_and_lists_both_versions(report, built) -> None:
    rows, text = report
    assert "judges-section" in rows.ids and "judges-section" in rows.links
    assert set(rows.links) <= set(rows.ids)  # every contents entry leads somewhere
    versions = rows.tables["judge-0-versions"]
    assert [r["data-version"] for r in versions] == ["v1", "v2"]
    assert [int(r["data-items"]) for r in versions] == [len(built.items)] * 2
    assert "judge-a" in text and "judge-b" in text  # the models each version reported
    assert NO_JUDGE not in text


def test_verdicts_and_agreement_equal_judge_alignment(report, built) -> None:
    rows, text = report
    with open_project(built.path) as project:
        expected = judge_alignment(project, JUDGE, n_boot=100, seed=0)
    shown = {r["data-criterion"]: r for r in rows.tables["judge-0-alignment"]}
    assert set(shown) == {c.criterion for c in expected.criteria} == {"score"}
    row = expected.criterion("score")
    assert shown["score"]["data-verdict"] == row.verdict
    assert float(shown["score"]["data-agreement"]) == pytest.approx(row.main().value, abs=1e-6)
    assert float(shown["score"]["data-ceiling"]) == pytest.approx(row.ceiling["value"], abs=1e-6)
    # independently: the judge's current labels are v2's; the reference is the expert median
    median = [int(np.median(built.experts[i])) for i in built.items]
    current = [built.v2[i] for i in built.items]
    kappa = cohen_kappa_score(median, current, weights="quadratic", labels=[1, 2, 3, 4, 5])
    assert float(shown["score"]["data-agreement"]) == pytest.approx(kappa, abs=1e-6)
    css = {"stands in": "good", "assist only": "warn", "not trusted": "bad"}[row.verdict]
    assert f"<td class='{css}'><b>{row.verdict}</b></td>" in text
    assert "Thresholds: stands in: agreement lower bound" in text


def test_the_exchange_rate_between_versions_is_shown(report, built) -> None:
    rows, text = report
    exchange = rows.tables["judge-0-exchange-0"]
    assert [(r["data-from"], r["data-to"], r["data-criterion"]) for r in exchange] == [
        ("v1", "v2", "score")
    ]
    old = np.array([built.v1[i] for i in built.items])
    new = np.array([built.v2[i] for i in built.items])
    assert float(exchange[0]["data-mean-shift"]) == pytest.approx(np.mean(new - old), abs=1e-6)
    assert float(exchange[0]["data-agreement"]) == pytest.approx(np.mean(new == old), abs=1e-6)
    assert "5 → 4.00" in text and "1 → 1.00" in text  # each old value's mean new value


def _finite_x(line: Line2D) -> np.ndarray:
    x = np.asarray(line.get_xdata(), dtype=float)
    y = np.asarray(line.get_ydata(), dtype=float)
    return x[np.isfinite(x) & np.isfinite(y)]


def test_the_judge_drift_chart_breaks_at_the_version_change(built) -> None:
    with open_project(built.path) as project:
        series = drift_report(project).anchors[JUDGE]["score"]
        versions = label_versions(project, series.label_id.tolist())
        overview = build_overview(project, n_boot=0)
    n = len(built.anchors)
    # the anchors were answered under v1 (run 1), then again under v2 (run 2)
    assert versions == ["v1"] * n + ["v2"] * n
    assert overview.answer_versions[JUDGE]["score"] == versions
    figure = drift_chart(series, versions=versions)
    change = n + 0.5  # between answer n (the last under v1) and n + 1 (the first under v2)
    lines = [line for ax in figure.axes for line in ax.get_lines()]
    drawn = [x for x in map(_finite_x, lines) if len(x)]
    assert any((x < change).all() for x in drawn) and any((x > change).all() for x in drawn)
    for x in drawn:
        assert not ((x < change).any() and (x > change).any()), "a line spans the change"
    for ax in figure.axes:
        for band in (c for c in ax.collections if isinstance(c, PolyCollection)):
            for path in band.get_paths():
                xs = path.vertices[:, 0]
                assert not ((xs < change).any() and (xs > change).any())
    markers = [line for line in lines if line.get_gid() == "version-break"]
    assert markers and all(set(_finite_x(m).tolist()) == {change} for m in markers)
    labels = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert "v2" in labels and "v1" in labels
    # each version's rolling accuracy is its own: v2's first point is v2's first answer
    top = figure.axes[0]
    accuracy = next(
        line
        for line in top.get_lines()
        if line.get_gid() is None and len(_finite_x(line)) and _finite_x(line).min() == n + 1
    )
    assert accuracy.get_ydata()[0] == float(series.outcome[n])
    # the series' own `version` attribute is the default (as the judges' canary series has)
    series.version = np.array(versions)
    implicit = drift_chart(series)
    assert "v2" in [t.get_text() for ax in implicit.axes for t in ax.texts]


def test_a_person_series_has_no_versions_and_no_break(built) -> None:
    with open_project(built.path) as project:
        rows = project.rows(
            "SELECT l.id FROM labels l JOIN annotators a ON a.id = l.annotator_id WHERE a.name = ?",
            (judge_project.EXPERTS[0],),
        )
        assert label_versions(project, [r[0] for r in rows]) is None
        starts = version_starts(project)
        v1_last = project.scalar(
            "SELECT max(l.submitted_at) FROM labels l JOIN annotators a "
            "ON a.id = l.annotator_id WHERE a.name = ? AND l.supersedes IS NULL",
            (JUDGE,),
        )
    assert [label for _, label in starts[JUDGE]] == ["v2"]  # one break, at v2's first label
    assert starts[JUDGE][0][0] > v1_last


def test_the_distribution_chart_marks_a_new_version() -> None:
    entry = {
        "criterion": "score",
        "subject": JUDGE,
        "values": ["1", "2"],
        "baseline_week": "2026-01-05",
        "weeks": [
            {"week": "2026-01-05", "n": 3, "counts": [1, 2]},
            {"week": "2026-01-12", "n": 4, "counts": [2, 2]},
            {"week": "2026-01-19", "n": 5, "counts": [4, 1]},
        ],
    }
    figure = distribution_chart(entry, breaks=[("2026-01-14T10:00:00Z", "v2")])
    ax = figure.axes[0]
    marks = [line for line in ax.get_lines() if line.get_gid() == "version-break"]
    assert [set(np.asarray(m.get_xdata(), float).tolist()) for m in marks] == [{0.5}]
    assert "v2" in [t.get_text() for t in ax.texts]


def test_no_judge_is_one_line(tmp_path: Path) -> None:
    path = judge_project.experts_only(tmp_path)
    out = tmp_path / "report.html"
    with open_project(path) as project:
        assert judge_summaries(project, n_boot=0) == []
        write_report(project, out, n_boot=0)
    text = out.read_text(encoding="utf-8")
    rows = _read(out)
    assert "judges-section" in rows.ids and "judges-section" in rows.links
    start = text.index("id='judges-section'")
    section = text[start : text.index("<h2", start)]
    assert NO_JUDGE in section and section.count("<p") == 1 and "<table" not in section


def test_a_judges_canary_chart_breaks_at_its_version_change() -> None:
    drift = pytest.importorskip("annotator.quality.judge_drift")
    from annotator.quality.drift_settings import DriftSettings
    from annotator.report.judges import judges_section

    rng = np.random.default_rng(3)
    rows = [  # (answer id, judge, criterion, correct, julian day, run id, version number)
        (k, JUDGE, "score", int(rng.random() < 0.9), 2461000.0 + k / 100, f"run-{k // 40}",
         1 if k < 80 else 2)
        for k in range(160)
    ]  # fmt: skip
    series = drift.judge_series(JUDGE, "score", rows, DriftSettings())
    figure = drift_chart(series)  # the versions come from the series itself
    lines = [x for ax in figure.axes for x in map(_finite_x, ax.get_lines()) if len(x)]
    assert all(not ((x < 80.5).any() and (x > 80.5).any()) for x in lines)
    assert "v2" in [t.get_text() for ax in figure.axes for t in ax.texts]
    html_text = judges_section([], {JUDGE: {"score": series}})
    assert "Canary accuracy" in html_text and html_text.count("<svg") == 1
    assert ">v2<" in html_text  # the marker's label, kept as text in the SVG


def test_the_dashboard_drift_chart_of_the_judge_breaks_at_v2(qtbot, built, tmp_path) -> None:
    from ui.shell.main_window import MainWindow

    copy = tmp_path / "judged.annotator"
    copy.write_bytes(built.path.read_bytes())
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_file(str(copy))
    assert window.show_screen("dashboard")
    screen = window.screen("dashboard")
    qtbot.waitUntil(lambda: screen.overview is not None, timeout=180_000)
    combo = screen.drift_subject
    index = combo.findData(JUDGE)
    assert index >= 0
    combo.setCurrentIndex(index)  # as a pick in the list does
    qtbot.waitUntil(lambda: screen.drift_chart.canvas is not None, timeout=10_000)
    figure = screen.drift_chart.canvas.figure
    assert "v2" in [t.get_text() for ax in figure.axes for t in ax.texts]
    change = len(built.anchors) + 0.5
    lines = [x for ax in figure.axes for x in map(_finite_x, ax.get_lines()) if len(x)]
    assert all(not ((x < change).any() and (x > change).any()) for x in lines)
