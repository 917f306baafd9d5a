"""The judges screen's Run tab with "Also ask with A and B exchanged": ticking it counts the
swapped calls in the estimate, and the run asks each pairwise item again with A and B
exchanged (against a scripted server on 127.0.0.1; no network). pytest-qt, offscreen."""

from __future__ import annotations

import pytest

from tests.support.fake_llm import FakeServer
from tests.support.queue_project import make_project
from tests.test_gui_judges import texts, with_judge
from ui.shell.main_window import MainWindow
from ui.widgets.jobs import wait_for_jobs

PAIRWISE = 4


@pytest.fixture
def server():
    with FakeServer({"model": "fake-judge-swap"}) as running:
        yield running


@pytest.fixture
def window(qtbot, tmp_path):
    project = make_project(tmp_path, n_items=6, pairwise=PAIRWISE)
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


def test_ticking_the_box_runs_the_swaps(window, qtbot, server):
    screen = with_judge(window, qtbot, server)
    screen.tabs.setCurrentWidget(screen.run_tab)
    tab = screen.run_tab
    qtbot.waitUntil(lambda: tab.plan is not None and tab.plan.calls == 6)
    assert tab.plan.swaps == 0 and not tab.swap.isChecked()
    tab.swap.click()
    qtbot.waitUntil(lambda: tab.plan is not None and tab.plan.swaps == PAIRWISE)
    assert tab.plan.calls == 6 + PAIRWISE
    assert f"{PAIRWISE} of the calls with A and B exchanged" in tab.estimate.text()
    tab.start_button.click()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=30_000)
    result = tab.result
    assert (result.judged, result.failed) == (6, 0)
    # the fake server prefers whichever answer is shown first: every swap flips
    assert (result.swaps, result.flips, result.swaps_failed) == (PAIRWISE, PAIRWISE, 0)
    swapped = {k for k in server.script.calls if k.endswith("#swapped")}
    assert swapped == {f"it-{i:04d}#swapped" for i in range(PAIRWISE)}
    qtbot.waitUntil(lambda: "A/B exchanged" in texts(tab.summary))
    assert f"{PAIRWISE} ({PAIRWISE} flipped)" in texts(tab.summary)
    rows = window.project.rows("SELECT item_id, values_json FROM judge_swaps ORDER BY item_id")
    assert [r[0] for r in rows] == [f"it-{i:04d}" for i in range(PAIRWISE)]
    assert all('"preference": "B"' in r[1] for r in rows)
    labels = window.project.scalar(
        "SELECT count(*) FROM labels l JOIN sources s ON s.id = l.source_id "
        "WHERE s.name = 'qa-judge'"
    )
    assert labels == 6  # the swapped answers are not labels
