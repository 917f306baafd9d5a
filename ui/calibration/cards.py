"""The reveal's cards: one criterion of an item with everyone's value, the rubric
text beside it, and the lead's decision row. Large type for a shared screen."""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.calibration.reveal import CriterionReveal, show_value
from annotator.rubric.model import Criterion


class Decides(Protocol):
    """The reveal page, as a card sees it: somewhere to send a decision (it imports us)."""

    def decide(self, key: str, value: Any, rationale: str) -> None: ...


def font_of(widget: QWidget, points: float, bold: bool = False) -> None:
    font = QFont(widget.font())
    font.setPointSizeF(points)
    font.setBold(bold)
    widget.setFont(font)


def label(text: str, points: float, *, bold: bool = False, name: str | None = None) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(True)
    if name:
        widget.setObjectName(name)
    font_of(widget, points, bold)
    return widget


def describe(shown: CriterionReveal) -> tuple[str, str]:
    """A badge for how far apart people are, and its style."""
    if shown.disagreement is None:
        return ("", "")
    if shown.disagreement == 0:
        return ("everyone agrees", "Badge")
    return (
        f"{shown.distinct} different answers · disagreement {shown.disagreement:.2f}",
        "WarnBadge",
    )


class DecisionRow(QWidget):
    """The lead's consensus value and rationale for one criterion of the item."""

    def __init__(
        self, page: Decides, criterion: Criterion, shown: CriterionReveal, points: float
    ) -> None:
        super().__init__()
        self.page = page
        self.criterion = criterion
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 8, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.addWidget(label("Decision", points * 0.8, bold=True, name="Muted"), 0, 0)
        if criterion.options and criterion.kind != "multilabel":
            self.value: QComboBox | QLineEdit = QComboBox()
            for option in criterion.options:
                self.value.addItem(show_value(criterion, option.value), option.value)
            current = shown.decision["value"] if shown.decision else _most_common(shown)
            index = self.value.findData(current) if current is not None else -1
            self.value.setCurrentIndex(max(index, 0))
        else:
            self.value = QLineEdit()
            self.value.setPlaceholderText(
                "options separated by ; (empty: none of them)"
                if criterion.kind == "multilabel"
                else "the agreed value"
            )
            if shown.decision:
                decided = shown.decision["value"]
                self.value.setText(
                    "; ".join(map(str, decided)) if isinstance(decided, list) else str(decided)
                )
        font_of(self.value, points * 0.85)
        self.rationale = QLineEdit((shown.decision or {}).get("rationale") or "")
        self.rationale.setPlaceholderText("the agreed rationale (Enter decides)")
        font_of(self.rationale, points * 0.8)
        self.rationale.returnPressed.connect(self.decide)
        self.rationale.setCursorPosition(0)
        self.button = QPushButton("Change" if shown.decision else "Decide")
        self.button.setObjectName("Primary")
        self.button.clicked.connect(self.decide)
        grid.addWidget(self.value, 0, 1)
        grid.addWidget(self.button, 0, 2, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.rationale, 1, 1, 1, 2)
        grid.setColumnStretch(2, 1)

    def chosen(self) -> Any:
        if isinstance(self.value, QComboBox):
            return self.value.currentData()
        return self.value.text()

    def decide(self) -> None:
        self.page.decide(self.criterion.key, self.chosen(), self.rationale.text())


def _most_common(shown: CriterionReveal) -> Any:
    counts = Counter(repr(value) for _, value, _ in shown.values)
    if not counts:
        return None
    top = counts.most_common(1)[0][0]
    return next(value for _, value, _ in shown.values if repr(value) == top)


class CriterionPanel(QFrame):
    """One criterion of the item: everyone's value, its rubric text, the decision."""

    def __init__(
        self, page: Decides, criterion: Criterion, shown: CriterionReveal, points: float
    ) -> None:
        super().__init__()
        self.setObjectName("Card")
        self.key = shown.key
        outer = QHBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(18)
        left = QVBoxLayout()
        head = QHBoxLayout()
        head.addWidget(label(shown.title, points * 1.1, bold=True))
        text, style = describe(shown)
        if text:
            badge = label(text, points * 0.72, name=style)
            badge.setWordWrap(False)
            head.addWidget(badge)
        head.addStretch(1)
        left.addLayout(head)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(4)
        for row, (who, _, value) in enumerate(shown.values):
            grid.addWidget(label(who, points * 0.85, name="Muted"), row, 0)
            grid.addWidget(label(value, points, bold=True), row, 1)
        grid.setColumnStretch(1, 1)
        left.addLayout(grid)
        if shown.decision:
            why = f" — {shown.decision['rationale']}" if shown.decision["rationale"] else ""
            self.decided = label(
                f"✓ Decided: {shown.decision['shown']}{why}", points * 0.85, name="FeedbackOk"
            )
            left.addWidget(self.decided)
        self.decision: DecisionRow | None = None
        if criterion.kind != "text" and shown.disagreement != 0:
            self.decision = DecisionRow(page, criterion, shown, points)
            left.addWidget(self.decision)
        left.addStretch(1)
        outer.addLayout(left, 3)
        text = shown.rubric_text.split("\n\n", 1)  # the card already has the title
        rubric = QLabel(text[1] if len(text) > 1 else text[0])
        rubric.setTextFormat(Qt.TextFormat.MarkdownText)
        rubric.setWordWrap(True)
        rubric.setObjectName("Muted")
        rubric.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        font_of(rubric, points * 0.72)
        rubric.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rubric.setMinimumWidth(160)
        frame = QFrame()
        side = QVBoxLayout(frame)
        side.setContentsMargins(14, 0, 0, 0)
        side.addWidget(label("THE RUBRIC SAYS", points * 0.62, bold=True, name="SectionTitle"))
        side.addWidget(rubric)
        side.addStretch(1)
        frame.setStyleSheet(
            "QFrame { border-left: 1px solid palette(mid); }QLabel { border: none; }"
        )
        outer.addWidget(frame, 2)
