"""A judge's canary set and its canary runs: items with known answers the judge is asked
on every run, so a model that changes behind an unchanged name shows up as falling
canary accuracy (docs/judges.md, "Judge drift and canaries").

The set comes from `annotator.judges.canary` (anchors or expert-labeled items; their
expected answers are frozen when added and never sent to the judge). They are shown
here because the judges screen is the lead's (`annotator.workbench.roles.LEAD_VIEWS`):
a labeler never opens it. A run is `annotator.judges.canary_run.run_canaries` off the UI
thread, with progress and Cancel as on the Run tab; a server that reports another model
or fingerprint stops it, and the lead chooses to accept the new version. Below, the
accuracy over time (`ui.judges.canary_drift`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from annotator.judges.canary_run import CanaryRunResult, run_canaries
from annotator.judges.run import RunProgress
from annotator.quality.by_source.source_table import money
from ui.judges.canary_drift import CanaryDrift
from ui.judges.canary_set import CanarySet, button
from ui.judges.parts import (
    JudgesView,
    ProgressRelay,
    duration,
    error_text,
    relayed_run,
    restyle,
    run_feedback,
)
from ui.widgets.jobs import Job, run_job


class CanaryTab(QWidget):
    def __init__(self, screen: JudgesView) -> None:
        super().__init__()
        self.screen = screen
        self.job: Job | None = None
        self.result: CanaryRunResult | None = None
        self.last_progress: RunProgress | None = None
        self._stale = True  # the drift below is computed when the tab shows
        self.relay = ProgressRelay(self)
        self.relay.progress.connect(self.show_progress)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self._run_section())
        self.drift = CanaryDrift()
        split.addWidget(self.drift)
        split.setStretchFactor(1, 1)
        split.setSizes([260, 640])
        layout.addWidget(split, 1)
        order = [
            *self.set.order, self.concurrency, self.run_button, self.cancel_button,
            self.accept_button, self.keep_button, self.drift.criterion, self.drift.runs,
        ]  # fmt: skip
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.setFocusProxy(self.set.add_anchors)

    def _run_section(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 6)
        column.setSpacing(8)
        self.set = CanarySet(self.screen)
        self.set.changed.connect(self._set_changed)
        column.addWidget(self.set, 1)
        self._run_buttons(self.set.actions)
        self.progress, self.status, self.verdict = run_feedback()
        self.status.hide()
        for widget in (self.progress, self.status, self.verdict):
            column.addWidget(widget)
        column.addWidget(self._version_stop())
        return box

    def _run_buttons(self, row: QHBoxLayout) -> None:
        """Run and Cancel at the end of the set's row of buttons."""
        self.run_button = button("Run canaries", "Ask the judge every canary again, now")
        self.run_button.setObjectName("Primary")
        self.run_button.clicked.connect(lambda: self.start())
        self.cancel_button = button("Cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel)
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 64)
        self.concurrency.setValue(4)
        self.concurrency.setToolTip("Calls in flight at once")
        parallel = QLabel("Parallel calls")
        parallel.setBuddy(self.concurrency)
        for widget in (parallel, self.concurrency, self.run_button, self.cancel_button):
            row.addWidget(widget)

    def _version_stop(self) -> QWidget:
        """Shown when a run stopped because the server reports another model or fingerprint."""
        self.stop_box = QWidget()
        column = QVBoxLayout(self.stop_box)
        column.setContentsMargins(0, 0, 0, 0)
        self.stop_text = QLabel()
        self.stop_text.setObjectName("FeedbackWarn")
        self.stop_text.setWordWrap(True)
        self.stop_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        self.accept_button = button(
            "Accept new version and run",
            "Run the canaries under the new judge version; the chart starts a new segment",
        )
        self.accept_button.setObjectName("Primary")
        self.accept_button.clicked.connect(lambda: self.start(accept_new_version=True))
        self.keep_button = button("Not now")
        self.keep_button.clicked.connect(self.stop_box.hide)
        row.addWidget(self.accept_button)
        row.addWidget(self.keep_button)
        row.addStretch(1)
        column.addWidget(self.stop_text)
        column.addLayout(row)
        self.stop_box.hide()
        return self.stop_box

    @property
    def running(self) -> bool:
        return self.job is not None

    @property
    def canaries(self) -> list[Any]:
        return self.set.canaries

    def refresh(self, keep_run: bool = False) -> None:
        """The project or the screen's judge changed: the set again, and its drift."""
        if not keep_run:
            self.clear()
        self.set.refresh(keep_status=keep_run)
        self._enable()
        self._retitle()
        self._stale = True
        if self.isVisible():
            self.ask_drift()

    def clear(self) -> None:
        """Forget the last run's outcome (another judge is shown)."""
        self.result, self.last_progress = None, None
        for widget in (self.status, self.verdict, self.stop_box):
            widget.hide()

    def _set_changed(self) -> None:
        self._enable()
        self._retitle()

    def _retitle(self) -> None:
        """The tab says how many canaries the judge has, as Failures and Versions do."""
        tabs = getattr(self.screen, "tabs", None)
        index = -1 if tabs is None else tabs.indexOf(self)
        if index >= 0:
            tabs.setTabText(index, f"Canaries ({len(self.canaries)})")

    def _enable(self) -> None:
        self.set.busy = self.running
        self.set.enable()
        judge = self.screen.judge_name() is not None
        self.run_button.setEnabled(judge and not self.running and bool(self.canaries))

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.show()

    # -- a run ------------------------------------------------------------------------------
    def start(self, accept_new_version: bool = False) -> None:
        project, name = self.screen.project, self.screen.judge_name()
        if project is None or name is None or self.running:
            return
        if getattr(getattr(self.screen, "run_tab", None), "running", False):
            self._say("The judge is running on items (Run tab); run its canaries after that.")
            return
        options = {
            "concurrency": self.concurrency.value(),
            "accept_new_version": accept_new_version,
        }
        path, relay = project.path, self.relay
        self.result, self.last_progress = None, None
        self.stop_box.hide()
        self.verdict.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self._say(f"Asking {name} its {len(self.canaries)} canaries…")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.cancel_button.show()
        self.job = run_job(
            lambda job: relayed_run(run_canaries, path, name, options, relay, job),
            on_done=self.finished,
            on_error=self.failed,
            owner=self,
        )
        self._enable()
        self.cancel_button.setFocus()
        self.screen.run_started()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Stopping…")
            self._say(self.status.text() + " · stopping after the calls in flight")

    def show_progress(self, progress: RunProgress) -> None:
        if self.job is None:
            return
        self.last_progress = progress
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
        failed = f" · {progress.failed:,} failed" if progress.failed else ""
        spent = money(progress.cost, progress.currency) if progress.cost is not None else "–"
        stopping = " · stopping after the calls in flight" if self.job.cancelled else ""
        self._say(
            f"<b>{progress.done:,} / {progress.total:,}</b> canaries{failed} · about "
            f"{duration(progress.eta_s)} left · <b>{spent}</b> spent{stopping}"
        )

    def _stop(self) -> None:
        self.job = None
        self.progress.hide()
        self.cancel_button.hide()
        self.status.hide()
        self._enable()

    def finished(self, result: CanaryRunResult) -> None:
        self._stop()
        self.result = result
        if result.stopped_reason == "version_changed":
            said = result.message.split(" Run again with")[0]
            self.stop_text.setText(
                f"<b>The run stopped: the judge changed.</b> {said} Accept the new version to "
                "run the canaries under it (the chart starts a new segment), or leave it for now."
            )
            self.stop_box.show()
            self.accept_button.setFocus()
        else:
            accuracy = "–" if result.accuracy is None else f"{result.accuracy:.0%}"
            ended = "cancelled" if result.stopped_reason == "cancelled" else "finished"
            ok = ended == "finished" and not result.failed
            restyle(self.verdict, "FeedbackOk" if ok else "FeedbackWarn")
            self.verdict.setText(
                f"Canary run {ended}: {result.judged:,} of {result.items:,} canaries answered"
                f"{f' ({result.failed:,} failed)' if result.failed else ''}, "
                f"<b>{result.correct:,} / {result.answers:,}</b> criterion answers right "
                f"(<b>{accuracy}</b>) · judge version {result.version or '–'} · "
                f"{money(result.cost, result.currency)} spent."
            )
            self.verdict.show()
            self.run_button.setFocus()
        self.screen.run_finished()  # the screen refreshes its tabs, this one's drift too

    def failed(self, error: BaseException) -> None:
        self._stop()
        restyle(self.verdict, "FeedbackWarn")
        self.verdict.setText(f"The canary run stopped: {error_text(error)}")
        self.verdict.show()
        self.screen.run_finished()

    # -- the drift below ----------------------------------------------------------------------
    def ask_drift(self) -> None:
        project = self.screen.project
        self._stale = False
        self.drift.ask(None if project is None else project.path, self.screen.judge_name())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._stale:
            self.ask_drift()


__all__ = ["CanaryTab"]
