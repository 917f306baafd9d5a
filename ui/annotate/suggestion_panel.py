"""Assisted review: another source's answer and rationale, just above the rubric form.

The panel shows only what the view's provider returns for the item on screen
(a queue with assisted review on; otherwise nothing, and the panel is hidden).
It never fills the form by itself: the person takes the suggestion with a key
(Ctrl+J) and still submits with the usual one. Nothing in it says whether an
item is an anchor or a decoy; a decoy's suggestion looks like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from annotator.rubric.model import Criterion

ACCEPT_KEY = "Ctrl+J"
RATIONALE_KEY = "Ctrl+Shift+J"
RATIONALE_MAX_PX = 120  # longer rationales scroll inside the panel
TEXT_VALUE_CHARS = 120  # a suggested free text longer than this is cut in the summary row


class ShownSuggestion(Protocol):
    """What the panel needs of `annotator.workbench.suggestions.Suggestion`."""

    @property
    def values(self) -> Mapping[str, Any]: ...

    @property
    def rationale(self) -> str | None: ...

    @property
    def source(self) -> str: ...


SuggestionProvider = Callable[[str], ShownSuggestion | None]  # item id -> suggestion or None


def describe_value(criterion: Criterion, value: Any) -> str:
    """A suggested value as the form shows it: option labels, not stored values."""
    if value is None or value == [] or value == "":
        return "—"
    if criterion.kind == "multilabel":
        chosen = list(value) if isinstance(value, list | tuple) else [value]
        known = [v for v in criterion.option_values if v in chosen]  # in the rubric's order
        rest = [v for v in chosen if v not in known]
        return ", ".join(_option_label(criterion, v) for v in known + rest)
    if criterion.kind == "numeric":
        return f"{value:g}" if isinstance(value, int | float) else str(value)
    if criterion.kind == "text":
        text = " ".join(str(value).split())
        return text if len(text) <= TEXT_VALUE_CHARS else text[: TEXT_VALUE_CHARS - 1] + "…"
    label = _option_label(criterion, value)
    if criterion.kind == "ordinal" and label != str(value):
        return f"{value} · {label}"
    return label


def _option_label(criterion: Criterion, value: Any) -> str:
    option = criterion.option(value)
    return option.label if option is not None else str(value)


def form_values(suggestion: ShownSuggestion, criteria: tuple[Criterion, ...]) -> dict[str, Any]:
    """The suggestion's values for the criteria on the form (others are not shown or used)."""
    keys = {criterion.key for criterion in criteria}
    return {k: v for k, v in suggestion.values.items() if k in keys and v is not None}


class _Rationale(QScrollArea):
    """Wrapped rationale text: as tall as it needs up to a limit, then it scrolls."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SuggestionRationale")
        self.setWidgetResizable(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setWidget(self.text)

    def set_text(self, text: str) -> None:
        self.text.setText(text)
        self.verticalScrollBar().setValue(0)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        width = max(self.viewport().width(), 120)
        needed = self.text.heightForWidth(width - 12)
        height = min(max(needed, self.fontMetrics().height()) + 4, RATIONALE_MAX_PX)
        if height != self.height():
            self.setFixedHeight(height)


class SuggestionPanel(QFrame):
    """'Suggested by <source>': one row per criterion, then the rationale (collapsible)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Suggestion")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.suggestion: ShownSuggestion | None = None
        self.rationale_open = True  # the person's choice holds from item to item
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(6)
        head = QHBoxLayout()
        head.setSpacing(8)
        self.title = QLabel()
        self.title.setObjectName("SectionTitle")
        self.keys = QLabel(f"{ACCEPT_KEY} fills the form")
        self.keys.setObjectName("Muted")
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.keys)
        layout.addLayout(head)
        self.rows = QGridLayout()
        self.rows.setHorizontalSpacing(14)
        self.rows.setVerticalSpacing(3)
        self.rows.setColumnStretch(1, 1)
        layout.addLayout(self.rows)
        self.row_labels: dict[str, QLabel] = {}  # criterion key -> the value shown
        self.rationale_toggle = QLabel()
        self.rationale_toggle.setObjectName("Muted")
        self.rationale = _Rationale()
        layout.addWidget(self.rationale_toggle)
        layout.addWidget(self.rationale)
        self.hide()

    def show_suggestion(
        self, suggestion: ShownSuggestion | None, criteria: tuple[Criterion, ...]
    ) -> None:
        """Show `suggestion` for these criteria; None hides the panel and forgets it."""
        self.suggestion = suggestion
        self._clear_rows()
        if suggestion is None:
            self.hide()
            return
        self.title.setText(f"SUGGESTED BY {suggestion.source.upper()}")
        values = form_values(suggestion, criteria)
        shown = [c for c in criteria if c.key in values]
        for row, criterion in enumerate(shown):
            name = QLabel(criterion.title)
            name.setObjectName("Muted")
            value = QLabel(describe_value(criterion, values[criterion.key]))
            free_text = criterion.kind == "text"  # prose reads better in the normal weight
            value.setObjectName("SuggestedText" if free_text else "SuggestedValue")
            if free_text and value.text().endswith("…"):
                value.setToolTip(str(values[criterion.key]))  # all of it goes into the form
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            self.rows.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            self.rows.addWidget(value, row, 1)
            self.row_labels[criterion.key] = value
        if not shown:
            empty = QLabel("No suggested value for this form's criteria.")
            empty.setObjectName("Muted")
            self.rows.addWidget(empty, 0, 0, 1, 2)
        self.rationale.set_text((suggestion.rationale or "").strip())
        self._show_rationale()
        self.show()

    def _clear_rows(self) -> None:
        self.row_labels = {}
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()

    @property
    def has_rationale(self) -> bool:
        return bool(self.suggestion is not None and (self.suggestion.rationale or "").strip())

    def toggle_rationale(self) -> None:
        self.rationale_open = not self.rationale_open
        self._show_rationale()

    def _show_rationale(self) -> None:
        if not self.has_rationale:
            self.rationale_toggle.setText("No rationale given.")
            self.rationale.hide()
            return
        if self.rationale_open:
            self.rationale_toggle.setText(f"Why  ·  {RATIONALE_KEY} hides")
        else:
            self.rationale_toggle.setText(f"Why (hidden)  ·  {RATIONALE_KEY} shows")
        self.rationale.setVisible(self.rationale_open)

    @property
    def rationale_visible(self) -> bool:
        return self.isVisible() and self.rationale.isVisible()
