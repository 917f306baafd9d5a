"""Running a judge on a selection of items: the estimate first, then progress with rate, ETA
and money spent, Cancel, and the run's summary.

The run goes off the UI thread (`ui.widgets.jobs.run_job`): `annotator.judges.run_judge`
opens its own connections from the project's path. Its progress callback is relayed to
the UI thread through a Qt signal (queued across threads); Cancel sets the job's flag,
which the run's `cancelled` callable reads between calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.judges import RunPlan, RunProgress, RunResult, plan_run, run_judge
from annotator.quality.by_source.source_table import money
from annotator.store.project import open_reader
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

SELECTIONS = (  # (shown, the core's `items`; "tag:" and "text" take the field's text)
    ("Items this judge has not labeled yet", "unlabeled"),
    ("Every item (again under a new version)", "all"),
    ("The anchor items", "anchors"),
    ("Items with the tag…", "tag:"),
    ("Items whose text contains…", "text"),
)
STOPPED = {
    None: "finished",
    "cancelled": "cancelled",
    "version_changed": "stopped: the server reports another model",
}


def _plan(path: Path, name: str, options: dict[str, Any]) -> RunPlan:
    with open_reader(path) as project:
        return plan_run(project, name, **options)


class RunTab(QWidget):
    def __init__(self, screen: JudgesView) -> None:
        super().__init__()
        self.screen = screen
        self.job: Job | None = None
        self.plan_job: Job | None = None
        self.plan: RunPlan | None = None
        self._plan_asked = 0
        self.result: RunResult | None = None
        self.last_progress: RunProgress | None = None
        self.relay = ProgressRelay(self)
        self.relay.progress.connect(self.show_progress)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        title = QLabel("RUN ON A SELECTION")
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        row = QHBoxLayout()
        self.selection = QComboBox()
        for text, value in SELECTIONS:
            self.selection.addItem(text, value)
        self.limit = QSpinBox()
        self.limit.setRange(0, 10_000_000)
        self.limit.setSpecialValueText("no limit")
        self.limit.setSingleStep(10)
        self.limit.setToolTip("At most this many items (0: no limit)")
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 64)
        self.concurrency.setValue(4)
        self.concurrency.setToolTip("Calls in flight at once")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("domain=legal")
        self.filter.hide()
        row.addWidget(self.selection, 2)
        row.addWidget(self.filter, 1)
        row.addWidget(QLabel("Limit"))
        row.addWidget(self.limit)
        row.addWidget(QLabel("Parallel calls"))
        row.addWidget(self.concurrency)
        layout.addLayout(row)
        self.accept_new = QCheckBox(
            "Accept a new judge version (the server now reports another model or fingerprint)"
        )
        layout.addWidget(self.accept_new)
        self.swap = QCheckBox("Also ask with A and B exchanged (position bias)")
        self.swap.setToolTip(
            "Each pairwise item is asked once more with its two answers swapped; the answer is "
            "kept beside the label (never as one) and counted as a flip when it disagrees"
        )
        layout.addWidget(self.swap)
        self.estimate = QLabel()
        self.estimate.setObjectName("Banner")
        self.estimate.setWordWrap(True)
        layout.addWidget(self.estimate)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start the run")
        self.start_button.setObjectName("Primary")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.progress, self.status, self.verdict = run_feedback()
        for widget in (self.progress, self.status, self.verdict):
            layout.addWidget(widget)
        self.summary = QFrame()
        self.summary.setObjectName("Card")
        self.summary_grid = QGridLayout(self.summary)
        self.summary_grid.setContentsMargins(16, 12, 16, 12)
        self.summary_grid.setHorizontalSpacing(28)
        self.summary_grid.setVerticalSpacing(4)
        self.summary.hide()
        layout.addWidget(self.summary)
        layout.addStretch(1)
        self.selection.currentIndexChanged.connect(self._selection_changed)
        self.limit.valueChanged.connect(lambda _: self.refresh_estimate())
        self.filter.editingFinished.connect(self.refresh_estimate)
        self.swap.toggled.connect(lambda _: self.refresh_estimate())

    @property
    def running(self) -> bool:
        return self.job is not None

    def options(self) -> dict[str, Any]:
        items, text = self.selection.currentData(), self.filter.text().strip()
        if items == "tag:":
            items = f"tag:{text}"
        elif items == "text":
            items = text
        return {"items": items, "limit": self.limit.value() or None, "swap": self.swap.isChecked()}

    def _selection_changed(self) -> None:
        kind = self.selection.currentData()
        self.filter.setVisible(kind in ("tag:", "text"))
        self.filter.setPlaceholderText("KEY=VALUE, e.g. domain=law" if kind == "tag:" else "words")
        self.refresh_estimate()

    # -- before ---------------------------------------------------------------------
    def clear(self) -> None:
        """Forget the last run's status (another judge is shown)."""
        self.result, self.last_progress = None, None
        self.status.clear()
        self.verdict.hide()
        self.summary.hide()

    def refresh(self) -> None:
        self.start_button.setEnabled(self.screen.judge_name() is not None and not self.running)
        self.refresh_estimate()

    def refresh_estimate(self) -> None:
        """The plan (items, calls, tokens, cost) off the UI thread: it renders every prompt."""
        project, name = self.screen.project, self.screen.judge_name()
        self.plan = None
        if project is None or name is None:
            self.estimate.setText("Add a judge first.")
            return
        options = self.options()
        if options["items"] in ("tag:", ""):
            self.estimate.setText("Type what the items should have, then press Enter.")
            return
        self._plan_asked += 1
        asked, path = self._plan_asked, project.path
        self.estimate.setText("Counting the items and estimating the cost…")
        self.plan_job = run_job(
            lambda job: _plan(path, name, options),
            on_done=lambda plan: self._show_plan(asked, plan),
            on_error=lambda error: self._show_plan(asked, None, error),
            owner=self,
        )

    def _show_plan(
        self, asked: int, plan: RunPlan | None, error: BaseException | None = None
    ) -> None:
        if asked != self._plan_asked:
            return  # a newer question is on its way
        self.plan_job = None
        if plan is None:
            self.estimate.setText(error_text(error) if error else "")
            return
        self.plan = plan
        n = len(plan.item_ids)
        cost = money(plan.est_cost, plan.currency) if plan.est_cost is not None else "unknown"
        skipped = (
            f" · {plan.skipped_already:,} already judged by {plan.version}, skipped"
            if plan.skipped_already
            else ""
        )
        self.estimate.setText(
            f"<b>{n:,} item{'s' if n != 1 else ''}</b> · {plan.calls:,} calls · about "
            f"{plan.est_tokens_in:,} tokens in and {plan.est_tokens_out:,} out · "
            f"estimated cost <b>{cost}</b>{skipped}"
            + (f" · {plan.swaps:,} of the calls with A and B exchanged" if plan.swaps else "")
        )

    # -- during ---------------------------------------------------------------------
    def start(self) -> None:
        project, name = self.screen.project, self.screen.judge_name()
        if project is None or name is None or self.running:
            return
        path, options = project.path, self.options()
        options["concurrency"] = self.concurrency.value()
        options["accept_new_version"] = self.accept_new.isChecked()
        self.result, self.last_progress = None, None
        self.summary.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.verdict.hide()
        self.status.show()
        self.status.setText(f"Starting {name}…")
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.cancel_button.show()
        relay = self.relay
        self.job = run_job(
            lambda job: relayed_run(run_judge, path, name, options, relay, job),
            on_done=self.finished,
            on_error=self.failed,
            owner=self,
        )
        self.screen.run_started()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Stopping…")
            self.status.setText(self.status.text() + " · stopping after the calls in flight")

    def show_progress(self, progress: RunProgress) -> None:
        if self.job is None:
            return
        self.last_progress = progress
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
        failed = f" · {progress.failed:,} failed" if progress.failed else ""
        rate = f"{progress.rate_per_s:.1f} items/s" if progress.rate_per_s else "– items/s"
        spent = money(progress.cost, progress.currency) if progress.cost is not None else "–"
        self.status.setText(
            f"<b>{progress.done:,} / {progress.total:,}</b>{failed} · {rate} · "
            f"about {duration(progress.eta_s)} left · <b>{spent}</b> spent"
        )

    # -- after ----------------------------------------------------------------------
    def _stop(self) -> None:
        self.job = None
        self.progress.hide()
        self.cancel_button.hide()
        self.start_button.setEnabled(self.screen.judge_name() is not None)

    def finished(self, result: RunResult) -> None:
        self._stop()
        self.result = result
        stopped = STOPPED.get(result.stopped_reason, result.stopped_reason or "finished")
        self.status.hide()
        ok = not result.failed and result.stopped_reason is None
        restyle(self.verdict, "FeedbackOk" if ok else "FeedbackWarn")
        self.verdict.show()
        message = f" {result.message}" if result.message else ""
        self.verdict.setText(
            f"Run {stopped}: {result.judged:,} judged, {result.failed:,} failed, "
            f"{money(result.cost, result.currency)} spent.{message}"
        )
        self.show_summary(result)
        self.screen.run_finished()

    def failed(self, error: BaseException) -> None:
        self._stop()
        self.status.hide()
        restyle(self.verdict, "FeedbackWarn")
        self.verdict.show()
        self.verdict.setText(f"The run stopped: {error_text(error)}")
        self.screen.run_finished()

    def show_summary(self, result: RunResult) -> None:
        while self.summary_grid.count():
            child = self.summary_grid.takeAt(0).widget()
            if child is not None:
                child.deleteLater()
        stopped = STOPPED.get(result.stopped_reason, result.stopped_reason or "finished")
        took = f" in {duration(result.seconds)}" if result.seconds else ""
        facts = [
            ("Judged", f"{result.judged:,}"),
            ("Failed", f"{result.failed:,}"),
            ("Already labeled, skipped", f"{result.skipped_already:,}"),
            ("Calls", f"{result.calls:,}"),
            ("Retries", f"{result.retries:,}"),
            ("Tokens in / out", f"{result.tokens_in:,} / {result.tokens_out:,}"),
            ("Cost", money(result.cost, result.currency)),
            ("Ended", stopped + took),
            ("Judge version", result.version or "–"),
        ]
        if result.swaps or result.swaps_failed:
            failed = f", {result.swaps_failed:,} failed" if result.swaps_failed else ""
            facts.append(("A/B exchanged", f"{result.swaps:,} ({result.flips:,} flipped{failed})"))
        title = QLabel("LAST RUN")
        title.setObjectName("SectionTitle")
        self.summary_grid.addWidget(title, 0, 0, 1, 4)
        half = (len(facts) + 1) // 2
        for index, (name, value) in enumerate(facts):
            row, column = 1 + index % half, 2 * (index // half)
            caption = QLabel(name)
            caption.setObjectName("Muted")
            shown = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.summary_grid.addWidget(caption, row, column)
            self.summary_grid.addWidget(shown, row, column + 1)
        self.summary_grid.setColumnMinimumWidth(1, 160)
        self.summary_grid.setColumnStretch(4, 1)
        self.summary.show()


__all__ = ["SELECTIONS", "RunTab"]
