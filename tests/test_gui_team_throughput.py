"""The team screen's Throughput tab shows the core's figures (`annotator.queue.throughput`)
for the planted project, its weekly chart, and the "what would it take" line for the date
picked, computed off the UI thread."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate

from annotator.queue.throughput import HEADERS, table_rows, throughput
from annotator.report.throughput import MAX_WEEKS
from annotator.store.project import open_project
from tests.support import throughput_project as tp
from ui.shell.main_window import MainWindow


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    return tp.build(tmp_path_factory.mktemp("throughput_gui"))


@pytest.fixture
def tab(qtbot, planted):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.open_file(str(planted.path))
    window.show_screen("team")
    team = window.screen("team")
    team.tabs.setCurrentWidget(team.throughput)
    tab = team.throughput
    qtbot.waitUntil(lambda: tab.figures is not None, timeout=30_000)
    yield tab
    window.close()


def cells(tab) -> list[list[str]]:
    table = tab.table
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_the_tab_shows_the_cores_figures_and_the_weekly_chart(tab, planted):
    headers = [tab.table.horizontalHeaderItem(c).text() for c in range(tab.table.columnCount())]
    assert headers == list(HEADERS)
    shown = tab.figures
    with open_project(planted.path) as project:
        core = throughput(project, at=shown.at, by_date=tab.by_date())
    assert cells(tab) == table_rows(core)
    assert [row[0] for row in cells(tab)] == ["Ana", "Ben", "All (2)"]
    assert [row[5] for row in cells(tab)] == ["150", "150", "300"]  # left in each queue
    assert tab.target.text() == "What would it take: " + core.target.line()
    assert tab.chart is not None and tab.chart.canvas is not None
    bars = [round(b.get_height()) for b in tab.chart.canvas.figure.axes[0].patches]
    assert bars == [w["labels"] for w in core.weekly][-MAX_WEEKS:]
    assert sum(bars) == sum(w["labels"] for w in core.weekly) == 258  # every planted label


def test_picking_a_date_recomputes_what_it_would_take(tab, qtbot, planted):
    tab.by.setDate(QDate(2031, 1, 31))
    qtbot.waitUntil(lambda: tab.figures.target.by == "2031-01-31", timeout=30_000)
    assert tab.by_date() == date(2031, 1, 31)
    with open_project(planted.path) as project:
        core = throughput(project, at=tab.figures.at, by_date="2031-01-31")
    assert tab.target.text() == "What would it take: " + core.target.line()
    assert "by 2031-01-31" in tab.target.text()
