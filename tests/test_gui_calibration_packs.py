"""The calibration screen in packs mode: make the participants' packs, merge them back."""

from __future__ import annotations

import pytest

from annotator.calibration import sessions as cal
from tests.support.calibration_project import PEOPLE, make_project
from tests.test_calibration_packs import ITEMS, label_in_pack
from tests.test_gui_blind import widget_texts
from ui.calibration.packs import make_packs, merge_packs
from ui.shell.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    project = make_project(tmp_path)
    cal.create_session(project, "Spread out", list(PEOPLE), ITEMS, mode="packs")
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.open_file(str(tmp_path / "cal.annotator"))
    yield window
    window.close()


def test_packs_from_the_screen(window, tmp_path):
    window.show_screen("calibration")
    screen = window.screen("calibration")
    panel = screen.panel
    assert panel.packs_button.isVisible() and panel.merge_button.isVisible()
    assert not panel.label_button.isVisible(), "packs mode: nobody labels on this machine"
    make_packs(screen, str(tmp_path / "out"))
    files = sorted((tmp_path / "out").glob("*.annpack"))
    assert len(files) == 3 and "Send each person theirs" in panel.message.text()
    for path in files:
        person = next(p for p in PEOPLE if p.lower() in path.name)
        label_in_pack(path, person)
    merge_packs(screen, [str(p) for p in files])
    assert "9 labels merged" in panel.message.text()
    assert "9 of 9 answers are in" in " ".join(widget_texts(screen))
    panel.reveal()
    assert screen.pages.currentWidget() is screen.reveal
    assert screen.reveal.current.item_id == "c-02"
