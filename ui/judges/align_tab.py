"""Whether a judge can stand in for people: its agreement with a reference (the expert
consensus, the experts, or another source) per criterion, beside the human ceiling, its
bias, and a verdict from thresholds the lead sets here.

`annotator.judges.align.judge_alignment` does the work off the UI thread, on a reader
connection of its own, with the app's bootstrap settings; a newer question (another
judge, reference or threshold) makes an older answer stale, and equal questions on
unchanged labels are not asked again. Selecting a criterion shows its detail
(`ui.judges.align_detail`); an item or a slice opens in the items browser.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError
from annotator.judges import list_judges
from annotator.labels.load import label_stamp
from annotator.stats.defaults import N_BOOT
from ui.judges.align_cells import (
    SHORT_NAMES,
    agreement_text,
    bias_text,
    ceiling_text,
    main_coefficient,
    verdict_colours,
)
from ui.judges.align_controls import AlignControls
from ui.judges.align_detail import CriterionDetail, KeepTint, open_in_browser, restretch
from ui.judges.align_parts import Question, compute, empty_text, has_experts, judge_choices
from ui.judges.parts import JudgesView, config_of, error_text
from ui.widgets.jobs import Job, run_job
from ui.widgets.tables import make_table

HEADERS = [  # the verdict beside the criterion: never scrolled out of sight
    "Criterion",
    "Verdict",
    "Level",
    "Items",
    "Coefficient",
    "Agreement [95% CI]",
    "Human ceiling",
    "Judge vs ceiling",
    "Bias",
]
VERDICT_COLUMN = HEADERS.index("Verdict")
ROW_HEIGHT = 30
MAX_ROWS_SHOWN = 8  # more criteria scroll inside the table
HEADER_TIPS = {
    "Coefficient": "The coefficient the verdict rests on (κ quadratic for ordinal criteria)",
    "Human ceiling": "Each expert against the other experts on these items, averaged "
    "[95% interval: the mean of the bounds]",
    "Bias": "Judge − reference on average [95% CI]; nominal criteria: the largest gap "
    "between how often the judge and the reference choose an option",
    "Verdict": "Hover over a verdict for its reason",
}
NO_JUDGE = (
    "No judge labels in this project yet: add a judge and run it on expert-labeled items, "
    "or import a judge's labels as a source of kind llm_judge."
)


def _item(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if tip:
        item.setToolTip(tip)
    return item


class AlignTab(QWidget):
    def __init__(self, screen: JudgesView) -> None:
        super().__init__()
        self.screen = screen
        self.n_boot = N_BOOT
        self.job: Job | None = None
        self.asked: Question | None = None  # the newest question sent off
        self.result: dict[str, Any] | None = None
        self.result_for: Question | None = None
        self._followed: str | None = None  # the screen's judge, last followed
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(8)
        self.controls = AlignControls()
        c = self.controls
        self.judge, self.against, self.by, self.spins = c.judge, c.against, c.by, c.spins
        self.debounce, self.refresh_button = c.debounce, c.refresh_button
        c.asked.connect(self.ask)
        c.recompute.connect(lambda: self.ask(force=True))
        c.judge.currentIndexChanged.connect(self._judge_changed)
        layout.addWidget(c)
        status = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setFixedSize(120, 8)
        self.progress.hide()
        self.status = QLabel()
        self.status.setObjectName("Muted")
        self.status.setWordWrap(True)
        status.addWidget(self.progress)
        status.addWidget(self.status, 1)
        layout.addLayout(status)
        self.error = QLabel()
        self.error.setObjectName("FeedbackWarn")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.empty = QLabel()
        self.empty.setObjectName("Banner")
        self.empty.setWordWrap(True)
        self.empty.hide()
        layout.addWidget(self.empty)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 4)
        column.setSpacing(6)
        self.table = make_table(HEADERS)
        for column_index, name in enumerate(HEADERS):
            if name in HEADER_TIPS:
                self.table.horizontalHeaderItem(column_index).setToolTip(HEADER_TIPS[name])
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.setItemDelegateForColumn(VERDICT_COLUMN, KeepTint(self.table))
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.cellActivated.connect(lambda _r, _c: self.detail.errs.setFocus())
        column.addWidget(self.table)
        self.thresholds_text = QLabel()
        self.thresholds_text.setObjectName("Muted")
        self.thresholds_text.setWordWrap(True)
        self.thresholds_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.thresholds_text)
        self.notes = QLabel()
        self.notes.setObjectName("Muted")
        self.notes.setWordWrap(True)
        self.notes.hide()
        column.addWidget(self.notes)
        layout.addLayout(column)
        self.detail = CriterionDetail()
        self.detail.open_item.connect(self.open_item)
        self.detail.open_filter.connect(self.open_filter)
        layout.addWidget(self.detail, 1)
        order = [*c.order, self.table, self.detail.errs, self.detail.group_table]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.setFocusProxy(self.table)

    # -- questions ----------------------------------------------------------------------
    def thresholds(self) -> Any:
        return self.controls.thresholds()

    def question(self) -> Question | None:
        project, judge = self.screen.project, self.judge.currentData()
        if project is None or judge is None:
            return None
        return Question(
            judge,
            self.against.currentData() or "consensus",
            self.controls.thresholds(),
            self.controls.by_value(),
            self.n_boot,
            label_stamp(project),
        )

    def ask(self, force: bool = False) -> None:
        """Compute off the UI thread, unless this very question is answered or on its way."""
        self.debounce.stop()
        if not self.isVisible() and not force:
            return
        question = self.question()
        if question is None:
            self._show_nothing()
            return
        if question == self.asked and not force:
            return
        project = self.screen.project
        assert project is not None
        self.asked, path = question, project.path
        self.progress.show()
        self.refresh_button.setEnabled(False)
        self.status.setText(f"Computing… ({question.n_boot:,} resamples per interval)")
        self.job = run_job(
            lambda _job: compute(path, question),
            on_done=lambda result: self._answered(question, result),
            on_error=lambda error: self._answered(question, None, error),
            owner=self,
        )

    def _answered(
        self, question: Question, result: dict[str, Any] | None, error: BaseException | None = None
    ) -> None:
        if question != self.asked:
            return  # a newer question is on its way
        self.job = None
        self.progress.hide()
        self.refresh_button.setEnabled(True)
        self.result, self.result_for = result, (question if result is not None else None)
        if result is None:
            self.asked = None  # the same question may be asked again
            self.status.setText("")
            self.empty.hide()
            self.error.setText(f"Could not compute the alignment: {error_text(error)}")
            self.error.show()
        else:
            self.error.hide()
            s = result.get("settings", {})
            self.status.setText(
                f"{result.get('judge')} ({result.get('kind')}) against "
                f"{self.against.currentText().lower()} · {s.get('n_boot', 0):,} resamples, "
                f"seed {s.get('seed')}"
            )
        self._fill()

    # -- showing --------------------------------------------------------------------------
    def _show_nothing(self) -> None:
        self.result = self.result_for = None
        self.status.setText("")
        self.empty.setText(NO_JUDGE)
        self.empty.show()
        self._fill()

    def _fill(self) -> None:
        result = self.result or {}
        rows = result.get("criteria", [])
        keep = self.selected_criterion()
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for r, row in enumerate(rows):
            main = main_coefficient(row)
            cells = [
                _item(row["criterion"]),
                _item(row.get("verdict", ""), row.get("reason", "")),
                _item(row.get("level", "")),
                _item(f"{row.get('n_items', 0):,}"),
                _item(SHORT_NAMES.get(row.get("coefficient", ""), row.get("coefficient", "")),
                      main.get("name", "")),
                _item(agreement_text(row), main.get("reason") or main.get("name", "")),
                _item(ceiling_text(row), ", ".join(row.get("ceiling", {}).get("experts", []))),
                _item(row.get("ceiling_relation", "")),
                _item(bias_text(row), "judge − reference"),
            ]  # fmt: skip
            right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            cells[HEADERS.index("Items")].setTextAlignment(right)
            background, foreground = verdict_colours(row.get("verdict", ""))
            cells[VERDICT_COLUMN].setBackground(background)
            cells[VERDICT_COLUMN].setForeground(foreground)
            cells[VERDICT_COLUMN].setFont(bold)
            for c, cell in enumerate(cells):
                self.table.setItem(r, c, cell)
        self.table.resizeColumnsToContents()
        restretch(self.table)
        self.table.blockSignals(False)
        names = [row["criterion"] for row in rows]
        if rows:
            self.table.selectRow(names.index(keep) if keep in names else 0)
        self._selected()
        self._size_table(len(rows))
        text = result.get("thresholds_text")
        self.thresholds_text.setText(f"Thresholds: {text}" if text else "")
        self.notes.setText(" · ".join(result.get("notes", [])) if rows else "")
        self.notes.setVisible(bool(self.notes.text()))
        if self.result is not None:
            self.empty.setVisible(not rows)
            if not rows:
                project = self.screen.project
                against = self.result_for.against if self.result_for else "consensus"
                self.empty.setText(
                    empty_text(against, project is not None and has_experts(project))
                )

    def _size_table(self, n_rows: int) -> None:
        """As tall as its criteria (a few, mostly), so the detail below gets the room."""
        header = self.table.horizontalHeader().sizeHint().height()
        rows = min(max(n_rows, 1), MAX_ROWS_SHOWN)
        scroll = self.table.horizontalScrollBar().sizeHint().height()
        self.table.setFixedHeight(header + ROW_HEIGHT * rows + 2 * self.table.frameWidth() + scroll)

    def selected_criterion(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        item = self.table.item(rows[0].row(), 0) if rows else None
        return item.text() if item is not None else None

    def _selected(self) -> None:
        name = self.selected_criterion()
        rows = (self.result or {}).get("criteria", [])
        row = next((r for r in rows if r["criterion"] == name), None)
        self.detail.show_row(row, self.result)

    def verdicts(self) -> dict[str, str]:
        """Criterion -> the verdict the table shows (what a lead reads)."""
        return {
            self.table.item(r, 0).text(): self.table.item(r, VERDICT_COLUMN).text()
            for r in range(self.table.rowCount())
        }

    # -- the screen's and the window's side ------------------------------------------------
    def refresh(self) -> None:
        """The project or the screen's judge changed: the choices again, then ask."""
        project = self.screen.project
        choices: list[tuple[str, str]] = []
        if project is not None:
            try:
                configured = [config_of(j).name for j in list_judges(project)]
                choices = judge_choices(project, configured)
            except AnnotatorError as error:
                self.error.setText(error_text(error))
                self.error.show()
        current, wanted = self.judge.currentData(), self.screen.judge_name()
        if wanted != self._followed and wanted is not None:
            current, self._followed = wanted, wanted
        self.controls.set_judges(choices, current)
        self.controls.fill_references(project)
        self.ask()

    def has_judges(self) -> bool:
        return self.judge.count() > 0

    def _judge_changed(self) -> None:
        self.controls.fill_references(self.screen.project)
        self.ask()

    def open_item(self, item_id: str) -> None:
        opener = getattr(self.window(), "open_item", None)
        if opener is not None:
            opener(item_id)

    def open_filter(self, selection: str) -> None:
        open_in_browser(self.window(), selection)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        QTimer.singleShot(0, self.ask)  # after the show: the labels may have changed

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.result is not None:
            QTimer.singleShot(0, self._fill)  # the theme changed: the tints, once it is set


__all__ = ["HEADERS", "AlignTab"]
