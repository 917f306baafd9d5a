"""A judge's canary set, as a table the lead edits: add the anchors or the expert-labeled
items (at most so many), remove the selected ones.

Each button calls `annotator.judges.canary` (adding reads every expert label, so off the
UI thread, on a connection of its own); its errors go to the window's `show_error` as the
core's message. The expected answers are shown: the judges screen is the lead's
(`annotator.workbench.roles.LEAD_VIEWS`), and they are never part of a prompt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError
from annotator.judges.canary import (
    Canary,
    CanaryChange,
    add_canaries,
    list_canaries,
    remove_canaries,
)
from annotator.store.project import open_project
from ui.judges.parts import JudgesView, error_text
from ui.widgets.jobs import Job, run_job
from ui.widgets.tables import make_table

SET_HEADERS = ["Item", "Origin", "Added (UTC)", "Expected answers", "Criteria"]
EXPECTED_COLUMN = SET_HEADERS.index("Expected answers")
EMPTY_SET = (
    "No canaries yet: add anchors or expert-labeled items; their answers are frozen now and "
    "never sent to the judge."
)
NOTHING_ADDED = {
    "anchors": "No anchor was added: every active anchor is already a canary, or the project "
    "has none yet (an item's reference answer becomes an anchor in the items browser).",
    "expert": "No expert-labeled item was added: each is already a canary, the experts tie on "
    "it, or no expert has labeled an item yet.",
}


def _add(path: Path, judge: str, choice: str, n: int | None) -> CanaryChange:
    with open_project(path) as project:
        return add_canaries(project, judge, choice, n=n, by="lead")


def expected_text(canary: Canary) -> str:
    """ "safety = safe · quality = 5", in the set's order."""

    def shown(value: Any) -> str:
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)

    return " · ".join(f"{k} = {shown(v)}" for k, v in canary.expected.items())


def button(text: str, tip: str = "") -> QPushButton:
    """A push button Enter presses when it has the focus, as Space does."""
    made = QPushButton(text)
    made.setAutoDefault(True)
    made.setToolTip(tip)
    return made


