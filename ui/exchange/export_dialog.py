"""The export dialog (File > Export…, Ctrl+E): format, folder, filters, progress, cancel.

The export runs off the UI thread on its own connection (`ui.widgets.jobs`); the core
writes into a hidden folder and moves it into place only when done, so Cancel
(or a failure) leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError
from annotator.exchange.export import (
    FORMAT_TITLES,
    FORMATS,
    Cancelled,
    ExportOptions,
    export_project,
)
from annotator.labels.data import criterion_specs
from annotator.labels.scope import ANCHOR_CHOICES, Scope
from annotator.rubric.versions import list_versions
from annotator.sources.sources import list_sources
from annotator.store.project import Project, open_reader
from ui.widgets.flow_layout import FlowLayout
from ui.widgets.jobs import Job, run_job

METHOD_TITLES = {
    "auto": "auto (median for ordinal, mean for numeric, majority otherwise)",
    "majority": "majority vote",
    "dawid_skene": "Dawid-Skene",
    "median": "median (ordinal criteria)",
    "mean": "mean (numeric criteria)",
}
ANCHOR_TITLES = {"include": "in", "exclude": "left out", "only": "only anchors"}


def run_export(path: Path, out: Path, options: ExportOptions, job: Job) -> Any:
    """The export on a connection of its own (runs off the UI thread)."""
    with open_reader(path) as project:
        return export_project(
            project, out, options, progress=job.progress, cancelled=lambda: job.cancelled
        )


def _holds_files(folder: Path) -> bool:
    """A folder the export would have to replace (the core refuses it without overwrite)."""
    try:
        return folder.is_dir() and any(folder.iterdir())
    except OSError:
        return False  # unreadable: the export itself says why


class CheckRow(QWidget):
    """A wrapping row of check boxes, all ticked: untick to leave one out."""

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        layout = FlowLayout(self, spacing=10)
        self.boxes = []
        for name in names:
            box = QCheckBox(name)
            box.setChecked(True)
            layout.addWidget(box)
            self.boxes.append(box)

    def checked(self) -> list[str] | None:
        """The ticked names, or None when all are ticked (no filter)."""
        ticked = [box.text() for box in self.boxes if box.isChecked()]
        return None if len(ticked) == len(self.boxes) else ticked


class ExportDialog(QDialog):
    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.job: Job | None = None
        self.result: Any = None
        self.setWindowTitle("Export labeled data")
        self.setMinimumWidth(720)
        self.resize(760, 780)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        intro = QLabel(
            f"Export <b>{project.name}</b>: the items with their consensus label per criterion, "
            "every label with its provenance and cost, and the cost and quality of each source, "
            "with a manifest of every file's sha256."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        what = QGroupBox("What and where")
        form = QFormLayout(what)
        self.format = QComboBox()
        for name in FORMATS:
            self.format.addItem(FORMAT_TITLES[name], name)
        self.folder = QLineEdit(str(Path.home() / f"{project.path.stem}-export"))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self.choose_folder)
        where = QHBoxLayout()
        where.addWidget(self.folder, 1)
        where.addWidget(browse)
        self.method = QComboBox()
        for name, title in METHOD_TITLES.items():
            self.method.addItem(title, name)
        self.real_names = QCheckBox("Name annotators (default: stable pseudonyms)")
        self.csv_raw = QCheckBox(
            "CSV: write text raw (default: ' before text starting with =, +, -, @, tab or CR)"
        )
        self.csv_raw.setToolTip(
            "A spreadsheet runs a cell that begins with =, +, -, @, a tab or a carriage return "
            "as a formula. By default such text cells get a leading ' (numbers never do); the "
            "manifest says how to strip it. JSON lines and Parquet always keep the exact text."
        )
        self.format.currentIndexChanged.connect(self._format_changed)
        self.license = QLineEdit("unknown")
        self.license.setPlaceholderText("e.g. cc-by-4.0 (for the dataset card)")
        form.addRow("Format", self.format)
        form.addRow("Folder", where)
        form.addRow("Consensus", self.method)
        form.addRow("License", self.license)
        self.replace = QCheckBox("Replace what is in the folder if it is not empty")
        self.replace.setToolTip(
            "The new export is written beside it and swapped in only when complete; "
            "a cancelled or failed export leaves the old folder as it was."
        )
        form.addRow("", self.replace)
        form.addRow("", self.real_names)
        form.addRow("", self.csv_raw)
        self._format_changed()
        layout.addWidget(what)

        filters = QGroupBox("Filters")
        grid = QFormLayout(filters)
        self.version = QComboBox()
        self.version.addItem("every version", None)
        for version in list_versions(project):
            self.version.addItem(version.label, version.id)
        keys = list(dict.fromkeys(s.key for s in criterion_specs(project, include_text=True)))
        self.criteria = CheckRow(keys)
        self.sources = CheckRow([s.name for s in list_sources(project)])
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("KEY=VALUE, comma-separated, e.g. domain=legal")
        self.since = QLineEdit()
        self.since.setPlaceholderText("from, e.g. 2025-01-01")
        self.until = QLineEdit()
        self.until.setPlaceholderText("until (not included)")
        times = QHBoxLayout()
        times.addWidget(self.since)
        times.addWidget(self.until)
        self.min_agreement = QDoubleSpinBox()
        self.min_agreement.setRange(0.0, 1.0)
        self.min_agreement.setSingleStep(0.05)
        self.min_agreement.setSpecialValueText("no minimum")
        self.anchors = QComboBox()
        for name in ANCHOR_CHOICES:
            self.anchors.addItem(ANCHOR_TITLES[name], name)
        self.n_boot = QSpinBox()
        self.n_boot.setRange(0, 100_000)
        self.n_boot.setValue(1000)
        self.n_boot.setSuffix(" resamples")
        grid.addRow("Rubric version", self.version)
        grid.addRow("Criteria", self.criteria)
        grid.addRow("Sources", self.sources)
        grid.addRow("Slice tags", self.tags)
        grid.addRow("Submitted", times)
        grid.addRow("Item agreement at least", self.min_agreement)
        grid.addRow("Anchor items", self.anchors)
        grid.addRow("Intervals", self.n_boot)
        layout.addWidget(filters)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("Ready.")
        self.status.setObjectName("Muted")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setEnabled(False)
        self.cancel_button.setVisible(False)  # only while an export runs
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("Primary")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        for button in (self.cancel_button, self.close_button, self.export_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)

    # -- building the options -----------------------------------------------------------
    def _format_changed(self) -> None:
        self.csv_raw.setEnabled(self.format.currentData() == "csv")

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export into", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def options(self) -> ExportOptions:
        tags = [t.strip() for t in self.tags.text().split(",") if t.strip()]
        minimum = self.min_agreement.value()
        scope = Scope.parse(
            rubric_version=self.version.currentData(),
            criteria=self.criteria.checked(),
            tags=tags,
            sources=self.sources.checked(),
            since=self.since.text() or None,
            until=self.until.text() or None,
            min_agreement=minimum if minimum > 0 else None,
            anchors=self.anchors.currentData(),
        )
        return ExportOptions(
            format=self.format.currentData(),
            scope=scope,
            consensus=self.method.currentData(),
            real_names=self.real_names.isChecked(),
            n_boot=self.n_boot.value(),
            license=self.license.text().strip() or "unknown",
            csv_raw=self.csv_raw.isChecked() and self.format.currentData() == "csv",
            overwrite=self.replace.isChecked(),
        )

    # -- running ------------------------------------------------------------------------
    def start(self) -> None:
        try:
            options = self.options()
            options.check()
        except AnnotatorError as error:
            self.status.setText(str(error))
            return
        out = Path(self.folder.text()).expanduser()
        if _holds_files(out) and not options.overwrite:
            self.status.setText(
                f"{out} is not empty. Tick “Replace what is in the folder” to export over it, "
                "or choose a new or empty folder."
            )
            self.replace.setFocus()
            return
        self.export_button.setEnabled(False)
        self.close_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setVisible(True)
        self.progress.setRange(0, 0)
        self.status.setText("Exporting…")
        path = self.project.path
        self.job = run_job(
            lambda job: run_export(path, out, options, job),
            on_done=self._done,
            on_error=self._failed,
            on_progress=self._progress,
            owner=self,
        )

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Stopping…")

    def _progress(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.status.setText(f"Exporting: {done:,} of {total:,} items read…")

    def _finish(self) -> None:
        self.job = None
        self.export_button.setEnabled(True)
        self.close_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.cancel_button.setVisible(False)

    def _done(self, result: Any) -> None:
        self._finish()
        self.result = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        counts = result.counts
        self.status.setText(
            f"Exported {counts['items']:,} items and {counts['labels']:,} labels to "
            f"{result.path} (export {result.export_id}; {len(result.files) + 1} files, "
            "listed with their sha256 in manifest.json)."
        )

    def _failed(self, error: BaseException) -> None:
        self._finish()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        if isinstance(error, Cancelled):
            self.status.setText("Cancelled: nothing was written.")
        elif isinstance(error, AnnotatorError):
            self.status.setText(str(error))
        else:
            self.status.setText(f"The export failed: {error!r}. Nothing was written.")

    def reject(self) -> None:  # Esc or Close: never while an export is running
        if self.job is None:
            super().reject()


__all__ = ["ExportDialog", "run_export"]
