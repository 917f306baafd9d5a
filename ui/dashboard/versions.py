"""The dashboard's rubric-versions tab: the same items labeled under an old and a new
rubric version, side by side (agreement under each, how often the same person's
answer changed, the shift of the label distribution), with a chart of the selected
criterion. The figures are `annotator.quality.version_compare.version_effect`'s, as in
the report."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from annotator.report.chart_rows import VERSION_HEADERS, version_rows
from ui.dashboard.svg_view import LazyChartView, chart_palette
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
        self.table = make_table(VERSION_HEADERS)
        self.table.currentCellChanged.connect(lambda row, *_: self._show(row))
        self.chart = LazyChartView()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setSizes([220, 360])
        layout.addWidget(split, 1)
        self.chart.show_figure(None, EMPTY)

    def show_versions(self, versions: list[dict[str, Any]], draw: bool = True) -> None:
        """The table, and unless `draw` is False the first row's chart (`show_chart`
        draws it later: the dashboard paints its first tab before any matplotlib chart)."""
        self.versions = list(versions)
        fill_table(self.table, VERSION_HEADERS, version_rows(self.versions))
        if self.versions:
            self.table.blockSignals(True)
            self.table.setCurrentCell(0, 0)
            self.table.blockSignals(False)
            if draw:
                self.show_chart()
        else:
            self.chart.show_figure(None, EMPTY)

    def show_chart(self) -> None:
        """The chart of the selected row."""
        self._show(max(self.table.currentRow(), 0))

    def clear(self) -> None:
        self.show_versions([])

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.versions):
            # lazy: matplotlib loads with the first chart (see LazyChartView)
            from annotator.report.charts import version_chart

            self.chart.show_figure(version_chart(self.versions[row], chart_palette()))
