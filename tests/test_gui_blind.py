"""The annotate view is blind: no anchor answer, no other person's label, anywhere in it.

The walk covers every Python object reachable from the window (widgets, the
session, cards, the form) and every text a widget shows or hides (labels,
browsers, tooltips, inputs), and looks for marker strings planted in an
anchor's reference and rationale and in another annotator's label.
"""

from __future__ import annotations

import gc
import types
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from annotator.anchors import anchors
from annotator.anchors.anchors import Anchor
from annotator.demo import DEMO_PERSON
from annotator.labels.labels import submit_label
from annotator.sources.sources import ensure_annotator, ensure_source, set_annotator_mode
from tests.support.gui import answer_all, demo_window, planned_values, press
from ui.shell.main_window import MainWindow

ANCHOR_RATIONALE = "ANCHOR-RATIONALE-MARKER-5c1f9"
ANCHOR_NOTE = "ANCHOR-REFERENCE-NOTE-MARKER-77d2"
OTHER_RATIONALE = "OTHER-PERSON-RATIONALE-MARKER-e41b"
OTHER_NOTE = "OTHER-PERSON-NOTE-MARKER-0a9c"
MARKERS = (ANCHOR_RATIONALE, ANCHOR_NOTE, OTHER_RATIONALE, OTHER_NOTE)
SKIP_TYPES = (
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    type,
    types.CodeType,
    types.FrameType,
)


def widget_texts(root: QWidget) -> list[str]:
    texts = []
    for widget in [root, *root.findChildren(QWidget)]:
        texts.append(widget.toolTip())
        texts.append(widget.whatsThis())
        if isinstance(widget, (QLabel, QAbstractButton, QLineEdit)):
            texts.append(widget.text())
        if isinstance(widget, (QTextEdit, QPlainTextEdit)):
            texts.append(widget.toPlainText())
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
    return texts


def reachable(root: Any, limit: int = 200_000) -> list[Any]:
    """Objects reachable from `root`, not crossing into modules, code or classes."""
    seen: set[int] = set()
    stack, found = [root], []
    while stack and len(found) < limit:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, SKIP_TYPES):
            continue
        seen.add(id(obj))
        found.append(obj)
        if isinstance(obj, QObject):
            stack.extend(obj.children())
        stack.extend(gc.get_referents(obj))
    return found


def assert_blind(window: MainWindow, view: QWidget) -> None:
    objects = reachable(view)
    strings = [o for o in objects if isinstance(o, str)] + widget_texts(window)
    for marker in MARKERS:
        assert not any(marker in text for text in strings), f"{marker} reached the annotate view"
    assert not any(isinstance(o, Anchor) for o in objects), "an Anchor object reached the view"
    if getattr(view, "card", None) is not None:  # the walk does see what the view holds
        shown = view.card.item.output or view.card.item.output_a
        assert any(shown in text for text in strings if text)


@pytest.fixture
def window(qtbot):
    window = demo_window(qtbot)
    yield window
    window.close()


def plant_markers(window: MainWindow) -> None:
    """A marked anchor on every anchor item, so whichever comes first carries markers."""
    project = window.project
    for anchor in anchors.list_anchors(project, status="active"):
        values = dict(anchor.reference)
        values["notes"] = ANCHOR_NOTE
        anchors.add_anchor(project, anchor.item_id, values, ANCHOR_RATIONALE)


def test_no_anchor_answer_anywhere_in_the_view_while_an_anchor_is_shown(window):
    plant_markers(window)
    view = window.annotate
    anchor_items = {a.item_id for a in anchors.list_anchors(window.project, status="active")}
    for n in range(60):
        if view.card is None or view.card.item.id in anchor_items:
            break
        answer_all(view, view.card.criteria, planned_values(view.card.criteria, n))
        press(view, Qt.Key.Key_Return)
    assert view.card is not None and view.card.item.id in anchor_items, "the queue served an anchor"
    assert_blind(window, view)
    # ...and after labeling it, in silent mode nothing is revealed either.
    answer_all(view, view.card.criteria, planned_values(view.card.criteria, 1))
    press(view, Qt.Key.Key_Return)
    assert_blind(window, view)


def test_other_peoples_labels_never_reach_the_view(window):
    project = window.project
    view = window.annotate
    item_id = view.card.item.id
    with project.transaction():
        other = ensure_annotator(
            project, "Someone Else", ensure_source(project, "experts", "expert")
        )
    values = planned_values(view.card.criteria, 3)
    values["notes"] = OTHER_NOTE
    submit_label(
        project, item_id=item_id, annotator=other, values=values, rationale=OTHER_RATIONALE
    )
    window.start_labeling(DEMO_PERSON)  # reload the card from the database
    assert view.card.item.id == item_id
    assert view.form.values() == {}, "nothing is prefilled from someone else's label"
    assert_blind(window, view)


def test_training_mode_shows_the_reference_only_after_submit(window):
    plant_markers(window)
    set_annotator_mode(window.project, DEMO_PERSON, "training")
    window.start_labeling(DEMO_PERSON)
    view = window.annotate
    anchor_items = {a.item_id for a in anchors.list_anchors(window.project, status="active")}
    for n in range(60):
        if view.card.item.id in anchor_items:
            break
        answer_all(view, view.card.criteria, planned_values(view.card.criteria, n))
        press(view, Qt.Key.Key_Return)
    assert view.card.item.id in anchor_items
    assert not view.feedback.isVisible()
    answer_all(view, view.card.criteria, planned_values(view.card.criteria, 2))
    press(view, Qt.Key.Key_Return)
    assert view.feedback.isVisible() and ANCHOR_RATIONALE in view.feedback.text()
