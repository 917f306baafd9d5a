"""The export dialog: filters, progress, a finished export, and a cancel that leaves nothing."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from tests.support.export_project import small_project
from ui.exchange.export_dialog import ExportDialog
from ui.shell.main_window import MainWindow


@pytest.fixture
def built(tmp_path):
    return small_project(tmp_path / "p")


def test_export_from_the_dialog(qtbot, built, tmp_path):
    dialog = ExportDialog(built.project)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("hf"))
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.tags.setText("domain=law")
    dialog.sources.boxes[0].setChecked(False)  # leave the experts out
    dialog.n_boot.setValue(50)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    assert dialog.export_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert "Exported 6 items" in dialog.status.text()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["options"]["filters"]["tags"] == {"domain": ["law"]}
    assert manifest["options"]["filters"]["sources"] == ["crowd", "judge"]
    assert (tmp_path / "out" / "README.md").exists()


def test_cancel_leaves_no_folder(qtbot, built, tmp_path, monkeypatch):
    import annotator.labels.stream as stream

    monkeypatch.setattr(stream, "CHUNK_LABELS", 1)  # many small chunks: time to cancel
    monkeypatch.setattr(stream, "CHUNK_ITEMS", 1)
    dialog = ExportDialog(built.project)
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(tmp_path / "out"))
    progressed = []
    real = dialog._progress

    def progress(done, total):
        progressed.append(done)
        real(done, total)
        if len(progressed) == 1:
            dialog.cancel()

    dialog._progress = progress  # type: ignore[method-assign]
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=60_000)
    assert dialog.status.text() == "Cancelled: nothing was written."
    assert dialog.result is None
    assert list(tmp_path.iterdir()) == [tmp_path / "p"]
    assert built.project.scalar("SELECT count(*) FROM exports") == 0


def test_file_menu_and_ctrl_e_open_the_dialog(qtbot, built, monkeypatch):
    path = built.project.path
    built.project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(str(path))
    opened = []
    monkeypatch.setattr(ExportDialog, "exec", lambda self: opened.append(self) or 0)
    file_menu = window.menuBar().actions()[0].menu()
    entry = next(a for a in file_menu.actions() if a.text().startswith("Export labeled data"))
    entry.trigger()
    assert len(opened) == 1 and opened[0].project is window.project
    assert window.keymap["export"].keys == ("Ctrl+E",)
    assert window.on_action("export") and len(opened) == 2
    window.close()


def test_csv_raw_is_a_csv_option_off_by_default(qtbot, built):
    dialog = ExportDialog(built.project)
    qtbot.addWidget(dialog)
    assert not dialog.csv_raw.isEnabled() and not dialog.options().csv_raw  # jsonl first
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    assert dialog.csv_raw.isEnabled() and not dialog.csv_raw.isChecked()
    assert dialog.options().csv_raw is False
    qtbot.mouseClick(dialog.csv_raw, Qt.MouseButton.LeftButton)
    assert dialog.options().csv_raw is True
    dialog.format.setCurrentIndex(dialog.format.findData("parquet"))
    assert not dialog.csv_raw.isEnabled() and dialog.options().csv_raw is False
