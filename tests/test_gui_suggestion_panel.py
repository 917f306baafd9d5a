"""Assisted review in the annotate view: the suggestion panel, from the keyboard only.

The demo project and the real window; the view gets a provider (item id ->
Suggestion or None) in place of the queue's, so each test says exactly what is
suggested. Keys go where the keyboard focus is, as on a real keyboard.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from annotator.anchors import anchors
from annotator.demo import DEMO_PERSON
from annotator.labels.labels import current_label, submit_label
from annotator.queue.settings import configure
from annotator.rubric.versions import current_version
from annotator.sources.sources import ensure_annotator, ensure_source, get_annotator
from annotator.workbench.suggestions import Suggestion
from tests.support.gui import CTRL, answer_all, demo_window, planned_values, press, type_text
from tests.test_gui_blind import assert_blind, plant_markers
from ui.annotate.suggestion_panel import RATIONALE_MAX_PX, describe_value

SHIFT = Qt.KeyboardModifier.ShiftModifier
SOURCE = "judge qwen2.5-7b"
RATIONALE = "The dosage in the second paragraph is outdated; the rest matches the guideline."

# A planted answer per demo criterion, and how the rubric (resources/demo/rubric_v2.yaml)
# names it: what the panel must show, written out by hand.
PLANTED: dict[str, tuple[Any, str]] = {
    "correctness": (2, "2 · Mostly wrong"),
    "safety": ("unsafe", "Unsafe"),
    "issues": (["hallucination", "outdated"], "Hallucination, Outdated"),
    "verdict": ("revise", "Revise before release"),
    "preference": ("B", "B is better"),
    "confidence": (70, "70"),
    "notes": ("Check the dosage line.", "Check the dosage line."),
}


class Provider:
    """Suggestions by item id; counts the look-ups so a test sees what was asked."""

    def __init__(self, by_item: dict[str, Suggestion] | None = None, every: bool = False) -> None:
        self.by_item = dict(by_item or {})
        self.every = every
        self.asked: list[str] = []

    def __call__(self, item_id: str) -> Suggestion | None:
        self.asked.append(item_id)
        if self.every:
            return self.by_item.get(item_id) or self.by_item.get("*")
        return self.by_item.get(item_id)


def planted_for(criteria) -> dict[str, Any]:
    return {c.key: PLANTED[c.key][0] for c in criteria if c.key in PLANTED}


@pytest.fixture
def window(qtbot):
    window = demo_window(qtbot)
    assert window.annotate.card is not None
    yield window
    window.close()


def test_accept_key_fills_exactly_the_suggestion_and_submit_records_it(window):
    view = window.annotate
    card = view.card
    values = planted_for(card.criteria)
    assert {"correctness", "safety"} <= set(values), "the demo's first item has the usual form"
    provider = Provider({card.item.id: Suggestion(values, RATIONALE, SOURCE)})
    view.set_suggestion_provider(provider)

    panel = view.suggestion_panel
    assert panel.isVisible()
    assert SOURCE.upper() in panel.title.text()
    shown = {key: label.text() for key, label in panel.row_labels.items()}
    assert shown == {key: PLANTED[key][1] for key in values}, "option labels, per criterion"
    assert view.form.values() == {}, "showing a suggestion never fills the form"

    press(view, Qt.Key.Key_J, CTRL)
    assert view.form.values() == values, "the accept key fills exactly the suggested values"
    press(view, Qt.Key.Key_Return)

    person = get_annotator(window.project, DEMO_PERSON)
    label = current_label(window.project, card.item.id, person.id)
    assert label is not None and label.status == "submitted"
    assert label.values == values
    assert view.card is not None and view.card.item.id != card.item.id
    assert provider.asked[-1] == view.card.item.id, "the next item's suggestion was asked for"
    assert not panel.isVisible() and view.current_suggestion is None, "none for it: hidden"


def test_no_suggestion_means_no_panel_and_the_key_changes_nothing(window):
    view = window.annotate
    provider = Provider()
    view.set_suggestion_provider(provider)
    assert provider.asked == [view.card.item.id]
    assert not view.suggestion_panel.isVisible()
    press(view, Qt.Key.Key_J, CTRL)
    assert view.form.values() == {}
    view.set_suggestion_provider(None)  # assisted review off: nothing is even asked
    assert provider.asked == [view.card.item.id] and not view.suggestion_panel.isVisible()


def test_accept_adds_to_what_the_person_chose_and_works_from_the_rationale_box(window):
    view = window.annotate
    card = view.card
    suggested = {"safety": "unsafe"}
    view.set_suggestion_provider(Provider({card.item.id: Suggestion(suggested, None, SOURCE)}))
    assert view.suggestion_panel.rationale_toggle.text() == "No rationale given."
    press(view, Qt.Key.Key_3)  # correctness 3, chosen by the person first
    press(view, Qt.Key.Key_T, CTRL)
    type_text(view, "my own reason")
    press(view, Qt.Key.Key_J, CTRL)  # from inside the text box
    assert view.form.values() == {"correctness": 3, "safety": "unsafe"}
    assert view.rationale.toPlainText() == "my own reason", "the rationale stays the person's"
    assert view.hasFocus(), "back on the form, ready to check and submit"


def test_rationale_toggles_by_key_and_the_choice_holds_for_the_next_item(window):
    view = window.annotate
    panel = view.suggestion_panel
    provider = Provider({"*": Suggestion({"safety": "safe"}, RATIONALE, SOURCE)}, every=True)
    view.set_suggestion_provider(provider)
    assert panel.rationale_visible and panel.rationale.text.text() == RATIONALE
    press(view, Qt.Key.Key_J, CTRL | SHIFT)
    assert panel.isVisible() and not panel.rationale_visible
    assert "shows" in panel.rationale_toggle.text()
    press(view, Qt.Key.Key_J, CTRL | SHIFT)
    assert panel.rationale_visible

    press(view, Qt.Key.Key_J, CTRL | SHIFT)  # hidden, then on to the next item
    first = view.card.item.id
    answer_all(view, view.card.criteria, planned_values(view.card.criteria, 1))
    press(view, Qt.Key.Key_Return)
    assert view.card.item.id != first and panel.isVisible()
    assert not panel.rationale_visible, "the person's choice is kept from item to item"


def test_a_long_rationale_wraps_and_scrolls_inside_the_panel(window, qtbot):
    view = window.annotate
    window.resize(1280, 800)
    long = " ".join(f"Sentence {n} of a judge that explains itself at length." for n in range(80))
    view.set_suggestion_provider(Provider({view.card.item.id: Suggestion({}, long, SOURCE)}))
    panel = view.suggestion_panel
    qtbot.waitUntil(lambda: panel.rationale.height() > 0)
    assert panel.rationale.text.wordWrap()
    assert panel.rationale.height() <= RATIONALE_MAX_PX
    assert panel.rationale.verticalScrollBar().maximum() > 0, "the rest scrolls"
    right_column = view.form.parentWidget()
    assert panel.width() <= right_column.width(), "the panel never widens the form's column"
    assert panel.row_labels == {}
    assert any("No suggested value" in w.text() for w in panel.findChildren(QLabel))


def test_an_anchor_with_a_suggestion_looks_like_any_item_and_stays_blind(window):
    """A decoy is an anchor shown with a (wrong) suggestion: the panel shows what the
    provider gives and nothing else, so nothing of the anchor's answer reaches the view."""
    plant_markers(window)
    view = window.annotate
    anchor_items = {a.item_id for a in anchors.list_anchors(window.project, status="active")}
    wrong = Suggestion({"safety": "unsafe", "correctness": 1}, "Looks wrong to me.", SOURCE)
    view.set_suggestion_provider(Provider({"*": wrong}, every=True))
    titles = set()
    for n in range(60):
        if view.card is None or view.card.item.id in anchor_items:
            break
        titles.add(view.suggestion_panel.title.text())
        answer_all(view, view.card.criteria, planned_values(view.card.criteria, n))
        press(view, Qt.Key.Key_Return)
    assert view.card is not None and view.card.item.id in anchor_items, "the queue served one"
    assert view.suggestion_panel.isVisible()
    assert titles == {view.suggestion_panel.title.text()}, "the same panel as on any item"
    assert_blind(window, view)


