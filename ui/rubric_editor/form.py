"""The rubric editor's form for one criterion: key, title, kind, help, options with
their hotkeys and descriptions, the numeric range, and examples.

It edits plain data (a criterion as in a rubric file) and says `changed`; the
editor checks the whole draft and shows what is wrong, so a half-typed option
never blocks typing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.rubric.model import APPLIES_TO, KINDS
from annotator.rubric.typed_text import (
    example_value_from_text,
    number_from_text,
    option_value_from_text,
    value_as_text,
)

OPTION_COLUMNS = ("value", "label", "description", "hotkey")
EXAMPLE_COLUMNS = ("item", "value", "why")


class RowTable(QWidget):
    """A small editable table with Add and Remove buttons."""

    changed = Signal()

    def __init__(self, columns: tuple[str, ...], add_text: str) -> None:
        super().__init__()
        self.columns = columns
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(columns))
        self.table.setHorizontalHeaderLabels([c.capitalize() for c in columns])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        wide = "description" if "description" in columns else columns[-1]
        for index, name in enumerate(columns):
            if name == wide:
                header.setSectionResizeMode(index, QHeaderView.ResizeMode.Stretch)
            elif name in ("label", "item"):
                header.setSectionResizeMode(index, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(index, 120)
            else:
                header.setSectionResizeMode(index, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(lambda _item: self.changed.emit())
        buttons = QHBoxLayout()
        self.add_button = QPushButton(add_text)
        self.remove_button = QPushButton("Remove the selected row")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_row)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def set_rows(self, rows: list[list[str]]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.blockSignals(False)

    def rows(self) -> list[list[str]]:
        out = []
        for r in range(self.table.rowCount()):
            cells = []
            for c in range(len(self.columns)):
                item = self.table.item(r, c)
                cells.append(item.text() if item is not None else "")
            out.append(cells)
        return out

    def add_row(self) -> None:
        self.table.insertRow(self.table.rowCount())
        self.table.setCurrentCell(self.table.rowCount() - 1, 0)
        self.changed.emit()

    def remove_row(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.changed.emit()


class CriterionEditor(QWidget):
    """Edits one criterion's data; `changed` after every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self.extra: dict[str, Any] = {}
        form = QFormLayout(self)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.key = QLineEdit()
        self.key.setPlaceholderText("an identifier: letters, digits, underscores")
        self.title = QLineEdit()
        self.kind = QComboBox()
        self.kind.addItems(list(KINDS))
        self.required = QCheckBox("must be answered before submitting")
        self.applies_to = QComboBox()
        self.applies_to.addItems(list(APPLIES_TO))
        self.help = QPlainTextEdit()
        self.help.setFixedHeight(64)
        self.help.setPlaceholderText(
            "one line under the title in the form; changing it changes what labels mean"
        )
        self.options = RowTable(OPTION_COLUMNS, "Add an option")
        self.range_row = QWidget()
        numbers = QHBoxLayout(self.range_row)
        numbers.setContentsMargins(0, 0, 0, 0)
        self.minimum, self.maximum, self.step = QLineEdit(), QLineEdit(), QLineEdit()
        for name, widget in (("min", self.minimum), ("max", self.maximum), ("step", self.step)):
            widget.setPlaceholderText(name)
            numbers.addWidget(widget)
        self.examples = RowTable(EXAMPLE_COLUMNS, "Add an example")
        self.options_label = QLabel("Options")
        form.addRow("Key", self.key)
        form.addRow("Title", self.title)
        form.addRow("Kind", self.kind)
        form.addRow("", self.required)
        form.addRow("Applies to", self.applies_to)
        form.addRow("Help", self.help)
        form.addRow(self.options_label, self.options)
        form.addRow("Range", self.range_row)
        form.addRow("Examples", self.examples)
        self.form = form
        for signal in (
            self.key.textEdited,
            self.title.textEdited,
            self.minimum.textEdited,
            self.maximum.textEdited,
            self.step.textEdited,
            self.help.textChanged,
            self.kind.currentIndexChanged,
            self.applies_to.currentIndexChanged,
            self.required.toggled,
            self.options.changed,
            self.examples.changed,
        ):
            signal.connect(self._edited)

    def _edited(self, *_args: Any) -> None:
        if not self._loading:
            self._show_for_kind()
            self.changed.emit()

    def _show_for_kind(self) -> None:
        kind = self.kind.currentText()
        has_options = kind not in ("numeric", "text")
        for widget, shown in ((self.options, has_options), (self.range_row, kind == "numeric")):
            widget.setVisible(shown)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(shown)

    def load(self, data: dict[str, Any]) -> None:
        self._loading = True
        try:
            self.key.setText(str(data.get("key", "")))
            self.title.setText(str(data.get("title", "")))
            self.kind.setCurrentText(str(data.get("kind", "categorical")))
            self.required.setChecked(bool(data.get("required", False)))
            self.applies_to.setCurrentText(str(data.get("applies_to", "all")))
            self.help.setPlainText(str(data.get("help", "")))
            self.options.set_rows(
                [
                    [
                        value_as_text(o.get("value", "")),
                        *(str(o.get(k) or "") for k in OPTION_COLUMNS[1:]),
                    ]
                    for o in data.get("options") or []
                ]
            )
            for widget, name in ((self.minimum, "min"), (self.maximum, "max"), (self.step, "step")):
                value = data.get(name)
                widget.setText("" if value is None else str(value))
            self.examples.set_rows(
                [
                    [
                        str(e.get("item", "")),
                        value_as_text(e.get("value", "")),
                        str(e.get("why", "")),
                    ]
                    for e in data.get("examples") or []
                ]
            )
            known = {"key", "title", "kind", "required", "applies_to", "help", "options"}
            known |= {"min", "max", "step", "examples"}
            self.extra = {k: v for k, v in data.items() if k not in known}
        finally:
            self._loading = False
        self._show_for_kind()

    def dump(self) -> dict[str, Any]:
        kind = self.kind.currentText()
        out: dict[str, Any] = {
            "key": self.key.text().strip(),
            "title": self.title.text().strip(),
            "help": self.help.toPlainText().strip(),
            "kind": kind,
            "required": self.required.isChecked(),
            "applies_to": self.applies_to.currentText(),
        }
        if kind not in ("numeric", "text"):
            options = []
            for value, label, description, hotkey in self.options.rows():
                if not value.strip():
                    continue
                option: dict[str, Any] = {"value": option_value_from_text(value, kind)}
                option["label"] = label.strip() or value.strip()
                if description.strip():
                    option["description"] = description.strip()
                if hotkey.strip():
                    option["hotkey"] = hotkey.strip()
                options.append(option)
            out["options"] = options
        if kind == "numeric":
            out.update(
                {
                    "min": number_from_text(self.minimum.text()),
                    "max": number_from_text(self.maximum.text()),
                }
            )
            out["step"] = number_from_text(self.step.text())
        out["examples"] = [
            {"item": item.strip(), "value": example_value_from_text(value), "why": why.strip()}
            for item, value, why in self.examples.rows()
            if item.strip()
        ]
        out.update(self.extra)
        return out
