"""The dashboard's rubric-versions tab: the same items labeled under an old and a new
rubric version, side by side (agreement under each, how often the same person's
answer changed, the shift of the label distribution), with a chart of the selected
criterion. The figures are `annotator.quality.version_compare.version_effect`'s, as in
the report."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from annotator.report import charts
from ui.widgets.chart_view import ChartView, chart_colors
from ui.widgets.tables import fill_table, make_table

EMPTY = "No item has labels under two rubric versions yet."


class VersionsTab(QWidget):
    """A table of version changes per criterion; the selected row's chart below it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.versions: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        hint = QLabel(
            "Items labeled under both versions: agreement under each, how often the same "
            "person answered differently, and how far the labels moved."
        )
        hint.setObjectName("Muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.table = make_table(charts.VERSION_HEADERS)
        self.table.currentCellChanged.connect(lambda row, *_: self._show(row))
        self.chart = ChartView()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setSizes([220, 360])
        layout.addWidget(split, 1)
        self.chart.show_figure(None, EMPTY)

    def show_versions(self, versions: list[dict[str, Any]]) -> None:
        self.versions = list(versions)
        fill_table(self.table, charts.VERSION_HEADERS, charts.version_rows(self.versions))
        if self.versions:
            self.table.setCurrentCell(0, 0)
            self._show(0)
        else:
            self.chart.show_figure(None, EMPTY)

    def clear(self) -> None:
        self.show_versions([])

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.versions):
            self.chart.show_figure(charts.version_chart(self.versions[row], chart_colors()))
