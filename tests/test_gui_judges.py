"""The judges screen (Ctrl+8), driven through its real widgets against a scripted
OpenAI-compatible server on 127.0.0.1 (`tests.support.fake_llm`; no network): add a judge
through the dialog, test it, run it on a selection with progress and a summary, cancel a
slow run, read a malformed answer's raw text among the failures, and see its version.
pytest-qt, offscreen."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel

from annotator.judges import JudgeConfig, add_judge, get_judge, judge_failures
from annotator.workbench.roles import LEAD_VIEWS, labeler_may_open
from tests.support.fake_llm import FakeServer
from tests.support.gui import CTRL, demo_window, press
from tests.support.queue_project import make_project
from tests.test_gui_lead_role import asking
from ui.judges.add_dialog import QUICK_FILLS, AddJudgeDialog
from ui.shell.main_window import MainWindow
from ui.widgets.jobs import wait_for_jobs

REPORTED = "fake-judge-7b-q4"  # what the server says it is, unlike the configured name
BROKEN = 'Sure! {"correct": tru  <- the model rambled and broke its JSON'


@pytest.fixture
def server():
    with FakeServer({"model": REPORTED, "fingerprint": "fp_gui_1"}) as running:
        yield running


@pytest.fixture
def window(qtbot, tmp_path):
    project = make_project(tmp_path, n_items=8)
    path = project.path
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.open_file(str(path))
    yield window
    wait_for_jobs()
    window.close()


def judges(window, qtbot):
    """The judges screen, opened with its key."""
    press(window, Qt.Key.Key_8, CTRL)
    qtbot.waitUntil(lambda: "judges" in window.screens)
    screen = window.screen("judges")
    assert window.current_screen is screen
    return screen


def with_judge(window, qtbot, server, name="qa-judge", **config):
    add_judge(
        window.project,
        JudgeConfig(
            name=name,
            base_url=server.base_url,
            model="local-model",
            input_price=2.0,
            output_price=10.0,
            **config,
        ),
    )
    screen = judges(window, qtbot)
    screen.refresh()
    assert screen.judge_name() == name
    return screen


def texts(widget) -> str:
    return " ".join(label.text() for label in widget.findChildren(QLabel) if label.isVisible())


def test_judges_are_the_leads_screen():
    assert "judges" in LEAD_VIEWS and not labeler_may_open("judges")


def test_ctrl8_opens_the_screen_and_the_dialog_adds_a_judge(window, qtbot, server):
    screen = judges(window, qtbot)
    assert screen.list.count() == 0 and screen.right.currentIndex() == 0  # "no judge yet"
    seen: dict[str, str] = {}

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, AddJudgeDialog)
        dialog.ok_button.click()  # nothing filled: the dialog says what is missing, stays
        seen["missing"] = dialog.error.text()
        dialog.quick_fills[0].click()
        seen["ollama"] = dialog.base_url.text()
        dialog.name.setText("qa-judge")
        dialog.base_url.setText(server.base_url)
        dialog.model.setText("local-model")
        dialog.api_key_env.setText("FAKE_JUDGE_KEY")
        dialog.temperature.setText("0")
        dialog.seed.setText("7")
        dialog.samples.setValue(3)
        dialog.input_price.setText("2.5")
        dialog.output_price.setText("10")
        dialog.currency.setCurrentText("eur")
        dialog.ok_button.click()

    QTimer.singleShot(0, fill)
    screen.add_button.click()
    assert "a model" in seen["missing"] and "a name" in seen["missing"]
    assert seen["ollama"] == QUICK_FILLS[0][1] == "http://localhost:11434/v1"
    judge = get_judge(window.project, "qa-judge")
    c = judge.config
    assert (c.base_url, c.model) == (server.base_url, "local-model")
    assert c.api_key_env == "FAKE_JUDGE_KEY"
    assert (c.temperature, c.seed, c.samples) == (0.0, 7, 3)
    assert (c.input_price, c.output_price, c.currency) == (2.5, 10.0, "EUR")
    assert screen.list.count() == 1 and screen.judge_name() == "qa-judge"
    assert screen.right.currentIndex() == 1
    qtbot.waitUntil(lambda: server.base_url in texts(screen.settings_tab))
    shown = texts(screen.settings_tab)
    assert "FAKE_JUDGE_KEY (not set in this environment)" in shown
    assert "2.5 in, 10 out EUR per million tokens" in shown


def test_testing_the_judge_shows_the_model_the_server_reports(window, qtbot, server):
    screen = with_judge(window, qtbot, server)
    tab = screen.settings_tab
    tab.test_button.click()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=20_000)
    assert tab.result.ok, tab.result.error
    assert REPORTED in tab.verdict.text() and tab.verdict.objectName() == "FeedbackOk"
    qtbot.waitUntil(lambda: REPORTED in texts(tab.outcome))
    shown = texts(tab.outcome)
    assert REPORTED in shown and "fp_gui_1" in shown and "127.0.0.1" in shown
    assert json.loads(tab.answer.toPlainText())  # the model's raw answer, shown as given


def test_a_test_call_that_cannot_connect_shows_a_message_not_a_traceback(window, qtbot, server):
    port = server.httpd.server_address[1]
    server.__exit__()  # nothing listens on the port any more
    screen = with_judge(window, qtbot, server)
    assert str(port) in screen.endpoint.text()
    tab = screen.settings_tab
    tab.test_button.click()
    qtbot.waitUntil(lambda: tab.job is None and tab.verdict.isVisible(), timeout=30_000)
    text = tab.verdict.text()
    assert tab.verdict.objectName() == "FeedbackWarn"
    assert "Traceback" not in text and 'File "' not in text
    assert tab.result is None or not tab.result.ok


def test_a_run_on_a_selection_shows_progress_then_its_summary(window, qtbot, server):
    server.set_script({"model": REPORTED, "fingerprint": "fp_gui_1", "delay_s": 0.15})
    screen = with_judge(window, qtbot, server)
    screen.tabs.setCurrentWidget(screen.run_tab)
    tab = screen.run_tab
    tab.limit.setValue(5)
    qtbot.waitUntil(lambda: tab.plan is not None and "5 items" in tab.estimate.text())
    assert tab.plan.calls == 5 and "$" in tab.estimate.text()  # the plan, before any cost
    tab.concurrency.setValue(1)
    tab.start_button.click()
    assert tab.running and not tab.start_button.isEnabled() and tab.cancel_button.isEnabled()
    assert not screen.list.isEnabled()  # the progress belongs to the judge shown
    qtbot.waitUntil(lambda: tab.last_progress is not None, timeout=20_000)
    assert tab.progress.isVisible()
    qtbot.waitUntil(lambda: "/ 5" in tab.status.text() and "spent" in tab.status.text())
    qtbot.waitUntil(lambda: tab.result is not None, timeout=30_000)
    result = tab.result
    assert (result.judged, result.failed) == (5, 0)
    assert not tab.progress.isVisible() and tab.start_button.isEnabled()
    qtbot.waitUntil(lambda: "Judged" in texts(tab.summary))
    summary = texts(tab.summary)
    for caption in ("Judged", "Retries", "Tokens in / out", "Cost", "Judge version"):
        assert caption in summary
    assert f"{result.tokens_in:,} / {result.tokens_out:,}" in summary
    assert "5 judged" in tab.verdict.text() and screen.list.isEnabled()
    assert screen.tabs.tabText(3) == "Versions (1)"
    versions = screen.versions_tab.table
    assert versions.rowCount() == 1
    row = [versions.item(0, c).text() for c in range(versions.columnCount())]
    assert row[:4] == ["v1", "5", REPORTED, "fp_gui_1"]  # 5: the labels this version gave
    assert server.script.total == 5


def test_cancel_stops_a_slow_run(window, qtbot, server):
    server.set_script({"model": REPORTED, "delay_s": 0.4})
    screen = with_judge(window, qtbot, server)
    tab = screen.run_tab
    tab.concurrency.setValue(1)
    tab.start_button.click()
    qtbot.waitUntil(
        lambda: tab.last_progress is not None and tab.last_progress.done >= 1, timeout=20_000
    )
    tab.cancel_button.click()
    assert not tab.cancel_button.isEnabled() and "Stopping" in tab.cancel_button.text()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=20_000)
    assert 1 <= tab.result.judged < 8
    assert "cancel" in (tab.result.stopped_reason or "")
    assert "cancel" in tab.verdict.text()
    assert server.script.total < 8


def test_the_failures_tab_shows_a_malformed_answers_raw_text(window, qtbot, server):
    bad = [{"content": BROKEN}] * 6  # every attempt at it-0002 answers the same
    server.set_script({"model": REPORTED, "items": {"it-0002": bad}})
    screen = with_judge(window, qtbot, server)
    tab = screen.run_tab
    tab.limit.setValue(4)
    tab.start_button.click()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=30_000)
    assert (tab.result.judged, tab.result.failed) == (3, 1)
    assert tab.verdict.objectName() == "FeedbackWarn"
    assert screen.tabs.tabText(2) == "Failures (1)"
    screen.tabs.setCurrentWidget(screen.failures_tab)
    failures = screen.failures_tab
    assert failures.table.rowCount() == 1
    assert failures.table.item(0, 0).text() == "it-0002"
    assert failures.table.item(0, 4).text() == "v1"
    failures.table.selectRow(0)
    assert failures.raw.toPlainText() == BROKEN
    assert failures.raw.isReadOnly()
    core = judge_failures(window.project, "qa-judge")
    assert [f.raw_text for f in core] == [BROKEN]
    assert failures.table.item(0, 3).text() == str(core[0].attempts)


def test_while_someone_labels_ctrl8_asks_to_switch_to_the_lead_first(qtbot):
    window = demo_window(qtbot)
    assert window.annotate.session is not None  # the demo opens labeling as its person
    press(window.annotate, Qt.Key.Key_8, CTRL)
    dialog = asking(qtbot)
    assert "judges" not in window.screens and "raw answers" in dialog.detail.text()
    dialog.reject()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    window.switch_to_lead()
    press(window, Qt.Key.Key_8, CTRL)
    qtbot.waitUntil(lambda: window.current_screen is window.screens.get("judges"))
    window.close()
