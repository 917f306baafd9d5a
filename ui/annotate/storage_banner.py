"""The banner above the form when the disk refuses an answer: why, and a retry.

It says what the typed :class:`annotator.base.storage.StorageError` says (what
happened, where, what to do) and offers "Retry now" (Enter does the same); the
view also retries on its own every few seconds, so freeing space is enough.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from annotator.base.errors import AnnotatorError
from annotator.store.project import Project
from annotator.workbench.recovery import (
    apply_recovery,
    discard_recovery,
    recovery_for,
    waiting_recoveries,
)
from ui.widgets.theme import current_colors

RETRY_TEXT = "Retry now  ⏎"


class StorageBanner(QFrame):
    """Hidden until a write is refused; `retry_requested` when the person asks."""

    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StorageBanner")
        self.title = QLabel()
        self.title.setObjectName("HeaderTitle")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry = QPushButton(RETRY_TEXT)
        self.retry.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter stays the form's
        self.retry.clicked.connect(self.retry_requested.emit)
        words = QVBoxLayout()
        words.setContentsMargins(0, 0, 0, 0)
        words.setSpacing(2)
        words.addWidget(self.title)
        words.addWidget(self.text)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 8, 10, 8)
        row.addLayout(words, 1)
        row.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_refusal(self, title: str, text: str, *, retry: bool = True) -> None:
        self.title.setText(title)
        self.text.setText(text)
        self.retry.setVisible(retry)
        self.setStyleSheet(STYLE.format(**current_colors()))  # the theme now in use
        self.show()

    def clear(self) -> None:
        self.hide()
        self.title.clear()
        self.text.clear()


class RecoveryBanner(QFrame):
    """Answers a full disk kept out of the project last time: Apply or Discard them.

    Not a modal: the person can look around first, and a test never blocks on it.
    Applying goes through the core (`annotator.workbench.recovery.apply_recovery`)."""

    told = Signal(str)  # what to say in the status line
    open_requested = Signal(str)  # no project open yet: the one the answers are for
    applied = Signal()  # recovered answers were written: redraw what shows them

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StorageBanner")
        self.project: Project | None = None
        self.waiting_path: str | None = None
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.apply = QPushButton("Apply")
        self.apply.setObjectName("Primary")
        self.discard = QPushButton("Discard")
        self.apply.clicked.connect(self.apply_recovered)
        self.discard.clicked.connect(self.discard_recovered)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 12, 8)
        row.addWidget(self.text, 1)
        row.addWidget(self.apply, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.discard, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def refresh(self, project: Project | None) -> None:
        """Offer this project's recovered answers, or (none open) say which project has some."""
        self.project, self.waiting_path = project, None
        self.hide()
        try:
            found = waiting_recoveries() if project is None else [recovery_for(project)]
        except AnnotatorError as error:
            self.told.emit(str(error))
            return
        found = [part for part in found if part is not None]
        if not found:
            return
        if project is not None:
            when = found[0].written_at[:16].replace("T", " ")
            self._offer(
                f"{found[0].count} answer(s) for this project could not be saved last time "
                f"(the disk refused them, {when} UTC). Apply writes them now; Discard forgets them."
            )
            return
        self.waiting_path = found[0].project_path
        more = f" and {len(found) - 1} other project(s)" if len(found) > 1 else ""
        self._offer(
            f"{found[0].count} answer(s) for {self.waiting_path}{more} could not be saved last "
            "time. Open the project to apply them.",
            "Open project",
            discard=False,
        )

    def _offer(self, text: str, apply_text: str = "Apply", *, discard: bool = True) -> None:
        self.text.setText(text)
        self.apply.setText(apply_text)
        self.discard.setVisible(discard)
        self.setStyleSheet(STYLE.format(**current_colors()))
        self.show()

    def apply_recovered(self) -> None:
        if self.project is None:
            if self.waiting_path:
                self.open_requested.emit(self.waiting_path)
            return
        outcome = apply_recovery(self.project)
        if outcome.error is not None or outcome.left:
            reason = outcome.error or f"{outcome.left} label(s) could not be written yet"
            self.told.emit(f"Recovered answers kept for later: {reason}")
            return
        self.hide()
        self.told.emit(
            f"Applied {outcome.landed} recovered label(s) and {outcome.drafts} draft(s)."
        )
        self.applied.emit()

    def discard_recovered(self) -> None:
        if self.project is None:
            return
        try:
            discard_recovery(self.project)
        except (AnnotatorError, OSError) as error:
            self.told.emit(f"Could not discard the recovered answers: {error}")
            return
        self.hide()
        self.told.emit("Discarded the recovered answers.")


STYLE = (
    "QFrame#StorageBanner {{ background: {warn_soft}; border: 1px solid {warn}; "
    "border-radius: 6px; }} QFrame#StorageBanner QLabel {{ background: transparent; }}"
)

__all__ = ["RETRY_TEXT", "STYLE", "RecoveryBanner", "StorageBanner"]
