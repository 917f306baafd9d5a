"""A matplotlib figure shown in a widget, in the app's colours (the dashboard's charts and
the judges screen's canary chart; here, below both, since screens never import each other).

Importing this module loads matplotlib's Qt canvas (about a second): screens that do not
always show a chart import it on first use.
"""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from annotator.report import charts
from ui.widgets.theme import current_colors


def chart_colors() -> dict[str, str]:
    """The chart palette (`annotator.report.charts.LIGHT`) in the current theme's colours."""
    theme = current_colors()
    colors = dict(charts.LIGHT)
    for key in ("surface", "text", "muted", "border", "accent", "warn", "ok", "danger"):
        colors[key] = theme.get(key, colors[key])
    colors["grid"] = theme.get("surface_alt", colors["grid"])
    return colors


class ChartView(QWidget):
    """One matplotlib figure at a time, in a scroll area when it is tall."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.canvas: FigureCanvasQTAgg | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        self.message = QLabel("")
        self.message.setObjectName("Muted")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll.setWidget(self.message)

    def show_figure(self, figure: Figure | None, empty: str = "Nothing to show yet.") -> None:
        if figure is None:
            self.canvas = None
            self.message = QLabel(empty)
            self.message.setObjectName("Muted")
            self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.message.setWordWrap(True)
            self.scroll.setWidget(self.message)
            return
        self.canvas = FigureCanvasQTAgg(figure)
        width, height = figure.get_size_inches() * figure.dpi
        self.canvas.setMinimumSize(int(width * 0.7), int(height))
        self.scroll.setWidget(self.canvas)


__all__ = ["ChartView", "chart_colors"]