class CanarySet(QWidget):
    changed = Signal()  # the set changed (added or removed)

    def __init__(self, screen: JudgesView) -> None:
        super().__init__()
        self.screen = screen
        self.canaries: list[Canary] = []
        self.add_job: Job | None = None
        self.busy = False  # a canary run is on: the set holds still
        self._refocus: QWidget | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        head = QHBoxLayout()
        title = QLabel("CANARY SET")
        title.setObjectName("SectionTitle")
        self.summary = QLabel()
        self.summary.setObjectName("Muted")
        head.addWidget(title)
        head.addSpacing(12)
        head.addWidget(self.summary, 1)
        column.addLayout(head)
        row = QHBoxLayout()
        self.at_most = QSpinBox()
        self.at_most.setRange(0, 1_000_000)
        self.at_most.setSpecialValueText("all")
        self.at_most.setToolTip("Add at most this many new canaries (all: every one there is)")
        at_most = QLabel("At most")
        at_most.setBuddy(self.at_most)
        self.add_anchors = button(
            "Add anchors", "The active anchors, with their reference answers and tolerances"
        )
        self.add_expert = button(
            "Add expert-labeled items",
            "Items the experts labeled: per criterion the adjudicated value, else their "
            "consensus (a criterion where they tie is left out)",
        )
        self.remove_button = button(
            "Remove selected", "Take the selected items out of the set; their past answers stay"
        )
        self.add_anchors.clicked.connect(lambda: self.add("anchors"))
        self.add_expert.clicked.connect(lambda: self.add("expert"))
        self.remove_button.clicked.connect(self.remove_selected)
        for widget in (at_most, self.at_most, self.add_anchors, self.add_expert):
            row.addWidget(widget)
        row.addSpacing(12)
        row.addWidget(self.remove_button)
        row.addStretch(1)  # the tab puts its run buttons after it
        self.actions = row
        column.addLayout(row)
        self.empty = QLabel(EMPTY_SET)
        self.empty.setObjectName("Banner")
        self.empty.setWordWrap(True)
        column.addWidget(self.empty, 1, Qt.AlignmentFlag.AlignTop)  # the room below stays empty
        self.table = make_table(SET_HEADERS)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(EXPECTED_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.table.cellActivated.connect(self._open_item)  # Enter opens it in the browser
        self.table.itemSelectionChanged.connect(self.enable)
        column.addWidget(self.table, 1)
        self.status = QLabel()
        self.status.setObjectName("Muted")
        self.status.setWordWrap(True)
        self.status.hide()
        column.addWidget(self.status)
        self.order = [self.at_most, self.add_anchors, self.add_expert, self.remove_button,
                      self.table]  # fmt: skip

    def refresh(self, keep_status: bool = False) -> None:
        """The set of the screen's judge, read again (a quick query on the UI connection)."""
        if not keep_status:
            self.status.hide()
        project, name = self.screen.project, self.screen.judge_name()
        self.canaries = []
        if project is not None and name is not None:
            try:
                self.canaries = list_canaries(project, name)
            except AnnotatorError as error:
                self._error(error)
        self._fill()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.canaries))
        for r, canary in enumerate(self.canaries):
            tolerances = ", ".join(f"{k} ± {t:g}" for k, t in canary.tolerances.items())
            cells = [
                QTableWidgetItem(canary.item_id),
                QTableWidgetItem(canary.origin),
                QTableWidgetItem(canary.added_at[:16].replace("T", " ")),
                QTableWidgetItem(expected_text(canary)),
                QTableWidgetItem(f"{len(canary.expected)}"),
            ]
            cells[0].setToolTip("Enter: open the item in the items browser")
            cells[2].setToolTip(f"Added by {canary.added_by or '–'}")
            cells[3].setToolTip(f"Tolerances: {tolerances}" if tolerances else "Exact match")
            cells[4].setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            for c, cell in enumerate(cells):
                self.table.setItem(r, c, cell)
        self.table.resizeColumnsToContents()  # the expected answers take the rest
        n, anchors = len(self.canaries), sum(c.origin == "anchor" for c in self.canaries)
        self.summary.setText(
            f"{n} item{'s' if n != 1 else ''} · {anchors} from anchors, {n - anchors} "
            "expert-labeled · the expected answers stay here, never in a prompt"
            if n
            else ""
        )
        self.empty.setVisible(not n)
        self.table.setVisible(bool(n))
        self.enable()

    def enable(self) -> None:
        judge = self.screen.judge_name() is not None
        idle = not self.busy and self.add_job is None
        for widget in (self.add_anchors, self.add_expert):
            widget.setEnabled(judge and idle)
        self.remove_button.setEnabled(idle and bool(self.selected_items()))

    def selected_items(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.table.item(r, 0).text() for r in rows if self.table.item(r, 0)]

    def add(self, choice: str) -> None:
        project, name = self.screen.project, self.screen.judge_name()
        if project is None or name is None or self.add_job is not None or self.busy:
            return
        path, n = project.path, self.at_most.value() or None
        pressed = self.add_anchors if choice == "anchors" else self.add_expert
        self._refocus = pressed if pressed.hasFocus() else None  # disabled meanwhile
        self.say(f"Choosing the {'anchors' if choice == 'anchors' else 'expert references'}…")
        self.add_job = run_job(
            lambda _job: _add(path, name, choice, n),
            on_done=lambda change: self._added(choice, change),
            on_error=lambda error: self._added(choice, None, error),
            owner=self,
        )
        self.enable()

    def _added(
        self, choice: str, change: CanaryChange | None, error: BaseException | None = None
    ) -> None:
        self.add_job = None
        refocus, self._refocus = self._refocus, None
        if refocus is not None:
            QTimer.singleShot(0, refocus.setFocus)  # the keyboard stays where it was
        if change is None:  # nothing changed: the message, and the set as it was
            self.status.hide()
            self._error(error)
            self.enable()
            return
        self.say(change.summary() if change.added else NOTHING_ADDED[choice])
        self.refresh(keep_status=True)
        self.changed.emit()

    def remove_selected(self) -> None:
        project, name, items = self.screen.project, self.screen.judge_name(), self.selected_items()
        if project is None or name is None or not items or self.busy:
            return
        try:
            change = remove_canaries(project, name, items)
        except AnnotatorError as error:
            self._error(error)
            return
        self.say(f"{change.summary()} Their past answers stay on the chart.")
        self.refresh(keep_status=True)
        self.changed.emit()

    def _open_item(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        opener = getattr(self.window(), "open_item", None)
        if item is not None and opener is not None:
            opener(item.text())

    def say(self, text: str) -> None:
        self.status.setText(text)
        self.status.show()

    def _error(self, error: BaseException | None) -> None:
        """The window's message box with the core's own words, never a traceback."""
        text = error_text(error) if error is not None else "Something went wrong."
        show = getattr(self.window(), "show_error", None) or getattr(
            self.screen, "show_error", None
        )
        if show is not None:
            show(text)


__all__ = ["EMPTY_SET", "SET_HEADERS", "CanarySet", "button", "expected_text"]
