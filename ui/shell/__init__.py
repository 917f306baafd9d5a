"""The window around the screens: start screen, menus, keys, settings, shortcuts.

Names load from their modules on first use (see `annotator.base.lazy`); modules
of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "MainWindow": "main_window",
    "run_app": "app",
    "build_window": "app",
    "StartScreen": "start_screen",
    "SettingsDialog": "settings_dialog",
    "ShortcutSheet": "shortcut_sheet",
    "LAZY_SCREENS": "screens",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)
