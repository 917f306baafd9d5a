"""The `annotator` command's entry point: headless commands go to the core CLI, the
app starts only when asked for and only when there is a screen to show it on.

PySide6 is imported only after the display check, so `annotator --help` and every
headless command run without loading Qt at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from annotator.cli import main as cli_main

NO_DISPLAY_MESSAGE = (
    "annotator: no display found, so the app cannot open a window.\n"
    "  - On a desktop, run it from a graphical session (DISPLAY or WAYLAND_DISPLAY is set).\n"
    "  - To run it without a screen (tests, CI, screenshots), set QT_QPA_PLATFORM=offscreen:\n"
    "      QT_QPA_PLATFORM=offscreen annotator demo\n"
    "  - Headless commands work anywhere: see 'annotator --help'."
)


def display_available() -> bool:
    """Whether Qt can open a window here (always on macOS and Windows)."""
    if sys.platform in ("darwin", "win32"):
        return True
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch_gui(args: argparse.Namespace) -> int:
    if not display_available():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 3
    # lazy: Qt loads only once a display is known to be there
    from ui.shell.app import run_app

    return run_app(args)


def main(argv: Sequence[str] | None = None) -> int:
    return cli_main(argv, gui=launch_gui)


if __name__ == "__main__":
    sys.exit(main())
