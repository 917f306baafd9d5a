"""The lead's dashboard: agreement, the annotator matrix, drift, label distributions,
rubric versions compared on the same items, and what needs attention.

Everything is computed off the UI thread by `annotator.report.overview.build_overview`
on its own connection, with a progress bar and a cancel button; the charts are
the report's matplotlib figures in a Qt canvas. The screen recomputes when it
is shown and, while visible, whenever new labels arrive (a cheap check of the
newest label id every few seconds). New drift alerts raise the anchor rate of
the annotators concerned (each alert once; see `annotator.quality.alerts`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError
from annotator.judges.label_versions import label_versions
from annotator.labels.load import label_stamp
from annotator.quality.alerts import apply_drift_alerts
from annotator.report import charts
from annotator.report.overview import STEPS, Cancelled, Overview
from annotator.store.project import Project
from ui.dashboard.parts import (
    compute_overview,
    fill_agreement_table,
    fill_attention_table,
    write_report_in_background,
)
from ui.dashboard.versions import VersionsTab
from ui.widgets.chart_view import ChartView, chart_colors
from ui.widgets.jobs import Job, run_job
from ui.widgets.tables import make_table

POLL_MS = 5_000
ITEM_ROLE = Qt.ItemDataRole.UserRole


class Dashboard(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.overview: Overview | None = None
        self.job: Job | None = None
        self.generation = 0
        self.computed_stamp: int | None = None
        self.status_text = ""

        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 12, 14, 12)
        bar = QHBoxLayout()
        self.title = QLabel("Dashboard")
        self.title.setObjectName("HeaderTitle")
        self.status = QLabel("")
        self.status.setObjectName("Muted")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(lambda: self.refresh(force=True))
        self.report_button = QPushButton("Save report…")
        self.report_button.clicked.connect(self.save_report)
        self.report_names = QCheckBox("Real names in the report")
        self.report_names.setToolTip(
            "The saved report names annotators by pseudonym unless this is ticked "
            "(the screen always shows names)."
        )
        for widget in (self.title, self.status):
            bar.addWidget(widget)
        bar.addStretch(1)
        for widget in (
            self.progress,
            self.cancel_button,
            self.refresh_button,
            self.report_names,
            self.report_button,
        ):
            bar.addWidget(widget)
        outer.addLayout(bar)

        self.tabs = QTabWidget()
        outer.addWidget(self.tabs, 1)
        self._build_agreement_tab()
        self._build_matrix_tab()
        self._build_drift_tab()
        self._build_distribution_tab()
        self._build_versions_tab()
        self._build_attention_tab()

        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self.refresh)

    # -- tabs -------------------------------------------------------------------------------
    def _build_agreement_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.agreement_table = make_table(
            ["Criterion", "Scope", "Level", "Krippendorff's α [95% CI]", "Fleiss' κ",
             "Gwet's AC1", "Agreement", "Items", "Labels"]
        )  # fmt: skip
        self.agreement_chart = ChartView()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.agreement_table)
        split.addWidget(self.agreement_chart)
        split.setSizes([260, 520])
        layout.addWidget(split, 1)
        self.tabs.addTab(page, "Agreement")

    def _build_matrix_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Criterion"))
        self.matrix_criterion = QComboBox()
        self.matrix_criterion.currentIndexChanged.connect(lambda _i: self._show_matrix())
        row.addWidget(self.matrix_criterion)
        row.addStretch(1)
        layout.addLayout(row)
        self.matrix_chart = ChartView()
        layout.addWidget(self.matrix_chart, 1)
        self.tabs.addTab(page, "Annotators")

    def _build_drift_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Annotator"))
        self.drift_subject = QComboBox()
        row.addWidget(self.drift_subject)
        row.addWidget(QLabel("Criterion"))
        self.drift_criterion = QComboBox()
        row.addWidget(self.drift_criterion)
        self.drift_summary = QLabel("")
        self.drift_summary.setObjectName("Muted")
        row.addWidget(self.drift_summary, 1)
        layout.addLayout(row)
        self.drift_subject.currentIndexChanged.connect(lambda _i: self._fill_drift_criteria())
        self.drift_criterion.currentIndexChanged.connect(lambda _i: self._show_drift())
        self.drift_chart = ChartView()
        layout.addWidget(self.drift_chart, 1)
        self.tabs.addTab(page, "Drift")

    def _build_distribution_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Labels of"))
        self.distribution_choice = QComboBox()
        self.distribution_choice.currentIndexChanged.connect(lambda _i: self._show_distribution())
        row.addWidget(self.distribution_choice, 1)
        layout.addLayout(row)
        self.distribution_chart = ChartView()
        layout.addWidget(self.distribution_chart, 1)
        self.tabs.addTab(page, "Distributions")

    def _build_versions_tab(self) -> None:
        self.versions = VersionsTab()
        self.tabs.addTab(self.versions, "Rubric versions")

    def _build_attention_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        hint = QLabel("Double-click or press Enter on a row: an item opens in the items browser, "
                      "an alert opens its drift chart.")  # fmt: skip
        hint.setObjectName("Muted")
        layout.addWidget(hint)
        self.attention = make_table(["Kind", "Item / who", "Criterion", "Since", "Detail"])
        self.attention.cellActivated.connect(lambda row, _col: self.open_row(row))
        self.attention.cellDoubleClicked.connect(lambda row, _col: self.open_row(row))
        layout.addWidget(self.attention, 1)
        self.tabs.addTab(page, "Needs attention")

    # -- the screen's life ------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        self.cancel()
        self.project = project
        self.overview = None
        self.computed_stamp = None
        self.generation += 1
        self.title.setText(f"Dashboard — {project.name}" if project else "Dashboard")
        self._clear()
        if project is not None and self.isVisible():
            self.refresh(force=True)

    def on_theme_changed(self) -> None:
        """Charts are drawn in the theme's colours: draw them again in the new ones."""
        if self.overview is not None:
            self._fill_agreement()
            self._show_matrix()
            self._show_drift()
            self._show_distribution()

    def on_shown(self) -> None:
        self.poll.start()
        self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        self.poll.stop()
        super().hideEvent(event)

    def refresh(self, force: bool = False) -> None:
        """Recompute when labels changed since the last run (or when forced)."""
        if self.project is None or (self.job is not None and not force):
            return
        stamp = label_stamp(self.project)
        if not force and stamp == self.computed_stamp:
            return
        if self.job is not None:
            self.job.cancel()
        self.generation += 1
        generation = self.generation
        path = self.project.path
        self.progress.setRange(0, len(STEPS))
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.status.setText("computing…")
        self.job = run_job(
            lambda job: compute_overview(path, job),
            on_done=lambda overview: self._done(generation, overview),
            on_error=lambda error: self._failed(generation, error),
            on_progress=self._progress,
            owner=self,
        )

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if done < len(STEPS):
            self.progress.setFormat(f"{STEPS[done]}…")

    def _finish_job(self) -> None:
        self.job = None
        self.progress.hide()
        self.cancel_button.hide()

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation != self.generation:
            return
        self._finish_job()
        if isinstance(error, Cancelled):
            self.status.setText("Stopped. Press Refresh to compute again.")
        else:
            self.status.setText(f"Could not compute: {error}")

    def _done(self, generation: int, overview: Overview) -> None:
        if generation != self.generation:
            return
        self._finish_job()
        self.overview = overview
        self.computed_stamp = overview.label_stamp
        stats = overview.stats
        text = (
            f"{stats['labels']:,} labels on {stats['items']:,} items · "
            f"{len(overview.drift.alerts)} alert(s) · computed {overview.generated_at[11:19]} UTC"
        )
        text += self._apply_alerts(overview)
        self.status.setText(text)
        self._fill_agreement()
        self._fill_matrix_choices()
        self._fill_drift_choices()
        self._fill_distribution_choices()
        self.versions.show_versions(overview.drift.versions)
        self._fill_attention()

    def _apply_alerts(self, overview: Overview) -> str:
        if self.project is None:
            return ""
        try:
            _applied, changes = apply_drift_alerts(self.project, overview.drift.alerts)
        except AnnotatorError as error:
            return f" · alerts not applied: {error}"
        if not changes:
            return ""
        who = ", ".join(sorted({c.annotator for c in changes}))
        return f" · anchor rate raised for {who}"

    def _clear(self) -> None:
        for table in (self.agreement_table, self.attention):
            table.setRowCount(0)
        for combo in (self.matrix_criterion, self.drift_subject, self.drift_criterion,
                      self.distribution_choice):  # fmt: skip
            combo.blockSignals(True)
            combo.clear()
            combo.blockSignals(False)
        for view in (self.agreement_chart, self.matrix_chart, self.drift_chart,
                     self.distribution_chart):  # fmt: skip
            view.show_figure(None)
        self.versions.clear()
        self.status.setText("")

    # -- filling ----------------------------------------------------------------------------
    def _fill_agreement(self) -> None:
        assert self.overview is not None
        rows = charts.agreement_rows(self.overview.agreement)
        fill_agreement_table(self.agreement_table, rows)
        self.agreement_chart.show_figure(
            charts.agreement_chart(self.overview.agreement, chart_colors()) if rows else None
        )

    def _fill_matrix_choices(self) -> None:
        assert self.overview is not None
        combo = self.matrix_criterion
        combo.blockSignals(True)
        combo.clear()
        for name, matrix in self.overview.matrices.items():
            if len(matrix["raters"]) >= 2:
                combo.addItem(name, name)
        combo.blockSignals(False)
        self._show_matrix()

    def _show_matrix(self) -> None:
        name = self.matrix_criterion.currentData()
        if self.overview is None or name is None:
            self.matrix_chart.show_figure(None, "Fewer than two annotators labeled.")
            return
        matrix = self.overview.matrices[name]
        self.matrix_chart.show_figure(charts.matrix_chart(matrix, name, chart_colors()))

    def _fill_drift_choices(self) -> None:
        assert self.overview is not None
        combo = self.drift_subject
        combo.blockSignals(True)
        combo.clear()
        alerted = {a.subject for a in self.overview.drift.alerts}
        for who in sorted(self.overview.drift.anchors, key=lambda w: (w not in alerted, w)):
            combo.addItem(f"⚠ {who}" if who in alerted else who, who)
        combo.blockSignals(False)
        notes = " ".join(self.overview.drift.notes[:1])
        self.drift_summary.setText(notes)
        self._fill_drift_criteria()

    def _fill_drift_criteria(self) -> None:
        combo = self.drift_criterion
        combo.blockSignals(True)
        combo.clear()
        who = self.drift_subject.currentData()
        if self.overview is not None and who is not None:
            for criterion in self.overview.drift.anchors.get(who, {}):
                combo.addItem(criterion, criterion)
        combo.blockSignals(False)
        self._show_drift()

    def _show_drift(self) -> None:
        who, criterion = self.drift_subject.currentData(), self.drift_criterion.currentData()
        if self.overview is None or who is None or criterion is None:
            self.drift_chart.show_figure(None, "No scored anchor answers yet.")
            return
        series = self.overview.drift.anchors[who][criterion]
        versions = None  # a judge's answers: the chart breaks at each version change
        if self.project is not None and getattr(series, "version", None) is None:
            versions = label_versions(self.project, series.label_id.tolist())
        self.drift_chart.show_figure(
            charts.drift_chart(series, colors=chart_colors(), versions=versions)
        )

    def _fill_distribution_choices(self) -> None:
        assert self.overview is not None
        combo = self.distribution_choice
        combo.blockSignals(True)
        combo.clear()
        for index, entry in enumerate(self.overview.drift.distributions):
            combo.addItem(f"{entry['criterion']} · {entry['subject']}", index)
        combo.blockSignals(False)
        self._show_distribution()

    def _show_distribution(self) -> None:
        index = self.distribution_choice.currentData()
        if self.overview is None or index is None:
            self.distribution_chart.show_figure(None, "No labels yet.")
            return
        entry = self.overview.drift.distributions[index]
        breaks = self.overview.version_starts.get(entry["subject"])  # a judge's new versions
        self.distribution_chart.show_figure(
            charts.distribution_chart(entry, chart_colors(), breaks=breaks)
        )

    def _fill_attention(self) -> None:
        assert self.overview is not None
        fill_attention_table(self.attention, self.overview.attention())

    # -- actions ----------------------------------------------------------------------------
    def open_row(self, row: int) -> None:
        """Open the item of a row, or the drift chart of an alert."""
        if self.overview is None:
            return
        rows = self.overview.attention()
        if not 0 <= row < len(rows):
            return
        entry = rows[row]
        if entry["item_id"]:
            self.open_item(entry["item_id"])
            return
        alert = entry.get("alert")
        if alert is not None and alert.subject in self.overview.drift.anchors:
            self.tabs.setCurrentIndex(2)
            self.drift_subject.setCurrentIndex(self.drift_subject.findData(alert.subject))
            found = self.drift_criterion.findData(alert.criterion)
            if found >= 0:
                self.drift_criterion.setCurrentIndex(found)

    def open_item(self, item_id: str) -> None:
        window = self.window()
        opener = getattr(window, "open_item", None)
        if opener is not None:
            opener(item_id)

    def save_report(self) -> None:
        if self.project is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save report", str(Path.home() / f"{self.project.path.stem}-report.html"),
            "HTML (*.html)",
        )  # fmt: skip
        if path:
            self.status.setText("writing the report…")
            write_report_in_background(
                self.project.path, Path(path), self.status.setText, self.report_names.isChecked()
            )
