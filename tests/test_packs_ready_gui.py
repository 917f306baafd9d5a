"""File ▸ Ready to send in the app: the labeler's last step before handing a pack over."""

from __future__ import annotations

from PySide6.QtCore import Qt

from annotator.exchange import packs
from tests.support.gui import answer_all, press
from tests.support.pack_project import make_lead, topic_of
from tests.test_packs_handover import integrity, leave_journal, side_files
from ui.exchange import pack_screens
from ui.shell.main_window import MainWindow


def file_action(window: MainWindow, text: str):
    menu = window.menuBar().actions()[0].menu()
    return next(action for action in menu.actions() if action.text().startswith(text))


def test_ready_to_send_checks_the_open_pack_and_says_what_to_send(tmp_path, qtbot):
    lead = make_lead(tmp_path)
    path = packs.create_pack(lead, "Ana", tmp_path / "Ana.annpack").path
    leave_journal(path, hot=True)  # the app was killed while saving, last time
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_file(str(path))
    assert not side_files(path), "opening the pack rolled the journal back"
    view = window.annotate
    assert "Ready to send" in view.banner.text()
    for _ in range(2):
        card = view.card
        values = {"correct": "yes", "topic": topic_of(card.item.id), "quality": 3}
        answer_all(view, card.criteria, values)
        press(view, Qt.Key.Key_Return)

    file_action(window, "Ready to send").trigger()
    dialog = window.findChild(pack_screens.ReadyDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.ready is not None or dialog.error is not None, timeout=10_000)
    assert dialog.error is None
    text = dialog.text.text()
    assert str(path) in text and "2 labels by Ana" in text and "KB" in text
    assert "this one file is all" in text
    assert dialog.ready.labels == 2 and dialog.ready.journal_recovered is False
    window.close()
    assert not side_files(path) and integrity(path) == ["ok"]
    assert packs.merge_packs(lead, [path]).added == 2


def test_ready_to_send_in_a_project_says_it_is_for_packs(tmp_path, qtbot):
    lead = make_lead(tmp_path)
    lead.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_file(str(tmp_path / "lead.annotator"))
    file_action(window, "Ready to send").trigger()
    assert window.findChild(pack_screens.ReadyDialog) is None
    assert "for a work pack" in window.statusBar().currentMessage()
    window.close()
