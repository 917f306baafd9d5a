"""The lead's team screen: who has what queue, assigning work, anchors, and rate changes.

This is the lead's view, so unlike the annotate view it may show which queue
entries are anchors and repeats, and anchors' references.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError
from annotator.queue import assignments, queue
from annotator.sources.sources import get_annotator, set_annotator_mode
from annotator.store.project import Project, open_reader
from ui.team.anchors import AnchorsTab, RatesTab
from ui.team.throughput import ThroughputTab
from ui.widgets.jobs import run_job
from ui.widgets.tables import fill_table, make_table


def _assign_in_background(path: Path, names: list[str], options: dict[str, Any]) -> str:
    """Assigning a million items takes seconds: on its own connection, off the UI thread."""
    with open_reader(path) as project:
        return assignments.assign(project, names, **options).summary()


class QueuesTab(QWidget):
    def __init__(self, screen: TeamScreen) -> None:
        super().__init__()
        self.screen = screen
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("QUEUES")
        title.setObjectName("SectionTitle")
        self.table = make_table()
        self.table.itemSelectionChanged.connect(self.show_preview)
        mode_row = QHBoxLayout()
        self.training = QPushButton("Training mode")
        self.training.setToolTip("After each check item, show the reference and its rationale")
        self.silent = QPushButton("Silent mode")
        self.training.clicked.connect(lambda: self.set_mode("training"))
        self.silent.clicked.connect(lambda: self.set_mode("silent"))
        mode_row.addWidget(self.training)
        mode_row.addWidget(self.silent)
        mode_row.addStretch(1)
        preview_title = QLabel(
            "NEXT IN THIS QUEUE (lead only: kinds are hidden from the annotator)"
        )
        preview_title.setObjectName("SectionTitle")
        self.preview = QListWidget()
        remove = QPushButton("Remove the selected item from this queue")
        remove.clicked.connect(self.remove_selected)
        for widget in (title, self.table):
            left_layout.addWidget(widget)
        left_layout.addLayout(mode_row)
        left_layout.addWidget(preview_title)
        left_layout.addWidget(self.preview)
        left_layout.addWidget(remove)
        split.addWidget(left)
        split.addWidget(self._assign_form())
        split.setSizes([760, 440])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def _assign_form(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        title = QLabel("ASSIGN ITEMS")
        title.setObjectName("SectionTitle")
        form.addRow(title)
        self.names = QLineEdit()
        self.names.setPlaceholderText("names, comma-separated (new people are created)")
        self.selection = QComboBox()
        self.selection.addItems(["all unassigned items", "a random sample of", "the slice"])
        self.sample = QSpinBox()
        self.sample.setRange(1, 100_000_000)
        self.sample.setValue(100)
        self.slice = QLineEdit()
        self.slice.setPlaceholderText("KEY=VALUE, e.g. domain=legal")
        self.overlap = QDoubleSpinBox()
        self.overlap.setRange(0, 1)
        self.overlap.setSingleStep(0.05)
        self.overlap.setValue(0.2)
        self.k = QSpinBox()
        self.k.setRange(2, 20)
        self.k.setValue(2)
        self.anchor_rate = QDoubleSpinBox()
        self.anchor_rate.setRange(0, 0.5)
        self.anchor_rate.setSingleStep(0.01)
        self.anchor_rate.setValue(0.1)
        self.repeat_rate = QDoubleSpinBox()
        self.repeat_rate.setRange(0, 0.5)
        self.repeat_rate.setSingleStep(0.01)
        self.repeat_rate.setValue(0.03)
        self.seed = QLineEdit()
        self.seed.setPlaceholderText("random")
        self.source = QLineEdit("experts")
        self.assign_button = QPushButton("Assign")
        self.assign_button.setObjectName("Primary")
        self.assign_button.clicked.connect(self.assign)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setObjectName("Muted")
        for label, widget in (
            ("People", self.names),
            ("Items", self.selection),
            ("Sample size", self.sample),
            ("Slice", self.slice),
            ("Overlap share", self.overlap),
            ("Labels per overlapped item (k)", self.k),
            ("Anchor rate", self.anchor_rate),
            ("Repeat rate", self.repeat_rate),
            ("Seed", self.seed),
            ("Source for new people", self.source),
        ):
            form.addRow(label, widget)
        form.addRow(self.assign_button)
        form.addRow(self.result)
        return box

    def options(self) -> dict[str, Any]:
        choice = self.selection.currentIndex()
        seed = self.seed.text().strip()
        return {
            "sample": self.sample.value() if choice == 1 else None,
            "slice_": assignments.parse_slice(self.slice.text()) if choice == 2 else None,
            "overlap": self.overlap.value(),
            "k": self.k.value() if self.overlap.value() > 0 else None,
            "anchor_rate": self.anchor_rate.value(),
            "repeat_rate": self.repeat_rate.value(),
            "seed": int(seed) if seed.isdigit() else None,
            "source": self.source.text().strip() or "experts",
        }

    def assign(self) -> None:
        project = self.screen.project
        names = [n.strip() for n in self.names.text().split(",") if n.strip()]
        if project is None or not names:
            self.result.setText("Name at least one person.")
            return
        try:
            options = self.options()
        except AnnotatorError as error:
            self.result.setText(str(error))
            return
        self.assign_button.setEnabled(False)
        self.result.setText("Assigning…")
        path = project.path
        run_job(
            lambda _job: _assign_in_background(path, names, options),
            on_done=self._assigned,
            on_error=self._failed,
            owner=self,
        )

    def _assigned(self, summary: str) -> None:
        self.assign_button.setEnabled(True)
        self.result.setText(summary)
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        self.assign_button.setEnabled(True)
        self.result.setText(str(error))

    def selected_person(self) -> str | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.text() if item else None

    def refresh(self) -> None:
        project = self.screen.project
        if project is None:
            return
        keep = self.selected_person()
        rows = [
            [
                o["annotator"],
                o["mode"],
                o["done"],
                o["remaining"],
                o["assigned"] or "— open pool",  # nothing assigned: labels from every item
                o["current_anchor_rate"],
                o["repeat_rate"],
            ]
            for o in queue.overview(project)
        ]
        self.table.blockSignals(True)
        fill_table(
            self.table,
            ["Person", "Mode", "Done", "Left", "Assigned", "Anchor rate", "Repeat rate"],
            rows,
        )
        self.table.blockSignals(False)
        names = [row[0] for row in rows]
        if keep in names:  # the lead's selection survives a refresh
            self.table.selectRow(names.index(keep))

    def show_preview(self) -> None:
        project, name = self.screen.project, self.selected_person()
        self.preview.clear()
        if project is None or name is None:
            return
        person = get_annotator(project, name)
        for entry in queue.preview(project, person.id, 25):
            item = QListWidgetItem(f"{entry.position:>5}   {entry.item_id}   {entry.kind}")
            item.setData(Qt.ItemDataRole.UserRole, entry.item_id)
            self.preview.addItem(item)

    def set_mode(self, mode: str) -> None:
        name = self.selected_person()
        if self.screen.project is not None and name:
            set_annotator_mode(self.screen.project, name, mode)
            self.refresh()

    def remove_selected(self) -> None:
        name, item = self.selected_person(), self.preview.currentItem()
        if self.screen.project is None or not name or item is None:
            return
        assignments.remove_from_queue(
            self.screen.project, name, [item.data(Qt.ItemDataRole.UserRole)], "removed by the lead"
        )
        self.show_preview()
        self.refresh()


class TeamScreen(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.tabs = QTabWidget()
        self.queues = QueuesTab(self)
        self.anchors = AnchorsTab(self)
        self.rates = RatesTab(self)
        self.tabs.addTab(self.queues, "Queues and assignments")
        self.tabs.addTab(self.anchors, "Anchors")
        self.tabs.addTab(self.rates, "Anchor-rate changes")
        self.throughput = ThroughputTab(self)
        self.tabs.addTab(self.throughput, "Throughput")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addWidget(self.tabs)

    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.on_shown()

    def on_shown(self) -> None:
        for tab in (self.queues, self.anchors, self.rates, self.throughput):
            tab.refresh()
