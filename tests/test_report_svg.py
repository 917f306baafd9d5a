"""The report's hand-drawn SVG charts (`annotator.report.svg`, `svg_drift`): valid SVG
with the figures as text, colours as matplotlib's colormap mixes them, version changes
marked where the matplotlib charts mark them, and a report that needs no matplotlib."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from annotator.quality.anchor_series import AnchorSeries
from annotator.report.svg import agreement_svg, blend, distribution_svg, matrix_svg, nice_ticks
from annotator.report.svg_drift import LEFT, RIGHT, drift_svg
from annotator.stats.control_chart import bernoulli_cusum, rolling_accuracy

NS = "{http://www.w3.org/2000/svg}"
REPO = Path(__file__).resolve().parents[1]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text")]


def test_colours_mix_as_matplotlibs_colormap():
    from matplotlib.colors import LinearSegmentedColormap, to_hex

    stops = ["#c0362c", "#f7f7f7", "#2f6bd8"]
    cmap = LinearSegmentedColormap.from_list("kappa", stops)
    for at in (0.0, 0.1, 0.25, 0.5, 0.62, 0.9, 1.0):
        ours = [int(blend(stops, at)[k : k + 2], 16) for k in (1, 3, 5)]
        theirs = [int(to_hex(cmap(at))[k : k + 2], 16) for k in (1, 3, 5)]
        assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) <= 2, at


def test_ticks_are_round_numbers_inside_the_range():
    assert nice_ticks(0.0, 1.08, 6) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(-0.35, 1.08, 6) == [-0.25, 0.0, 0.25, 0.5, 0.75, 1.0]
    assert nice_ticks(0.0, 37.0, 5) == [0.0, 10.0, 20.0, 30.0]
    assert nice_ticks(2.0, 2.0) == [2.0]


def test_the_forest_plot_names_every_scope_and_value():
    agreement = {
        "criteria": {"quality": {"alpha": 0.71, "alpha_ci": [0.6, 0.8]}},
        "sources": {"crowd": {"kind": "crowd", "criteria": {"quality": {"alpha": -0.12}}}},
        "vs_expert_consensus": {"crowd": {"quality": {"alpha": 0.55, "alpha_ci": [0.4, 0.7]}}},
    }
    root = parse(agreement_svg(agreement))
    shown = texts(root)
    for text in ("quality", "all labels", "crowd (crowd)", "crowd vs expert consensus",
                 "0.71", "-0.12", "0.55"):  # fmt: skip
        assert text in shown, text
    assert len(list(root.iter(f"{NS}circle"))) == 3  # one point per scope
    assert shown.count("0.5") == 2  # the scale above and below
    empty = parse(agreement_svg({"criteria": {}, "sources": {}, "vs_expert_consensus": {}}))
    assert "no agreement to show yet" in texts(empty)


def test_the_matrix_has_a_cell_per_pair_grey_when_too_few():
    matrix = {"raters": ["ann", "bob", "cy"], "weights": "quadratic",
              "kappa": [[None, 0.5, -0.25], [0.5, None, 1.0], [-0.25, 1.0, None]]}  # fmt: skip
    root = parse(matrix_svg(matrix, "quality"))
    cells = [r for r in root.iter(f"{NS}rect") if r.get("x") and r.get("width") == r.get("height")]
    assert len(cells) == 9
    grey = [c for c in cells if c.get("fill") == "#d8dce2"]
    assert len(grey) == 3  # the diagonal
    assert {"0.50", "-0.25", "1.00"} <= set(texts(root))
    assert "quality: Cohen's kappa (quadratic)" in texts(root)


def test_the_distribution_chart_marks_a_new_version_before_its_week():
    entry = {
        "criterion": "score", "subject": "judge", "values": ["1", "2"],
        "baseline_week": "2026-01-05",
        "weeks": [{"week": "2026-01-05", "n": 3, "counts": [1, 2]},
                  {"week": "2026-01-12", "n": 4, "counts": [2, 2]},
                  {"week": "2026-01-19", "n": 5, "counts": [4, 1], "shifted": True, "jsd": 0.31}],
    }  # fmt: skip
    root = parse(distribution_svg(entry, breaks=[("2026-01-14T10:00:00Z", "v2")]))
    breaks = [line for line in root.iter(f"{NS}line") if line.get("id") == "version-break"]
    assert len(breaks) == 1
    bars = [r for r in root.iter(f"{NS}rect") if r.get("stroke") == "#ffffff"]
    assert len(bars) == 6  # two values in each of three weeks
    first_week_right = max(float(b.get("x")) + float(b.get("width")) for b in bars[:2])
    second_week_left = min(float(b.get("x")) for b in bars[2:4])
    assert first_week_right < float(breaks[0].get("x1")) < second_week_left
    assert {"v2", "baseline", "JS 0.31"} <= set(texts(root))


def _series(n: int, seed: int = 1) -> AnchorSeries:
    rng = np.random.default_rng(seed)
    outcome = (rng.random(n) < 0.8).astype(np.int8)
    return AnchorSeries(
        subject="crowd-e04b",
        criterion="verdict",
        label_id=np.arange(n),
        day=np.full(n, 2461000.5),
        outcome=outcome,
        chart=bernoulli_cusum(outcome),
        rolling=rolling_accuracy(outcome),
    )


def test_the_drift_chart_breaks_its_lines_at_a_version_change():
    n = 120
    versions = ["v1"] * 70 + ["v2"] * 50
    root = parse(drift_svg(_series(n), versions=versions))
    breaks = [line for line in root.iter(f"{NS}line") if line.get("id") == "version-break"]
    assert len(breaks) == 2  # through both panels, at the same place
    at = float(breaks[0].get("x1"))
    assert all(float(b.get("x1")) == at for b in breaks)
    x_lo, x_hi = 0.5 - 0.04 * n, n + 0.5 + 0.04 * n
    assert at == pytest.approx(LEFT + (70.5 - x_lo) / (x_hi - x_lo) * (RIGHT - LEFT), abs=0.1)
    lines = list(root.iter(f"{NS}polyline")) + list(root.iter(f"{NS}polygon"))
    spans = 0
    for shape in lines:
        xs = [float(p.split(",")[0]) for p in shape.get("points").split()]
        assert not (min(xs) < at - 0.5 and max(xs) > at + 0.5), "a line spans the change"
        spans += 1
    assert spans >= 4  # band, accuracy and statistic in each version at least
    assert {"v1", "v2"} <= set(texts(root))
    plain = parse(drift_svg(_series(n)))
    assert not [line for line in plain.iter(f"{NS}line") if line.get("id") == "version-break"]
    assert "scored anchor answers, in order" in texts(plain)


def test_the_report_is_written_without_matplotlib(tmp_path):
    """The point of drawing by hand: `annotator report` never imports matplotlib for the
    agreement, matrix, distribution, drift and weekly charts."""
    from annotator.demo import build_demo

    path = build_demo(tmp_path / "demo.annotator")
    code = (
        "import sys\n"
        "from annotator.report.html import write_report\n"
        "from annotator.store.project import open_project\n"
        f"with open_project({str(path)!r}) as project:\n"
        f"    write_report(project, {str(tmp_path / 'r.html')!r}, n_boot=20)\n"
        "print(sorted(m for m in ('matplotlib', 'pandas', 'scipy') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "r.html").read_text(encoding="utf-8").count("<svg") >= 10
