"""The rubric editor (Ctrl+7): a draft of the next version, a live preview of the form
annotators will see, and what changes against any earlier version.

Left: the criteria (with options, hotkeys and examples), the guidelines, and the
same draft as YAML. Middle: the annotate form generated from the draft (the real
`RubricForm`). Right: the diff against a chosen version and which labels would
go stale. The draft is saved in the project as you type; publishing makes an
immutable version with a change note, and offers to ask people again for the
labels it made stale. A draft can start from a calibration session's notes.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError, NotFoundError
from annotator.calibration import sessions as cal
from annotator.revision import drafts
from annotator.revision.evolution import draft_is_unchanged, requeue_stale, stale_labels
from annotator.rubric.model import RubricDraft
from annotator.rubric.versions import current_version, get_version, list_versions
from annotator.rubric.yaml_file import parse_rubric_text, rubric_to_yaml
from annotator.store.project import Project
from ui.annotate.rubric_form import RubricForm
from ui.rubric_editor.changes import ChangesPane
from ui.rubric_editor.form import CriterionEditor

if TYPE_CHECKING:
    from ui.widgets.host import Host

SAVE_DELAY_MS = 400


NO_DRAFT = (
    "No draft open.\n\nThe rubric's next version is written in a draft: choose above what to "
    "start from (a published version to edit, or a revealed calibration session, whose notes "
    "arrive as guideline text) and press “Start a new draft”. The draft is saved as you type; "
    "publishing it makes the next version, and labels already made keep the version they "
    "were made under."
)


def _same_as_latest(project: Project, draft: RubricDraft) -> bool:
    """A draft identical to its rubric's latest version: publishing would add nothing."""
    try:
        return draft_is_unchanged(current_version(project, draft.name), draft)
    except NotFoundError:
        return False


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("SectionTitle")
    return label


