"""The reveal, built for a screen shared in a meeting: one item at a time in large type,
disagreements first, every participant's values and rationales side by side, the
criterion's rubric text beside them, and the lead's decisions underneath.

← / → (or Alt+← / Alt+→) move between items; Ctrl+ + / Ctrl+ − change the type size.
It only ever shows a round the lead has revealed (the core refuses otherwise).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError
from annotator.calibration.decisions import adjudicate_item, promote_to_anchor
from annotator.calibration.reveal import ItemReveal, Reveal, reveal
from annotator.calibration.sessions import add_note
from annotator.items.items import get_item
from annotator.store.project import Project
from ui.annotate.item_panel import BASE_TEXT_POINTS, ItemPanel
from ui.calibration.cards import CriterionPanel, font_of, label

SCALE = 1.45  # the reveal's type against the app's, for a shared screen


class RevealPage(QWidget):
    """The reveal of one round; `back_requested` returns to the session."""

    back_requested = Signal()
    changed = Signal()  # a decision, an anchor or a note was written

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.data: Reveal | None = None
        self.index = 0
        self.zoom = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 10, 14, 10)
        outer.setSpacing(8)
        top = QHBoxLayout()
        back = self.back_button = QPushButton("‹ Session")
        back.setObjectName("Flat")
        back.clicked.connect(self.back_requested.emit)
        self.title = QLabel()
        self.title.setObjectName("HeaderTitle")
        self.position = QLabel()
        self.position.setObjectName("Muted")
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setFixedWidth(160)
        self.meter.setToolTip("How far apart the answers on this item are (0: everyone agrees)")
        self.prev_button = QPushButton("←  Previous")
        self.next_button = QPushButton("Next  →")
        for button in (self.prev_button, self.next_button, back):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.prev_button.clicked.connect(lambda: self.move(-1))
        self.next_button.clicked.connect(lambda: self.move(1))
        top.addWidget(back)
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.position)
        top.addWidget(self.meter)
        top.addWidget(self.prev_button)
        top.addWidget(self.next_button)
        outer.addLayout(top)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.item_panel = ItemPanel()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.splitter.addWidget(self.item_panel)
        self.splitter.addWidget(self.scroll)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([560, 840])
        outer.addWidget(self.splitter, 1)
        self.agreement = QLabel()
        self.agreement.setObjectName("Muted")
        self.agreement.setWordWrap(True)
        outer.addWidget(self.agreement)
        self.panels: list[CriterionPanel] = []
        self.message: QLabel | None = None

    @property
    def points(self) -> float:
        return QApplication.font().pointSizeF() * SCALE + self.zoom

    # -- data ---------------------------------------------------------------------
    def show_round(self, project: Project, session: int, number: int | None = None) -> None:
        """Load a revealed round and show its first item (the most disputed)."""
        self.project = project
        self.data = reveal(project, session, number)
        self.index = 0
        self.render()
        self.setFocus()

    def reload(self, keep: str | None = None) -> None:
        if self.project is None or self.data is None:
            return
        agreement = self.data.agreement  # labels did not change: keep the bootstrap's figures
        self.data = reveal(self.project, self.data.session.id, self.data.round.number, n_boot=0)
        self.data.agreement = agreement
        ids = [item.item_id for item in self.data.items]
        self.index = ids.index(keep) if keep in ids else min(self.index, len(ids) - 1)
        self.render()

    @property
    def current(self) -> ItemReveal | None:
        if self.data is None or not self.data.items:
            return None
        return self.data.items[self.index]

    # -- drawing ------------------------------------------------------------------
    def render(self) -> None:
        data, shown = self.data, self.current
        if data is None or shown is None or self.project is None:
            return
        points = self.points
        font_of(self.title, points * 0.9, bold=True)
        self.title.setText(f"{data.session.name}  ·  round {data.round.number}  ·  {shown.item_id}")
        self.position.setText(f"item {self.index + 1} of {len(data.items)}")
        self.meter.setValue(int(round(100 * (shown.disagreement or 0))))
        self.prev_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < len(data.items) - 1)
        self.item_panel.set_zoom(int(round(points * 0.8 - BASE_TEXT_POINTS)))
        self.item_panel.show_item(get_item(self.project, shown.item_id))
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(4, 0, 8, 8)
        column.setSpacing(10)
        self.panels = []
        for criterion_shown in shown.criteria:
            if criterion_shown.disagreement == 0 or criterion_shown.kind == "text":
                continue
            panel = CriterionPanel(
                self, data.version.criterion(criterion_shown.key), criterion_shown, points
            )
            self.panels.append(panel)
            column.addWidget(panel)
        agreed = [c for c in shown.criteria if c.disagreement == 0]
        if agreed:
            lines = [f"**{c.title}**: {c.values[0][2]}" for c in agreed if c.values]
            quiet = label("Everyone agreed on  " + "  ·  ".join(lines), points * 0.8, name="Muted")
            quiet.setTextFormat(Qt.TextFormat.MarkdownText)
            column.addWidget(quiet)
        column.addWidget(self._said(shown, points))
        column.addWidget(self._actions(shown, points))
        column.addStretch(1)
        self.scroll.setWidget(body)
        self.agreement.setText(self._agreement_text())
        font_of(self.agreement, points * 0.7)

    def _said(self, shown: ItemReveal, points: float) -> QFrame:
        card = QFrame()
        card.setObjectName("Card")
        grid = QGridLayout(card)
        grid.setContentsMargins(16, 12, 16, 12)
        grid.addWidget(
            label("WHAT THEY SAID", points * 0.62, bold=True, name="SectionTitle"), 0, 0, 1, 2
        )
        row = 1
        notes = next((c for c in shown.criteria if c.kind == "text"), None)
        for answer in shown.answers:
            said = [answer.rationale] if answer.rationale else []
            if notes is not None:
                said += [
                    text for who, value, text in notes.values if who == answer.participant and value
                ]
            if answer.status != "submitted":
                said.append(f"({answer.status}: {answer.note or 'no note'})")
            grid.addWidget(label(answer.participant, points * 0.8, bold=True), row, 0)
            grid.addWidget(label("  ·  ".join(said) or "—", points * 0.8), row, 1)
            row += 1
        if shown.missing:
            grid.addWidget(
                label(f"No answer from {', '.join(shown.missing)}", points * 0.75, name="Muted"),
                row,
                0,
                1,
                2,
            )
        grid.setColumnStretch(1, 1)
        return card

    def _actions(self, shown: ItemReveal, points: float) -> QFrame:
        card = QFrame()
        card.setObjectName("Card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(
            label("AFTER THE DISCUSSION", points * 0.62, bold=True, name="SectionTitle")
        )
        row = QHBoxLayout()
        self.note_text = QLineEdit()
        self.note_text.setPlaceholderText("a guideline note for the next rubric version")
        font_of(self.note_text, points * 0.8)
        self.note_text.returnPressed.connect(self.add_note)
        self.note_criterion = QComboBox()
        self.note_criterion.addItem("the whole rubric", None)
        assert self.data is not None
        for criterion in self.data.version.criteria:
            self.note_criterion.addItem(criterion.title, criterion.key)
        disputed = next((c.key for c in shown.criteria if c.disagreement), None)
        self.note_criterion.setCurrentIndex(max(self.note_criterion.findData(disputed), 0))
        add = QPushButton("Add note")
        add.clicked.connect(self.add_note)
        row.addWidget(self.note_text, 4)
        row.addWidget(self.note_criterion, 1)
        row.addWidget(add)
        layout.addLayout(row)
        second = QHBoxLayout()
        self.promote_button = QPushButton("Promote to anchor with the decisions")
        self.promote_button.clicked.connect(self.promote)
        self.promote_button.setEnabled(any(c.decision for c in shown.criteria))
        second.addWidget(self.promote_button)
        self.message = label("", points * 0.75, name="Muted")
        second.addWidget(self.message, 1)
        layout.addLayout(second)
        return card

    def _agreement_text(self) -> str:
        if self.data is None:
            return ""
        parts = []
        for name, figures in self.data.agreement.items():
            if "[" in name:
                continue
            alpha = figures.get("alpha")
            ci = figures.get("alpha_ci")
            shown = (
                "—"
                if alpha is None
                else f"{alpha:.2f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")
            )
            share = figures.get("percent_agreement")
            agree = "" if share is None else f", {100 * share:.0f}% of pairs agree"
            parts.append(f"{name} α {shown}{agree}")
        return "Agreement this round (Krippendorff's α, 95% interval):  " + "   ·   ".join(parts)

    # -- actions ------------------------------------------------------------------
    def move(self, step: int) -> None:
        if self.data is None:
            return
        target = max(0, min(self.index + step, len(self.data.items) - 1))
        if target != self.index:
            self.index = target
            self.render()
        self.setFocus()

    def _say(self, text: str) -> None:
        if self.message is not None:
            self.message.setText(text)

    def decide(self, key: str, value: Any, rationale: str) -> None:
        shown = self.current
        if shown is None or self.project is None or self.data is None:
            return
        try:
            adjudicate_item(
                self.project, self.data.session.id, shown.item_id, key, value, rationale or None
            )
        except AnnotatorError as error:
            self._say(str(error))
            return
        self.changed.emit()
        self.reload(keep=shown.item_id)
        self._say(f"Decided {key}.")

    def promote(self) -> None:
        shown = self.current
        if shown is None or self.project is None or self.data is None:
            return
        try:
            anchor = promote_to_anchor(self.project, self.data.session.id, shown.item_id)
        except AnnotatorError as error:
            self._say(str(error))
            return
        self.changed.emit()
        self.reload(keep=shown.item_id)
        self._say(f"{shown.item_id} is now an anchor: {anchor.reference}")

    def add_note(self) -> None:
        shown = self.current
        text = self.note_text.text().strip()
        if shown is None or self.project is None or self.data is None or not text:
            return
        try:
            add_note(
                self.project,
                self.data.session.id,
                text,
                item_id=shown.item_id,
                criterion=self.note_criterion.currentData(),
            )
        except AnnotatorError as error:
            self._say(str(error))
            return
        self.note_text.clear()
        self.changed.emit()
        self._say("Note kept for the next rubric version.")

    def handle_action(self, name: str) -> bool:
        if self.data is None:
            return False
        moves = {"next_option": 1, "forward": 1, "prev_option": -1, "back": -1}
        if name in moves:
            self.move(moves[name])
            return True
        if name in ("zoom_in", "zoom_out", "zoom_reset"):
            self.zoom = {"zoom_in": self.zoom + 1, "zoom_out": self.zoom - 1, "zoom_reset": 0}[name]
            self.zoom = max(-6, min(12, self.zoom))
            self.render()
            return True
        if name == "leave_text":
            focus = QApplication.focusWidget()
            if focus is not None and focus is not self and self.isAncestorOf(focus):
                self.setFocus()  # first Esc leaves a note field, the next leaves the reveal
            else:
                self.back_requested.emit()
            return True
        return False
