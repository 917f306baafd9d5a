"""A judge's settings, read-only, and one test call: does the server answer, which model
does it say it is, how fast, and what would the answer be worth."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.judges import JudgeTestResult, test_judge
from annotator.quality.by_source.source_table import money
from annotator.store.project import open_reader
from ui.judges.parts import (
    JudgesView,
    clear_layout,
    config_of,
    error_text,
    facts_grid,
    or_text,
    restyle,
)
from ui.widgets.jobs import Job, run_job


def _price(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def template_summary(text: str | None) -> str:
    if not text:
        return "built in, from the rubric"
    lines = text.strip().splitlines()
    first = lines[0] if lines else ""
    first = first if len(first) <= 60 else first[:59] + "…"
    return f"custom, {len(lines)} line{'s' if len(lines) != 1 else ''}: “{first}”"


def _test_in_background(path: Path, name: str) -> JudgeTestResult:
    with open_reader(path) as project:
        return test_judge(project, name)


class SettingsTab(QWidget):
    def __init__(self, screen: JudgesView) -> None:
        super().__init__()
        self.screen = screen
        self.job: Job | None = None
        self.result: JudgeTestResult | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(18)
        left = QVBoxLayout()
        title = QLabel("SETTINGS")
        title.setObjectName("SectionTitle")
        left.addWidget(title)
        self.facts = QVBoxLayout()
        left.addLayout(self.facts)
        left.addStretch(1)
        layout.addLayout(left, 1)
        right = QVBoxLayout()
        test_title = QLabel("TEST CALL")
        test_title.setObjectName("SectionTitle")
        right.addWidget(test_title)
        hint = QLabel(
            "One call with the first item's prompt: the model name and fingerprint the server "
            "reports, the time it took, the tokens it cost, and whether the answer fits the "
            "rubric. Nothing is stored as a label."
        )
        hint.setObjectName("Muted")
        hint.setWordWrap(True)
        right.addWidget(hint)
        row = QHBoxLayout()
        self.test_button = QPushButton("Test the judge")
        self.test_button.clicked.connect(self.run_test)
        row.addWidget(self.test_button)
        row.addStretch(1)
        right.addLayout(row)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.hide()
        right.addWidget(self.busy)
        self.verdict = QLabel()
        self.verdict.setObjectName("FeedbackOk")
        self.verdict.setWordWrap(True)
        self.verdict.hide()
        right.addWidget(self.verdict)
        self.outcome = QFrame()
        self.outcome.setObjectName("Card")
        self.outcome_layout = QVBoxLayout(self.outcome)
        self.outcome_layout.setContentsMargins(14, 10, 14, 10)
        self.outcome.hide()
        right.addWidget(self.outcome)
        answer_title = QLabel("ANSWER")
        answer_title.setObjectName("SectionTitle")
        self.answer = QPlainTextEdit()
        self.answer.setReadOnly(True)
        self.answer.setPlaceholderText("The model's raw answer shows here after a test.")
        right.addWidget(answer_title)
        right.addWidget(self.answer, 1)
        layout.addLayout(right, 1)

    def refresh(self) -> None:
        clear_layout(self.facts)
        judge = self.screen.current_judge()
        self.test_button.setEnabled(judge is not None and self.job is None)
        if judge is None:
            return
        c = config_of(judge)
        env = c.api_key_env
        key = "none (a local server)"
        if env:
            key = f"{env} ({'set' if os.environ.get(env) else 'not set in this environment'})"
        prices = "unknown (no cost is counted)"
        if c.input_price == 0 and c.output_price == 0:
            prices = "free (0 per million tokens)"
        elif c.input_price is not None or c.output_price is not None:
            prices = (
                f"{_price(c.input_price)} in, {_price(c.output_price)} out "
                f"{c.currency} per million tokens"
            )
        rows = [
            ("Base URL", c.base_url),
            ("Model", c.model),
            ("API key variable", key),
            ("Temperature", or_text(c.temperature)),
            ("Seed", or_text(c.seed, "none")),
            ("Samples per item", str(c.samples)),
            ("Max tokens", or_text(c.max_tokens)),
            ("Prices", prices),
            ("Timeout", f"{c.timeout_s:g} s"),
            ("Prompt template", template_summary(c.prompt_template)),
        ]
        self.facts.addLayout(facts_grid(rows))

    def clear_test(self) -> None:
        self.result = None
        self.verdict.hide()
        self.outcome.hide()
        self.answer.clear()

    def run_test(self) -> None:
        project, name = self.screen.project, self.screen.judge_name()
        if project is None or name is None or self.job is not None:
            return
        self.clear_test()
        self.busy.show()
        self.test_button.setEnabled(False)
        path = project.path
        self.job = run_job(
            lambda job: _test_in_background(path, name),
            on_done=self.show_result,
            on_error=self.show_error,
            owner=self,
        )

    def _done(self) -> None:
        self.job = None
        self.busy.hide()
        self.test_button.setEnabled(self.screen.judge_name() is not None)

    def show_error(self, error: BaseException) -> None:
        self._done()
        self._verdict(False, f"The test call failed: {error_text(error)}")

    def show_result(self, result: JudgeTestResult) -> None:
        self._done()
        self.result = result
        if result.ok:
            self._verdict(True, f"The judge answered as {result.reported_model or '?'}.")
        else:
            self._verdict(False, f"The judge did not answer usefully: {result.error}")
        clear_layout(self.outcome_layout)
        currency = config_of(self.screen.current_judge()).currency
        rows = [
            ("Reported model", or_text(result.reported_model, "not reported")),
            ("Fingerprint", or_text(result.system_fingerprint, "not reported")),
            ("Host", or_text(result.host, "–")),
            ("Latency", "–" if result.latency_s is None else f"{result.latency_s:.2f} s"),
            ("Tokens in / out", f"{result.tokens_in or 0:,} / {result.tokens_out or 0:,}"),
            ("Cost of the call", money(result.cost, currency)),
            ("Answer", or_text(result.answer_check, "not checked")),
        ]
        self.outcome_layout.addLayout(facts_grid(rows))
        self.outcome.show()
        self.answer.setPlainText(result.answer_text or "")

    def _verdict(self, ok: bool, text: str) -> None:
        restyle(self.verdict, "FeedbackOk" if ok else "FeedbackWarn")
        self.verdict.setText(text)
        self.verdict.show()


__all__ = ["SettingsTab"]
