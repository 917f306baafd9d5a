"""Render the app's screens offscreen to PNGs in docs/ (for the README).

    QT_QPA_PLATFORM=offscreen uv run python scripts/screenshots.py [--out docs]

Builds a fresh demo project in a temporary folder, so the pictures show what a
new user sees. Other screens register themselves in SHOTS below.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--only", help="comma-separated shot names")
    parser.add_argument(
        "--theme",
        choices=["light", "dark"],
        default="light",
        help="dark adds '-dark' to every file name",
    )
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp())
    os.environ["XDG_DATA_HOME"] = str(home / "data")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")

    from annotator.prefs.settings import load_settings, save_settings

    settings = load_settings()
    settings.theme = args.theme
    save_settings(settings)
    suffix = "-dark" if args.theme == "dark" else ""

    from PySide6.QtWidgets import QApplication

    from ui.shell.app import make_app
    from ui.shell.main_window import MainWindow

    app = make_app()
    window = MainWindow()
    window.resize(1440, 900)
    window.show()
    window.activateWindow()
    window.open_demo()
    QApplication.processEvents()
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = set(args.only.split(",")) if args.only else None
    for name, shoot in SHOTS.items():
        if wanted and name not in wanted:
            continue
        widget = shoot(window)
        for _ in range(20):
            QApplication.processEvents()
        target = args.out / f"{name}{suffix}.png"
        widget.grab().save(str(target))
        print(target)
    window.close()
    del app


def _show_kind(window, predicate: Callable) -> object:
    """Open the first item the predicate likes, as its annotator would see it."""
    from annotator.items.items import get_item

    project = window.project
    if window.annotate.session is None:  # an earlier shot left labeling (the lead's view)
        from annotator.demo import DEMO_PERSON

        window.start_labeling(DEMO_PERSON)
    for row in project.rows("SELECT id FROM items ORDER BY seq"):
        item = get_item(project, row[0])
        if predicate(item) and not project.row(
            "SELECT 1 FROM anchors WHERE item_id = ?", (item.id,)
        ):
            window.annotate._show(window.annotate.session.card_for(item.id))
            window.show_screen("annotate")
            return window
    raise LookupError("no such item in the demo")


def shot_start(window):
    window.show_screen("start")
    return window


def shot_annotate(window):
    window.show_screen("annotate")
    view = window.annotate
    card = _show_kind(
        window, lambda i: not i.is_chat and not i.pairwise and "```" in (i.output or "")
    )
    view.form.set_values({"correctness": 4, "safety": "safe", "issues": ["incomplete"]})
    view.form.set_current(3)
    return card


def shot_chat(window):
    return _show_kind(window, lambda i: i.is_chat)


def shot_pairwise(window):
    result = _show_kind(window, lambda i: i.pairwise)
    window.annotate.form.set_values({"safety": "safe", "preference": "A"})
    window.annotate.form.set_current(2)
    return result


def shot_guidelines(window):
    result = _show_kind(window, lambda i: not i.is_chat and not i.pairwise)
    view = window.annotate
    view.form.set_current(0)
    if not view.guidelines.isVisible():
        view.toggle_guidelines()
    return result


def shot_shortcuts(window):
    from ui.shell.shortcut_sheet import ShortcutSheet

    window.annotate.guidelines.hide()
    sheet = ShortcutSheet(window.keymap, window)
    sheet.resize(640, 760)
    sheet.show()
    return sheet


def shot_items(window):
    from ui.widgets.jobs import wait_for_jobs

    as_lead(window)
    window.show_screen("items")
    browser = window.screen("items")
    for _ in range(50):
        wait_for_jobs(2000)
        QApplicationRef.processEvents()
    browser.table.selectRow(2)
    return window


def shot_team(window):
    as_lead(window)
    window.show_screen("team")
    team = window.screen("team")
    team.queues.table.selectRow(0)
    return window


def shot_anchors(window):
    as_lead(window)
    window.show_screen("team")
    team = window.screen("team")
    team.tabs.setCurrentWidget(team.anchors)
    return window


class QApplicationRef:
    @staticmethod
    def processEvents() -> None:  # noqa: N802 - mirrors Qt
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()


SHOTS: dict[str, Callable] = {
    "start-screen": shot_start,
    "annotate": shot_annotate,
    "annotate-chat": shot_chat,
    "annotate-pairwise": shot_pairwise,
    "guidelines": shot_guidelines,
    "shortcut-sheet": shot_shortcuts,
    "items-browser": shot_items,
    "team-queues": shot_team,
    "team-anchors": shot_anchors,
}

from scripts.calibration_shots import SHOTS as CALIBRATION_SHOTS  # noqa: E402
from scripts.calibration_shots import as_lead  # noqa: E402

SHOTS.update(CALIBRATION_SHOTS)

from scripts.source_shots import SHOTS as SOURCE_SHOTS  # noqa: E402

SHOTS.update(SOURCE_SHOTS)

from scripts.judge_shots import SHOTS as JUDGE_SHOTS  # noqa: E402

SHOTS.update(JUDGE_SHOTS)

from scripts.throughput_shots import SHOTS as THROUGHPUT_SHOTS  # noqa: E402

SHOTS.update(THROUGHPUT_SHOTS)

from scripts.suggestion_shots import SHOTS as SUGGESTION_SHOTS  # noqa: E402

SHOTS.update(SUGGESTION_SHOTS)


if __name__ == "__main__":
    main()
