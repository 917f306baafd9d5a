"""The lead's role at a shared keyboard: the labeler's screens, and the switch to the lead's.

While a person is labeling (the annotate view holds their session), the screens that
show anchor answers or other people's labels stay shut (`annotator.workbench.roles`
says which). Opening one asks "Switch from labeling as X to the lead's view?"; yes
saves and ends the session (the annotate view is then empty until a person is chosen
again on the start screen) and opens the screen. "Switch to lead" (Go menu, Ctrl+L)
does the same in one action, without asking. A badge in the status bar says which
role the window is in.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from annotator.workbench.roles import labeler_may_open, lead_view_shows

SCREEN_TITLES = {
    "items": "The items browser",
    "dashboard": "The dashboard",
    "team": "The team screen",
    "sources": "The sources screen",
    "calibration": "The calibration screen",
    "rubric": "The rubric editor",
    "export": "An export",
    "packs": "The work packs",
}


class RoleHost(Protocol):
    """The main window, as the role sees it."""

    annotate: Any
    person: str | None
    keymap: Mapping[str, Any]

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 - Qt API


class SwitchToLeadDialog(QDialog):
    """Asks a labeler's window to become the lead's; "Keep labeling" is the default,
    so an Enter meant for the form does not end the session."""

    def __init__(
        self, person: str, view: str, key: str = "Ctrl+L", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.setWindowTitle("Switch to the lead's view?")
        self.setModal(True)
        self.setMinimumWidth(540)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        who = html.escape(person)
        self.question = QLabel(f"Switch from labeling as <b>{who}</b> to the lead's view?")
        self.question.setObjectName("HeaderTitle")
        self.question.setWordWrap(True)
        title = SCREEN_TITLES.get(view, "This screen")
        self.detail = QLabel(
            f"{title} shows {html.escape(lead_view_shows(view))}, which a labeler does not "
            "see.<br><br>Your labeling session is saved: every submitted label is in the "
            f"project and the form you were filling comes back when <b>{who}</b> is chosen "
            "on the start screen again. Until then the annotate view stays empty."
        )
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.hint = QLabel(
            f"{key} switches to the lead at any time without asking."
            if key
            else "Go ▸ Switch to the lead's view does it at any time without asking."
        )
        self.hint.setObjectName("Muted")
        layout.addWidget(self.question)
        layout.addWidget(self.detail)
        layout.addWidget(self.hint)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.keep_button = QPushButton(f"Keep labeling as {person}")
        self.keep_button.setDefault(True)
        self.keep_button.clicked.connect(self.reject)
        self.switch_button = QPushButton("Switch to lead")
        self.switch_button.setObjectName("Primary")
        self.switch_button.setAutoDefault(False)
        self.switch_button.clicked.connect(self.accept)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.switch_button)
        layout.addLayout(buttons)
        self.keep_button.setFocus()


class LeadRole:
    """Decides, for the window, whether a screen may open now, and switches roles."""

    def __init__(self, window: RoleHost, parent: QWidget) -> None:
        self.window = window
        self.parent = parent
        self.dialog: SwitchToLeadDialog | None = None
        self.badge = QLabel()
        self.badge.setObjectName("Muted")
        window.statusBar().addPermanentWidget(self.badge)
        self.refresh()

    @property
    def labeler(self) -> str | None:
        """Who is labeling at this keyboard; None in the lead's view."""
        session = self.window.annotate.session
        return None if session is None else session.annotator.name

    @property
    def key(self) -> str:
        """The switch's first key, as the user set it (may be none)."""
        action = self.window.keymap.get("switch_lead")
        return action.keys[0] if action is not None and action.keys else ""

    def refresh(self) -> None:
        person = self.labeler
        key = f" · {self.key}: lead's view" if self.key else ""
        self.badge.setText(f"Labeling as {person}{key}" if person else "Lead's view")

    def may_open(self, view: str, then: Callable[[], Any]) -> bool:
        """True when `view` may open now. Else asks to switch (without blocking) and
        calls `then()` once switched; a second request while asking is ignored."""
        person = self.labeler
        if person is None or labeler_may_open(view):
            return True
        if self.dialog is not None:
            return False
        dialog = SwitchToLeadDialog(person, view, self.key, self.parent)
        self.dialog = dialog

        def answered(result: int) -> None:
            self.dialog = None
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted and self.switch():
                then()

        dialog.finished.connect(answered)
        dialog.open()
        return False

    def switch(self) -> bool:
        """End labeling: the draft is saved, the session let go. False when nobody was."""
        person = self.labeler
        if person is None:
            self.window.statusBar().showMessage("This is the lead's view already.", 4000)
            return False
        annotate = self.window.annotate
        annotate.save_draft()
        annotate.set_session(None)
        annotate.set_banner(None)
        self.window.person = None
        self.refresh()
        self.window.statusBar().showMessage(
            f"Lead's view: labeling as {person} is saved and ended; choose a person on the "
            "start screen to label again.",
            8000,
        )
        return True


__all__ = ["SCREEN_TITLES", "LeadRole", "RoleHost", "SwitchToLeadDialog"]
