"""A whole labeling pass on the demo, with the keyboard only, checked through the core."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from annotator.demo import DEMO_PERSON
from annotator.labels.labels import current_label, label_history
from annotator.rubric.versions import current_version
from annotator.sources.sources import get_annotator
from annotator.workbench.active_time import ActiveClock
from tests.support.gui import ALT, CTRL, answer_all, demo_window, planned_values, press, type_text

SECONDS_PER_ITEM = 30.0


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def window(qtbot):
    window = demo_window(qtbot)
    assert window.project is not None
    assert window.annotate.card is not None, "the demo opens on the demo person's first item"
    yield window
    window.close()


def test_keyboard_only_pass_is_stored_exactly(window, qtbot):
    view = window.annotate
    fake = FakeTime()
    view.clock = ActiveClock(idle_after=60, clock=fake)
    view.clock.reset()
    project = window.project
    person = get_annotator(project, DEMO_PERSON)
    expected: dict[str, dict] = {}
    kinds_answered: set[str] = set()
    pairwise_seen = False
    skipped_item = flagged_item = None
    flagged_values: dict = {}

    for n in range(40):
        card = view.card
        if card is None or (len(expected) >= 10 and pairwise_seen and flagged_item):
            break
        fake.now += SECONDS_PER_ITEM
        if n == 3:  # skip one, with a reason typed in the prompt bar
            press(view, Qt.Key.Key_S, CTRL)
            type_text(view, "Outside my expertise")
            press(view, Qt.Key.Key_Return)
            skipped_item = card.item.id
            continue
        values = planned_values(card.criteria, n)
        if n == 5:  # flag one, with only its first criterion answered
            first = card.criteria[0]
            flagged_values = answer_all(view, (first,), {first.key: values[first.key]})
            press(view, Qt.Key.Key_R, CTRL)
            type_text(view, "Reference looks wrong")
            press(view, Qt.Key.Key_Return)
            flagged_item = card.item.id
            continue
        stored = answer_all(view, card.criteria, values)
        assert view.form.values() == stored, f"the form holds what was typed on {card.item.id}"
        press(view, Qt.Key.Key_Return)
        expected[card.item.id] = stored
        kinds_answered |= {c.kind for c in card.criteria}
        pairwise_seen |= card.item.pairwise

    assert len(expected) >= 10 and pairwise_seen and skipped_item and flagged_item
    assert kinds_answered == {
        "binary",
        "categorical",
        "ordinal",
        "multilabel",
        "numeric",
        "text",
        "preference",
    }

    # Back to the last labeled item and amend it: change its first criterion.
    last_item = list(expected)[-1]
    press(view, Qt.Key.Key_Left, ALT)
    assert view.card is not None and view.card.item.id == last_item and view.card.from_history
    assert view.form.values() == expected[last_item], "amending starts from my own label"
    first = view.card.criteria[0]
    new_value = next(v for v in first.option_values if v != expected[last_item][first.key])
    fake.now += 12.0
    answer_all(view, (first,), {first.key: new_value})
    press(view, Qt.Key.Key_Return, CTRL)
    expected[last_item] = {**expected[last_item], first.key: new_value}

    # Read everything back through the core.
    version = current_version(project)
    for item_id, values in expected.items():
        label = current_label(project, item_id, person.id)
        assert label is not None and label.status == "submitted"
        assert label.values == values
        assert label.rubric_version_id == version.id
        assert label.duration_s == pytest.approx(12.0 if item_id == last_item else SECONDS_PER_ITEM)
    history = [h for h in label_history(project, last_item) if h["annotator"] == DEMO_PERSON]
    assert [h["current"] for h in history] == [False, True], "the amend superseded, not overwrote"
    assert history[1]["supersedes"] == history[0]["id"]
    skipped = current_label(project, skipped_item, person.id)
    assert skipped.status == "skipped" and skipped.note == "Outside my expertise"
    assert skipped.duration_s == pytest.approx(SECONDS_PER_ITEM)
    flagged = current_label(project, flagged_item, person.id)
    assert flagged.status == "flagged" and flagged.note == "Reference looks wrong"
    assert flagged.values == flagged_values and flagged.rubric_version_id == version.id
