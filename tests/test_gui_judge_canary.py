"""The judges screen's Canaries tab, driven through its real widgets against a scripted
OpenAI-compatible server on 127.0.0.1 (`tests.support.fake_llm`; no network): the canary
set filled from the anchors, a canary run with its per-run accuracy (checked against the
scripted answers and `judge_drift`), a silent drop's alert, and the chart's version break
after the server changed its fingerprint. pytest-qt, offscreen.

Projects and scripts are those of `tests.test_judge_canary`: every answer is scripted
right or wrong from a seeded generator, so each run's accuracy is known in advance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from statsmodels.stats.proportion import proportion_confint

from annotator.judges.canary import add_canaries, list_canaries
from annotator.judges.canary_run import run_canaries
from annotator.quality.drift_settings import DriftSettings
from annotator.quality.judge_drift import judge_drift
from annotator.store.project import open_project
from tests.support.fake_llm import FakeServer
from tests.support.gui import CTRL, press
from tests.test_judge_canary import FAST, N_ITEMS, _expected, _project, _script
from ui.judges.canary_drift import ACCURACY_COLUMN
from ui.judges.canary_set import EMPTY_SET, expected_text
from ui.shell.main_window import MainWindow
from ui.widgets.jobs import wait_for_jobs


@pytest.fixture
def server():
    with FakeServer() as running:
        yield running


def open_tab(qtbot, path: Path):
    """The window on the project, the judges screen on judge "j", its Canaries tab shown."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1400, 1000)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.open_file(str(path))
    press(window, Qt.Key.Key_8, CTRL)
    qtbot.waitUntil(lambda: "judges" in window.screens)
    screen = window.screen("judges")
    screen.refresh()
    assert screen.judge_name() == "j"
    screen.tabs.setCurrentWidget(screen.canary_tab)
    qtbot.wait(100)  # opening the project may take the activation away for a moment
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window, screen, screen.canary_tab


def close(window) -> None:
    wait_for_jobs()
    window.close()


def run_in_tab(qtbot, tab, accept: bool = False) -> None:
    (tab.accept_button if accept else tab.run_button).click()
    assert tab.running and not tab.run_button.isEnabled() and tab.cancel_button.isVisible()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=30_000)
    qtbot.waitUntil(lambda: tab.drift.job is None, timeout=10_000)


def table_runs(tab) -> list[tuple[str, int, int, float]]:
    """(version, n, correct, accuracy) per row of the per-run table, oldest first."""
    runs = tab.drift.runs
    rows = [
        (
            runs.item(r, 1).text(),
            int(runs.item(r, 2).text().replace(",", "")),
            int(runs.item(r, 3).text().replace(",", "")),
            runs.item(r, ACCURACY_COLUMN).data(Qt.ItemDataRole.UserRole),
            runs.item(r, ACCURACY_COLUMN).text(),
        )
        for r in range(runs.rowCount())
    ]
    return rows[::-1]  # the table shows the newest run first


def test_add_anchors_fills_the_table_with_the_canary_set(qtbot, tmp_path, server) -> None:
    path = _project(tmp_path, server.base_url, n=12)
    window, screen, tab = open_tab(qtbot, path)
    assert tab.set.empty.isVisible() and tab.set.empty.text() == EMPTY_SET
    assert not tab.set.table.isVisible() and not tab.run_button.isEnabled()
    assert tab.drift.empty.isVisible()  # no run yet: says what to do
    tab.set.at_most.setValue(5)
    tab.set.add_anchors.click()
    qtbot.waitUntil(lambda: tab.set.add_job is None and tab.set.table.rowCount() == 5)
    listed = list_canaries(window.project, "j")
    table = tab.set.table
    assert [table.item(r, 0).text() for r in range(5)] == [c.item_id for c in listed]
    assert [c.item_id for c in listed] == [f"c{i:02d}" for i in range(5)]  # import order
    for r, canary in enumerate(listed):
        assert table.item(r, 1).text() == "anchor" == canary.origin
        assert canary.expected == _expected(r)  # the anchors' reference answers, frozen
        assert table.item(r, 3).text() == expected_text(canary)
        assert f"score = {_expected(r)['score']}" in table.item(r, 3).text()
        assert table.item(r, 4).text() == "3"
    assert "5 canaries added" in tab.set.status.text()
    assert screen.tabs.tabText(screen.tabs.indexOf(tab)) == "Canaries (5)"
    assert tab.run_button.isEnabled() and not tab.set.empty.isVisible()
    # the rest of the anchors, then none left to add: said, not an error
    tab.set.at_most.setValue(0)
    tab.set.add_anchors.click()
    qtbot.waitUntil(lambda: tab.set.add_job is None and table.rowCount() == 12)
    tab.set.add_anchors.click()
    qtbot.waitUntil(lambda: tab.set.add_job is None)
    assert "No anchor was added" in tab.set.status.text() and table.rowCount() == 12
    # remove two selected rows: the core's set loses exactly them
    table.selectRow(1)
    QTest.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert tab.set.selected_items() == ["c01", "c02"]
    tab.set.remove_button.click()
    assert [c.item_id for c in list_canaries(window.project, "j")] == [
        f"c{i:02d}" for i in range(12) if i not in (1, 2)
    ]
    assert table.rowCount() == 10 and "2 canaries removed" in tab.set.status.text()
    close(window)


