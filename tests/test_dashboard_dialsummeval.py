"""The dashboard on the DialSummEval project (offscreen): per-criterion alpha for the
experts, the crowd, and the crowd against the expert consensus, equal to the
`krippendorff` package on the raw files; the needs-attention list opens an item;
new labels trigger a recompute; a cancelled computation stops."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.labels.labels import submit_label
from annotator.report.overview import Cancelled
from tests.conftest import shared_path
from tests.support import dialsummeval
from tests.support.dialsummeval_raw import (
    CROWD_COLUMNS,
    alpha_from_labels,
    crowd_vs_expert_alpha,
    read_raw,
)
from ui.dashboard.parts import compute_overview
from ui.shell.main_window import MainWindow


@pytest.fixture(scope="module")
def data() -> Path:
    return shared_path("data", "dialsummeval")


@pytest.fixture(scope="module")
def built(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dialsummeval.build_project(data, tmp_path_factory.mktemp("dse-dashboard"))


@pytest.fixture(scope="module")
def raw(data: Path) -> dict:
    return read_raw(data)


@pytest.fixture
def dashboard(qtbot, built, tmp_path):
    copy = tmp_path / "dashboard.annotator"
    copy.write_bytes(built.read_bytes())
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_file(str(copy))
    assert window.show_screen("dashboard")
    screen = window.screen("dashboard")
    # point estimates first, then the intervals: wait for both
    qtbot.waitUntil(lambda: screen.complete and screen.job is None, timeout=180_000)
    yield window, screen
    qtbot.waitUntil(lambda: screen.job is None, timeout=180_000)
    window.close()


def table_rows(screen) -> dict[tuple[str, str], list[str]]:
    table = screen.agreement_table
    rows = {}
    for r in range(table.rowCount()):
        cells = [table.item(r, c).text() for c in range(table.columnCount())]
        rows[(cells[0], cells[1])] = cells
    return rows


def tab_index(screen, title: str) -> int:
    found = [i for i in range(screen.tabs.count()) if screen.tabs.tabText(i) == title]
    assert found, title
    return found[0]


def shown_alpha(cell: str) -> float:
    return float(cell.split()[0])


def test_the_agreement_tab_shows_each_source_and_the_crowd_against_the_experts(dashboard, raw):
    _, screen = dashboard
    rows = table_rows(screen)
    for key in CROWD_COLUMNS:
        experts = rows[(key, "experts (expert)")]
        crowd = rows[(key, "mturk (crowd)")]
        versus = rows[(key, "mturk vs expert consensus")]
        assert shown_alpha(experts[3]) == pytest.approx(
            alpha_from_labels(raw[key]["experts"]), abs=6e-4
        )
        assert shown_alpha(crowd[3]) == pytest.approx(
            alpha_from_labels(raw[key]["crowd"]), abs=6e-4
        )
        assert shown_alpha(versus[3]) == pytest.approx(crowd_vs_expert_alpha(raw, key), abs=6e-4)
        assert "[" in experts[3]  # with its interval
        assert experts[-1] == "4,200" and crowd[-1] == "7,000"
    assert screen.agreement_chart.canvas is not None
    assert "11,200 labels on 1,400 items" in screen.status.text()


def test_the_other_tabs_are_filled(dashboard):
    _, screen = dashboard
    assert screen.matrix_criterion.count() == 4
    screen.tabs.setCurrentIndex(1)
    assert screen.matrix_chart.canvas is not None
    assert screen.distribution_choice.count() >= 4  # every criterion, all labels
    assert screen.drift_subject.count() == 0  # no anchors in this project ...
    assert "No scored anchor answers" in screen.drift_summary.text()  # ... and it says so
    assert screen.attention.rowCount() == 20  # the 20 lowest-agreement items


def test_a_needs_attention_row_opens_the_item(dashboard, qtbot):
    window, screen = dashboard
    screen.tabs.setCurrentIndex(tab_index(screen, "Needs attention"))
    item_id = screen.attention.item(0, 1).text()
    assert screen.attention.item(0, 0).text() == "low agreement"
    screen.open_row(0)
    browser = window.screen("items")
    assert window.current_screen is browser
    assert browser.search.text() == item_id
    qtbot.waitUntil(lambda: bool(browser.model.rows) and browser.model.rows[0].id == item_id)
    qtbot.waitUntil(lambda: browser.count.text().endswith("items"))  # its jobs are done


def test_new_labels_trigger_a_recompute_and_nothing_else_does(dashboard, qtbot):
    window, screen = dashboard
    before = screen.overview.label_stamp
    screen.refresh()  # what the timer does: labels unchanged, so nothing runs
    assert screen.job is None
    submit_label(
        window.project,
        item_id="13611791-A",
        annotator="expert-1",
        values={"coherence": 1, "consistency": 1, "fluency": 1, "relevance": 1},
    )
    screen.refresh()
    assert screen.job is not None
    assert screen.progress.isVisible() and screen.cancel_button.isVisible()
    qtbot.waitUntil(lambda: screen.job is None, timeout=180_000)
    assert screen.overview.label_stamp > before


def test_a_cancelled_computation_stops_with_nothing_written(built):
    class CancelledJob:
        cancelled = True

        def progress(self, done: int, total: int) -> None:
            raise AssertionError("no step should start")

    with pytest.raises(Cancelled, match="Stopped"):
        compute_overview(built, CancelledJob())  # type: ignore[arg-type]
