"""Issue 19: undo, prompts and relaunch on the labeling screen, driven by the keyboard.

Each test drives the real main window on a demo project (offscreen) with key
presses and checks what is on screen and what the core stored.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.demo import DEMO_PERSON, ensure_demo
from annotator.labels.labels import current_label
from annotator.sources.sources import get_annotator
from annotator.store.project import open_project
from annotator.workbench.session import WorkSession
from tests.support.gui import ALT, CTRL, answer_all, planned_values, press, type_text
from ui.shell.main_window import MainWindow


def launch(qtbot, path: Path) -> MainWindow:
    """The app opened on `path`, labeling as the demo person (as after a relaunch)."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert window.open_file(str(path))
    window.start_labeling(DEMO_PERSON)
    return window


@pytest.fixture
def demo_path(tmp_path) -> Path:
    return ensure_demo(path=tmp_path / "demo.annotator")


def counts(view) -> tuple[str, str]:
    """The header's "N done · M left" part, as shown."""
    done, left, _pace = view.header.counts.text().split(" · ")
    return done, left


def submit_by_keyboard(view, n: int, rationale: str = "") -> dict:
    card = view.card
    stored = answer_all(view, card.criteria, planned_values(card.criteria, n))
    if rationale:
        press(view, Qt.Key.Key_T, CTRL)
        type_text(view, rationale)
        press(view, Qt.Key.Key_Escape)
    press(view, Qt.Key.Key_Return)
    return stored


# -- 1. undo --------------------------------------------------------------------------
def test_undo_brings_back_the_answer_as_submitted_and_the_counters(qtbot, demo_path):
    window = launch(qtbot, demo_path)
    view = window.annotate
    submit_by_keyboard(view, 0)  # one earlier label, so undo has history around it
    first_item = view.card.item.id
    before = counts(view)
    stored = submit_by_keyboard(view, 3, rationale="Cites the wrong dose")
    next_item = view.card.item.id
    assert next_item != first_item and counts(view) != before

    press(view, Qt.Key.Key_Z, CTRL)
    assert view.card is not None and view.card.item.id == first_item
    assert view.form.values() == stored, "every criterion's value comes back"
    assert view.rationale.toPlainText() == "Cites the wrong dose"
    assert counts(view) == before, "done goes back by one, left forward by one"
    assert "amending" not in view.rubric_title.text(), "it is the queue's item again"

    # Ready to change: a new answer for the first criterion, then Enter submits it.
    first = view.card.criteria[0]
    new_value = next(v for v in first.option_values if v != stored[first.key])
    answer_all(view, (first,), {first.key: new_value})
    press(view, Qt.Key.Key_Return)
    assert view.card is not None and view.card.item.id == next_item
    person = get_annotator(window.project, DEMO_PERSON)
    label = current_label(window.project, first_item, person.id)
    assert label.status == "submitted"
    assert label.values == {**stored, first.key: new_value}
    assert label.rationale == "Cites the wrong dose"
    window.close()


def test_undo_twice_keeps_both_items_in_the_queue(qtbot, demo_path):
    window = launch(qtbot, demo_path)
    view = window.annotate
    start = counts(view)
    first_item = view.card.item.id
    first_values = submit_by_keyboard(view, 1)
    second_item = view.card.item.id
    second_values = submit_by_keyboard(view, 2)

    press(view, Qt.Key.Key_Z, CTRL)
    assert view.card.item.id == second_item and view.form.values() == second_values
    press(view, Qt.Key.Key_Z, CTRL)
    assert view.card.item.id == first_item and view.form.values() == first_values
    assert counts(view) == start

    press(view, Qt.Key.Key_Return)  # the restored answer, submitted as it is
    assert view.card.item.id == second_item, "the other undone item comes back next"
    assert view.form.values() == second_values
    press(view, Qt.Key.Key_Return)
    person = get_annotator(window.project, DEMO_PERSON)
    for item_id, values in ((first_item, first_values), (second_item, second_values)):
        label = current_label(window.project, item_id, person.id)
        assert label.status == "submitted" and label.values == values
    window.close()


# -- 2. prompts -----------------------------------------------------------------------
def test_enter_that_confirms_a_flag_note_does_not_reach_the_next_item(qtbot, demo_path):
    window = launch(qtbot, demo_path)
    view = window.annotate
    item = view.card.item.id
    press(view, Qt.Key.Key_R, CTRL)
    type_text(view, "Reference looks wrong")
    press(view, Qt.Key.Key_Return)
    assert view.card is not None and view.card.item.id != item
    assert "Required before submitting" not in view.message.text()
    assert view.hasFocus() and not view.prompt.isVisible()
    person = get_annotator(window.project, DEMO_PERSON)
    assert current_label(window.project, item, person.id).status == "flagged"
    assert current_label(window.project, view.card.item.id, person.id) is None
    window.close()


