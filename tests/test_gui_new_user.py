"""What a new user hits on the screens (issue 19): each test failed on the code before its fix."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from annotator.sources.sources import list_annotators, source_by_id
from tests.support.gui import demo_window


@pytest.fixture
def window(qtbot, monkeypatch):
    window = demo_window(qtbot)
    window.errors = []
    monkeypatch.setattr(window, "show_error", window.errors.append)
    yield window
    window.close()


def test_new_person_with_the_defaults_is_added(window, qtbot):
    window.show_screen("start")
    start = window.start
    start.new_name.setFocus()
    qtbot.keyClicks(start.new_name, "Dr. Newcomer")
    qtbot.keyClick(start.new_name, Qt.Key.Key_Return)
    assert window.errors == []
    people = {
        a.name: source_by_id(window.project, a.source_id) for a in list_annotators(window.project)
    }
    assert "Dr. Newcomer" in people, "Enter with the defaults adds the person"
    assert people["Dr. Newcomer"].kind == "expert", "an expert source is the default"


def test_kind_box_follows_an_existing_source_and_frees_for_a_new_one(window):
    window.show_screen("start")
    start = window.start
    kinds = {}
    for annotator in list_annotators(window.project):
        source = source_by_id(window.project, annotator.source_id)
        kinds[source.name] = source.kind
    for name, kind in kinds.items():
        start.new_source.setCurrentText(name)
        assert start.new_kind.currentText() == kind and not start.new_kind.isEnabled()
    start.new_source.setCurrentText("a brand new panel")
    assert start.new_kind.isEnabled(), "a new source's kind is the person's choice"


def _browser(window, qtbot):
    window.show_screen("items")
    browser = window.screen("items")
    qtbot.waitUntil(lambda: len(browser.model.rows) > 0, timeout=10_000)
    return browser


def _labeled_row(browser, qtbot) -> int:
    """Select the first row whose item has labels; returns its index."""
    for row, item in enumerate(browser.model.rows):
        if item.labels:
            browser.table.selectRow(row)
            qtbot.waitUntil(lambda: browser.history.rowCount() > 0)
            return row
    raise AssertionError("the demo has labeled items")


def test_search_with_no_hits_clears_the_detail_pane(window, qtbot):
    browser = _browser(window, qtbot)
    _labeled_row(browser, qtbot)
    qtbot.keyClicks(browser.search, "no item says zqxjv")
    qtbot.waitUntil(lambda: browser.count.text() == "no items match", timeout=10_000)
    qtbot.waitUntil(lambda: browser.detail.currentWidget() is browser.no_match)
    assert browser.history.rowCount() == 0, "no history of an item that does not match"
    browser.search.clear()
    qtbot.waitUntil(lambda: browser.detail.currentIndex() == 0, timeout=10_000)


def test_label_history_shows_option_labels_not_raw_json(window, qtbot):
    from annotator.rubric.versions import current_version

    browser = _browser(window, qtbot)
    _labeled_row(browser, qtbot)
    rubric = current_version(window.project)
    shown = browser.history.item(0, 5).text()
    assert "{" not in shown and '"' not in shown, shown
    labels = {o.label for c in rubric.criteria for o in c.options}
    assert any(label in shown for label in labels), shown


def test_export_dialog_offers_to_replace_a_full_folder_and_hides_cancel_when_done(qtbot, tmp_path):
    from tests.support.export_project import small_project
    from ui.exchange.export_dialog import ExportDialog

    built = small_project(tmp_path / "p")
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("an earlier export")
    dialog = ExportDialog(built.project)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.folder.setText(str(out))
    dialog.n_boot.setValue(20)
    assert not dialog.cancel_button.isVisible(), "nothing to cancel before an export"
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "--overwrite" not in dialog.status.text()
    assert "Replace" in dialog.status.text() and dialog.job is None
    assert (out / "old.txt").exists(), "nothing replaced without the choice"
    dialog.replace.setChecked(True)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    assert not dialog.cancel_button.isVisible(), "Cancel goes away once the export finished"
    assert (out / "manifest.json").exists() and not (out / "old.txt").exists()


def test_theme_applies_at_once(window, qtbot):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from ui.shell.settings_dialog import SettingsDialog
    from ui.widgets.theme import DARK, LIGHT, current_colors

    app = QApplication.instance()
    window.settings.theme = "light"
    window.show_screen("dashboard")
    for theme, colors in (("dark", DARK), ("light", LIGHT)):
        dialog = SettingsDialog(window)
        qtbot.addWidget(dialog)
        dialog.theme.setCurrentText(theme)
        dialog.apply()
        assert window.settings.theme == theme
        assert current_colors() == colors, "the colours screens draw with follow at once"
        window_color = app.palette().color(QPalette.ColorRole.Window).name()
        assert window_color == colors["window"].lower()


def test_finished_round_says_how_to_reveal_and_esc_leaves_the_reveal(qtbot, tmp_path):
    from annotator.calibration import sessions as cal
    from tests.support.calibration_project import PEOPLE, label_round, make_project
    from tests.support.gui import press
    from ui.shell.main_window import MainWindow

    project = make_project(tmp_path)
    session = cal.create_session(project, "Nov", list(PEOPLE), ["c-00", "c-01"])
    for index, person in enumerate(PEOPLE):
        label_round(
            project, session.id, person, lambda _i, q=index: {"quality": 2 + q, "safety": "safe"}
        )
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.open_file(str(tmp_path / "cal.annotator"))
    window.show_screen("calibration")
    screen = window.screen("calibration")
    qtbot.waitUntil(lambda: screen.panel.session is not None, timeout=10_000)
    state = screen.panel.state.text()
    assert "6 of 6 answers are in" in state and "Reveal round 1" in state, state
    qtbot.mouseClick(screen.panel.reveal_button, Qt.MouseButton.LeftButton)
    assert screen.pages.currentWidget() is screen.reveal
    press(screen.reveal, Qt.Key.Key_Escape)
    assert screen.pages.currentWidget() is screen.home, "Esc leaves the reveal"
    window.close()


def test_team_screen_left_counts_what_people_labeled_elsewhere(window, qtbot):
    from annotator.queue import queue

    window.show_screen("team")
    team = window.screen("team")
    tab = team.queues if hasattr(team, "queues") else team
    table = tab.table
    qtbot.waitUntil(lambda: table.rowCount() > 0, timeout=10_000)
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    expert = rows["Dr. Maya Chen"]  # labeled in the demo's history, never through a queue
    labeled = window.project.scalar(
        "SELECT count(DISTINCT item_id) FROM current_labels l JOIN annotators a "
        "ON a.id = l.annotator_id WHERE a.name = 'Dr. Maya Chen'"
    )
    assert labeled > 0
    left = int(table.item(expert, 3).text())
    pool = next(o for o in queue.overview(window.project) if o["annotator"] == "Dr. Maya Chen")
    assert left == pool["remaining"] and left < 55, "her labels are not left to do"
    assert table.item(expert, 4).text() == "— open pool", "no assignment: not 'Assigned 0'"