def test_a_core_error_goes_to_the_windows_message_not_a_traceback(
    qtbot, tmp_path, server, monkeypatch
) -> None:
    path = _project(tmp_path, server.base_url, n=4)
    window, _screen, tab = open_tab(qtbot, path)
    shown: list[str] = []
    monkeypatch.setattr(window, "show_error", shown.append)
    with open_project(path) as project:  # the judge disappears behind the screen's back
        project.conn.execute("DELETE FROM judges")
    tab.set.add_anchors.click()
    qtbot.waitUntil(lambda: tab.set.add_job is None)
    assert len(shown) == 1 and "j" in shown[0]
    assert "Traceback" not in shown[0] and 'File "' not in shown[0]
    close(window)


def test_run_canaries_records_a_run_and_shows_its_accuracy_as_judge_drift(
    qtbot, tmp_path, server
) -> None:
    path = _project(tmp_path, server.base_url)
    with open_project(path) as project:
        add_canaries(project, "j", "anchors")
    script, truth = _script(np.random.default_rng(11), 0.7)
    server.set_script(script)
    window, screen, tab = open_tab(qtbot, path)
    qtbot.waitUntil(lambda: tab.drift.job is None)
    assert tab.set.table.rowCount() == N_ITEMS and tab.drift.empty.isVisible()
    tab.concurrency.setValue(2)
    run_in_tab(qtbot, tab)
    result = tab.result
    assert result.stopped_reason is None and (result.judged, result.failed) == (N_ITEMS, 0)
    assert result.correct == sum(sum(t.values()) for t in truth.values())  # the script's truth
    assert f"{result.correct:,} / {result.answers:,}" in tab.verdict.text()
    assert tab.verdict.objectName() == "FeedbackOk" and screen.list.isEnabled()
    with open_project(path) as project:
        assert project.scalar("SELECT count(DISTINCT run_id) FROM judge_canary_answers") == 1
        judges, _ = judge_drift(project, DriftSettings())
    assert sorted(judges["j"]) == [tab.drift.criterion.itemText(i) for i in range(3)]
    for criterion in ("quality", "safety", "score"):
        tab.drift.criterion.setCurrentText(criterion)
        [row] = table_runs(tab)
        [run] = judges["j"][criterion].to_dict()["runs"]
        k = sum(t[criterion] for t in truth.values())
        assert row[:4] == ("v1", N_ITEMS, k, pytest.approx(k / N_ITEMS))
        assert row[:4] == (run["version"], run["n"], run["correct"], pytest.approx(run["accuracy"]))
        low, high = proportion_confint(k, N_ITEMS, alpha=0.05, method="wilson")
        assert row[4] == f"{k / N_ITEMS:.0%}  [{low * 100:.0f}–{high * 100:.0f}]"
    assert tab.drift.figure() is not None  # a chart for the selected criterion
    close(window)


def test_a_silent_drop_shows_its_alert_in_the_tab(qtbot, tmp_path, server) -> None:
    """The drop of tests/test_judge_canary.py (a): four runs right 90% of the time, then
    one at 60% under the same model and fingerprint; the fifth run is the tab's."""
    rng = np.random.default_rng(7)
    path = _project(tmp_path, server.base_url)
    with open_project(path) as project:
        add_canaries(project, "j", "anchors")
    for _ in range(4):
        server.set_script(_script(rng, 0.9)[0])
        assert run_canaries(path, "j", policy=FAST).stopped_reason is None
    window, _screen, tab = open_tab(qtbot, path)
    qtbot.waitUntil(lambda: tab.drift.job is None and tab.drift.drift is not None)
    assert tab.drift.alert_texts() == []  # four stable runs: quiet
    server.set_script(_script(rng, 0.6)[0])
    run_in_tab(qtbot, tab)
    with open_project(path) as project:
        _, alerts = judge_drift(project, DriftSettings())
    expected = [a for a in alerts if a.kind == "judge_canary" and a.subject == "j"]
    assert expected, "the core raised no alert: the scripted drop is not the one of the test"
    shown = tab.drift.alert_texts()
    assert len(shown) == len(expected)
    for alert in expected:
        assert any(alert.what in text and alert.since[:10] in text for text in shown)
        assert alert.evidence["run_id"] == tab.result.run_id
    assert tab.drift.alerts.isVisible()
    # the run that alarmed is the newest row, in the danger colour; five runs in all
    criterion = expected[0].criterion
    tab.drift.criterion.setCurrentText(criterion)
    assert len(table_runs(tab)) == 5
    assert tab.drift.runs.item(0, ACCURACY_COLUMN).toolTip() == "The chart alarmed in this run"
    close(window)