def test_enter_that_confirms_a_skip_reason_does_not_reach_the_next_item(qtbot, demo_path):
    window = launch(qtbot, demo_path)
    view = window.annotate
    item = view.card.item.id
    press(view, Qt.Key.Key_S, CTRL)
    press(view, Qt.Key.Key_Down)  # the first reason in the list
    press(view, Qt.Key.Key_Return)
    assert view.card is not None and view.card.item.id != item
    assert "Required before submitting" not in view.message.text()
    person = get_annotator(window.project, DEMO_PERSON)
    skipped = current_label(window.project, item, person.id)
    assert skipped.status == "skipped" and skipped.note == "Outside my expertise"
    assert current_label(window.project, view.card.item.id, person.id) is None
    window.close()


def test_ctrl_enter_in_the_flag_prompt_answers_the_prompt(qtbot, demo_path):
    window = launch(qtbot, demo_path)
    view = window.annotate
    item = view.card.item.id
    press(view, Qt.Key.Key_R, CTRL)
    type_text(view, "Two answers in one")
    press(view, Qt.Key.Key_Return, CTRL)
    assert view.card.item.id != item and not view.prompt.isVisible()
    assert "Required before submitting" not in view.message.text()
    person = get_annotator(window.project, DEMO_PERSON)
    flagged = current_label(window.project, item, person.id)
    assert flagged.status == "flagged" and flagged.note == "Two answers in one"
    window.close()


def test_skip_without_a_reason_says_what_is_missing(qtbot, demo_path):
    window = launch(qtbot, demo_path)
    view = window.annotate
    item = view.card.item.id
    press(view, Qt.Key.Key_S, CTRL)
    press(view, Qt.Key.Key_Return)
    assert view.card.item.id == item and view.prompt.isVisible(), "nothing is skipped"
    assert "reason" in window.statusBar().currentMessage().lower()
    assert "Required before submitting" not in view.message.text()
    person = get_annotator(window.project, DEMO_PERSON)
    assert current_label(window.project, item, person.id) is None
    press(view, Qt.Key.Key_Escape)
    assert not view.prompt.isVisible() and view.card.item.id == item
    window.close()


# -- 3. relaunch ----------------------------------------------------------------------
def test_back_forward_quit_relaunch_resumes_at_the_queue(qtbot, demo_path):
    window = launch(qtbot, demo_path)
    view = window.annotate
    submit_by_keyboard(view, 0)
    submit_by_keyboard(view, 1)
    queue_item = view.card.item.id
    press(view, Qt.Key.Key_Left, ALT)
    assert view.card.from_history
    press(view, Qt.Key.Key_Right, ALT)
    assert view.card.item.id == queue_item and not view.card.from_history
    window.close()

    window = launch(qtbot, demo_path)
    view = window.annotate
    assert view.card is not None and view.card.item.id == queue_item
    assert "amending" not in view.rubric_title.text()
    assert "Draft restored" not in view.message.text()
    press(view, Qt.Key.Key_Left, ALT)
    assert "Draft restored" not in view.message.text(), "looking is not a draft"
    window.close()


def test_relaunch_on_an_earlier_item_resumes_there_and_forward_moves_on(qtbot, demo_path):
    window = launch(qtbot, demo_path)
    view = window.annotate
    submit_by_keyboard(view, 0)
    submit_by_keyboard(view, 1)
    queue_item = view.card.item.id
    press(view, Qt.Key.Key_Left, ALT)
    press(view, Qt.Key.Key_Left, ALT)
    earlier = view.card.item.id
    window.close()

    window = launch(qtbot, demo_path)
    view = window.annotate
    assert view.card.item.id == earlier and view.card.from_history
    assert "Draft restored" not in view.message.text()
    press(view, Qt.Key.Key_Right, ALT)
    assert view.card.item.id != earlier
    press(view, Qt.Key.Key_Right, ALT)
    assert view.card.item.id == queue_item and not view.card.from_history
    window.close()


def test_a_finished_queue_stays_finished_after_back_forward_and_relaunch(qtbot, demo_path):
    with open_project(demo_path) as project:  # all but the last item, through the core
        session = WorkSession(project, DEMO_PERSON)
        n = 0
        while (card := session.open_next()) is not None and session.progress().remaining > 1:
            session.submit(planned_values(card.criteria, n), "", 5.0)
            n += 1
    window = launch(qtbot, demo_path)
    view = window.annotate
    while view.card is not None:
        submit_by_keyboard(view, n)
        n += 1
    assert view.pages.currentWidget() is view.summary
    last = view.session.history()[0]
    press(view, Qt.Key.Key_Left, ALT)
    assert view.card.item.id == last and view.card.from_history
    press(view, Qt.Key.Key_Right, ALT)
    assert view.card is None and view.pages.currentWidget() is view.summary
    window.close()

    window = launch(qtbot, demo_path)
    view = window.annotate
    assert view.card is None and view.pages.currentWidget() is view.summary
    assert view.summary.title.text() == "Queue complete"
    window.close()
