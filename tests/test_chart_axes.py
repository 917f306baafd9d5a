"""Chart axes a reader can read (issue 19): answers counted in whole numbers, and the
agreement forest plot's scale shown where a tall chart is seen."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from annotator.quality.anchor_series import AnchorSeries
from annotator.report.charts import agreement_chart, drift_chart
from annotator.stats.control_chart import bernoulli_cusum, rolling_accuracy


def _short_series(n: int) -> AnchorSeries:
    outcome = np.array([1, 0, 1, 1, 0, 1][:n], dtype=np.int8)
    return AnchorSeries(
        subject="crowd-e04b",
        criterion="verdict",
        label_id=np.arange(n),
        day=np.full(n, 2461000.5),
        outcome=outcome,
        chart=bernoulli_cusum(outcome),
        rolling=rolling_accuracy(outcome),
    )


def test_the_drift_chart_counts_answers_in_whole_numbers():
    figure = drift_chart(_short_series(3))
    bottom = figure.axes[1]
    ticks = [t for t in bottom.get_xticks() if bottom.get_xlim()[0] <= t <= bottom.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks


def test_the_forest_plot_shows_its_scale_at_the_top_too():
    entry = {"alpha": 0.62, "alpha_ci": [0.4, 0.8]}
    agreement = {
        "criteria": {f"c{i}": entry for i in range(12)},
        "sources": {},
        "vs_expert_consensus": {},
    }
    figure = agreement_chart(agreement)
    ax = figure.axes[0]
    assert ax.xaxis.get_label_text().startswith("Krippendorff's alpha")
    FigureCanvasAgg(figure).draw()
    top = [t.label2.get_text() for t in ax.xaxis.get_major_ticks() if t.label2.get_visible()]
    assert len([text for text in top if text]) >= 3, "tick labels above the first row as well"


def test_flags_come_first_in_needs_attention():
    from types import SimpleNamespace

    from annotator.report.overview import Overview

    lowest = [
        {"item_id": f"low-{i}", "criteria": {"safety": 0.9}, "score": 0.9, "n_labels": 3}
        for i in range(20)
    ]
    flagged = [
        {"item_id": "help-me", "annotator": "Ana", "note": "unclear", "submitted_at": "2026-12-01"}
    ]
    alert = SimpleNamespace(
        subject_type="annotator", subject="crowd-e04b", criterion="verdict", what="x", since=None
    )
    overview = Overview(
        project="p", generated_at="", label_stamp=0, stats={}, agreement={}, matrices={},
        drift=SimpleNamespace(alerts=[alert]), lowest=lowest, flagged=flagged, consensus={},
        settings=None,
    )  # fmt: skip
    kinds = [row["kind"] for row in overview.attention()]
    assert kinds[:2] == ["flagged", "alert"] and kinds.count("low agreement") == 20
