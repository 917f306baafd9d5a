"""Settings: change any shortcut (checked for conflicts by the core), theme, idle time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.prefs.keymap import DEFAULT_ACTIONS, KeymapError, build_keymap
from ui.widgets.theme import apply_theme

if TYPE_CHECKING:
    from ui.widgets.host import Host


def split_keys(text: str) -> list[str]:
    """ "Ctrl+S, Alt+S" -> keys; split on comma-space so "Ctrl+," stays one key."""
    return [part.strip() for part in text.split(", ") if part.strip()]


def restyle(window: QWidget) -> None:
    """Apply the window's chosen theme now: the palette and style sheet at once, and every
    screen that draws its own colours (charts, shaded code) redraws."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    apply_theme(app, window.settings.theme, app.font().pointSizeF())  # type: ignore[attr-defined]
    for screen in getattr(window, "screens", {}).values():
        redraw = getattr(screen, "on_theme_changed", None)
        if redraw is not None:
            redraw()


class SettingsDialog(QDialog):
    """Edit keys as text ("Ctrl+S, Alt+S"); OK applies them through the core's keymap."""

    def __init__(self, window: Host) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Settings")
        self.resize(640, 640)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.theme = QComboBox()
        self.theme.addItems(["system", "light", "dark"])
        self.theme.setCurrentText(window.settings.theme)
        self.idle = QSpinBox()
        self.idle.setRange(10, 900)
        self.idle.setSuffix(" s")
        self.idle.setValue(window.settings.idle_seconds)
        form.addRow("Theme", self.theme)
        form.addRow("Pause the item timer after no input for", self.idle)
        layout.addLayout(form)
        layout.addWidget(
            QLabel("Shortcuts: several keys separated by a comma and a space, e.g. Ctrl+S, Alt+S")
        )
        self.table = QTableWidget(len(DEFAULT_ACTIONS), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        for row, action in enumerate(DEFAULT_ACTIONS):
            current = window.keymap[action.name]
            name = QTableWidgetItem(action.description)
            name.setData(256, action.name)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, QTableWidgetItem(", ".join(current.keys)))
        layout.addWidget(self.table, 1)
        self.error = QLabel()
        self.error.setObjectName("Required")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def overrides(self) -> dict[str, list[str]]:
        """Only the actions whose keys differ from the defaults."""
        out = {}
        defaults = {a.name: list(a.keys) for a in DEFAULT_ACTIONS}
        for row in range(self.table.rowCount()):
            name = self.table.item(row, 0).data(256)
            keys = split_keys(self.table.item(row, 1).text())
            if keys != defaults[name]:
                out[name] = keys
        return out

    def set_keys(self, action: str, keys: list[str]) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(256) == action:
                self.table.item(row, 1).setText(", ".join(keys))

    def apply(self) -> None:
        overrides = self.overrides()
        try:
            build_keymap(overrides)
        except KeymapError as error:
            self.error.setText(str(error))
            return
        if self.theme.currentText() != self.window_.settings.theme:
            self.window_.settings.theme = self.theme.currentText()
            restyle(self.window_)
        self.window_.settings.idle_seconds = self.idle.value()
        self.window_.annotate.clock.idle_after = self.idle.value()
        self.window_.set_keymap(overrides)
        self.accept()
