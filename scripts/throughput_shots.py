"""Screenshot of the team screen's Throughput tab (registered in screenshots.py), on the
demo as a new user sees it."""

from __future__ import annotations

import time
from typing import Any

from scripts.calibration_shots import as_lead


def shot_throughput(window: Any) -> Any:
    from PySide6.QtWidgets import QApplication

    as_lead(window)
    window.show_screen("team")
    team = window.screen("team")
    team.tabs.setCurrentWidget(team.throughput)
    tab = team.throughput
    tab.refresh()
    deadline = time.monotonic() + 60
    while tab.figures is None or tab.status.text() == "Counting…":
        if time.monotonic() > deadline:
            raise TimeoutError("the throughput tab did not finish")
        QApplication.processEvents()
        time.sleep(0.02)
    return window


SHOTS = {"team-throughput": shot_throughput}
