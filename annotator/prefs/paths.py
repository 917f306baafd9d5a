"""Where Annotator keeps per-user files (the demo project, settings), per platform.

The core decides this, not Qt, so the CLI and the app agree without a display.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "annotator"


def user_data_dir() -> Path:
    """Per-user data folder: XDG on Linux, Application Support on macOS, AppData on Windows."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
        return base / "Annotator"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Annotator"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_NAME


def user_config_dir() -> Path:
    """Per-user settings folder."""
    if sys.platform in ("win32", "darwin"):
        return user_data_dir()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_NAME


def resources_dir() -> Path:
    """The repository's resources/ folder (demo data, example rubrics, styles)."""
    return Path(__file__).resolve().parents[2] / "resources"
