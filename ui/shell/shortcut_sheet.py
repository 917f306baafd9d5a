"""The shortcut sheet (`?`): every action and its keys, grouped, from the keymap table."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QTextBrowser, QVBoxLayout, QWidget

from annotator.prefs.keymap import Action, keymap_rows

HIDDEN_ALIASES = {"Backtab", "Enter"}  # the same key as another one listed


def sheet_html(actions: dict[str, Action]) -> str:
    groups: dict[str, list[str]] = {}
    for row in keymap_rows(actions):
        keys = " or ".join(
            f"<code>{QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) or k}</code>"
            for k in row["keys"]
            if k not in HIDDEN_ALIASES
        )
        groups.setdefault(row["group"], []).append(
            f"<tr><td style='padding:3px 24px 3px 12px'>{row['description']}</td>"
            f"<td>{keys}</td></tr>"
        )
    body = []
    for group, rows in groups.items():
        body.append(
            f"<tr><td colspan='2' style='padding:12px 0 4px 0'><b style='font-size:12pt'>{group}"
            "</b></td></tr>"
        )
        body.extend(rows)
    parts = [f"<table cellspacing='0'>{''.join(body)}</table>"]
    parts.append(
        "<h3>Options</h3><p>Press an option's key (shown in brackets) or its number to choose it "
        "for the highlighted criterion; a single choice moves on to the next criterion. Keys "
        "never act while you type in a text box.</p>"
    )
    return "".join(parts)


class ShortcutSheet(QDialog):
    def __init__(self, actions: dict[str, Action], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(620, 680)
        layout = QVBoxLayout(self)
        title = QLabel("Keyboard shortcuts  ·  Esc to close  ·  change them in Settings (Ctrl+,)")
        title.setObjectName("Muted")
        self.browser = QTextBrowser()
        self.browser.setHtml(sheet_html(actions))
        layout.addWidget(title)
        layout.addWidget(self.browser)