def test_the_queue_setting_drives_the_panel_through_the_real_wiring(window):
    """No provider given by the test: the view asks the core's `suggestion_for`."""
    project = window.project
    view = window.annotate
    item_id = view.card.item.id
    person = get_annotator(project, DEMO_PERSON)
    assert not view.suggestion_panel.isVisible(), "assisted review is off by default"
    values = planted_for(view.card.criteria)
    with project.transaction():
        model = ensure_annotator(
            project, "gpt-judge", ensure_source(project, "gpt-judge", "llm_judge")
        )
    submit_label(project, item_id=item_id, annotator=model, values=values, rationale=RATIONALE)
    with project.transaction():
        configure(project, person.id, assisted=True, suggest_from="gpt-judge")
    window.start_labeling(DEMO_PERSON)
    assert view.card.item.id == item_id
    panel = view.suggestion_panel
    assert panel.isVisible() and "GPT-JUDGE" in panel.title.text()
    assert {k: label.text() for k, label in panel.row_labels.items()} == {
        key: PLANTED[key][1] for key in values
    }
    assert panel.rationale.text.text() == RATIONALE
    assert view.form.values() == {}
    press(view, Qt.Key.Key_J, CTRL)
    press(view, Qt.Key.Key_Return)
    label = current_label(project, item_id, person.id)
    assert label is not None and label.values == values
    record = project.row("SELECT * FROM review_suggestions WHERE label_id = ?", (label.id,))
    assert record is not None and record["visible"] == 1, "the label says a suggestion was shown"
    assert json.loads(record["values_json"]) == values and record["rationale"] == RATIONALE
    assert record["source"] == "gpt-judge"


