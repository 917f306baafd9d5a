"""The sources screen shows each source's cost and quality side by side (pytest-qt, offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from annotator.quality.by_source.source_quality import source_quality
from annotator.quality.by_source.source_table import money
from annotator.quality.project_agreement import Settings
from tests.support.export_project import CROWD, small_project
from ui.shell.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    built = small_project(tmp_path)
    path = built.project.path
    built.project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.open_file(str(path))
    yield window
    window.close()


def _texts(widget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel)]


def test_ctrl5_opens_the_sources_side_by_side(window, qtbot):
    assert window.on_action("screen_sources")
    screen = window.screen("sources")
    assert window.current_screen is screen
    qtbot.waitUntil(lambda: screen.report is not None, timeout=60_000)
    qtbot.waitUntil(lambda: screen.cards.count() == 3, timeout=5_000)
    expected = source_quality(window.project, settings=Settings(n_boot=0))
    for position, row in enumerate(expected.sources):
        card = screen.cards.itemAt(position).widget()
        texts = _texts(card)
        assert row["source"] in texts
        assert money(row["cost_per_label"], row["currency"]) in texts
        assert money(row["cost_per_correct_label"], row["currency"]) in texts
        assert f"{row['expert_kappa']:.3f}" in texts
        assert f"{row['anchor_accuracy']:.3f}" in texts
    crowd = next(c for c in range(3) if "crowd" in _texts(screen.cards.itemAt(c).widget()))
    assert "$0.05" in _texts(screen.cards.itemAt(crowd).widget())
    people = [screen.annotators.item(r, 0).text() for r in range(screen.annotators.rowCount())]
    assert CROWD[0] in people  # the lead sees names on screen
    screen.real_names.setChecked(False)
    qtbot.waitUntil(
        lambda: (
            screen.job is None
            and screen.annotators.rowCount() > 0
            and screen.annotators.item(0, 0).text().startswith("ann-")
        ),
        timeout=60_000,
    )
    assert screen.criteria.rowCount() > 0
