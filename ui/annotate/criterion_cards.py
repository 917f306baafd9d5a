"""One card per rubric criterion, by kind: the controls of the annotate form.

binary, categorical, preference and ordinal are buttons showing their hotkeys
(ordinal as a row of labelled scale points); multilabel is checkboxes; numeric
a spin box that starts empty; text a text box. Buttons take no focus, so keys
always reach the key dispatcher.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from annotator.rubric.model import Criterion, Option
from ui.widgets.flow_layout import FlowLayout


def option_hotkeys(criterion: Criterion) -> list[str]:
    """The key for each option: its own hotkey, else its position (1-9)."""
    keys = []
    for index, option in enumerate(criterion.options):
        keys.append(option.hotkey or (str(index + 1) if index < 9 else ""))
    return keys


def _restyle(widget: QWidget, name: str, value: bool) -> None:
    """Set a style property and re-polish, only when it changes (re-polishing is slow)."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class CriterionCard(QFrame):
    """Base card: title, required marker, help; subclasses add the control."""

    changed = Signal()

    def __init__(self, criterion: Criterion, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.criterion = criterion
        self.setObjectName("Card")
        self.setProperty("current", False)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(12, 10, 12, 10)
        self.layout_.setSpacing(6)
        head = QHBoxLayout()
        title = QLabel(criterion.title)
        title.setObjectName("CardTitle")
        head.addWidget(title)
        if criterion.required:
            star = QLabel("required")
            star.setObjectName("Required")
            star.setToolTip("This criterion must be answered before submitting")
            head.addWidget(star)
        head.addStretch(1)
        self.state = QLabel()
        self.state.setObjectName("Muted")
        head.addWidget(self.state)
        self.layout_.addLayout(head)
        if criterion.help:
            help_label = QLabel(criterion.help)
            help_label.setObjectName("Muted")
            help_label.setWordWrap(True)
            self.layout_.addWidget(help_label)

    def set_current(self, current: bool) -> None:
        _restyle(self, "current", current)

    # Subclasses implement these.
    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def pick_key(self, key: str) -> bool:
        return False

    def move_option(self, step: int) -> None:
        """Move the keyboard highlight among options."""

    def toggle_highlighted(self) -> bool:
        return False

    def focus_input(self) -> bool:
        """Give focus to a text or number input, if the card has one."""
        return False

    @property
    def single_choice(self) -> bool:
        return False


class ChoiceCard(CriterionCard):
    """binary, categorical, preference, ordinal: exactly one option."""

    def __init__(self, criterion: Criterion, parent: QWidget | None = None) -> None:
        super().__init__(criterion, parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)  # exclusive by hand, so a choice can be cleared
        self.buttons: list[QPushButton] = []
        self.keys = option_hotkeys(criterion)
        self.highlight = -1
        ordinal = criterion.kind == "ordinal"
        row: QGridLayout | FlowLayout = QGridLayout() if ordinal else FlowLayout()
        row.setSpacing(6)
        for index, option in enumerate(criterion.options):
            button = QPushButton(self._text(option, self.keys[index]))
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            if ordinal:
                button.setObjectName("ScalePoint")
                button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.setToolTip(self._tooltip(option, self.keys[index]))
            button.clicked.connect(lambda checked, i=index: self._clicked(i, checked))
            self.group.addButton(button, index)
            self.buttons.append(button)
            if isinstance(row, QGridLayout):
                row.addWidget(button, 0, index)
                if option.label != str(option.value):
                    caption = QLabel(option.label)
                    caption.setObjectName("ScaleCaption")
                    caption.setWordWrap(True)
                    caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                    caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
                    row.addWidget(caption, 1, index)
                row.setColumnStretch(index, 1)
            else:
                row.addWidget(button)
        self.layout_.addLayout(row)

    def _text(self, option: Option, key: str) -> str:
        if self.criterion.kind == "ordinal":
            shown = str(option.value)
            return shown if key in ("", shown) else f"{shown}  [{key}]"
        return f"{option.label}   [{key}]" if key else option.label

    @staticmethod
    def _tooltip(option: Option, key: str) -> str:
        text = f"<b>{option.label}</b>"
        if key:
            text += f" &nbsp;(key {key})"
        if option.description:
            text += f"<br>{option.description}"
        return text

    @property
    def single_choice(self) -> bool:
        return True

    def _clicked(self, index: int, checked: bool) -> None:
        self._select(index if checked else None)

    def _select(self, index: int | None) -> None:
        for i, button in enumerate(self.buttons):
            button.setChecked(i == index)
        self.state.setText("" if index is None else "✓")
        self.changed.emit()

    def value(self) -> Any:
        for index, button in enumerate(self.buttons):
            if button.isChecked():
                return self.criterion.options[index].value
        return None

    def set_value(self, value: Any) -> None:
        index = next(
            (
                i
                for i, o in enumerate(self.criterion.options)
                if o.value == value and value is not None
            ),
            None,
        )
        for i, button in enumerate(self.buttons):
            button.setChecked(i == index)
        self.state.setText("" if index is None else "✓")

    def pick_key(self, key: str) -> bool:
        for index, hotkey in enumerate(self.keys):
            if hotkey and hotkey == key:
                self._select(index)
                return True
        lowered = key.lower()
        for index, hotkey in enumerate(self.keys):
            if hotkey and hotkey.lower() == lowered:
                self._select(index)
                return True
        if key.isdigit() and 1 <= int(key) <= len(self.buttons):
            self._select(int(key) - 1)
            return True
        return False

    def move_option(self, step: int) -> None:
        if self.highlight < 0:
            current = next((i for i, b in enumerate(self.buttons) if b.isChecked()), -1)
            self.highlight = current
        self.highlight = (self.highlight + step) % len(self.buttons)
        for i, button in enumerate(self.buttons):
            _restyle(button, "highlighted", i == self.highlight)

    def toggle_highlighted(self) -> bool:
        if self.highlight < 0:
            return False
        checked = self.buttons[self.highlight].isChecked()
        self._select(None if checked else self.highlight)
        return True

    def set_current(self, current: bool) -> None:
        super().set_current(current)
        if not current:
            self.highlight = -1
            for button in self.buttons:
                _restyle(button, "highlighted", False)


class MultiCard(CriterionCard):
    """multilabel: any number of options, as checkboxes."""

    def __init__(self, criterion: Criterion, parent: QWidget | None = None) -> None:
        super().__init__(criterion, parent)
        self.keys = option_hotkeys(criterion)
        self.boxes: list[QCheckBox] = []
        self.highlight = -1
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        for index, option in enumerate(criterion.options):
            key = self.keys[index]
            box = QCheckBox(f"{option.label}   [{key}]" if key else option.label)
            box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            box.setToolTip(ChoiceCard._tooltip(option, key))
            box.toggled.connect(lambda _=False: self._changed())
            self.boxes.append(box)
            grid.addWidget(box, index // 2, index % 2)
        self.layout_.addLayout(grid)

    def _changed(self) -> None:
        count = sum(box.isChecked() for box in self.boxes)
        self.state.setText(f"{count} chosen" if count else "")
        self.changed.emit()

    def value(self) -> Any:
        chosen = [
            o.value
            for o, box in zip(self.criterion.options, self.boxes, strict=True)
            if box.isChecked()
        ]
        return chosen or None

    def set_value(self, value: Any) -> None:
        chosen = set(value or [])
        for option, box in zip(self.criterion.options, self.boxes, strict=True):
            box.blockSignals(True)
            box.setChecked(option.value in chosen)
            box.blockSignals(False)
        count = len([b for b in self.boxes if b.isChecked()])
        self.state.setText(f"{count} chosen" if count else "")

    def pick_key(self, key: str) -> bool:
        for index, hotkey in enumerate(self.keys):
            if hotkey and hotkey.lower() == key.lower():
                self.boxes[index].toggle()
                return True
        if key.isdigit() and 1 <= int(key) <= len(self.boxes):
            self.boxes[int(key) - 1].toggle()
            return True
        return False

    def move_option(self, step: int) -> None:
        self.highlight = (self.highlight + step) % len(self.boxes)
        for i, box in enumerate(self.boxes):
            _restyle(box, "highlighted", i == self.highlight)

    def toggle_highlighted(self) -> bool:
        if self.highlight < 0:
            return False
        self.boxes[self.highlight].toggle()
        return True

    def set_current(self, current: bool) -> None:
        super().set_current(current)
        if not current:
            self.highlight = -1
            for box in self.boxes:
                _restyle(box, "highlighted", False)


class NumberCard(CriterionCard):
    """numeric: a spin box within the criterion's range; empty until set."""

    def __init__(self, criterion: Criterion, parent: QWidget | None = None) -> None:
        super().__init__(criterion, parent)
        self.spin = QDoubleSpinBox()
        low = criterion.minimum if criterion.minimum is not None else -1e9
        high = criterion.maximum if criterion.maximum is not None else 1e9
        step = criterion.step or 1
        self.integral = all(float(x).is_integer() for x in (low, high, step) if x is not None)
        self.spin.setDecimals(0 if self.integral else 3)
        # One step below the minimum means "not set", shown as a dash.
        self.spin.setRange(low - step, high)
        self.spin.setSingleStep(step)
        self.spin.setSpecialValueText("—  (not set)")
        self.spin.setValue(low - step)
        self.spin.setMinimumWidth(140)
        self.spin.valueChanged.connect(lambda _=0.0: self._changed())
        self.unset = low - step
        row = QHBoxLayout()
        row.addWidget(self.spin)
        hint = QLabel(f"{criterion.scale_text()}, step {step:g} · Space to type, Esc to return")
        hint.setObjectName("Muted")
        hint.setWordWrap(True)
        row.addWidget(hint, 1)
        self.layout_.addLayout(row)

    def _changed(self) -> None:
        self.state.setText("" if self.value() is None else "✓")
        self.changed.emit()

    def value(self) -> Any:
        number = self.spin.value()
        if number <= self.unset:
            return None
        return int(number) if self.integral else number

    def set_value(self, value: Any) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(self.unset if value is None else float(value))
        self.spin.blockSignals(False)
        self.state.setText("" if value is None else "✓")

    def focus_input(self) -> bool:
        self.spin.setFocus()
        self.spin.selectAll()
        return True

    def pick_key(self, key: str) -> bool:
        if key.isdigit() or key in "-.":
            self.focus_input()
            self.spin.lineEdit().setText(key)
            return True
        return False


class TextCard(CriterionCard):
    """text: free text for this criterion."""

    def __init__(self, criterion: Criterion, parent: QWidget | None = None) -> None:
        super().__init__(criterion, parent)
        self.edit = QPlainTextEdit()
        self.edit.setPlaceholderText("Type here (Tab or Esc to return to the form)")
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(70)
        self.edit.textChanged.connect(self._changed)
        self.layout_.addWidget(self.edit)

    def _changed(self) -> None:
        self.state.setText("✓" if self.value() else "")
        self.changed.emit()

    def value(self) -> Any:
        return self.edit.toPlainText().strip() or None

    def set_value(self, value: Any) -> None:
        self.edit.blockSignals(True)
        self.edit.setPlainText(value or "")
        self.edit.blockSignals(False)
        self.state.setText("✓" if value else "")

    def focus_input(self) -> bool:
        self.edit.setFocus()
        return True


CARD_FOR_KIND: dict[str, type[CriterionCard]] = {
    "binary": ChoiceCard,
    "categorical": ChoiceCard,
    "preference": ChoiceCard,
    "ordinal": ChoiceCard,
    "multilabel": MultiCard,
    "numeric": NumberCard,
    "text": TextCard,
}
