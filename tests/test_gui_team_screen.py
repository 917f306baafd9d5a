"""The lead's team screen assigns work, previews queues with kinds, and sets modes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from annotator.anchors import anchors
from annotator.demo import demo_dir
from annotator.exchange.item_import import import_items
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import load_rubric_file
from annotator.sources.sources import get_annotator
from annotator.store.project import create_project
from ui.shell.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    """A project with the demo's items and anchors, nobody assigned yet."""
    project = create_project(tmp_path / "team.annotator")
    publish(project, load_rubric_file(demo_dir() / "rubric_v2.yaml"))
    import_items(project, demo_dir() / "items.jsonl")
    anchors.add_anchor_file(project, demo_dir() / "anchors.jsonl")
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.open_file(str(tmp_path / "team.annotator"))
    yield window
    window.close()


def test_assign_from_the_form_then_preview_and_mode(window, qtbot):
    window.show_screen("team")
    team = window.screen("team")
    tab = team.queues
    qtbot.keyClicks(tab.names, "Ana Lead, Ben Second")
    tab.selection.setCurrentIndex(1)  # a random sample of
    tab.sample.setValue(20)
    tab.overlap.setValue(0.5)
    tab.seed.setText("11")
    qtbot.mouseClick(tab.assign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.assign_button.isEnabled(), timeout=20_000)
    assert tab.result.text().startswith("Assigned 20 items"), tab.result.text()

    people = [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())]
    row = people.index("Ana Lead")
    assert int(tab.table.item(row, 4).text()) > 0, "Ana now has assigned items"
    tab.table.selectRow(row)
    kinds = {tab.preview.item(i).text().split()[-1] for i in range(tab.preview.count())}
    assert kinds <= {"item", "anchor", "repeat"} and "item" in kinds

    qtbot.mouseClick(tab.training, Qt.MouseButton.LeftButton)
    assert get_annotator(window.project, "Ana Lead").mode == "training"

    first = tab.preview.item(0).data(Qt.ItemDataRole.UserRole)
    tab.preview.setCurrentRow(0)
    tab.remove_selected()
    remaining = [
        tab.preview.item(i).data(Qt.ItemDataRole.UserRole) for i in range(tab.preview.count())
    ]
    assert first not in remaining, "the lead removed it from Ana's queue"


def test_anchors_tab_lists_references_for_the_lead(window):
    window.show_screen("team")
    team = window.screen("team")
    items = [team.anchors.table.item(r, 0).text() for r in range(team.anchors.table.rowCount())]
    assert len(items) == 5 and "med-017" in items
