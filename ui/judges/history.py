"""What a judge left behind: its failed items with the raw answers, and its versions.

A failure is an item the judge could not label (the server errored, or the answer did not
parse); the raw text is what the model actually said, so a lead can tell a prompt problem
from a server one. A version is one (reported model, fingerprint, host, prompt, rubric,
sampling) the judge answered as; labels carry theirs.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSplitter, QVBoxLayout, QWidget

from annotator.judges import JudgeFailure, JudgeVersion, judge_failures, judge_versions
from ui.judges.parts import JudgesView
from ui.widgets.tables import fill_table, make_table

FAILURE_HEADERS = ["Item", "Time", "Error", "Attempts", "Version"]
VERSION_HEADERS = [
    "Version",
    "Labels",
    "Reported model",
    "Fingerprint",
    "Host",
    "Prompt",
    "Rubric",
    "First seen",
    "Sampling",
]


def when(value: Any) -> str:
    """A timestamp to the second, without the "T" and the zone's noise."""
    if value is None:
        return "–"
    text = value.isoformat(sep=" ") if hasattr(value, "isoformat") else str(value)
    return text.replace("T", " ")[:19]


def sampling_text(sampling: Any) -> str:
    """What was set, e.g. "temperature 0 · seed 7 · 3 samples · max 512 tokens"."""
    if isinstance(sampling, str):
        try:
            sampling = json.loads(sampling)
        except ValueError:
            return sampling
    if not isinstance(sampling, dict):
        return str(sampling or "")
    parts = []
    if sampling.get("temperature") is not None:
        parts.append(f"temperature {sampling['temperature']:g}")
    if sampling.get("seed") is not None:
        parts.append(f"seed {sampling['seed']}")
    if (sampling.get("samples") or 1) > 1:
        parts.append(f"{sampling['samples']} samples")
    if sampling.get("max_tokens") is not None:
        parts.append(f"max {sampling['max_tokens']:,} tokens")
    known = {"temperature", "seed", "samples", "max_tokens"}
    parts += [f"{k} {v}" for k, v in sampling.items() if k not in known and v is not None]
    return " · ".join(parts) or "server defaults"


def one_line(text: str | None, width: int = 90) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class FailuresTab(QWidget):
    def __init__(self, screen: JudgesView) -> None:
        super().__init__()
        self.screen = screen
        self.failures: list[JudgeFailure] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        self.note = QLabel()
        self.note.setObjectName("Muted")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = make_table(FAILURE_HEADERS)
        self.table.itemSelectionChanged.connect(self.show_selected)
        split.addWidget(self.table)
        below = QWidget()
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 8, 0, 0)
        title = QLabel("RAW ANSWER (what the model said, exactly)")
        title.setObjectName("SectionTitle")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.raw.setPlaceholderText("Select a failure to read the model's raw answer.")
        below_layout.addWidget(title)
        below_layout.addWidget(self.error)
        below_layout.addWidget(self.raw, 1)
        split.addWidget(below)
        split.setSizes([300, 260])
        layout.addWidget(split, 1)

    def refresh(self, versions: dict[Any, str] | None = None) -> None:
        project, name = self.screen.project, self.screen.judge_name()
        self.failures = judge_failures(project, name) if project and name else []
        versions = versions or {}
        rows = [
            [
                f.item_id,
                when(f.at),
                one_line(f.error),
                f.attempts,
                versions.get(f.judge_version, f.judge_version),
            ]
            for f in self.failures
        ]
        self.table.blockSignals(True)
        fill_table(self.table, FAILURE_HEADERS, rows)
        self.table.blockSignals(False)
        n = len(self.failures)
        self.note.setText(
            "No failed items: every call the judge made parsed."
            if not n
            else f"{n:,} item{'s' if n != 1 else ''} the judge could not label. The next run "
            "on items it has not labeled tries them again."
        )
        if n:
            self.table.selectRow(0)
        else:
            self.show_selected()

    def show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.failures):
            self.error.clear()
            self.raw.clear()
            return
        failure = self.failures[rows[0].row()]
        self.error.setText(f"<b>{failure.item_id}</b> · {failure.error}")
        self.raw.setPlainText(failure.raw_text if failure.raw_text is not None else "")
        if failure.raw_text is None:
            self.raw.setPlaceholderText("No answer came back (the call itself failed).")


class VersionsTab(QWidget):
    def __init__(self, screen: JudgesView) -> None:
        super().__init__()
        self.screen = screen
        self.versions: list[JudgeVersion] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        self.note = QLabel(
            "A new version starts when the server reports another model or fingerprint, or "
            "the prompt, rubric or sampling changes. Each label records the version that "
            "gave it, so agreement can be read per version."
        )
        self.note.setObjectName("Muted")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table = make_table(VERSION_HEADERS)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        project, name = self.screen.project, self.screen.judge_name()
        self.versions = judge_versions(project, name) if project and name else []
        rows = [
            [
                v.label,
                f"{v.labels:,}" if isinstance(v.labels, int) else v.labels,
                v.reported_model or "not reported",
                v.system_fingerprint or "–",
                v.host or "–",
                (v.prompt_sha or "")[:10],
                f"v{v.rubric_version}",
                when(v.first_seen)[:16],
                sampling_text(v.sampling),
            ]
            for v in self.versions
        ]
        fill_table(self.table, VERSION_HEADERS, rows)

    def labels_by_id(self) -> dict[Any, str]:
        return {v.id: v.label for v in self.versions}


__all__ = ["FailuresTab", "VersionsTab", "sampling_text", "when"]
