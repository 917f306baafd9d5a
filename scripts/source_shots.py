"""Screenshots of the sources screen and the export dialog (registered in screenshots.py)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts.calibration_shots import as_lead


def _wait(condition: Callable[[], bool], seconds: float = 120) -> None:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not finish computing")
        QApplication.processEvents()
        time.sleep(0.02)


def shot_sources(window: Any) -> Any:
    as_lead(window)
    window.show_screen("sources")
    screen = window.screen("sources")
    _wait(lambda: screen.report is not None and screen.job is None)
    screen.tabs.setCurrentIndex(0)
    return window


def shot_export_dialog(window: Any) -> Any:
    from ui.exchange.export_dialog import ExportDialog

    dialog = ExportDialog(window.project, window)
    dialog.format.setCurrentIndex(dialog.format.findData("hf"))
    dialog.folder.setText(str(Path(tempfile.mkdtemp()) / "support-bot-eval"))
    dialog.license.setText("cc-by-4.0")
    dialog.anchors.setCurrentIndex(dialog.anchors.findData("exclude"))
    dialog.show()
    dialog.start()
    _wait(lambda: dialog.job is None)
    dialog.folder.setText("~/exports/support-bot-eval")
    dialog.status.setText(
        dialog.status.text().replace(str(dialog.result.path), "~/exports/support-bot-eval")
    )
    return dialog


SHOTS: dict[str, Callable] = {
    "sources": shot_sources,
    "export-dialog": shot_export_dialog,
}
