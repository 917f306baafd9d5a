"""Run the app offscreen, submit labels by keyboard, half-fill a form, then wait to be killed.

Usage: python -m tests.support.crash_app PROJECT PERSON N_SUBMITS
Prints `SUBMITTED <item>` per label and `READY <item> <json values>` once the
half-filled form has had time to be saved as a draft.
"""

from __future__ import annotations

import json
import sys
import time

from PySide6.QtCore import Qt

from tests.support.gui import answer_all, answer_by_keyboard, planned_values, press
from ui.shell.app import make_app
from ui.shell.main_window import MainWindow


def pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> None:
    project, person, submits = sys.argv[1], sys.argv[2], int(sys.argv[3])
    app = make_app()
    window = MainWindow()
    window.show()
    window.activateWindow()
    pump(app, 0.3)
    window.open_file(project)
    window.start_labeling(person)
    view = window.annotate
    for n in range(submits):
        card = view.card
        answer_all(view, card.criteria, planned_values(card.criteria, n))
        press(view, Qt.Key.Key_Return)
        print("SUBMITTED", card.item.id, flush=True)
    card = view.card
    first = card.criteria[0]
    answer_by_keyboard(view, first, planned_values(card.criteria, 99)[first.key])
    pump(app, 1.0)  # longer than the draft delay
    print("READY", card.item.id, json.dumps(view.form.values()), flush=True)
    while True:
        pump(app, 1.0)


if __name__ == "__main__":
    main()
