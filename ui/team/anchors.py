"""The team screen's anchor tabs: anchors with their references and accuracy, and the
log of anchor-rate changes (lead only)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from annotator.anchors import anchors
from annotator.anchors import rate as anchor_rate
from annotator.anchors.scoring import anchor_accuracy
from annotator.base.errors import AnnotatorError
from ui.widgets.tables import fill_table, make_table

if TYPE_CHECKING:
    from annotator.store.project import Project


class HasProject(Protocol):
    """The team screen, as its tabs see it (typed here: the screen imports the tabs)."""

    project: Project | None


class AnchorsTab(QWidget):
    def __init__(self, screen: HasProject) -> None:
        super().__init__()
        self.screen = screen
        layout = QVBoxLayout(self)
        buttons = QHBoxLayout()
        for text, slot in (
            ("Add from file…", self.add_file),
            ("Retire", self.retire),
            ("Confirm after a rubric change", self.confirm),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.message = QLabel()
        self.message.setObjectName("Muted")
        self.message.setWordWrap(True)
        self.table = make_table()
        accuracy_title = QLabel("ANCHOR ACCURACY PER PERSON AND CRITERION")
        accuracy_title.setObjectName("SectionTitle")
        self.accuracy = make_table()
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 3)
        layout.addWidget(accuracy_title)
        layout.addWidget(self.accuracy, 2)

    def selected_item(self) -> str | None:
        row = self.table.currentRow()
        return self.table.item(row, 0).text() if row >= 0 and self.table.item(row, 0) else None

    def refresh(self) -> None:
        project = self.screen.project
        if project is None:
            return
        rows = [
            [
                a.item_id,
                a.status,
                a.rubric_version_id,
                json.dumps(a.reference, ensure_ascii=False),
                ", ".join(sorted(a.review)) or "",
                a.origin,
                a.rationale,
            ]
            for a in anchors.list_anchors(project)
        ]
        fill_table(
            self.table,
            [
                "Item",
                "Status",
                "Rubric version id",
                "Reference",
                "Needs review",
                "Origin",
                "Rationale",
            ],
            rows,
        )
        accuracy = [
            [r["annotator"], r["criterion"], r["n"], r["accuracy"], r["mean_abs_distance"]]
            for r in anchor_accuracy(project)
        ]
        fill_table(
            self.accuracy,
            ["Person", "Criterion", "Scored", "Accuracy", "Mean |distance|"],
            accuracy,
        )

    def _run(self, action: Any) -> None:
        try:
            text = action()
        except AnnotatorError as error:
            text = str(error)
        self.message.setText(text)
        self.refresh()

    def add_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Anchors file", "", "JSONL (*.jsonl);;All files (*)"
        )
        if path and self.screen.project is not None:
            self._run(lambda: anchors.add_anchor_file(self.screen.project, path).summary())

    def retire(self) -> None:
        item = self.selected_item()
        if item and self.screen.project is not None:
            self._run(
                lambda: f"Retired {anchors.retire_anchor(self.screen.project, item).item_id}."
            )

    def confirm(self) -> None:
        item = self.selected_item()
        if item and self.screen.project is not None:
            self._run(
                lambda: f"Confirmed {anchors.confirm_anchor(self.screen.project, item).item_id}."
            )


class RatesTab(QWidget):
    def __init__(self, screen: HasProject) -> None:
        super().__init__()
        self.screen = screen
        layout = QVBoxLayout(self)
        note = QLabel(
            "When a person's recent anchor accuracy falls under the threshold, or drift raises "
            "an alert for them, their anchor rate rises (up to a cap) until accuracy recovers."
        )
        note.setObjectName("Muted")
        note.setWordWrap(True)
        self.table = make_table()
        layout.addWidget(note)
        layout.addWidget(self.table)

    def refresh(self) -> None:
        if self.screen.project is None:
            return
        rows = [
            [c.at[:16].replace("T", " "), c.annotator, c.old_rate, c.new_rate, c.reason]
            for c in anchor_rate.rate_log(self.screen.project)
        ]
        fill_table(self.table, ["When", "Person", "From", "To", "Why"], rows)
