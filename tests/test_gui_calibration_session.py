"""A whole calibration session on one machine, driven through the real widgets.

Three participants take turns in the normal annotate view (blind: before the
reveal nothing any widget holds carries another participant's answers), the lead
reveals, decides, promotes an item to an anchor, runs round 2 and reads the
summary with agreement before and after; consensus then takes the decision.
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QComboBox

from annotator.anchors import anchors
from annotator.calibration import sessions as cal
from annotator.calibration.reveal import reveal
from annotator.calibration.summary import session_summary
from annotator.demo import demo_dir
from annotator.exchange.item_import import import_items
from annotator.labels.adjudications import current_adjudication
from annotator.quality import aggregate
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import load_rubric_file
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import create_project
from tests.support.gui import CTRL, answer_all, planned_values, press, type_text
from tests.test_gui_blind import SKIP_TYPES, widget_texts
from ui.shell.main_window import MainWindow

PEOPLE = ("Dr. Maya Chen", "Tomás Ortega", "Aisha Bello")
ITEMS = ("med-001", "law-001", "code-001")
MARK = "RATIONALE-MARK-P{person}-R{round}-{item}"


def mark(person: str, round_number: int, item: str) -> str:
    """A marker typed into a rationale (ASCII: QTest types key by key)."""
    return MARK.format(person=PEOPLE.index(person), round=round_number, item=item)


@pytest.fixture
def window(qtbot, tmp_path):
    project = create_project(tmp_path / "room.annotator")
    publish(project, load_rubric_file(demo_dir() / "rubric_v2.yaml"))
    import_items(project, demo_dir() / "items.jsonl")
    with project.transaction():
        experts = ensure_source(project, "experts", "expert")
        for person in PEOPLE:
            ensure_annotator(project, person, experts)
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.open_file(str(tmp_path / "room.annotator"))
    yield window
    window.close()


def reachable(root: Any, limit: int = 400_000) -> list[Any]:
    """Objects reachable from `root` (as in test_gui_blind), stepping over Qt objects
    whose C++ side was already deleted (replaced pages of the reveal)."""
    seen: set[int] = set()
    stack, found = [root], []
    while stack and len(found) < limit:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, SKIP_TYPES):
            continue
        seen.add(id(obj))
        found.append(obj)
        if isinstance(obj, QObject):
            try:
                stack.extend(obj.children())
            except RuntimeError:
                continue
        stack.extend(gc.get_referents(obj))
    return found


def strings_in(window: MainWindow) -> list[str]:
    """Every string any object reachable from the window holds, and every widget text."""
    objects = reachable(window)
    return [o for o in objects if isinstance(o, str)] + widget_texts(window)


def assert_blind_to_others(window: MainWindow, person: str | None, round_number: int) -> None:
    """No other participant's answer of this (unrevealed) round is held anywhere."""
    strings = strings_in(window)
    for other in PEOPLE:
        if other == person:
            continue
        for item in ITEMS:
            marker = mark(other, round_number, item)
            assert not any(marker in text for text in strings), f"{marker} reached {person}"


def take_turn(window: MainWindow, qtbot, screen, person: str, round_number: int) -> None:
    """Hand the keyboard to `person`, who labels the round's items and hands back."""
    panel = screen.panel
    row = [panel.people.item(r, 0).text() for r in range(panel.people.rowCount())].index(person)
    panel.people.selectRow(row)
    panel.people.setFocus()
    press(panel.people, Qt.Key.Key_Return)  # Enter: label as the selected participant
    view = window.annotate
    assert window.current_screen is view and view.card is not None
    assert "blind" in view.banner.text() and view.session.annotator.name == person
    for key in (Qt.Key.Key_2, Qt.Key.Key_4, Qt.Key.Key_7):  # the lead's screens stay shut
        press(view, key, CTRL)
        assert window.current_screen is view
    assert_blind_to_others(window, person, round_number)
    shift = PEOPLE.index(person) if round_number == 1 else 0  # round 2: everyone agrees
    for _ in ITEMS:
        card = view.card
        assert card is not None and card.item.id in ITEMS
        assert view.form.values() == {}, "a blind round starts from an empty form"
        n = ITEMS.index(card.item.id)
        answer_all(view, card.criteria, planned_values(card.criteria, n + shift))
        press(view, Qt.Key.Key_T, CTRL)
        type_text(view, mark(person, round_number, card.item.id))
        if n == 0:  # the walk does see what a widget holds: this person's own rationale
            assert any(mark(person, round_number, card.item.id) in t for t in strings_in(window))
        press(view, Qt.Key.Key_Return, CTRL)
    assert view.card is None, "the round's items are done: the summary page"
    assert_blind_to_others(window, person, round_number)
    press(view, Qt.Key.Key_6, CTRL)  # hand over
    assert window.current_screen is screen
    assert view.session is None and view.form.values() == {}
    assert view.rationale.toPlainText() == ""


