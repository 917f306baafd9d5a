"""The rubric editor's right-hand pane: the draft against an earlier version, and which
labels publishing it would make stale (worked out off the UI thread: it reads labels)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QTextBrowser, QVBoxLayout

from annotator.base.errors import NotFoundError
from annotator.revision.evolution import draft_is_unchanged, stale_if_published
from annotator.rubric.diff import diff_rubrics
from annotator.rubric.model import RubricDraft
from annotator.rubric.versions import current_version, get_version, list_versions
from annotator.store.project import Project, open_reader
from ui.widgets.jobs import run_job


def _stale_in_background(path: Path, draft: RubricDraft) -> dict[str, int] | None:
    """Stale counts per criterion, or None when the draft equals the latest version."""
    with open_reader(path) as reader:
        try:
            if draft_is_unchanged(current_version(reader, draft.name), draft):
                return None
        except NotFoundError:
            pass  # a rubric the project does not have yet: everything is new
        return stale_if_published(reader, draft).by_criterion()


class ChangesPane(QFrame):
    """`show_changes(project, draft)` after every edit; the version to compare with is
    chosen in `against`."""

    def __init__(self) -> None:
        super().__init__()
        self.project: Project | None = None
        self.draft: RubricDraft | None = None
        self.job: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 0, 0)
        head = QHBoxLayout()
        title = QLabel("CHANGES AGAINST")
        title.setObjectName("SectionTitle")
        head.addWidget(title)
        self.against = QComboBox()
        self.against.currentIndexChanged.connect(lambda _i: self.refresh())
        head.addWidget(self.against)
        head.addStretch(1)
        layout.addLayout(head)
        self.stale = QLabel()
        self.stale.setObjectName("Banner")
        self.stale.setWordWrap(True)
        layout.addWidget(self.stale)
        self.diff = QTextBrowser()
        self.diff.setObjectName("ItemText")
        self.diff.setFont(QFont("monospace"))
        layout.addWidget(self.diff, 1)

    def set_versions(self, project: Project, rubric_name: str, select: int | None) -> None:
        self.against.blockSignals(True)
        self.against.clear()
        for version in reversed(list_versions(project, rubric_name)):
            self.against.addItem(version.label, version.id)
        if select is not None:
            self.against.setCurrentIndex(max(self.against.findData(select), 0))
        self.against.blockSignals(False)

    def show_changes(self, project: Project | None, draft: RubricDraft | None) -> None:
        self.project, self.draft = project, draft
        self.refresh()

    def refresh(self) -> None:
        project, draft = self.project, self.draft
        if project is None or draft is None or self.against.currentData() is None:
            self.diff.setPlainText("")
            self.stale.setText("")
            return
        old = get_version(project, self.against.currentData())
        self.diff.setPlainText(diff_rubrics(old, draft, old.label, "this draft").to_text())
        self.stale.setText("Working out which labels publishing would make stale…")
        self.job = run_job(
            lambda job: _stale_in_background(project.path, draft),
            on_done=lambda counts: self._show_stale(draft, counts),
            owner=self,
        )

    def _show_stale(self, draft: RubricDraft, counts: dict[str, int] | None) -> None:
        if draft is not self.draft:
            return  # the answer for an older state of the draft
        if counts is None:
            self.stale.setText("No changes from the latest version yet: nothing to publish.")
            return
        if not counts:
            self.stale.setText("Publishing this draft makes no label stale.")
            return
        parts = ", ".join(f"{key} {n}" for key, n in counts.items())
        self.stale.setText(
            f"Publishing makes labels stale (made under an earlier version on a criterion "
            f"whose meaning changes): {parts}. They stay as they are; you can ask people again."
        )