class RubricEditor(QWidget):
    def __init__(self, window: Host) -> None:
        super().__init__(window)
        self.window_ = window
        self.project: Project | None = None
        self.draft: drafts.Draft | None = None
        self.data: dict[str, Any] = {}
        self.checked: RubricDraft | None = None
        self.current = -1
        self._loading = False
        self._preview_id = 0
        self.job: Any = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 10, 14, 10)
        outer.setSpacing(8)
        top = QHBoxLayout()
        self.heading = QLabel("Rubric editor")
        self.heading.setObjectName("HeaderTitle")
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.heading.setFont(font)
        self.status = QLabel()
        self.status.setObjectName("Muted")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.start_from = QComboBox()
        self.start_button = QPushButton("Start a new draft")
        self.start_button.clicked.connect(self.start_draft)
        top.addWidget(self.heading)
        top.addWidget(self.status, 1)
        top.addWidget(QLabel("from"))
        top.addWidget(self.start_from)
        top.addWidget(self.start_button)
        outer.addLayout(top)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self._editing_pane())
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self._preview_pane())
        self.changes = ChangesPane()
        self.against, self.stale, self.diff = (
            self.changes.against,
            self.changes.stale,
            self.changes.diff,
        )
        right.addWidget(self.changes)
        right.setChildrenCollapsible(False)
        right.setSizes([400, 420])
        self.splitter.addWidget(right)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([820, 600])
        self.empty = QLabel(NO_DRAFT)
        self.empty.setObjectName("Muted")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setContentsMargins(80, 40, 80, 40)
        self.body = QStackedWidget()
        self.body.addWidget(self.splitter)
        self.body.addWidget(self.empty)
        outer.addWidget(self.body, 1)

        bottom = QHBoxLayout()
        self.note = QLineEdit()
        self.note.setPlaceholderText("change note: what changed and why (kept with the version)")
        self.note.textEdited.connect(self._schedule_save)
        self.publish_button = QPushButton("Publish")
        self.publish_button.setObjectName("Primary")
        self.publish_button.clicked.connect(self.publish)
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.publish_button)
        outer.addLayout(bottom)
        after = QHBoxLayout()
        self.message = QLabel()
        self.message.setObjectName("Muted")
        self.message.setWordWrap(True)
        self.requeue_names = QLineEdit()
        self.requeue_names.setPlaceholderText("ask again: names, comma-separated")
        self.requeue_button = QPushButton("Re-queue their stale labels")
        self.requeue_button.clicked.connect(self.requeue)
        after.addWidget(self.message, 1)
        after.addWidget(self.requeue_names)
        after.addWidget(self.requeue_button)
        outer.addLayout(after)
        self.requeue_names.hide()
        self.requeue_button.hide()

        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(SAVE_DELAY_MS)
        self.save_timer.timeout.connect(self.save)
        self._set_enabled(False)

    # -- panes ------------------------------------------------------------------------
    def _editing_pane(self) -> QWidget:
        self.tabs = QTabWidget()
        criteria = QWidget()
        row = QHBoxLayout(criteria)
        side = QVBoxLayout()
        self.criteria = QListWidget()
        self.criteria.setFixedWidth(150)
        self.criteria.currentRowChanged.connect(self._criterion_chosen)
        side.addWidget(self.criteria, 1)
        buttons = QGridLayout()
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("↑")
        self.down_button = QPushButton("↓")
        self.add_button.clicked.connect(self.add_criterion)
        self.remove_button.clicked.connect(self.remove_criterion)
        self.up_button.clicked.connect(lambda: self.move_criterion(-1))
        self.down_button.clicked.connect(lambda: self.move_criterion(1))
        for index, button in enumerate(
            (self.add_button, self.remove_button, self.up_button, self.down_button)
        ):
            buttons.addWidget(button, index // 2, index % 2)
        side.addLayout(buttons)
        row.addLayout(side)
        self.editor = CriterionEditor()
        self.editor.changed.connect(self._criterion_edited)
        row.addWidget(self.editor, 1)
        self.tabs.addTab(criteria, "Criteria")
        self.guidelines = QPlainTextEdit()
        self.guidelines.setPlaceholderText(
            "The guidelines, in markdown: a '## Title' section per criterion"
        )
        self.guidelines.textChanged.connect(self._guidelines_edited)
        self.tabs.addTab(self.guidelines, "Guidelines")
        yaml_tab = QWidget()
        yaml_layout = QVBoxLayout(yaml_tab)
        self.yaml = QPlainTextEdit()
        self.yaml.setFont(QFont("monospace"))
        apply = QPushButton("Apply the YAML to the draft")
        apply.clicked.connect(self.apply_yaml)
        yaml_layout.addWidget(self.yaml, 1)
        yaml_layout.addWidget(apply, 0, Qt.AlignmentFlag.AlignRight)
        self.tabs.addTab(yaml_tab, "YAML")
        self.tabs.currentChanged.connect(self._tab_changed)
        return self.tabs

    def _preview_pane(self) -> QWidget:
        pane = QFrame()
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(8, 0, 8, 0)
        head = QHBoxLayout()
        head.addWidget(_title("PREVIEW: THE FORM ANNOTATORS WILL SEE"))
        head.addStretch(1)
        self.pairwise = QCheckBox("pairwise item")
        self.pairwise.toggled.connect(self.refresh_preview)
        head.addWidget(self.pairwise)
        layout.addLayout(head)
        self.problem = QLabel()
        self.problem.setObjectName("FeedbackWarn")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        self.preview = RubricForm()
        layout.addWidget(self.preview, 1)
        return pane

    # -- project and drafts --------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.draft = None
        self.start_from.clear()
        self.against.clear()
        if project is None:
            self._set_enabled(False)
            return
        for version in reversed(list_versions(project)):
            self.start_from.addItem(version.label, ("version", version.id))
        for session in reversed(cal.list_sessions(project)):
            if any(r.revealed for r in session.rounds):
                self.start_from.addItem(f"the notes of “{session.name}”", ("session", session.id))
        open_drafts = drafts.list_drafts(project)
        if open_drafts:
            self.open_draft(open_drafts[-1].id)
        else:
            self._set_enabled(False)
            self.status.setText("No draft open: start one from a version or a session's notes.")

    def on_shown(self) -> None:
        if self.project is not None and self.draft is None:
            open_drafts = drafts.list_drafts(self.project)
            if open_drafts:
                self.open_draft(open_drafts[-1].id)

    def start_draft(self) -> None:
        if self.project is None or self.start_from.currentData() is None:
            return
        kind, ident = self.start_from.currentData()
        if kind == "session":
            draft = drafts.new_draft(self.project, session=ident)
        else:
            draft = drafts.new_draft(self.project, from_version=get_version(self.project, ident))
        self.open_draft(draft.id)

    def open_draft(self, draft_id: int) -> None:
        if self.project is None:
            return
        self.save_timer.stop()
        self.draft = drafts.get_draft(self.project, draft_id)
        self.data = copy.deepcopy(self.draft.data)
        self.data.setdefault("criteria", [])
        self._loading = True
        try:
            self.note.setText(self.draft.note)
            self.guidelines.setPlainText(self.data.get("guidelines") or "")
            self.changes.set_versions(self.project, self.draft.rubric_name, self.draft.based_on)
        finally:
            self._loading = False
        self._fill_criteria(0)
        self._set_enabled(not self.draft.published)
        self.requeue_names.hide()
        self.requeue_button.hide()
        self.message.setText("")
        self.refresh()

    def _status_text(self) -> str:
        if self.draft is None or self.project is None:
            return ""
        parts = [f"draft {self.draft.id}"]
        if self.draft.based_on is not None:
            parts.append(f"from v{get_version(self.project, self.draft.based_on).version}")
        if self.draft.session_id is not None:
            name = cal.get_session(self.project, self.draft.session_id).name
            parts.append(f"with the notes of “{name}”")
        parts.append(
            "published" if self.draft.published else f"saved {self.draft.updated_at[11:16]}"
        )
        return " · ".join(parts)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.tabs, self.note, self.publish_button):
            widget.setEnabled(enabled)
        has_draft = self.draft is not None
        self.body.setCurrentWidget(self.splitter if has_draft else self.empty)
        for widget in (self.note, self.publish_button):
            widget.setVisible(has_draft)

    # -- editing --------------------------------------------------------------------------
    def _fill_criteria(self, select: int) -> None:
        self.criteria.blockSignals(True)
        self.criteria.clear()
        for criterion in self.data["criteria"]:
            self.criteria.addItem(criterion.get("key") or "(no key)")
            self.criteria.item(self.criteria.count() - 1).setToolTip(criterion.get("kind", ""))
        self.criteria.blockSignals(False)
        self.current = -1
        if self.data["criteria"]:
            self.criteria.setCurrentRow(max(0, min(select, len(self.data["criteria"]) - 1)))
        self.editor.setEnabled(bool(self.data["criteria"]))

    def _criterion_chosen(self, row: int) -> None:
        self.current = row
        if 0 <= row < len(self.data["criteria"]):
            self.editor.load(self.data["criteria"][row])

    def _criterion_edited(self) -> None:
        if not 0 <= self.current < len(self.data["criteria"]):
            return
        data = self.editor.dump()
        self.data["criteria"][self.current] = data
        item = self.criteria.item(self.current)
        if item is not None:
            item.setText(data["key"] or "(no key)")
            item.setToolTip(data["kind"])
        self._schedule_save()

    def _guidelines_edited(self) -> None:
        if not self._loading:
            self.data["guidelines"] = self.guidelines.toPlainText()
            self._schedule_save()

    def add_criterion(self) -> None:
        keys = {c.get("key") for c in self.data["criteria"]}
        n = 1
        while f"criterion_{n}" in keys:
            n += 1
        self.data["criteria"].append(
            {
                "key": f"criterion_{n}",
                "title": f"Criterion {n}",
                "kind": "categorical",
                "options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}],
            }
        )
        self._fill_criteria(len(self.data["criteria"]) - 1)
        self._schedule_save()

    def remove_criterion(self) -> None:
        if 0 <= self.current < len(self.data["criteria"]):
            del self.data["criteria"][self.current]
            self._fill_criteria(self.current)
            self._schedule_save()

    def move_criterion(self, step: int) -> None:
        row, target = self.current, self.current + step
        criteria = self.data["criteria"]
        if 0 <= row < len(criteria) and 0 <= target < len(criteria):
            criteria[row], criteria[target] = criteria[target], criteria[row]
            self._fill_criteria(target)
            self._schedule_save()

    def _tab_changed(self, index: int) -> None:
        if self.tabs.tabText(index) == "YAML":
            self.yaml.setPlainText(rubric_to_yaml(self.checked) if self.checked else "")

    def apply_yaml(self) -> None:
        try:
            parsed = parse_rubric_text(self.yaml.toPlainText(), "YAML")
        except AnnotatorError as error:
            self.message.setText(str(error))
            return
        self.data = drafts.version_data(parsed)
        self._loading = True
        self.guidelines.setPlainText(self.data.get("guidelines") or "")
        self._loading = False
        self._fill_criteria(0)
        self._schedule_save()

    # -- saving, preview, changes ---------------------------------------------------------------
    def _schedule_save(self) -> None:
        if self._loading or self.draft is None:
            return
        self.refresh()
        self.save_timer.start()

    def save(self) -> None:
        self.save_timer.stop()
        if self.project is None or self.draft is None or self.draft.published:
            return
        self.draft = drafts.save_draft(self.project, self.draft.id, self.data, self.note.text())
        self.status.setText(self._status_text())

    def refresh(self) -> None:
        self.status.setText(self._status_text())
        try:
            self.checked = drafts.check_draft(self.data)
        except AnnotatorError as error:
            self.checked = None
            self.problem.setText(f"Not publishable yet: {error}")
            self.problem.show()
            self.publish_button.setEnabled(False)
        else:
            self.problem.hide()
            unchanged = self.project is not None and _same_as_latest(self.project, self.checked)
            self.publish_button.setEnabled(
                self.draft is not None and not self.draft.published and not unchanged
            )
            self.publish_button.setToolTip(
                "The draft is the same as the latest version: nothing to publish."
                if unchanged
                else ""
            )
        self.heading.setText(f"Rubric editor  ·  {self.data.get('rubric', '')}")
        self.refresh_preview()
        self.changes.show_changes(self.project, self.checked)

    def refresh_preview(self) -> None:
        if self.checked is None:
            return
        self._preview_id -= 1  # a new signature: the form rebuilds its cards
        criteria = tuple(self.checked.criteria_for(self.pairwise.isChecked()))
        self.preview.set_criteria(criteria, self._preview_id)

    # -- publishing -------------------------------------------------------------------------
    def publish(self) -> None:
        if self.project is None or self.draft is None:
            return
        self.save()
        try:
            result = drafts.publish_draft(self.project, self.draft.id, self.note.text())
        except AnnotatorError as error:
            self.message.setText(str(error))
            return
        self.draft = drafts.get_draft(self.project, self.draft.id)
        self._set_enabled(False)
        report = stale_labels(self.project)
        text = f"Published {result.version.label}."
        if report.labels:
            people = sorted({label.annotator for label in report.labels})
            counts = ", ".join(f"{k} {n}" for k, n in report.by_criterion().items())
            text += f" {len(report.labels)} labels are stale now ({counts})."
            self.requeue_names.setText(", ".join(people))
            self.requeue_names.show()
            self.requeue_button.show()
        self.message.setText(text)
        self.status.setText(self._status_text())
        self.window_.statusBar().showMessage(text, 8000)

    def requeue(self) -> None:
        if self.project is None:
            return
        names = [n.strip() for n in self.requeue_names.text().split(",") if n.strip()]
        try:
            result = requeue_stale(self.project, names)
        except AnnotatorError as error:
            self.message.setText(str(error))
            return
        self.message.setText(result.summary())
        self.requeue_button.hide()
        self.requeue_names.hide()
