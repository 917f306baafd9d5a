"""The form that creates a calibration session: name, participants, items, rubric, mode.

Choosing the lowest-agreement items reads every label, so the choice is made
off the UI thread on its own connection; the session is then written on the
UI thread's connection (one short transaction).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError
from annotator.calibration import sessions as cal
from annotator.rubric.versions import get_version, list_versions
from annotator.sources.sources import list_annotators, source_by_id
from annotator.store.project import Project, open_reader
from ui.widgets.jobs import run_job

HOW = (
    ("lowest", "the items people disagree on most"),
    ("items", "items I name"),
    ("anchors", "anchors (items with known answers)"),
    ("sample", "a random sample"),
)


def _select_in_background(path: Path, options: dict[str, Any]) -> cal.Selection:
    with open_reader(path) as reader:
        return cal.select_items(reader, **options)


class NewSessionForm(QWidget):
    """Emits `created(session id)` once the session exists, `cancelled` otherwise."""

    created = Signal(int)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.job: Any = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 18, 24, 18)
        title = QLabel("NEW CALIBRATION SESSION")
        title.setObjectName("SectionTitle")
        outer.addWidget(title)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setVerticalSpacing(10)
        self.name = QLineEdit(f"Calibration {date.today().isoformat()}")
        self.people = QListWidget()
        self.people.setMaximumHeight(180)
        self.how = QComboBox()
        for key, text in HOW:
            self.how.addItem(text, key)
        self.how.currentIndexChanged.connect(self._how_changed)
        self.count = QSpinBox()
        self.count.setRange(1, 500)
        self.count.setValue(8)
        self.ids = QLineEdit()
        self.ids.setPlaceholderText("item ids, comma-separated, in the order to show them")
        self.criterion = QComboBox()
        self.seed = QLineEdit()
        self.seed.setPlaceholderText("any number (the same seed, the same items)")
        self.version = QComboBox()
        self.mode = QComboBox()
        self.mode.addItem("in the room: one machine, participants take turns", "room")
        self.mode.addItem("work packs: each participant labels in their own pack", "packs")
        form.addRow("Name", self.name)
        form.addRow("Participants", self.people)
        form.addRow("Items", self.how)
        form.addRow("How many", self.count)
        form.addRow("Item ids", self.ids)
        form.addRow("Disagreement on", self.criterion)
        form.addRow("Seed", self.seed)
        form.addRow("Rubric version", self.version)
        form.addRow("Runs", self.mode)
        self.form = form
        outer.addLayout(form)
        buttons = QHBoxLayout()
        self.create_button = QPushButton("Create session and open round 1")
        self.create_button.setObjectName("Primary")
        self.create_button.clicked.connect(self.create)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.cancelled.emit)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.create_button)
        self.message = QLabel()
        self.message.setObjectName("Muted")
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        outer.addLayout(buttons)
        outer.addStretch(1)
        self._how_changed()

    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.people.clear()
        self.criterion.clear()
        self.version.clear()
        if project is None:
            return
        for person in list_annotators(project):
            source = source_by_id(project, person.source_id)
            item = QListWidgetItem(f"{person.name}   ·   {source.name}")
            item.setData(Qt.ItemDataRole.UserRole, person.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.people.addItem(item)
        self.criterion.addItem("every criterion", None)
        versions = list_versions(project)
        if versions:
            for criterion in versions[-1].criteria:
                if criterion.kind != "text":
                    self.criterion.addItem(criterion.title, criterion.key)
        for version in reversed(versions):
            self.version.addItem(version.label, version.id)

    def check(self, names: list[str]) -> None:
        """Tick these participants (for tests and the lead's last choice)."""
        for row in range(self.people.count()):
            item = self.people.item(row)
            wanted = item.data(Qt.ItemDataRole.UserRole) in names
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)

    def participants(self) -> list[str]:
        return [
            self.people.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.people.count())
            if self.people.item(row).checkState() == Qt.CheckState.Checked
        ]

    def _how_changed(self) -> None:
        how = self.how.currentData()
        for widget, shown in (
            (self.count, how in ("lowest", "anchors", "sample")),
            (self.ids, how == "items"),
            (self.criterion, how == "lowest"),
            (self.seed, how in ("anchors", "sample")),
        ):
            widget.setVisible(shown)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(shown)

    def options(self) -> dict[str, Any]:
        how = self.how.currentData()
        seed = int(self.seed.text()) if self.seed.text().strip().isdigit() else None
        if how == "items":
            return {"items": [i.strip() for i in self.ids.text().split(",") if i.strip()]}
        if how == "lowest":
            return {"lowest": self.count.value(), "criterion": self.criterion.currentData()}
        if how == "anchors":
            return {"anchors": self.count.value(), "seed": seed}
        return {"sample": self.count.value(), "seed": seed}

    def create(self) -> None:
        if self.project is None:
            return
        names = self.participants()
        if len(names) < 2:
            self.message.setText("Tick at least two participants.")
            return
        self.create_button.setEnabled(False)
        self.message.setText("Choosing the items…")
        options = self.options()
        self.job = run_job(
            lambda job: _select_in_background(self.project.path, options),  # type: ignore[union-attr]
            on_done=lambda selection: self._write(names, selection),
            on_error=self._failed,
            owner=self,
        )

    def _write(self, names: list[str], selection: cal.Selection) -> None:
        self.create_button.setEnabled(True)
        if self.project is None:
            return
        try:
            session = cal.create_session(
                self.project,
                self.name.text(),
                names,
                selection,
                rubric_version=get_version(self.project, self.version.currentData()),
                mode=self.mode.currentData(),
            )
        except AnnotatorError as error:
            self.message.setText(str(error))
            return
        self.message.setText("")
        self.created.emit(session.id)

    def _failed(self, error: BaseException) -> None:
        self.create_button.setEnabled(True)
        self.message.setText(str(error) if isinstance(error, AnnotatorError) else repr(error))
