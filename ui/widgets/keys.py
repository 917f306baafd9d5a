"""One place where key presses become actions, built from the core's keymap table.

An application-wide event filter looks up each key press in the keymap. Plain
keys (letters, digits, Return, arrows) never act while the focus is in a text
field, so typing "3" in the rationale box types a 3; only actions marked
`in_text` (with a modifier, or Escape) do. Keys no action claims go to the
current screen as plain text (option hotkeys), again never from a text field.
An error a handler raises goes to `on_error` first (a full disk is told in the
status line), so it never escapes the filter into Qt's event loop unexplained.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from annotator.prefs.keymap import Action

ActionHandler = Callable[[str], bool]
TextHandler = Callable[[str], bool]
ErrorHandler = Callable[[Exception], bool]  # True: the error was told to the person


def is_text_field(widget: QWidget | None) -> bool:
    """Whether typing into this widget should produce text rather than commands."""
    if widget is None:
        return False
    if isinstance(widget, (QLineEdit, QPlainTextEdit, QAbstractSpinBox)):
        return True
    if isinstance(widget, QComboBox) and widget.isEditable():
        return True
    if isinstance(widget, QTextEdit):
        return not widget.isReadOnly()
    return False


COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


def types_text(event: QKeyEvent) -> bool:
    """Whether a key press would edit a text field (so it must stay there).

    Keys with Ctrl/Alt/Meta, Escape and the function keys do not; everything
    else (letters, digits, Return, Tab, Backspace, arrows) does.
    """
    if event.modifiers() & COMMAND_MODIFIERS:
        return False
    key = event.key()
    return not (key == Qt.Key.Key_Escape or Qt.Key.Key_F1 <= key <= Qt.Key.Key_F35)


def key_names(event: QKeyEvent) -> list[str]:
    """Portable names for a key press, most specific first ("Shift+?" then "?")."""
    key = event.key()
    if key in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta):
        return []
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    sequence = QKeySequence(event.keyCombination().key().value | modifiers.value)
    names = [sequence.toString(QKeySequence.SequenceFormat.PortableText)]
    if (
        modifiers & Qt.KeyboardModifier.ShiftModifier
        and event.text()
        and event.text().isprintable()
    ):
        # Shifted symbols: a keymap says "?" rather than "Shift+?".
        rest = modifiers & ~Qt.KeyboardModifier.ShiftModifier
        plain = QKeySequence(event.keyCombination().key().value | rest.value)
        names.append(plain.toString(QKeySequence.SequenceFormat.PortableText))
    return [name for name in names if name]


def normalize_key(text: str) -> str:
    """One spelling per key ("Escape" and "Esc", "Delete" and "Del" are the same key)."""
    portable = QKeySequence(text).toString(QKeySequence.SequenceFormat.PortableText)
    return (portable or text).lower()


class KeyDispatcher(QObject):
    """Routes key presses inside `window` to action and text handlers."""

    def __init__(
        self,
        window: QWidget,
        actions: dict[str, Action],
        on_action: ActionHandler,
        on_text: TextHandler,
        on_error: ErrorHandler | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.on_action = on_action
        self.on_text = on_text
        self.on_error = on_error
        self.set_actions(actions)

    def set_actions(self, actions: dict[str, Action]) -> None:
        self.actions = actions
        self._by_key = {
            normalize_key(key): action for action in actions.values() for key in action.keys
        }

    def action_for(self, event: QKeyEvent) -> Action | None:
        for name in key_names(event):
            action = self._by_key.get(normalize_key(name))
            if action is not None:
                return action
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if not isinstance(event, QKeyEvent) or event.type() != QEvent.Type.KeyPress:
            return False
        try:
            return self._dispatch(watched, event)
        except Exception as error:
            if self.on_error is not None and self.on_error(error):
                return True  # told (status line): the key is used, the error is not lost
            raise

    def _dispatch(self, watched: QObject, event: QKeyEvent) -> bool:
        if not isinstance(watched, QWidget):
            return False
        if watched.window() is not self.window or QApplication.activeModalWidget() is not None:
            return False
        if QApplication.activePopupWidget() is not None:
            return False
        focus = QApplication.focusWidget()
        in_text = is_text_field(focus)
        action = self.action_for(event)  # type: ignore[arg-type]
        if action is not None:
            if in_text and not (action.in_text and not types_text(event)):  # type: ignore[arg-type]
                return False
            return bool(self.on_action(action.name))
        text = event.text()  # type: ignore[attr-defined]
        if in_text or not text or not text.isprintable():
            return False
        modifiers = event.modifiers()  # type: ignore[attr-defined]
        if modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            return False
        return bool(self.on_text(text))
