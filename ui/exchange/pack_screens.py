"""Work packs in the app: opening one to label it, and the lead's merge dialog.

`open_pack(window, path)` is what the main window calls for a file whose
SQLite application id marks a work pack (start screen, File menu, double-click,
`annotator pack open`): the pack opens as the window's project with a banner
saying whose pack it is and from which project, and labeling starts at once.

`ready_to_send(window)` (File ▸ Ready to send…) is the labeler's last step: the
open pack is made whole and checked off the UI thread (`finish_pack`), and a
`ReadyDialog` says which one file to send, its size and how many labels it holds.

`PacksDialog` (File ▸ Merge work packs…) lists the packs the open project made
and merges chosen pack files back, off the UI thread, showing the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError
from annotator.exchange.pack_file import read_meta
from annotator.exchange.packs import finish_pack, list_packs, merge_packs
from annotator.exchange.packs import open_pack as open_pack_file
from annotator.store.project import PACK_APPLICATION_ID, open_project, read_application_id
from ui.widgets.jobs import run_job

if TYPE_CHECKING:
    from ui.widgets.host import Host

PACK_FILTER = "Work packs (*.annpack);;All files (*)"
COLUMNS = ("Annotator", "Version", "Items", "Answered", "Labels merged", "Last merged", "File")


def open_pack(window: Host, path: Path) -> bool:
    """Open a work pack for labeling in `window`; False (after saying why) if it cannot."""
    try:
        pack = open_pack_file(path)
        meta = read_meta(pack.conn, path)
    except AnnotatorError as error:
        window.show_error(str(error))
        return False
    window.open_project_object(pack, pack_note=meta.banner())
    window.start_labeling(meta.annotator)
    return True


def is_pack(path: Path) -> bool:
    return path.is_file() and read_application_id(path) == PACK_APPLICATION_ID


class ReadyDialog(QDialog):
    """Ready to send: checks the pack off the UI thread, then says what to send."""

    def __init__(self, window: Host, path: Path) -> None:
        super().__init__(window)
        self.path = path
        self.ready: Any = None
        self.error: str | None = None
        self.setWindowTitle("Ready to send")
        self.resize(620, 260)
        layout = QVBoxLayout(self)
        self.text = QLabel(f"Checking {path.name}…")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def start(self) -> None:
        path = self.path
        run_job(
            lambda _job: finish_pack(path), on_done=self._done, on_error=self._failed, owner=self
        )

    def _done(self, ready: Any) -> None:
        self.ready = ready
        self.text.setText(ready.summary())

    def _failed(self, error: BaseException) -> None:
        self.error = str(error) if isinstance(error, AnnotatorError) else f"{error!r}"
        self.text.setText(f"Not ready to send.\n\n{self.error}")


def ready_to_send(window: Host) -> ReadyDialog | None:
    """File ▸ Ready to send…: make the open pack whole, check it and say what to send."""
    project = window.project
    if project is None or not is_pack(project.path):
        window.statusBar().showMessage(
            "Ready to send is for a work pack: open the pack you label first.", 6000
        )
        return None
    window.annotate.save_draft()  # a half-filled form is kept in the pack, as a draft
    dialog = ReadyDialog(window, project.path)
    dialog.show()
    dialog.start()
    return dialog


def _merge_in_own_connection(project_path: Path, files: list[Path], actor: str) -> Any:
    """Runs off the UI thread, on a connection of its own."""
    with open_project(project_path, actor=actor) as project:
        return merge_packs(project, files)


class PacksDialog(QDialog):
    """The lead's view of the project's packs, and merging pack files back."""

    def __init__(self, window: Host, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.setWindowTitle("Work packs")
        self.resize(860, 520)
        self.busy = False
        self.last_report: Any = None
        self.last_error: str | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Packs this project made. Merging checks each file against the project "
            "(project, pack, items, rubric, every value) and adds what is new; "
            "merging a pack again adds nothing."
        )
        intro.setWordWrap(True)
        intro.setObjectName("Muted")
        layout.addWidget(intro)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 2)
        self.merge_button = QPushButton("Merge pack files…")
        self.merge_button.setObjectName("Primary")
        self.merge_button.clicked.connect(self.choose_files)
        layout.addWidget(self.merge_button)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setPlaceholderText("The merge report appears here.")
        layout.addWidget(self.report, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()

    @property
    def project(self) -> Any:
        return self.window_.project

    def refresh(self) -> None:
        self.table.setRowCount(0)
        if self.project is None:
            self.report.setPlainText("Open the project the packs came from first.")
            self.merge_button.setEnabled(False)
            return
        if is_pack(self.project.path):
            self.report.setPlainText(
                "This is a work pack. Packs are merged in the lead's project: open the project, "
                "then merge this file into it."
            )
            self.merge_button.setEnabled(False)
            return
        rows = list_packs(self.project)
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            cells = (
                row["annotator"],
                str(row["version"]),
                str(row["items"]),
                str(row["answered"]),
                str(row["labels_merged"]),
                row["last_merged_at"] or "never",
                row["file_name"],
            )
            for column, text in enumerate(cells):
                self.table.setItem(index, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.merge_button.setEnabled(not self.busy)

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Merge work packs", str(Path.home()), PACK_FILTER
        )
        if files:
            self.merge_files([Path(f) for f in files])

    def merge_files(self, files: list[Path]) -> None:
        """Merge these pack files into the open project (off the UI thread)."""
        if self.project is None or self.busy:
            return
        self.busy = True
        self.last_report = self.last_error = None
        self.merge_button.setEnabled(False)
        self.report.setPlainText(f"Merging {len(files)} pack file(s)…")
        path, actor = self.project.path, self.project.actor
        run_job(
            lambda _job: _merge_in_own_connection(path, files, actor),
            on_done=self._merged,
            on_error=self._failed,
            owner=self,
        )

    def _merged(self, report: Any) -> None:
        self.busy = False
        self.last_report = report
        self.report.setPlainText(report.summary())
        self.refresh()
        if hasattr(self.window_, "refresh_people"):
            self.window_.statusBar().showMessage(
                f"Merged: {report.added} labels added, {report.already_merged} already there.",
                6000,
            )

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.last_error = str(error)
        text = str(error) if isinstance(error, AnnotatorError) else f"Merge failed: {error!r}"
        self.report.setPlainText(f"Nothing was merged.\n\n{text}")
        self.refresh()


def show_packs_dialog(window: Host) -> PacksDialog:
    """File ▸ Merge work packs…: the dialog, shown (not modal, so tests can drive it)."""
    dialog = PacksDialog(window)
    window.packs_dialog = dialog
    dialog.show()
    return dialog


__all__ = [
    "PacksDialog",
    "ReadyDialog",
    "is_pack",
    "open_pack",
    "ready_to_send",
    "show_packs_dialog",
]
