"""The lead's dashboard: agreement, the annotator matrix, drift, label distributions,
rubric versions compared on the same items, and what needs attention.

Everything is computed off the UI thread by `annotator.report.overview.build_overview`
on its own connection, with a progress bar and a cancel button; the charts are
the report's matplotlib figures in a Qt canvas (the agreement chart, shown first, is the
report's hand-drawn SVG: it paints in milliseconds). What is on screen comes first: the
point estimates are computed and painted, then the bootstrap intervals in a second
job. Results are cached per project state (`annotator.report.cache`): showing the
screen again, or opening the same file again, costs nothing until something changes
(a cheap check of the newest ids every few seconds while visible). New drift alerts
raise the anchor rate of the annotators concerned (each alert once; see
`annotator.quality.alerts`).
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
from annotator.quality.alerts import apply_drift_alerts
from annotator.report.cache import CACHE, overview_key, project_state
from annotator.report.chart_rows import agreement_rows
from annotator.report.overview import STEPS, Cancelled, Overview
from annotator.report.svg import agreement_svg
from annotator.stats.defaults import N_BOOT, SEED
from annotator.store.project import Project
from ui.dashboard.parts import (
    compute_overview,
    fill_agreement_table,
    fill_attention_table,
    write_report_in_background,
)
from ui.dashboard.svg_view import LazyChartView, SvgChartView, chart_palette
from ui.dashboard.versions import VersionsTab
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
        self.computed_state: tuple[int, ...] | None = None  # what the shown overview is of
        self.complete = False  # nothing left to compute for computed_state (intervals shown)
        self.fresh = False  # the running computation was forced (Refresh)
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
        self.agreement_chart = SvgChartView()  # drawn as the report draws it: quick to paint
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
        self.matrix_chart = LazyChartView()
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
        self.drift_chart = LazyChartView()
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
        self.distribution_chart = LazyChartView()
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
        self.computed_state = None
        self.complete = False
        self.generation += 1
        self.title.setText(f"Dashboard — {project.name}" if project else "Dashboard")
        self._clear()
        if project is not None and self.isVisible():
            self.refresh()  # from the cache when this file was computed in this state

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
        """Show the overview of the project as it is now: from the cache when it holds
        it, else computed (point estimates first, then intervals). Nothing happens when
        nothing changed since the last run, unless `force` (Refresh: computed again)."""
        if self.project is None or (self.job is not None and not force):
            return
        state = project_state(self.project)
        if not force and state == self.computed_state and self.complete:
            return
        if self.job is not None:
            self.job.cancel()
            self._finish_job()
        self.generation += 1
        generation = self.generation
        if not force:
            key = overview_key(self.project, n_boot=N_BOOT, seed=SEED, state=state)
            full = CACHE.get(key)
            if full is not None:
                self._done(generation, full, final=True, state=state)
                return
            point = CACHE.get(overview_key(self.project, n_boot=0, seed=SEED, state=state))
            if point is not None:
                self._done(generation, point, final=False, state=state)
                return
        self.fresh = force
        self._start(generation, state, n_boot=0, fresh=force)

    def _start(
        self, generation: int, state: tuple[int, ...], n_boot: int, fresh: bool = False
    ) -> None:
        """Compute in the background: the point estimates (`n_boot=0`), or the intervals."""
        assert self.project is not None
        path = self.project.path
        if n_boot == 0:
            self.progress.setRange(0, len(STEPS))
            self.progress.setValue(0)
            self.status.setText("computing…")
        else:
            self.progress.setRange(0, 0)  # busy: one step
            self.progress.setFormat("intervals…")
        self.progress.show()
        self.cancel_button.show()
        self.job = run_job(
            lambda job: compute_overview(path, job, n_boot, fresh),
            on_done=lambda overview: self._done(generation, overview, n_boot > 0, state),
            on_error=lambda error: self._failed(generation, error),
            on_progress=self._progress if n_boot == 0 else None,
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
            # the point estimates stay on screen; the poll does not start again on its own
            self.complete = self.overview is not None
            self.status.setText("Stopped. Press Refresh to compute again.")
        else:
            self.status.setText(f"Could not compute: {error}")

    def _done(
        self, generation: int, overview: Overview, final: bool, state: tuple[int, ...]
    ) -> None:
        """Show `overview`; without its intervals (`final` False) start computing them.
        `state`: the project's state when it was asked for (anything newer recomputes)."""
        if generation != self.generation:
            return
        self._finish_job()
        previous = self.overview
        self.overview = overview
        self.computed_stamp = overview.label_stamp
        self.computed_state = state
        self.complete = final
        same_rest = previous is not None and previous.drift is overview.drift
        if not same_rest:  # a new computation: everything; else only the intervals came
            stats = overview.stats
            text = (
                f"{stats['labels']:,} labels on {stats['items']:,} items · "
                f"{len(overview.drift.alerts)} alert(s) · computed "
                f"{overview.generated_at[11:19]} UTC"
            )
            text += self._apply_alerts(overview)
            self.status_text = text
        self.status.setText(self.status_text + ("" if final else " · intervals…"))
        self._fill_agreement()
        if not same_rest:  # every table and list now; the other tabs' charts after this paint
            self._fill_matrix_choices(draw=False)
            self._fill_drift_choices(draw=False)
            self._fill_distribution_choices(draw=False)
            self.versions.show_versions(overview.drift.versions, draw=False)
            self._fill_attention()
            # `self` as the context: a screen deleted meanwhile cancels the call
            QTimer.singleShot(40, self, lambda: self._draw_other_tabs(generation))
        if not final:
            self._start(generation, state, n_boot=N_BOOT, fresh=self.fresh)

    def _draw_other_tabs(self, generation: int) -> None:
        """The matplotlib charts of the tabs not shown first (what is on screen comes
        first: the agreement tab paints without loading matplotlib)."""
        if generation != self.generation or self.overview is None:
            return
        self._show_matrix()
        self._show_drift()
        self._show_distribution()
        self.versions.show_chart()

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
        self.agreement_chart.show_svg(None)
        for view in (self.matrix_chart, self.drift_chart, self.distribution_chart):
            view.show_figure(None)
        self.versions.clear()
        self.status.setText("")

    # -- filling ----------------------------------------------------------------------------
    def _fill_agreement(self) -> None:
        assert self.overview is not None
        rows = agreement_rows(self.overview.agreement)
        fill_agreement_table(self.agreement_table, rows)
        self.agreement_chart.show_svg(
            agreement_svg(self.overview.agreement, chart_palette()) if rows else None
        )

    def _fill_matrix_choices(self, draw: bool = True) -> None:
        assert self.overview is not None
        combo = self.matrix_criterion
        combo.blockSignals(True)
        combo.clear()
        for name, matrix in self.overview.matrices.items():
            if len(matrix["raters"]) >= 2:
                combo.addItem(name, name)
        combo.blockSignals(False)
        if draw:
            self._show_matrix()

    def _show_matrix(self) -> None:
        name = self.matrix_criterion.currentData()
        if self.overview is None or name is None:
            self.matrix_chart.show_figure(None, "Fewer than two annotators labeled.")
            return
        matrix = self.overview.matrices[name]
        # lazy: matplotlib loads with the first chart, after the first paint
        from annotator.report.charts import matrix_chart

        self.matrix_chart.show_figure(matrix_chart(matrix, name, chart_palette()))

    def _fill_drift_choices(self, draw: bool = True) -> None:
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
        self._fill_drift_criteria(draw)

    def _fill_drift_criteria(self, draw: bool = True) -> None:
        combo = self.drift_criterion
        combo.blockSignals(True)
        combo.clear()
        who = self.drift_subject.currentData()
        if self.overview is not None and who is not None:
            for criterion in self.overview.drift.anchors.get(who, {}):
                combo.addItem(criterion, criterion)
        combo.blockSignals(False)
        if draw:
            self._show_drift()

    def _show_drift(self) -> None:
        who, criterion = self.drift_subject.currentData(), self.drift_criterion.currentData()
        if self.overview is None or who is None or criterion is None:
            self.drift_chart.show_figure(None, "No scored anchor answers yet.")
            return
        series = self.overview.drift.anchors[who][criterion]
        # lazy: matplotlib loads with the first chart, after the first paint
        from annotator.report.charts import drift_chart

        versions = None  # a judge's answers: the chart breaks at each version change
        if self.project is not None and getattr(series, "version", None) is None:
            versions = label_versions(self.project, series.label_id.tolist())
        self.drift_chart.show_figure(drift_chart(series, colors=chart_palette(), versions=versions))

    def _fill_distribution_choices(self, draw: bool = True) -> None:
        assert self.overview is not None
        combo = self.distribution_choice
        combo.blockSignals(True)
        combo.clear()
        for index, entry in enumerate(self.overview.drift.distributions):
            combo.addItem(f"{entry['criterion']} · {entry['subject']}", index)
        combo.blockSignals(False)
        if draw:
            self._show_distribution()

    def _show_distribution(self) -> None:
        index = self.distribution_choice.currentData()
        if self.overview is None or index is None:
            self.distribution_chart.show_figure(None, "No labels yet.")
            return
        entry = self.overview.drift.distributions[index]
        # lazy: matplotlib loads with the first chart, after the first paint
        from annotator.report.charts import distribution_chart

        breaks = self.overview.version_starts.get(entry["subject"])  # a judge's new versions
        self.distribution_chart.show_figure(
            distribution_chart(entry, chart_palette(), breaks=breaks)
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
