"""Screenshots of the judges screen (registered in screenshots.py): a judge on the demo,
run against the scripted local server of the tests (no network), with one malformed
answer among the failures."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from scripts.calibration_shots import as_lead

BROKEN = 'Sure! Here is my judgement:\n\n{"resolved": tru, "tone": 4\n\nThe reply is mostly'


def _wait(condition: Callable[[], bool], seconds: float = 120) -> None:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the judges screen did not finish")
        QApplication.processEvents()
        time.sleep(0.02)


def _judged(window: Any) -> Any:
    """The screen after a finished run of a local judge on 24 demo items."""
    from annotator.judges import JudgeConfig, add_judge
    from tests.support.fake_llm import FakeServer

    as_lead(window)
    project = window.project
    items = [r[0] for r in project.rows("SELECT id FROM items ORDER BY seq LIMIT 24")]
    script = {
        "model": "qwen2.5:7b-instruct-q4_K_M",
        "fingerprint": "fp_ollama_3a1",
        "delay_s": 0.01,
        "usage": {"prompt_tokens": 612, "completion_tokens": 48},
        "items": {items[5]: [{"content": BROKEN}] * 3, items[11]: [{"status": 500}] * 8},
    }
    with FakeServer(script) as server:
        add_judge(
            project,
            JudgeConfig(
                name="qwen-judge",
                base_url=server.base_url,
                model="qwen2.5:7b-instruct",
                temperature=0.0,
                seed=7,
                max_tokens=512,
                input_price=0.05,
                output_price=0.2,
            ),
        )
        window.show_screen("judges")
        screen = window.screen("judges")
        tab = screen.run_tab
        screen.tabs.setCurrentWidget(tab)
        tab.limit.setValue(24)
        tab.concurrency.setValue(4)
        _wait(lambda: tab.plan is not None)
        tab.start_button.click()
        _wait(lambda: tab.result is not None)
        _wait(lambda: tab.plan_job is None)
    screen.endpoint.setText("http://localhost:11434/v1")  # the scripted server's port varies
    return screen


def shot_judges(window: Any) -> Any:
    screen = _judged(window)
    screen.tabs.setCurrentWidget(screen.run_tab)
    return window


def shot_judge_failures(window: Any) -> Any:
    screen = window.screen("judges")
    screen.tabs.setCurrentWidget(screen.failures_tab)
    screen.failures_tab.table.selectRow(0)
    return window


SHOTS: dict[str, Callable] = {
    "judges": shot_judges,
    "judges-failures": shot_judge_failures,
}


def _select(combo: Any, data: str) -> None:
    index = combo.findData(data)
    if index < 0:
        index = combo.findText(data)
    combo.setCurrentIndex(index)


def shot_judge_alignment(window: Any) -> Any:
    """The Alignment tab on the demo's imported judge, the criterion with the most to show."""
    window.show_screen("judges")
    screen = window.screen("judges")
    tab = screen.align_tab
    screen.tabs.setCurrentWidget(tab)
    _select(tab.judge, "judge-acme")
    tab.ask(force=True)
    _wait(lambda: tab.job is None and tab.result is not None)
    for row in range(tab.table.rowCount()):
        if tab.table.item(row, 0).text() == "correctness":
            tab.table.selectRow(row)
    screen.endpoint.setText("http://localhost:11434/v1")  # the scripted server's port varies
    return window


SHOTS.update({"judges-alignment": shot_judge_alignment})