def test_a_new_fingerprint_stops_the_run_then_the_chart_marks_the_new_version(
    qtbot, tmp_path, server
) -> None:
    rng = np.random.default_rng(1)
    path = _project(tmp_path, server.base_url, n=10)
    with open_project(path) as project:
        add_canaries(project, "j", "anchors")
    server.set_script(_script(rng, 0.9)[0])
    assert run_canaries(path, "j", policy=FAST).version == "v1"
    window, _screen, tab = open_tab(qtbot, path)
    qtbot.waitUntil(lambda: tab.drift.job is None and tab.drift.figure() is not None)
    labels = [t for t in tab.drift.figure().findobj() if getattr(t, "get_gid", None)]
    assert not [t for t in labels if t.get_gid() == "version-label"]  # one version: no break
    server.set_script({**_script(rng, 0.9)[0], "fingerprint": "fp_test_2"})
    tab.concurrency.setValue(1)
    run_in_tab(qtbot, tab)
    assert tab.result.stopped_reason == "version_changed"
    assert tab.stop_box.isVisible() and "fp_test_2" in tab.stop_text.text()
    assert "--accept-new-version" not in tab.stop_text.text()  # a button here, not a flag
    assert QApplication.focusWidget() is tab.accept_button
    QTest.keyClick(tab.accept_button, Qt.Key.Key_Return)  # Enter accepts
    assert tab.running
    qtbot.waitUntil(lambda: tab.result is not None, timeout=30_000)
    qtbot.waitUntil(lambda: tab.drift.job is None, timeout=10_000)
    assert tab.result.stopped_reason is None and tab.result.version == "v2"
    assert not tab.stop_box.isVisible()
    assert [r[0] for r in table_runs(tab)] == ["v1", "v2"]
    shown = tab.drift.alert_texts()
    assert any("New judge version" in t and "fp_test_2" in t for t in shown)
    figure = tab.drift.figure()
    texts = [t.get_text() for t in figure.findobj() if getattr(t, "get_gid", lambda: None)()
             == "version-label"]  # fmt: skip
    assert "v2" in texts and "v1" in texts
    close(window)


def test_the_tab_works_from_the_keyboard_and_cancel_stops_a_slow_run(
    qtbot, tmp_path, server
) -> None:
    path = _project(tmp_path, server.base_url, n=10)
    window, _screen, tab = open_tab(qtbot, path)
    tab.set.at_most.setFocus()
    assert QApplication.focusWidget() is tab.set.at_most
    press(window, Qt.Key.Key_Tab)  # Tab order: "At most", then "Add anchors"
    assert QApplication.focusWidget() is tab.set.add_anchors
    press(window, Qt.Key.Key_Return)  # Enter presses it
    qtbot.waitUntil(lambda: tab.set.add_job is None and tab.set.table.rowCount() == 10)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tab.set.add_anchors)  # still there
    assert not tab.set.remove_button.isEnabled()  # nothing selected: Tab skips it
    for expected in (tab.set.add_expert, tab.set.table, tab.concurrency, tab.run_button):
        press(window, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected
    server.set_script({"delay_s": 0.3})  # unscripted answers, slowly
    tab.concurrency.setValue(1)
    press(window, Qt.Key.Key_Return)  # Enter runs the canaries
    assert tab.running and QApplication.focusWidget() is tab.cancel_button
    qtbot.waitUntil(
        lambda: tab.last_progress is not None and tab.last_progress.done >= 1, timeout=20_000
    )
    press(window, Qt.Key.Key_Return)  # Enter on Cancel
    assert not tab.cancel_button.isEnabled() and "Stopping" in tab.cancel_button.text()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=20_000)
    assert tab.result.stopped_reason == "cancelled" and 1 <= tab.result.judged < 10
    assert "cancelled" in tab.verdict.text() and server.script.total < 10
    close(window)
