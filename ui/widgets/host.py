"""What a screen may ask of the window that holds it.

Screens and dialogs type their window as `Host` rather than as the main window
class: the shell imports the screens (on first use), so a screen importing the
shell back would close an import loop. Anything the shell offers screens is
named here, and the main window satisfies it structurally.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar, QWidget

    from annotator.prefs.settings import Settings
    from annotator.store.project import Project


class Host(Protocol):
    """The main window, as seen from a screen or a dialog."""

    project: Project | None
    settings: Settings
    annotate: Any  # the labeling view (ui.annotate sits above widgets, so not named here)
    keymap: Mapping[str, Any]
    packs_dialog: Any

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 - Qt API

    def screen(self, name: str) -> QWidget: ...

    def show_screen(self, name: str) -> bool: ...

    def show_error(self, text: str) -> None: ...

    def open_item(self, item_id: str) -> None: ...

    def open_project_object(self, project: Project, pack_note: str | None = None) -> None: ...

    def start_labeling(
        self,
        name: str,
        item_source: Any = None,
        banner: str | None = None,
        badge: str | None = None,
    ) -> None: ...

    def set_keymap(self, overrides: dict[str, list[str]]) -> None: ...
