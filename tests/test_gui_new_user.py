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
