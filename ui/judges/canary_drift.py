"""A judge's canary accuracy over time: its drift alerts, and per criterion the accuracy of
each canary run (with its Wilson interval) beside the control chart.

`annotator.quality.judge_drift.judge_drift` does the work off the UI thread, on a reader
connection of its own; the chart is `annotator.report.charts.drift_chart`, which breaks
its lines at each judge version and marks the change. matplotlib's canvas loads on the
first chart, not with the judges screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.quality.alerts import Alert
from annotator.quality.drift_settings import DriftSettings
from annotator.quality.judge_drift import JudgeSeries, judge_drift
from annotator.store.project import open_reader
from ui.judges.parts import error_text
from ui.widgets.jobs import Job, run_job
from ui.widgets.tables import make_table
from ui.widgets.theme import current_colors

RUN_HEADERS = ["Run (UTC)", "Version", "n", "Correct", "Accuracy [95% CI]"]
ACCURACY_COLUMN = RUN_HEADERS.index("Accuracy [95% CI]")
KINDS = ("judge_canary", "judge_version")
ACCURACY_TIP = "Right answers / scored answers in the run, with its 95% Wilson interval (in %)"
CHART_MIN_WIDTH, CHART_MIN_HEIGHT = 560, 300
NO_RUNS = (
    "No canary runs yet: once the set above has items, press “Run canaries” to ask the judge "
    "them. Each run's accuracy shows here per criterion, beside a chart that alarms when it falls."
)


@dataclass
class Drift:
    """What the section shows for one judge: its series per criterion and its alerts."""

    judge: str
    series: dict[str, JudgeSeries] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)


def compute_drift(path: Path, judge: str) -> Drift:
    """The job: the project's judge drift, kept to one judge."""
    with open_reader(path) as reader:
        judges, alerts = judge_drift(reader, DriftSettings())
    mine = [a for a in alerts if a.kind in KINDS and a.subject == judge]
    mine.sort(key=lambda a: a.since or "", reverse=True)  # the newest first
    return Drift(judge, judges.get(judge, {}), mine)


def when(iso: str | None) -> str:
    """An ISO time as "2026-01-05 10:00": UTC, to the nearest minute (a time read back
    from a julian day can fall a second short)."""
    if not iso:
        return "–"
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(seconds=30)
    except ValueError:
        return iso[:16].replace("T", " ")
    return moment.strftime("%Y-%m-%d %H:%M")


def accuracy_text(run: dict[str, Any]) -> str:
    """The accuracy and its 95% Wilson interval, in percent: "82%  [68–91]"."""
    return f"{run['accuracy']:.0%}  [{run['low'] * 100:.0f}–{run['high'] * 100:.0f}]"


def alert_text(alert: Alert) -> str:
    kind = "Canary accuracy fell" if alert.kind == "judge_canary" else "New judge version"
    return f"<b>{kind}</b> · {when(alert.since)} UTC — {alert.what}"