def judge_every_item(project, name: str = "gpt-judge") -> None:
    """A model source's label, with a rationale, on every item of the demo."""
    version = current_version(project)
    with project.transaction():
        model = ensure_annotator(project, name, ensure_source(project, name, "llm_judge"))
    for n, row in enumerate(project.rows("SELECT id, pairwise FROM items ORDER BY seq")):
        criteria = tuple(version.criteria_for(bool(row["pairwise"])))
        values = planned_values(criteria, n)
        values = {k: v for k, v in values.items() if v not in (None, [], "")}
        submit_label(
            project, item_id=row["id"], annotator=model, values=values, rationale=f"Judged {n}."
        )


def test_a_real_decoy_on_an_anchor_shows_a_wrong_suggestion_and_nothing_of_the_answer(window):
    """Assisted review with decoys on every anchor entry, through the core: the anchor is
    served with a suggestion like any other, wrong against the reference, and the view
    holds nothing of the anchor's answer."""
    plant_markers(window)
    project = window.project
    person = get_annotator(project, DEMO_PERSON)
    judge_every_item(project)
    configure(
        project, person.id, assisted=True, suggest_from="gpt-judge", anchor_rate=0.3, decoy_rate=0.3
    )
    window.start_labeling(DEMO_PERSON)
    view = window.annotate
    references = {a.item_id: a.reference for a in anchors.list_anchors(project, status="active")}
    for n in range(80):
        if view.card is None or view.card.item.id in references:
            break
        assert view.suggestion_panel.isVisible(), "every item of an assisted queue has one"
        answer_all(view, view.card.criteria, planned_values(view.card.criteria, n))
        press(view, Qt.Key.Key_Return)
    assert view.card is not None and view.card.item.id in references, "the queue served one"
    panel = view.suggestion_panel
    assert panel.isVisible() and panel.title.text() == "SUGGESTED BY GPT-JUDGE"
    reference = references[view.card.item.id]
    shown = view.current_suggestion.values
    assert any(shown.get(k) != v for k, v in reference.items() if k != "notes"), "a wrong one"
    assert_blind(window, view)
    anchor_item = view.card.item.id
    press(view, Qt.Key.Key_J, CTRL)  # the rubber stamp
    press(view, Qt.Key.Key_Return)
    label = current_label(project, anchor_item, person.id)
    filled = {k: v for k, v in shown.items() if v not in (None, [], "")}
    assert label is not None and label.values == filled, "exactly the decoy's values"
    record = project.row("SELECT * FROM review_suggestions WHERE label_id = ?", (label.id,))
    assert record["visible"] == 1 and json.loads(record["values_json"]) == shown
    assert record["decoy_id"] is not None, "the lead's record knows it was a decoy"


def test_values_are_described_with_the_rubrics_labels(window):
    criteria = {c.key: c for c in window.annotate.card.criteria}
    issues = criteria["issues"]
    assert describe_value(issues, ["outdated", "hallucination"]) == "Hallucination, Outdated"
    assert describe_value(criteria["correctness"], 5) == "5 · Fully correct"
    assert describe_value(criteria["safety"], None) == "—"
