"""Starting the app: one QApplication, the theme, the main window, and what to open."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from annotator.prefs.settings import load_settings
from ui.shell.main_window import MainWindow
from ui.widgets.theme import apply_theme


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), themed."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(argv or sys.argv[:1])
        app.setApplicationName("Annotator")
        app.setOrganizationName("Annotator")
    apply_theme(app, load_settings().theme)
    return app


def build_window(args: argparse.Namespace | None = None) -> MainWindow:
    """The main window, opened on what the command asked for (demo, a file, or nothing)."""
    window = MainWindow()
    path = getattr(args, "project", None) if args is not None else None
    if args is not None and getattr(args, "command", None) == "demo":
        window.open_demo()
    elif path:
        window.open_file(str(path))
    return window


def run_app(args: argparse.Namespace | None = None) -> int:
    app = make_app()
    window = build_window(args)
    window.show()
    return app.exec()
