"""The right side of the annotate view: a form generated from the rubric version.

One card per criterion, by kind: binary, categorical and preference as buttons
showing their hotkeys; ordinal as a row of labelled scale points; multilabel as
checkboxes; numeric as a spin box; text as a text box. The form is driven from
the keyboard through `pick_key`, `move`, `move_option` and `toggle_highlighted`;
buttons take no focus so keys always reach the dispatcher.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from annotator.rubric.model import Criterion
from ui.annotate.criterion_cards import CARD_FOR_KIND, CriterionCard


class RubricForm(QScrollArea):
    """All criterion cards for one item, plus which one the keyboard is on."""

    changed = Signal()
    current_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.cards: list[CriterionCard] = []
        self.current = 0
        self._signature: tuple[Any, ...] | None = None
        self._build_body()

    def _build_body(self) -> None:
        body = QWidget()
        self.body_layout = QVBoxLayout(body)
        self.body_layout.setContentsMargins(0, 0, 6, 0)
        self.body_layout.setSpacing(10)
        self.body_layout.addStretch(1)
        self.setWidget(body)

    def set_criteria(self, criteria: tuple[Criterion, ...], rubric_id: int) -> None:
        """Build the cards, reusing them when the criteria are the same as before
        (the common case: next item, same rubric), so moving on stays instant."""
        signature = (rubric_id, tuple(c.key for c in criteria))
        if signature == self._signature:
            self.clear()
            return
        self._signature = signature
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        for index, criterion in enumerate(criteria):
            card = CARD_FOR_KIND[criterion.kind](criterion)
            card.changed.connect(self.changed.emit)
            card.mousePressEvent = lambda _event, i=index: self.set_current(i)  # type: ignore[method-assign]
            self.body_layout.insertWidget(index, card)
            self.cards.append(card)
        self.current = 0
        self.set_current(0)

    def clear(self) -> None:
        for card in self.cards:
            card.set_value(None)
        self.set_current(0)

    def values(self) -> dict[str, Any]:
        out = {}
        for card in self.cards:
            value = card.value()
            if value is not None:
                out[card.criterion.key] = value
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        for card in self.cards:
            card.set_value(values.get(card.criterion.key))

    def missing_required(self) -> list[Criterion]:
        return [c.criterion for c in self.cards if c.criterion.required and c.value() is None]

    @property
    def current_card(self) -> CriterionCard | None:
        return self.cards[self.current] if self.cards else None

    def set_current(self, index: int) -> None:
        if not self.cards:
            return
        self.current = max(0, min(index, len(self.cards) - 1))
        for i, card in enumerate(self.cards):
            card.set_current(i == self.current)
        self.ensureWidgetVisible(self.cards[self.current], 0, 40)
        self.current_changed.emit(self.current)

    def move(self, step: int) -> None:
        self.set_current(self.current + step)

    def pick_key(self, key: str) -> bool:
        """A hotkey for the current criterion; single choices move on to the next one."""
        card = self.current_card
        if card is None or not card.pick_key(key):
            return False
        if card.single_choice and card.value() is not None and self.current < len(self.cards) - 1:
            self.move(1)
        return True

    def clear_current(self) -> None:
        if self.current_card is not None:
            self.current_card.set_value(None)
            self.changed.emit()
