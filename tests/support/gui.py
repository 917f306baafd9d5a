"""Driving the real widgets from the keyboard, as a labeler would.

Keys go to whichever widget has the keyboard focus, exactly as on a real
keyboard (QTest, the machinery under pytest-qt's qtbot.keyClick).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from annotator.rubric.model import Criterion
from ui.shell.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
NONE = Qt.KeyboardModifier.NoModifier


def focus_target(fallback: QWidget) -> QWidget:
    return QApplication.focusWidget() or fallback


def press(fallback: QWidget, key: Any, modifier: Any = NONE) -> None:
    """One key press delivered where the keyboard focus is."""
    QTest.keyClick(focus_target(fallback), key, modifier)


def type_text(fallback: QWidget, text: str) -> None:
    QTest.keyClicks(focus_target(fallback), text)


def hotkey_for(criterion: Criterion, value: Any) -> str:
    for index, option in enumerate(criterion.options):
        if option.value == value:
            return option.hotkey or str(index + 1)
    raise KeyError(value)


def answer_by_keyboard(view: QWidget, criterion: Criterion, value: Any) -> None:
    """Fill the highlighted criterion with `value` using only keys, then move on."""
    kind = criterion.kind
    if kind in ("binary", "categorical", "ordinal", "preference"):
        press(view, hotkey_for(criterion, value))  # a single choice moves on by itself
        return
    if kind == "multilabel":
        for choice in value or []:
            press(view, hotkey_for(criterion, choice))
    elif kind in ("numeric", "text") and value is not None:
        press(view, Qt.Key.Key_Space)  # starts typing in the number or text box
        type_text(view, str(value))
        press(view, Qt.Key.Key_Escape)  # back to the form
    press(view, Qt.Key.Key_Tab)


def planned_values(criteria: tuple[Criterion, ...], n: int) -> dict[str, Any]:
    """A varied, valid answer for every criterion of an item (the n-th of the pass)."""
    values: dict[str, Any] = {}
    for criterion in criteria:
        options = criterion.option_values
        if criterion.kind in ("binary", "categorical", "ordinal", "preference"):
            values[criterion.key] = options[n % len(options)]
        elif criterion.kind == "multilabel":
            values[criterion.key] = [options[n % len(options)]] if n % 2 else []
        elif criterion.kind == "numeric":
            values[criterion.key] = 50 + 5 * (n % 8)
        elif criterion.kind == "text":
            values[criterion.key] = f"note {n}"
    return values


def answer_all(
    view: QWidget, criteria: tuple[Criterion, ...], values: dict[str, Any]
) -> dict[str, Any]:
    """Answer each criterion in order; returns the values a correct form now holds."""
    for criterion in criteria:
        answer_by_keyboard(view, criterion, values.get(criterion.key))
    return {k: v for k, v in values.items() if v not in (None, [], "")}


def demo_window(qtbot: Any) -> Any:
    """The main window, shown and active, on the demo project, labeling as its person."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.open_demo()  # the start screen's "Open the demo": built in the (temp) data folder
    return window
