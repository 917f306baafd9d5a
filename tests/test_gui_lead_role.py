"""While someone labels, the lead's screens stay shut: the demo opens as "You (demo)"
labeling, and Ctrl+4 (team, with its anchors tab) shows no reference answer but asks to
switch to the lead; after switching it does, and the annotate view is empty until a
person is chosen again. Ctrl+L switches in one action. Driven through the real keys and
widgets (pytest-qt, offscreen)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableWidget

from annotator.anchors import anchors
from annotator.demo import DEMO_PERSON
from annotator.workbench.roles import LABELER_VIEWS, LEAD_VIEWS, labeler_may_open
from tests.support.gui import CTRL, demo_window, press
from tests.test_gui_blind import widget_texts
from ui.shell.lead_role import SwitchToLeadDialog
from ui.shell.main_window import MainWindow

MARK = "REFERENCE-RATIONALE-MARK-4d1e"


@pytest.fixture
def window(qtbot):
    window = demo_window(qtbot)
    assert window.annotate.session is not None, "the demo opens labeling as its person"
    project = window.project
    for anchor in anchors.list_anchors(project, status="active"):  # a findable reference
        anchors.add_anchor(project, anchor.item_id, dict(anchor.reference), MARK)
    yield window
    window.close()


def asking(qtbot) -> SwitchToLeadDialog:
    """The question, once it is up and has the keyboard."""
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), SwitchToLeadDialog))
    dialog: SwitchToLeadDialog = QApplication.activeModalWidget()  # type: ignore[assignment]
    qtbot.waitUntil(dialog.isActiveWindow)
    assert QApplication.focusWidget() is dialog.keep_button
    return dialog


def everything_shown(window: MainWindow) -> str:
    """Every text a widget of the window (or its dialog) shows, table cells included."""
    texts = widget_texts(window)
    for table in window.findChildren(QTableWidget):
        texts += [
            table.item(r, c).text()
            for r in range(table.rowCount())
            for c in range(table.columnCount())
            if table.item(r, c) is not None
        ]
    return " ".join(t for t in texts if t)


def test_the_lead_screens_are_named_by_what_they_show():
    assert LABELER_VIEWS == ("start", "annotate")
    for view in ("items", "dashboard", "team", "sources", "calibration", "rubric", "export"):
        assert not labeler_may_open(view) and view in LEAD_VIEWS
    assert not labeler_may_open("a-new-screen"), "a screen not listed is the lead's"


def test_ctrl_4_asks_to_switch_and_shows_no_reference_until_then(window, qtbot):
    view = window.annotate
    item = view.card.item.id
    press(view, Qt.Key.Key_4, CTRL)
    dialog = asking(qtbot)
    assert window.current_screen is view and "team" not in window.screens
    assert DEMO_PERSON in dialog.question.text() and "reference answers" in dialog.detail.text()
    assert MARK not in everything_shown(window)

    press(dialog, Qt.Key.Key_Return)  # Enter keeps labeling: it is the default button
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    assert window.current_screen is view and view.session is not None
    assert view.card.item.id == item and "team" not in window.screens

    press(view, Qt.Key.Key_4, CTRL)
    dialog = asking(qtbot)
    qtbot.mouseClick(dialog.switch_button, Qt.MouseButton.LeftButton)
    team = window.screen("team")
    qtbot.waitUntil(lambda: window.current_screen is team)
    assert view.session is None and window.person is None, "no labeler identity any more"
    team.tabs.setCurrentWidget(team.anchors)
    table = team.anchors.table
    shown = {table.item(r, 3).text() for r in range(table.rowCount())}  # the Reference column
    for anchor in anchors.list_anchors(window.project, status="active"):
        assert json.dumps(anchor.reference, ensure_ascii=False) in shown
    assert MARK in everything_shown(window)
    assert "Lead's view" in window.role.badge.text()

    press(team, Qt.Key.Key_1, CTRL)  # the annotate view holds nobody until one is chosen
    assert window.current_screen is view and view.card is None
    assert view.pages.currentWidget() is view.empty
    press(view, Qt.Key.Key_3, CTRL)  # the lead goes on without being asked again
    dashboard = window.screen("dashboard")
    assert window.current_screen is dashboard and QApplication.activeModalWidget() is None
    qtbot.waitUntil(lambda: dashboard.job is None, timeout=120_000)

    window.start_labeling(DEMO_PERSON)  # chosen again on the start screen: back to work
    assert view.session is not None and view.card.item.id == item
    assert DEMO_PERSON in window.role.badge.text()


def test_ctrl_l_switches_in_one_action(window, qtbot):
    view = window.annotate
    assert window.keymap["switch_lead"].keys == ("Ctrl+L",)
    press(view, Qt.Key.Key_E, CTRL)  # the export holds every label: asks too
    dialog = asking(qtbot)
    assert "every label" in dialog.detail.text()
    press(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    assert view.session is not None

    press(view, Qt.Key.Key_L, CTRL)
    assert view.session is None and QApplication.activeModalWidget() is None
    assert "labeling as You (demo) is saved" in window.statusBar().currentMessage()
    press(view, Qt.Key.Key_4, CTRL)
    assert window.current_screen is window.screen("team")
    go = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Go")
    assert any(a.text().startswith("Switch to the lead's view") for a in go.actions())
