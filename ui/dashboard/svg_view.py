"""An SVG chart in a widget: the dashboard's agreement chart, drawn by
`annotator.report.svg` as the report draws it.

Why not the matplotlib canvas the other tabs use: the agreement chart is the first thing
the dashboard shows, and it is mostly text (a label and a value per scope); matplotlib's
Agg backend lays out and rasterises every glyph itself (most of a second for the demo's
chart), Qt's SVG renderer draws the same text with the system's fonts in milliseconds.
The interface is `ChartView`'s: `show_svg(svg)` or a message, `canvas` the drawn widget.
`LazyChartView` is a `ChartView` made on its first figure, so the dashboard loads
matplotlib after its first paint, not before.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from annotator.report.chart_rows import LIGHT
from ui.widgets.theme import current_colors


class SvgChartView(QWidget):
    """One SVG chart at a time, at its own size, in a scroll area when it is tall."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scroll = QScrollArea()
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.canvas: QSvgWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        self.show_svg(None)

    def show_svg(self, svg: str | None, empty: str = "Nothing to show yet.") -> None:
        if svg is None:
            self.canvas = None
            message = QLabel(empty)
            message.setObjectName("Muted")
            message.setAlignment(Qt.AlignmentFlag.AlignCenter)
            message.setWordWrap(True)
            self.scroll.setWidgetResizable(True)
            self.scroll.setWidget(message)
            return
        canvas = QSvgWidget()
        canvas.load(QByteArray(svg.encode("utf-8")))
        canvas.setFixedSize(canvas.renderer().defaultSize())
        self.canvas = canvas
        self.scroll.setWidgetResizable(False)
        self.scroll.setWidget(canvas)


def chart_palette() -> dict[str, str]:
    """`ui.widgets.chart_view.chart_colors` without importing matplotlib (that module
    loads its Qt canvas): the chart palette in the current theme's colours."""
    theme = current_colors()
    colors = dict(LIGHT)
    for key in ("surface", "text", "muted", "border", "accent", "warn", "ok", "danger"):
        colors[key] = theme.get(key, colors[key])
    colors["grid"] = theme.get("surface_alt", colors["grid"])
    return colors


class LazyChartView(QWidget):
    """`ui.widgets.chart_view.ChartView`, created on the first figure it shows: the
    dashboard's other tabs load matplotlib (half a second or more) only once there is a
    chart to draw, after the first paint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.view: Any = None
        self.message = QLabel("")
        self.message.setObjectName("Muted")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.layout_.addWidget(self.message)

    @property
    def canvas(self) -> Any:
        return None if self.view is None else self.view.canvas

    def show_figure(self, figure: Any, empty: str = "Nothing to show yet.") -> None:
        if self.view is None and figure is None:
            self.message.setText(empty)
            return
        if self.view is None:
            # lazy: matplotlib's Qt canvas loads with the first chart (see the class)
            from ui.widgets.chart_view import ChartView

            self.view = ChartView()
            self.layout_.removeWidget(self.message)
            self.message.deleteLater()
            self.layout_.addWidget(self.view)
        self.view.show_figure(figure, empty)


__all__ = ["LazyChartView", "SvgChartView", "chart_palette"]
