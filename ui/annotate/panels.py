"""Smaller parts of the annotate view: progress header, guidelines panel, the
inline prompt bar (skip reason, flag note), training feedback and the summary.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator.rubric.model import Criterion, RubricVersion
from annotator.workbench.session import Progress, SessionSummary


def format_duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def demote_headings(markdown: str, levels: int) -> str:
    """Shift markdown headings down so a rubric's '# Title' fits in a side panel."""
    out = []
    fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
        if not fence and line.startswith("#"):
            hashes = len(line) - len(line.lstrip("#"))
            line = "#" * min(6, hashes + levels) + line[hashes:]
        out.append(line)
    return "\n".join(out)


class ProgressHeader(QFrame):
    """Who is labeling what, and how far along: done, remaining, pace, time on item."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HeaderBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(12)
        self.title = QLabel()
        self.title.setObjectName("HeaderTitle")
        self.badge = QLabel()
        self.badge.setObjectName("WarnBadge")
        self.badge.hide()
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(160)
        self.bar.setFixedHeight(8)
        self.counts = QLabel()
        self.counts.setObjectName("Muted")
        self.timer = QLabel()
        self.timer.setObjectName("Muted")
        self.timer.setMinimumWidth(110)
        self.timer.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.title)
        layout.addWidget(self.badge)
        layout.addStretch(1)
        layout.addWidget(self.bar)
        layout.addWidget(self.counts)
        layout.addWidget(self.timer)

    def set_context(self, title: str, badge: str | None = None) -> None:
        self.title.setText(title)
        self.badge.setVisible(bool(badge))
        self.badge.setText(badge or "")

    def set_progress(self, progress: Progress) -> None:
        total = progress.done + progress.remaining
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(progress.done)
        pace = progress.labels_per_hour
        pace_text = f"{pace:.0f} labels/h" if pace is not None else "— labels/h"
        self.counts.setText(f"{progress.done} done · {progress.remaining} left · {pace_text}")

    def set_item_time(self, seconds: float, idle: bool) -> None:
        suffix = "  (paused)" if idle else ""
        self.timer.setText(f"{format_duration(seconds)} on item{suffix}")


class GuidelinesPanel(QTextBrowser):
    """Guidelines and examples for the current criterion, then the whole rubric's text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ItemText")
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setMinimumWidth(300)

    def show_for(self, rubric: RubricVersion, criterion: Criterion | None) -> None:
        parts: list[str] = []
        if criterion is not None:
            parts.append(f"## {criterion.title}\n")
            if criterion.help:
                parts.append(criterion.help + "\n")
            if criterion.options:
                parts.append("| value | meaning |\n|---|---|")
                for option in criterion.options:
                    key = f" `{option.hotkey}`" if option.hotkey else ""
                    description = option.description.replace("|", "\\|").replace("\n", " ")
                    parts.append(f"| **{option.label}**{key} | {description} |")
                parts.append("")
            if criterion.kind == "numeric":
                parts.append(f"Range: {criterion.scale_text()}\n")
            if criterion.examples:
                parts.append("### Examples\n")
                for example in criterion.examples:
                    parts.append(f"- item `{example.item}` → **{example.value}**: {example.why}")
                parts.append("")
        parts.append(f"---\n\n**Guidelines · {rubric.name}, version {rubric.version}**\n")
        parts.append(demote_headings(rubric.guidelines, 2))
        self.setMarkdown("\n".join(parts))


class PromptBar(QFrame):
    """An inline question (skip reason, flag note) answered without leaving the keyboard."""

    accepted = Signal(str, str)  # purpose, text
    cancelled = Signal()
    refused = Signal(str)  # Enter with nothing to confirm: what is missing

    CONFIRM_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)

    SKIP_REASONS = (
        "Outside my expertise",
        "Item is broken or unreadable",
        "Not enough context to judge",
        "Conflict of interest",
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.question = QLabel()
        self.question.setObjectName("CardTitle")
        self.input = QComboBox()
        self.input.setEditable(True)
        self.input.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        hint = QLabel("Enter to confirm · Esc to cancel")
        hint.setObjectName("Muted")
        layout.addWidget(self.question)
        layout.addWidget(self.input)
        layout.addWidget(hint)
        self.purpose = ""
        # Enter is taken here, whichever of the two has the focus, and goes no further:
        # left to travel up to the window it would act on the item shown after this one.
        self.input.installEventFilter(self)
        self.input.lineEdit().installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in self.CONFIRM_KEYS
            and self.isVisible()
        ):
            if self.input.view().isVisible():
                return False  # the open list picks its entry first
            self.confirm()
            return True
        return super().eventFilter(watched, event)

    def ask(self, purpose: str, question: str, choices: tuple[str, ...] = ()) -> None:
        self.purpose = purpose
        self.question.setText(question)
        self.input.clear()
        self.input.addItems(list(choices))
        self.input.setCurrentIndex(-1)
        self.input.setEditText("")
        self.show()
        self.input.setFocus()

    def confirm(self) -> None:
        """Enter: answer with the text, or say what is missing (the bar stays open)."""
        text = self.input.currentText().strip()
        if not text:
            what = "a reason (Down lists them, or type one)" if self.purpose == "skip" else "a note"
            self.refused.emit(f"Nothing to confirm: {self.purpose} needs {what}; Esc cancels.")
            return
        self.hide()
        self.accepted.emit(self.purpose, text)

    def cancel(self) -> None:
        if self.isVisible():
            self.hide()
            self.cancelled.emit()


class FeedbackBanner(QLabel):
    """Training mode: after submitting a check item, the reference and its rationale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.hide()

    def show_feedback(self, feedback: dict[str, Any] | None) -> None:
        if not feedback:
            self.hide()
            return
        scores = feedback.get("scores") or {}
        all_ok = all(bool(s.get("correct")) for s in scores.values()) if scores else False
        self.setObjectName("FeedbackOk" if all_ok else "FeedbackWarn")
        self.style().unpolish(self)
        self.style().polish(self)
        rows = []
        reference = feedback.get("reference") or feedback.get("values") or {}
        for key, value in reference.items():
            score = scores.get(key, {})
            mark = "✓" if score.get("correct") else "✗"
            rows.append(f"{mark} <b>{html.escape(key)}</b>: reference {html.escape(str(value))}")
        rationale = html.escape(str(feedback.get("rationale") or ""))
        self.setText(
            "<b>Training check on the item you just submitted</b><br>"
            + "<br>".join(rows)
            + (f"<br><i>{rationale}</i>" if rationale else "")
        )
        self.show()


class SummaryPage(QFrame):
    """Shown when the queue is empty: what this session added up to."""

    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel("Queue complete")
        self.title.setStyleSheet("font-size: 22pt; font-weight: 600;")
        self.body = QLabel()
        self.body.setObjectName("Muted")
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        back = QPushButton("Review my last item  (Alt+←)")
        back.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        back.clicked.connect(self.back_requested.emit)
        for widget in (self.title, self.body, back):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignCenter)

    def show_summary(self, summary: SessionSummary) -> None:
        pace = f"{summary.per_hour:.0f} labels per active hour" if summary.per_hour else "—"
        self.body.setText(
            "<p style='font-size:13pt'>Nothing left in your queue. Thank you.</p>"
            f"<p>This session: <b>{summary.labels}</b> labeled · {summary.skipped} skipped · "
            f"{summary.flagged} flagged · {summary.amended} amended<br>"
            f"active time {format_duration(summary.active_s)} · {pace}</p>"
        )
