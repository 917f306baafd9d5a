"""The dashboard's rubric-versions tab on the drift project, whose rubric v2 changed
the quality guideline and whose experts relabeled 40 items under it: the tab, reached
with the mouse, shows those items under both versions, and its alpha before and after
equals the `krippendorff` package run on the labels read straight from the file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.support import drift_project
from ui.shell.main_window import MainWindow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return drift_project.build(tmp_path_factory.mktemp("versions"))


def package_alpha(path: Path, version: int) -> tuple[float, int]:
    """Ordinal alpha of the quality labels under `version` on the items labeled under
    both versions (each person's newest label per version), and the item count."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT l.item_id, l.annotator_id, v.version, l.values_json FROM labels l "
            "JOIN rubric_versions v ON v.id = l.rubric_version_id "
            "WHERE l.status = 'submitted' AND l.repeat_of IS NULL ORDER BY l.id"
        ).fetchall()
    newest: dict[tuple[str, int, int], int] = {}
    for item, who, v, values in rows:
        quality = json.loads(values).get("quality")
        if quality is not None:
            newest[(item, who, v)] = quality
    items_under = {v: {i for i, _, w in newest if w == v} for v in (1, 2)}
    shared = sorted(items_under[1] & items_under[2])
    raters = sorted({w for _, w, v in newest if v == version})
    matrix = np.full((len(raters), len(shared)), np.nan)
    for (item, who, v), quality in newest.items():
        if v == version and item in shared:
            matrix[raters.index(who), shared.index(item)] = quality
    alpha = krippendorff.alpha(
        reliability_data=matrix, level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5]
    )
    return float(alpha), len(shared)


def test_the_versions_tab_compares_the_same_items_under_both_versions(qtbot, built, tmp_path):
    copy = tmp_path / "versions.annotator"
    copy.write_bytes(built.read_bytes())
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_file(str(copy))
    assert window.show_screen("dashboard")
    screen = window.screen("dashboard")
    qtbot.waitUntil(lambda: screen.overview is not None, timeout=180_000)

    bar = screen.tabs.tabBar()
    index = next(i for i in range(bar.count()) if bar.tabText(i) == "Rubric versions")
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert screen.tabs.currentWidget() is screen.versions

    table = screen.versions.table
    rows = {
        table.item(r, 0).text(): [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    }
    quality = rows["quality"]
    before, n_items = package_alpha(copy, 1)
    after, _ = package_alpha(copy, 2)
    assert n_items == 40
    assert quality[1].endswith("v2") and "v1 →" in quality[1]
    assert quality[2] == "40"
    shown_before, shown_after = (float(x) for x in quality[4].split(" → "))
    assert shown_before == pytest.approx(before, abs=0.006)  # shown to two places
    assert shown_after == pytest.approx(after, abs=0.006)
    assert float(quality[6]) < 0  # v2 caps quality at 3 on half of the items

    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)  # the next criterion's chart, or the same one
    assert screen.versions.chart.canvas is not None
    qtbot.waitUntil(lambda: screen.job is None, timeout=180_000)
    window.close()
