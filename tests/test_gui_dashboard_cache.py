"""The dashboard computes once per project state (offscreen): point estimates first, then
only the intervals; shown again, or the same file opened again, it computes nothing; a new
label makes it compute again."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.demo import build_demo
from annotator.labels.labels import submit_label
from annotator.report import overview as overview_module
from annotator.report.cache import CACHE
from ui.shell.main_window import MainWindow

WAIT_MS = 180_000


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("dashboard-cache") / "demo.annotator")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """The n_boot of every build_overview and with_intervals call."""
    CACHE.clear()
    seen: dict[str, list[int]] = {"build": [], "intervals": []}
    build, intervals = overview_module.build_overview, overview_module.with_intervals

    def counted_build(*args, **kwargs):
        seen["build"].append(kwargs["n_boot"])
        return build(*args, **kwargs)

    def counted_intervals(*args, **kwargs):
        seen["intervals"].append(kwargs["n_boot"])
        return intervals(*args, **kwargs)

    monkeypatch.setattr(overview_module, "build_overview", counted_build)
    monkeypatch.setattr(overview_module, "with_intervals", counted_intervals)
    yield seen
    CACHE.clear()


def open_dashboard(window: MainWindow, path: Path):
    assert window.open_file(str(path))
    assert window.show_screen("dashboard")
    return window.screen("dashboard")


def settle(qtbot, screen) -> None:
    qtbot.waitUntil(lambda: screen.complete and screen.job is None, timeout=WAIT_MS)


def alpha_cells(screen) -> list[str]:
    table = screen.agreement_table
    return [table.item(r, 3).text() for r in range(table.rowCount())]


def test_the_second_open_computes_nothing_and_a_new_label_computes_again(
    qtbot, built, tmp_path, calls
):
    copy = tmp_path / "demo.annotator"
    copy.write_bytes(built.read_bytes())
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    screen = open_dashboard(window, copy)
    settle(qtbot, screen)
    # point estimates first (no resample), then the intervals alone
    assert calls == {"build": [0], "intervals": [1000]}
    assert any("[" in cell for cell in alpha_cells(screen))  # the intervals are shown
    first = screen.overview

    assert window.show_screen("items")  # away and back: nothing computed
    assert window.show_screen("dashboard")
    assert screen.job is None and screen.overview is first
    screen.refresh()  # the poll: nothing changed
    assert screen.job is None

    screen = open_dashboard(window, copy)  # the same file opened again
    assert screen.job is None and screen.overview is first
    assert alpha_cells(screen) and any("[" in cell for cell in alpha_cells(screen))
    assert calls == {"build": [0], "intervals": [1000]}

    submit_label(
        window.project,
        item_id="code-003",
        annotator="Aisha Bello",
        values={"correctness": 1, "safety": "safe", "verdict": "revise"},
    )
    screen.refresh()
    assert screen.job is not None
    settle(qtbot, screen)
    assert calls == {"build": [0, 0], "intervals": [1000, 1000]}
    assert screen.overview.label_stamp > first.label_stamp
    assert f"{first.stats['labels'] + 1:,} labels" in screen.status.text()
    window.close()


def test_refresh_computes_again_even_when_nothing_changed(qtbot, built, tmp_path, calls):
    copy = tmp_path / "demo.annotator"
    copy.write_bytes(built.read_bytes())
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    screen = open_dashboard(window, copy)
    settle(qtbot, screen)
    first = screen.overview
    screen.refresh_button.click()
    assert screen.job is not None
    settle(qtbot, screen)
    assert calls["build"] == [0, 0] and screen.overview is not first
    window.close()
