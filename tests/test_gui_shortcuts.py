"""Shortcuts are data the user can change, and never fire while typing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from annotator.prefs.settings import load_settings
from tests.support.gui import CTRL, demo_window, press, type_text
from ui.shell.settings_dialog import SettingsDialog


@pytest.fixture
def window(qtbot):
    window = demo_window(qtbot)
    yield window
    window.close()


def test_remapped_shortcut_is_saved_and_used(window, qtbot):
    view = window.annotate
    dialog = SettingsDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    row = next(
        r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 0).data(256) == "skip"
    )
    cell = dialog.table.item(row, 1)
    dialog.table.setCurrentItem(cell)
    dialog.table.editItem(cell)
    editor = dialog.table.viewport().findChild(QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "Ctrl+K")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.result() == 1
    assert load_settings().shortcuts == {"skip": ["Ctrl+K"]}, "the change is saved"
    window.activateWindow()  # as the desktop does when a dialog closes
    qtbot.waitUntil(window.isActiveWindow)

    press(view, Qt.Key.Key_S, CTRL)
    assert not view.prompt.isVisible(), "the old key no longer skips"
    press(view, Qt.Key.Key_K, CTRL)
    assert view.prompt.isVisible() and view.prompt.purpose == "skip"
    item = view.card.item.id
    type_text(view, "Not enough context to judge")
    press(view, Qt.Key.Key_Return)
    assert view.card is None or view.card.item.id != item, "the new key skipped the item"


def test_conflicting_shortcut_is_refused_and_nothing_changes(window):
    dialog = SettingsDialog(window)
    dialog.set_keys("skip", ["Ctrl+Z"])  # already undo
    dialog.apply()
    assert "Ctrl+Z" in dialog.error.text() and dialog.result() == 0
    assert window.keymap["skip"].keys == ("Ctrl+S",)
    assert load_settings().shortcuts == {}


def test_digits_in_the_rationale_box_do_not_pick_options(window, qtbot):
    view = window.annotate
    before = view.form.values()
    press(view, Qt.Key.Key_T, CTRL)  # into the rationale box
    assert view.rationale.hasFocus()
    type_text(view, "1 2 3 4 5 y s")
    press(view, Qt.Key.Key_Return)  # a newline in the box, not a submit
    type_text(view, "42")
    assert view.rationale.toPlainText() == "1 2 3 4 5 y s\n42"
    assert view.form.values() == before, "no option was picked while typing"
    press(view, Qt.Key.Key_Escape)
    assert view.hasFocus()
    press(view, Qt.Key.Key_1)  # outside the box the same key picks an option
    assert view.form.values() != before


def test_shortcut_sheet_lists_every_action(window):
    from annotator.prefs.keymap import DEFAULT_ACTIONS
    from ui.shell.shortcut_sheet import sheet_html

    html = sheet_html(window.keymap)
    for action in DEFAULT_ACTIONS:
        assert action.description in html