def test_a_whole_session_in_the_room(window, qtbot):
    project = window.project
    press(window.annotate, Qt.Key.Key_6, CTRL)
    screen = window.screen("calibration")
    assert window.current_screen is screen

    # Create the session from the form.
    qtbot.mouseClick(screen.new_button, Qt.MouseButton.LeftButton)
    form = screen.new_form
    form.name.setText("November calibration")
    form.check(list(PEOPLE))
    form.how.setCurrentIndex(form.how.findData("items"))
    form.ids.setText(", ".join(ITEMS))
    qtbot.mouseClick(form.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(cal.list_sessions(project)), timeout=20_000)
    qtbot.waitUntil(lambda: screen.pages.currentWidget() is screen.home)
    session = cal.list_sessions(project)[0]
    assert session.participants == PEOPLE and session.items == ITEMS

    # Round 1, blind, one participant after another on this machine.
    for person in PEOPLE:
        take_turn(window, qtbot, screen, person, 1)
    assert_blind_to_others(window, None, 1)  # nobody's answers anywhere before the reveal
    texts = " ".join(widget_texts(screen))
    assert "3 of 3" not in texts and "9 of 9 answers are in" in texts

    # Reveal: the most disputed item first, every value and rationale side by side.
    qtbot.mouseClick(screen.panel.reveal_button, Qt.MouseButton.LeftButton)
    page = screen.reveal
    assert screen.pages.currentWidget() is page
    expected = reveal(project, session.id, n_boot=0)
    assert [i.item_id for i in page.data.items] == [i.item_id for i in expected.items]
    first = page.current
    assert first.disagreement == max(i.disagreement or 0 for i in expected.items)
    shown = " ".join(widget_texts(page))
    for person in PEOPLE:
        assert mark(person, 1, first.item_id) in shown
    for panel in page.panels:
        for who, _, text in next(c for c in first.criteria if c.key == panel.key).values:
            assert who in shown and text in shown
    assert "THE RUBRIC SAYS" in shown
    page.setFocus()
    press(page, Qt.Key.Key_Right)
    assert page.index == 1
    press(page, Qt.Key.Key_Left)
    assert page.index == 0
    disputed = next(
        p for p in page.panels if isinstance(getattr(p.decision, "value", None), QComboBox)
    )

    # Decide the most disputed criterion against the majority, then promote the item.
    criterion = page.data.version.criterion(disputed.key)
    row = disputed.decision
    assert row is not None
    values = [v for _, v, _ in next(c for c in first.criteria if c.key == disputed.key).values]
    minority = min(criterion.option_values, key=lambda v: (values.count(v), str(v)))
    row.value.setCurrentIndex(row.value.findData(minority))
    qtbot.keyClicks(row.rationale, "the guideline settles it")
    qtbot.mouseClick(row.button, Qt.MouseButton.LeftButton)
    decision = current_adjudication(project, first.item_id, disputed.key)
    assert decision.value == minority and decision.session_id == session.id
    assert decision.rationale == "the guideline settles it"
    qtbot.mouseClick(page.promote_button, Qt.MouseButton.LeftButton)
    anchor = anchors.get_anchor(project, first.item_id)
    assert anchor.origin == "adjudication" and anchor.reference[disputed.key] == minority
    qtbot.keyClicks(page.note_text, "Write down what a partly correct answer is.")
    press(page.note_text, Qt.Key.Key_Return)
    assert [n.text for n in cal.list_notes(project, session.id)] == [
        "Write down what a partly correct answer is."
    ]

    # Round 2 on the same items: everyone labels again, the lead reveals it.
    qtbot.mouseClick(page.back_button, Qt.MouseButton.LeftButton)
    assert screen.pages.currentWidget() is screen.home
    qtbot.mouseClick(screen.panel.next_button, Qt.MouseButton.LeftButton)
    assert cal.get_session(project, session.id).round().number == 2
    for person in PEOPLE:
        take_turn(window, qtbot, screen, person, 2)
    qtbot.mouseClick(screen.panel.reveal_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.back_button, Qt.MouseButton.LeftButton)

    # The summary: before and after, with the decision and its rationale.
    qtbot.mouseClick(screen.panel.summary_button, Qt.MouseButton.LeftButton)
    text = screen.summary_text.toPlainText()
    data = session_summary(project, session.id)
    before, after = data["agreement"]["before"], data["agreement"]["after"]
    assert before is not None and after is not None and data["agreement"]["after_round"] == 2
    key = disputed.key if disputed.key in before else next(iter(before))
    assert after[key]["percent_agreement"] == 1.0, "round 2: everyone gave the same answers"
    assert before[key]["percent_agreement"] < 1.0
    assert "Agreement before and after" in text and "the guideline settles it" in text
    assert f"{100 * before[key]['percent_agreement']:.0f}%" in text and "100%" in text

    # What an export takes: the consensus is the decision, over any majority.
    result = aggregate.consensus(project, disputed.key)[first.item_id]
    assert (result.value, result.method) == (minority, "adjudicated")
