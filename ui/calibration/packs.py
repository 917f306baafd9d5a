"""The calibration screen's pack actions: make a blind pack per participant, merge them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QFileDialog

from annotator.base.errors import AnnotatorError
from annotator.calibration.packs import make_round_packs, merge_round_packs

if TYPE_CHECKING:
    from annotator.store.project import Project
    from ui.calibration.session import SessionPanel


class PackHost(Protocol):
    """The calibration screen, as its pack actions see it (typed here: it imports us)."""

    project: Project | None
    panel: SessionPanel

    def current_id(self) -> int | None: ...
    def refresh(self, select: int | None = None) -> None: ...


def make_packs(screen: PackHost, folder: str | None = None) -> None:
    session_id = screen.current_id()
    if screen.project is None or session_id is None:
        return
    folder = folder or QFileDialog.getExistingDirectory(
        screen, "Where to write the participants' packs", str(screen.project.path.parent)
    )
    if not folder:
        return
    try:
        made = make_round_packs(screen.project, session_id, folder)
    except AnnotatorError as error:
        screen.panel.message.setText(str(error))
        return
    if made:
        names = ", ".join(f"{info.annotator}: {info.path.name}" for info in made)
        screen.panel.message.setText(
            f"Packs written to {folder} — {names}. Send each person theirs."
        )
    else:
        screen.panel.message.setText("Every participant already has a pack for this round.")
    screen.refresh(session_id)


def merge_packs(screen: PackHost, paths: list[str] | None = None) -> None:
    session_id = screen.current_id()
    if screen.project is None or session_id is None:
        return
    if paths is None:
        paths, _ = QFileDialog.getOpenFileNames(
            screen, "The packs to merge", str(screen.project.path.parent), "Work packs (*.annpack)"
        )
    if not paths:
        return
    try:
        report, linked = merge_round_packs(screen.project, session_id, [Path(p) for p in paths])
    except AnnotatorError as error:
        screen.panel.message.setText(str(error))
        return
    counts = ", ".join(f"{name} {n}" for name, n in linked.items())
    screen.panel.message.setText(
        f"{report.added} labels merged; answers added to the round: {counts}."
    )
    screen.refresh(session_id)
