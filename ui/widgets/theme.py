"""Light and dark looks that follow the system, from one stylesheet template.

Colours are named once here; `resources/styles/app.qss` uses `{name}` placeholders
so both themes share every rule. Fusion is the base style: it looks the same on
every platform and respects the palette.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from annotator.prefs.paths import resources_dir

LIGHT = {
    "window": "#f4f5f7",
    "surface": "#ffffff",
    "surface_alt": "#f9fafb",
    "text": "#1d2127",
    "muted": "#5f6b7a",
    "border": "#d8dce2",
    "accent": "#2f6bd8",
    "accent_text": "#ffffff",
    "accent_soft": "#e7efff",
    "warn": "#b54708",
    "warn_soft": "#fff4e5",
    "ok": "#1a7f37",
    "ok_soft": "#e9f7ee",
    "danger": "#c0362c",
    "code_bg": "#f2f4f7",
}
DARK = {
    "window": "#1c1e22",
    "surface": "#24272c",
    "surface_alt": "#2a2e34",
    "text": "#e7e9ec",
    "muted": "#9aa4b1",
    "border": "#3a3f47",
    "accent": "#6b9bff",
    "accent_text": "#0d1117",
    "accent_soft": "#27344f",
    "warn": "#f0a35e",
    "warn_soft": "#3a2c1c",
    "ok": "#5cc97b",
    "ok_soft": "#1f3326",
    "danger": "#ff7b72",
    "code_bg": "#2d3138",
}


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return bool(scheme and scheme() == Qt.ColorScheme.Dark)


def colors_for(theme: str) -> dict[str, str]:
    dark = theme == "dark" or (theme == "system" and system_prefers_dark())
    return DARK if dark else LIGHT


def apply_theme(
    app: QApplication, theme: str = "system", base_point_size: float = 10.5
) -> dict[str, str]:
    """Style the whole app; returns the colour table the screens may use."""
    colors = colors_for(theme)
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSizeF(base_point_size)
    app.setFont(font)
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: colors["window"],
        QPalette.ColorRole.WindowText: colors["text"],
        QPalette.ColorRole.Base: colors["surface"],
        QPalette.ColorRole.AlternateBase: colors["surface_alt"],
        QPalette.ColorRole.Text: colors["text"],
        QPalette.ColorRole.Button: colors["surface"],
        QPalette.ColorRole.ButtonText: colors["text"],
        QPalette.ColorRole.Highlight: colors["accent"],
        QPalette.ColorRole.HighlightedText: colors["accent_text"],
        QPalette.ColorRole.ToolTipBase: colors["surface"],
        QPalette.ColorRole.ToolTipText: colors["text"],
        QPalette.ColorRole.PlaceholderText: colors["muted"],
        QPalette.ColorRole.Link: colors["accent"],
    }
    for role, value in roles.items():
        palette.setColor(role, QColor(value))
    app.setPalette(palette)
    template = (resources_dir() / "styles" / "app.qss").read_text(encoding="utf-8")
    app.setStyleSheet(template.format(**colors))
    app.setProperty("annotator_colors", colors)
    return colors


def current_colors() -> dict[str, str]:
    app = QApplication.instance()
    colors = app.property("annotator_colors") if app else None
    return dict(colors) if colors else dict(LIGHT)
