"""The calibration screen (Ctrl+6): sessions, the blind round in the room, the reveal,
decisions, round 2 and the summary.

In the room the app switches who is labeling: pick a participant and they label
the round's items in the normal annotate view; Ctrl+6 brings the keyboard back
here to hand over (the annotate view is emptied, so the next person cannot go
back into the previous one's answers). Until the lead reveals a round this screen
shows only how many items each person has done, never a value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError
from annotator.calibration import sessions as cal
from annotator.calibration.summary import session_summary, summary_markdown
from annotator.revision.drafts import new_draft
from annotator.store.project import Project
from ui.calibration.new_session import NewSessionForm
from ui.calibration.packs import make_packs, merge_packs
from ui.calibration.reveal import RevealPage
from ui.calibration.session import SessionPanel

if TYPE_CHECKING:
    from ui.widgets.host import Host

HANDOVER = (
    "Calibration “{name}”, round {number}: blind. Label as you normally would; nobody sees "
    "anyone's answers until the lead reveals them. When you are done, press Ctrl+6 to hand over."
)


class CalibrationScreen(QWidget):
    """Sessions on the left, the chosen one on the right; the reveal and the summary
    take the whole screen."""

    def __init__(self, window: Host) -> None:
        super().__init__(window)
        self.window_ = window
        self.project: Project | None = None
        self.pages = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

        self.home = QWidget()
        home = QHBoxLayout(self.home)
        home.setContentsMargins(14, 14, 14, 14)
        left = QVBoxLayout()
        title = QLabel("CALIBRATION SESSIONS")
        title.setObjectName("SectionTitle")
        self.sessions = QListWidget()
        self.sessions.setFixedWidth(300)
        self.sessions.currentItemChanged.connect(self._chosen)
        self.new_button = QPushButton("New session…")
        self.new_button.clicked.connect(self.new_session)
        left.addWidget(title)
        left.addWidget(self.sessions, 1)
        left.addWidget(self.new_button)
        home.addLayout(left)
        self.panel = SessionPanel(self)
        home.addWidget(self.panel, 1)

        self.new_form = NewSessionForm()
        self.new_form.created.connect(self._created)
        self.new_form.cancelled.connect(lambda: self.pages.setCurrentWidget(self.home))
        self.reveal = RevealPage()
        self.reveal.back_requested.connect(self.back_home)
        self.summary = QWidget()
        summary = QVBoxLayout(self.summary)
        back = QPushButton("‹ Session")
        back.setObjectName("Flat")
        back.clicked.connect(self.back_home)
        self.summary_text = QTextBrowser()
        self.summary_text.setObjectName("ItemText")
        summary.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)
        summary.addWidget(self.summary_text, 1)
        for page in (self.home, self.new_form, self.reveal, self.summary):
            self.pages.addWidget(page)

    # -- the project ----------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.new_form.set_project(project)
        self.pages.setCurrentWidget(self.home)
        self.refresh()

    def on_shown(self) -> None:
        """Coming back here hands the keyboard over: the annotate view lets go of the
        participant who was labeling a round."""
        annotate = self.window_.annotate
        session = annotate.session
        if session is not None and isinstance(session.item_source, cal.RoundSource):
            annotate.set_session(None)
            annotate.set_banner(None)
        self.refresh(self.current_id())
        if self.pages.currentWidget() is self.home:
            self.panel.people.setFocus()

    def current_id(self) -> int | None:
        item = self.sessions.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def refresh(self, select: int | None = None) -> None:
        self.sessions.blockSignals(True)
        self.sessions.clear()
        sessions = cal.list_sessions(self.project) if self.project is not None else []
        for session in reversed(sessions):
            last = session.round()
            state = "blind" if not last.revealed else "revealed"
            item = QListWidgetItem(
                f"{session.name}\nround {last.number} · {state} · {session.status}"
            )
            item.setData(Qt.ItemDataRole.UserRole, session.id)
            self.sessions.addItem(item)
        self.sessions.blockSignals(False)
        ids = [s.id for s in reversed(sessions)]
        chosen = select if select in ids else (ids[0] if ids else None)
        if chosen is not None:
            self.sessions.setCurrentRow(ids.index(chosen))
        self._chosen()

    def _chosen(self, *_args: Any) -> None:
        session_id = self.current_id()
        if self.project is None or session_id is None:
            self.panel.show_session(None)
            return
        self.panel.show_session(cal.get_session(self.project, session_id))

    # -- flow -------------------------------------------------------------------------
    def new_session(self) -> None:
        self.new_form.set_project(self.project)
        self.pages.setCurrentWidget(self.new_form)
        self.new_form.name.setFocus()

    def _created(self, session_id: int) -> None:
        self.pages.setCurrentWidget(self.home)
        self.refresh(session_id)

    def back_home(self) -> None:
        self.pages.setCurrentWidget(self.home)
        self.refresh(self.current_id())

    def label_as(self, name: str) -> None:
        session_id = self.current_id()
        if self.project is None or session_id is None:
            return
        try:
            source = cal.RoundSource.for_person(self.project, session_id, name)
        except AnnotatorError as error:
            self.panel.message.setText(str(error))
            return
        session = cal.get_session(self.project, session_id)
        banner = HANDOVER.format(name=session.name, number=source.round.number)
        self.window_.start_labeling(name, item_source=source, banner=banner, badge="CALIBRATION")

    def open_reveal(self) -> None:
        session_id = self.current_id()
        if self.project is None or session_id is None:
            return
        try:
            self.reveal.show_round(self.project, session_id)
        except AnnotatorError as error:
            self.panel.message.setText(str(error))
            return
        self.pages.setCurrentWidget(self.reveal)
        self.reveal.setFocus()

    def open_summary(self) -> None:
        session_id = self.current_id()
        if self.project is None or session_id is None:
            return
        data = session_summary(self.project, session_id)
        self.summary_text.setMarkdown(summary_markdown(data))
        font = self.summary_text.font()
        font.setPointSizeF(self.reveal.points * 0.8)
        self.summary_text.setFont(font)
        self.pages.setCurrentWidget(self.summary)

    def draft_rubric(self, session_id: int) -> None:
        if self.project is None:
            return
        draft = new_draft(self.project, session=session_id)
        if self.window_.show_screen("rubric"):
            self.window_.screen("rubric").open_draft(draft.id)  # type: ignore[attr-defined]

    def make_packs(self) -> None:
        make_packs(self)

    def merge_packs(self) -> None:
        merge_packs(self)

    # -- keys ---------------------------------------------------------------------------
    def handle_action(self, name: str) -> bool:
        page = self.pages.currentWidget()
        if page is self.reveal:
            return self.reveal.handle_action(name)
        if page is self.home and name == "submit" and self.panel.label_button.isVisible():
            self.panel.label_selected()
            return True
        if page in (self.summary, self.new_form) and name == "leave_text":
            self.back_home()
            return True
        return False
