"""The judges screen (Ctrl+8): the project's LLM judges on the left; on the right, the
selected judge's settings and a test call, a run on a selection (progress, ETA, cost,
Cancel), the items it failed with the raw answers, and its versions.

A lead's screen: judges' labels, costs and raw answers concern every item. Calls to the
model go off the UI thread; the core (`annotator.judges`) does the work and its errors
(`AnnotatorError`) are shown as their message, never as a traceback.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError
from annotator.judges import list_judges
from annotator.store.project import Project
from ui.judges.add_dialog import AddJudgeDialog
from ui.judges.align_tab import AlignTab
from ui.judges.canary_tab import CanaryTab
from ui.judges.history import FailuresTab, VersionsTab
from ui.judges.parts import config_of, error_text
from ui.judges.run_tab import RunTab
from ui.judges.settings_tab import SettingsTab
from ui.widgets.host import Host

TABS = ("Settings and test", "Run", "Failures", "Versions", "Alignment", "Canaries")


class JudgesScreen(QWidget):
    def __init__(self, host: Host | None = None) -> None:
        super().__init__(host)  # type: ignore[arg-type]
        self.host = host
        self.project: Project | None = None
        self.judges: list[Any] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        head = QHBoxLayout()
        title = QLabel("LLM judges")
        title.setObjectName("HeaderTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        title.setFont(font)
        self.summary = QLabel()
        self.summary.setObjectName("Muted")
        self.add_button = QPushButton("Add a judge…")
        self.add_button.setObjectName("Primary")
        self.add_button.clicked.connect(self.add_judge)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        head.addWidget(title)
        head.addSpacing(12)
        head.addWidget(self.summary, 1)
        head.addWidget(self.add_button)
        head.addWidget(self.refresh_button)
        layout.addLayout(head)
        self.error = QLabel()
        self.error.setObjectName("FeedbackWarn")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._left())
        self.right = QStackedWidget()
        self.empty = QLabel(
            "No judge yet. Add one with “Add a judge…”: a local Ollama or llama-server, "
            "or any OpenAI-compatible API. Test it with one call, then run it on the items."
        )
        self.empty.setObjectName("Banner")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop)
        empty_page = QWidget()
        empty_layout = QVBoxLayout(empty_page)
        empty_layout.addWidget(self.empty)
        empty_layout.addStretch(1)
        self.empty_layout = empty_layout  # imported judge labels' alignment shows here too
        self.right.addWidget(empty_page)
        self.right.addWidget(self._detail())
        split.addWidget(self.right)
        split.setStretchFactor(1, 1)
        split.setSizes([260, 1000])
        layout.addWidget(split, 1)

    def _left(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        title = QLabel("JUDGES")
        title.setObjectName("SectionTitle")
        self.list = QListWidget()
        self.list.setMinimumWidth(200)
        self.list.currentRowChanged.connect(lambda _: self.show_judge())
        column.addWidget(title)
        column.addWidget(self.list, 1)
        return box

    def _detail(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(8, 0, 0, 0)
        heading = QHBoxLayout()
        self.judge_title = QLabel()
        self.judge_title.setObjectName("CardTitle")
        font = self.judge_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.judge_title.setFont(font)
        self.model_badge = QLabel()
        self.model_badge.setObjectName("Badge")
        self.endpoint = QLabel()
        self.endpoint.setObjectName("Muted")
        self.endpoint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        heading.addWidget(self.judge_title)
        heading.addWidget(self.model_badge)
        heading.addSpacing(8)
        heading.addWidget(self.endpoint, 1)
        column.addLayout(heading)
        self.tabs = QTabWidget()
        self.settings_tab = SettingsTab(self)
        self.run_tab = RunTab(self)
        self.failures_tab = FailuresTab(self)
        self.versions_tab = VersionsTab(self)
        self.align_tab = AlignTab(self)
        self.canary_tab = CanaryTab(self)
        for tab, name in zip(
            (
                self.settings_tab,
                self.run_tab,
                self.failures_tab,
                self.versions_tab,
                self.align_tab,
                self.canary_tab,
            ),
            TABS,
            strict=True,
        ):
            self.tabs.addTab(tab, name)
        column.addWidget(self.tabs, 1)
        return box

    # -- screen protocol ----------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.refresh()

    def on_shown(self) -> None:
        self.refresh()

    # -- what the tabs ask ------------------------------------------------------------
    def current_judge(self) -> Any:
        row = self.list.currentRow()
        return self.judges[row] if 0 <= row < len(self.judges) else None

    def judge_name(self) -> str | None:
        judge = self.current_judge()
        return None if judge is None else config_of(judge).name

    def run_started(self) -> None:
        self.list.setEnabled(False)  # the run's progress belongs to the judge shown
        self.add_button.setEnabled(False)
        self.summary.setText(f"Running {self.judge_name()}…")

    def run_finished(self) -> None:
        self.list.setEnabled(True)
        self.add_button.setEnabled(True)
        self.refresh(keep_run=True)

    # -- contents ---------------------------------------------------------------------
    def refresh(self, keep_run: bool = False) -> None:
        if self.project is None:
            return
        if self.run_tab.running or self.canary_tab.running:
            return  # the list is held still until the run ends
        keep = self.judge_name()
        try:
            self.judges = list(list_judges(self.project))
        except AnnotatorError as error:
            self.show_error(error_text(error))
            self.judges = []
        else:
            self.error.hide()
        self.list.blockSignals(True)
        self.list.clear()
        for judge in self.judges:
            c = config_of(judge)
            item = QListWidgetItem(f"{c.name}\n{c.model}")
            item.setToolTip(c.base_url)
            self.list.addItem(item)
        names = [config_of(j).name for j in self.judges]
        self.list.setCurrentRow(names.index(keep) if keep in names else (0 if names else -1))
        self.list.blockSignals(False)
        n = len(self.judges)
        self.summary.setText(f"{n} judge{'s' if n != 1 else ''}" if n else "")
        self.show_judge(keep_run=keep_run and keep in names)

    def show_judge(self, keep_run: bool = False) -> None:
        judge = self.current_judge()
        self.right.setCurrentIndex(0 if judge is None else 1)
        self._place_alignment(in_tabs=judge is not None)
        if judge is None:
            self.align_tab.refresh()
            self.align_tab.setVisible(self.align_tab.has_judges())  # imported judge labels
            return
        c = config_of(judge)
        self.judge_title.setText(c.name)
        self.model_badge.setText(c.model)
        self.endpoint.setText(c.base_url)
        if not keep_run:
            self.settings_tab.clear_test()
            self.run_tab.clear()
        self.settings_tab.refresh()
        self.run_tab.refresh()
        try:
            self.versions_tab.refresh()
            self.failures_tab.refresh(self.versions_tab.labels_by_id())
        except AnnotatorError as error:
            self.show_error(error_text(error))
        self.tabs.setTabText(2, f"Failures ({len(self.failures_tab.failures)})")
        self.tabs.setTabText(3, f"Versions ({len(self.versions_tab.versions)})")
        self.align_tab.refresh()
        self.canary_tab.refresh(keep_run)

    def _place_alignment(self, in_tabs: bool) -> None:
        """The Alignment tab sits among the judge's tabs; with no configured judge, it sits
        under the empty page's banner, for judge labels that were imported."""
        index = self.tabs.indexOf(self.align_tab)
        if in_tabs and index < 0:
            self.empty_layout.removeWidget(self.align_tab)
            self.tabs.insertTab(TABS.index("Alignment"), self.align_tab, "Alignment")
            self.empty_layout.setStretch(1, 1)
        elif not in_tabs and index >= 0:
            self.tabs.removeTab(index)
            self.empty_layout.insertWidget(1, self.align_tab, 1)
            self.empty_layout.setStretch(2, 0)

    def add_judge(self) -> None:
        if self.project is None:
            return
        dialog = AddJudgeDialog(self.project, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.judge is None:
            return
        self.refresh()
        names = [config_of(j).name for j in self.judges]
        name = config_of(dialog.judge).name
        if name in names:
            self.list.setCurrentRow(names.index(name))
        self.tabs.setCurrentIndex(0)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


__all__ = ["TABS", "JudgesScreen"]