def _cell(text: str, right: bool = False, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    return item


class CanaryDrift(QWidget):
    """The lower half of the Canaries tab."""

    def __init__(self) -> None:
        super().__init__()
        self.drift: Drift | None = None
        self.job: Job | None = None
        self._asked = 0
        self.chart: Any = None  # a ui.widgets.chart_view.ChartView, made on the first chart
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(8)
        head = QHBoxLayout()
        title = QLabel("CANARY ACCURACY")
        title.setObjectName("SectionTitle")
        self.criterion = QComboBox()
        self.criterion.setMinimumWidth(160)
        self.criterion.setToolTip("The criterion whose runs and chart are shown")
        self.criterion.currentIndexChanged.connect(lambda _: self.show_criterion())
        self.criterion_label = QLabel("Criterion")
        self.criterion_label.setBuddy(self.criterion)
        self.status = QLabel()
        self.status.setObjectName("Muted")
        head.addWidget(title)
        head.addSpacing(16)
        head.addWidget(self.criterion_label)
        head.addWidget(self.criterion)
        head.addSpacing(8)
        head.addWidget(self.status, 1)
        layout.addLayout(head)
        self.error = QLabel()
        self.error.setObjectName("FeedbackWarn")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.shown_alerts: list[str] = []
        self.alerts = QLabel()
        self.alerts.setObjectName("FeedbackWarn")
        self.alerts.setWordWrap(True)
        self.alerts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.alerts.hide()
        layout.addWidget(self.alerts)
        self.empty = QLabel(NO_RUNS)
        self.empty.setObjectName("Banner")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty, 1, Qt.AlignmentFlag.AlignTop)  # the room below stays empty
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.runs = make_table(RUN_HEADERS)
        self.runs.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.runs.verticalHeader().setDefaultSectionSize(28)
        self.runs.setMinimumWidth(300)
        self.runs.horizontalHeaderItem(ACCURACY_COLUMN).setToolTip(ACCURACY_TIP)
        self.chart_box = QWidget()
        self.chart_layout = QVBoxLayout(self.chart_box)
        self.chart_layout.setContentsMargins(0, 0, 0, 0)
        self.chart_layout.setSpacing(2)
        self.chart_title = QLabel()
        self.chart_title.setObjectName("CardTitle")
        self.chart_title.setWordWrap(True)
        self.chart_layout.addWidget(self.chart_title)
        self.split.addWidget(self.runs)
        self.split.addWidget(self.chart_box)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([420, 780])
        layout.addWidget(self.split, 1)
        self.split.hide()
        QWidget.setTabOrder(self.criterion, self.runs)

    # -- asking -----------------------------------------------------------------------------
    def ask(self, path: Path | None, judge: str | None) -> None:
        """Compute the judge's drift off the UI thread; a newer question wins."""
        self._asked += 1
        asked = self._asked
        if path is None or judge is None:
            self.show_drift(asked, None)
            return
        self.status.setText("Reading the canary answers…")
        self.job = run_job(
            lambda _job: compute_drift(path, judge),
            on_done=lambda drift: self.show_drift(asked, drift),
            on_error=lambda error: self.show_drift(asked, None, error),
            owner=self,
        )

    def show_drift(
        self, asked: int, drift: Drift | None, error: BaseException | None = None
    ) -> None:
        if asked != self._asked:
            return  # a newer question is on its way
        self.job = None
        self.drift = drift
        self.error.setVisible(error is not None)
        if error is not None:
            self.error.setText(f"Could not read the canary answers: {error_text(error)}")
        keep = self.criterion.currentText()
        names = sorted(drift.series) if drift else []
        self.criterion.blockSignals(True)
        self.criterion.clear()
        self.criterion.addItems(names)
        self.criterion.setCurrentIndex(names.index(keep) if keep in names else 0)
        self.criterion.blockSignals(False)
        for widget in (self.criterion, self.criterion_label):
            widget.setVisible(bool(names))
        self._fill_alerts(drift.alerts if drift else [])
        self.show_criterion()

    # -- showing ----------------------------------------------------------------------------
    def _fill_alerts(self, alerts: list[Alert]) -> None:
        """One box, one paragraph per alert, the newest first."""
        self.shown_alerts = [alert_text(a) for a in alerts]
        paragraphs = (f"<p style='margin: 0 0 4px 0'>{t}</p>" for t in self.shown_alerts)
        self.alerts.setText("".join(paragraphs))
        self.alerts.setVisible(bool(alerts))

    def alert_texts(self) -> list[str]:
        """The alerts shown, as text (what a lead reads)."""
        return list(self.shown_alerts) if self.alerts.isVisibleTo(self) else []

    def current_series(self) -> JudgeSeries | None:
        if self.drift is None:
            return None
        return self.drift.series.get(self.criterion.currentText())

    def show_criterion(self) -> None:
        series = self.current_series()
        self.empty.setVisible(series is None)
        self.split.setVisible(series is not None)
        if series is None:
            self.status.setText("")
            self.runs.setRowCount(0)
            return
        runs = series.to_dict()["runs"]
        versions = list(dict.fromkeys(r["version"] for r in runs))
        self.status.setText(
            f"{len(runs)} run{'s' if len(runs) != 1 else ''} · {len(series.outcome):,} answers "
            f"· version{'s' if len(versions) != 1 else ''} {', '.join(versions)}"
        )
        self._fill_runs(series, runs)
        self._show_chart(series)

    def _fill_runs(self, series: JudgeSeries, runs: list[dict[str, Any]]) -> None:
        """Newest run first; a run the chart alarmed in, in the danger colour."""
        alarmed = {a["run_id"] for a in series.to_dict()["alarms"]}
        danger = QColor(current_colors().get("danger", "#c0362c"))
        bold = QFont(self.runs.font())
        bold.setBold(True)
        self.runs.setRowCount(len(runs))
        for r, run in enumerate(reversed(runs)):
            tip = f"Canary run {run['run_id'][:12]}"
            cells = [
                _cell(when(run["at"]), tip=tip),
                _cell(run["version"]),
                _cell(f"{run['n']:,}", right=True),
                _cell(f"{run['correct']:,}", right=True),
                _cell(accuracy_text(run), tip=ACCURACY_TIP),
            ]
            cells[ACCURACY_COLUMN].setData(Qt.ItemDataRole.UserRole, run["accuracy"])
            if run["run_id"] in alarmed:
                for cell in cells:
                    cell.setForeground(danger)
                cells[ACCURACY_COLUMN].setFont(bold)
                cells[ACCURACY_COLUMN].setToolTip("The chart alarmed in this run")
            for c, cell in enumerate(cells):
                self.runs.setItem(r, c, cell)
        self.runs.resizeColumnsToContents()
        header = self.runs.horizontalHeader()
        wide = header.length() + 2 * self.runs.frameWidth() + 2
        self.split.setSizes([wide, max(self.split.width() - wide, 480)])  # the chart, the rest

    def _show_chart(self, series: JudgeSeries) -> None:
        # lazy: matplotlib (about a second) loads with the first chart, not with the screen
        import matplotlib

        # lazy: the same (the charts module imports matplotlib)
        from annotator.report.charts import drift_chart

        # lazy: the same, for matplotlib's Qt canvas
        from ui.widgets.chart_view import ChartView, chart_colors

        if self.chart is None:
            self.chart = ChartView()
            self.chart_layout.addWidget(self.chart)
        colors = chart_colors()
        text = {"text.color": colors["text"], "axes.titlecolor": colors["text"]}
        with matplotlib.rc_context(text):  # the title and legend in the theme's text colour
            figure = drift_chart(series, colors=colors)
        top = figure.axes[0]  # its title, above the chart: beside the legend it may collide
        self.chart_title.setText(top.get_title(loc="left"))
        top.set_title("", loc="left")
        self.chart.show_figure(figure)
        if self.chart.canvas is not None:  # the figure fills the room, down to a readable size
            self.chart.canvas.setMinimumSize(CHART_MIN_WIDTH, CHART_MIN_HEIGHT)

    def figure(self) -> Any:
        """The matplotlib figure shown (None before the first chart)."""
        canvas = getattr(self.chart, "canvas", None)
        return None if canvas is None else canvas.figure

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.drift is not None:
            QTimer.singleShot(0, self.show_criterion)  # the theme changed: redraw in its colours


__all__ = ["RUN_HEADERS", "CanaryDrift", "Drift", "compute_drift"]
