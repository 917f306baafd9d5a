"""Guards against a broken Qt binding: PySide6 6.12.0 released a reference to None on
every call of a method returning void, so an app on Python 3.11 (where None is
not immortal) crashed after some thousands of clicks. A labeler makes that many
in a morning."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QPlainTextEdit, QPushButton

CALLS = 2000


def test_void_calls_keep_the_reference_count_of_none(qtbot):
    label, edit, spin, button = QLabel(), QPlainTextEdit(), QDoubleSpinBox(), QPushButton()
    for widget in (label, edit, spin, button):
        qtbot.addWidget(widget)
    button.setCheckable(True)
    calls = (
        lambda: label.setText("x"),
        lambda: edit.setPlainText("y"),
        lambda: spin.setValue(3.0),
        lambda: button.setChecked(True),
    )
    for call in calls:
        before = sys.getrefcount(None)
        for _ in range(CALLS):
            call()
        drift = sys.getrefcount(None) - before
        assert drift > -CALLS // 2, f"each call dropped a reference to None ({drift} over {CALLS})"
