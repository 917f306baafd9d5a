"""Small pieces the judges screen's tabs share: how a tab sees the screen, and formatting."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

from annotator.base.errors import AnnotatorError

if TYPE_CHECKING:
    from pathlib import Path

    from annotator.store.project import Project
    from ui.widgets.jobs import Job


class JudgesView(Protocol):
    """The judges screen, as its tabs see it (typed here: the screen imports the tabs)."""

    project: Project | None

    def judge_name(self) -> str | None: ...

    def current_judge(self) -> Any: ...

    def run_started(self) -> None: ...

    def run_finished(self) -> None: ...


class ProgressRelay(QObject):
    """Carries a run's progress from the worker thread to the UI thread."""

    progress = Signal(object)


def relayed_run(
    run: Callable[..., Any],
    path: Path,
    name: str,
    options: dict[str, Any],
    relay: ProgressRelay,
    job: Job,
) -> Any:
    """`run(path, name, **options)` in a job: progress to `relay` while it lives, and the
    job's Cancel as the run's `cancelled`."""
    return run(
        path,
        name,
        **options,
        progress=lambda p: shiboken6.isValid(relay) and relay.progress.emit(p),
        cancelled=lambda: job.cancelled,
    )


def run_feedback() -> tuple[QProgressBar, QLabel, QLabel]:
    """A run's thin progress bar, its status line and its verdict line (both selectable;
    the verdict is born with a feedback name, so re-polishing keeps its padding); the
    bar and the verdict start hidden."""
    progress = QProgressBar()
    progress.setTextVisible(False)
    progress.setFixedHeight(8)
    progress.hide()
    status, verdict = QLabel(), QLabel()
    verdict.setObjectName("FeedbackOk")
    for label in (status, verdict):
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    verdict.hide()
    return progress, status, verdict


def config_of(judge: Any) -> Any:
    """The `JudgeConfig` of a judge (a judge record carries it as `.config`)."""
    return getattr(judge, "config", judge)


def or_text(value: Any, empty: str = "server default") -> str:
    return empty if value is None or value == "" else str(value)


def duration(seconds: float | None) -> str:
    """A short, human duration: "42 s", "3 min 05 s", "1 h 12 min"."""
    if seconds is None:
        return "–"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def error_text(error: BaseException) -> str:
    """A message a person can act on: the core's own, or the error's first line."""
    if isinstance(error, AnnotatorError):
        return str(error)
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def facts_grid(rows: list[tuple[str, str]]) -> QGridLayout:
    """Caption / value pairs: captions muted, values selectable."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(18)
    grid.setVerticalSpacing(4)
    for row, (caption, value) in enumerate(rows):
        name = QLabel(caption)
        name.setObjectName("Muted")
        shown = QLabel(value)
        shown.setWordWrap(True)
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(shown, row, 1)
    grid.setColumnStretch(1, 1)
    return grid


def clear_layout(layout: Any) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())


def restyle(widget: QWidget, name: str) -> None:
    """Give a widget another stylesheet object name and redraw it with it."""
    widget.setObjectName(name)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.updateGeometry()  # the padding may differ: the layout asks the size again


__all__ = [
    "JudgesView",
    "clear_layout",
    "config_of",
    "duration",
    "error_text",
    "facts_grid",
    "or_text",
    "restyle",
]
