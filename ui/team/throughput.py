"""The team screen's "Throughput" tab: per queue, per source and overall labels per active
hour, backlog and the day it clears, the weekly chart, time per item, and what clearing
the backlog by a chosen date would take.

The figures are `annotator.queue.throughput.throughput`, computed off the UI thread on the
job's own connection; the chart is the report's (`annotator.report.throughput`).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from annotator.queue.throughput import HEADERS, Throughput, table_rows, throughput, time_lines
from annotator.store.project import open_reader
from ui.team.anchors import HasProject
from ui.widgets.jobs import run_job
from ui.widgets.tables import fill_table, make_table

EMPTY = "No labels yet: the weekly chart appears once people label."


def _compute(path: Path, by: date) -> Throughput:
    """On the job's own connection (reads only)."""
    with open_reader(path) as project:
        return throughput(project, by_date=by)


class ThroughputTab(QWidget):
    def __init__(self, screen: HasProject) -> None:
        super().__init__()
        self.screen = screen
        self.figures: Throughput | None = None
        self._asked = 0  # requests made: only the latest one's figures are shown
        self.chart: Any = None  # a ui.widgets.chart_view.ChartView, made on the first chart
        title = QLabel("THROUGHPUT")
        title.setObjectName("SectionTitle")
        self.status = QLabel("")
        self.status.setObjectName("Muted")
        self.by = QDateEdit()
        self.by.setCalendarPopup(True)
        self.by.setDisplayFormat("yyyy-MM-dd")
        ahead = date.today() + timedelta(weeks=8)
        self.by.setDate(QDate(ahead.year, ahead.month, ahead.day))
        self.by.setToolTip("What clearing every queue by the end of this day would take")
        self.by.dateChanged.connect(lambda _d: self.refresh())
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(QLabel("Clear the backlog by"))
        top.addWidget(self.by)
        self.table = make_table(list(HEADERS))
        self.target = QLabel("")
        self.target.setWordWrap(True)
        self.target.setObjectName("Target")
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setObjectName("Muted")
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.target)
        upper_layout.addWidget(self.details)
        self.chart_box = QWidget()
        self.chart_layout = QVBoxLayout(self.chart_box)
        self.chart_layout.setContentsMargins(0, 0, 0, 0)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(upper)
        self.split.addWidget(self.chart_box)
        self.split.setSizes([440, 260])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.split, 1)

    def by_date(self) -> date:
        picked = self.by.date()
        return date(picked.year(), picked.month(), picked.day())

    def refresh(self) -> None:
        project = self.screen.project
        if project is None:
            return
        self.status.setText("Counting…")
        self._asked += 1
        asked, path, by = self._asked, project.path, self.by_date()
        run_job(
            lambda _job: _compute(path, by),
            on_done=lambda figures: self._done(asked, figures),
            on_error=lambda error: self._failed(asked, error),
            owner=self,
        )

    def _failed(self, asked: int, error: BaseException) -> None:
        if asked == self._asked:  # an older request's answer is stale
            self.status.setText(str(error))
            self.target.setText("")

    def _done(self, asked: int, figures: Throughput) -> None:
        if asked == self._asked:
            self.show_figures(figures)

    def show_figures(self, figures: Throughput) -> None:
        self.figures = figures
        fill_table(self.table, list(HEADERS), table_rows(figures))
        pooled = figures.pooled_clears_at
        shared = (
            f" Shared at the team's pace, the backlog clears on {pooled[:10]}."
            if pooled and figures.total.backlog
            else ""
        )
        self.status.setText(
            f"As of {figures.at[:16].replace('T', ' ')} UTC; pace: labels a week over the last "
            f"{figures.window_days} days; a queue clears at its backlog over its pace.{shared}"
        )
        self.target.setText(
            "What would it take: " + figures.target.line() if figures.target else ""
        )
        self.details.setText("\n".join(time_lines(figures) + figures.notes))
        self._chart(figures)

    def _chart(self, figures: Throughput) -> None:
        # lazy: matplotlib's Qt canvas loads on the first chart, not with the team screen
        from annotator.report.throughput import weekly_chart
        from ui.widgets.chart_view import ChartView, chart_colors

        if self.chart is None:
            self.chart = ChartView()
            self.chart_layout.addWidget(self.chart)
        if figures.weekly:
            self.chart.show_figure(weekly_chart(figures.weekly, chart_colors()))
        else:
            self.chart.show_figure(None, EMPTY)
