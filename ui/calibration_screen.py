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
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator import calibration as cal
from annotator.calibration_summary import session_summary, summary_markdown
from annotator.errors import AnnotatorError
from annotator.rubrics import current_version, get_version
from annotator.store import Project
from ui.calibration_new import NewSessionForm
from ui.calibration_reveal import RevealPage

if TYPE_CHECKING:
    from ui.main_window import MainWindow

HANDOVER = (
    "Calibration “{name}”, round {number}: blind. Label as you normally would; nobody sees "
    "anyone's answers until the lead reveals them. When you are done, press Ctrl+6 to hand over."
)


class SessionPanel(QFrame):
    """One session: its participants' progress (counts only before the reveal) and the
    next thing to do."""

    def __init__(self, screen: CalibrationScreen) -> None:
        super().__init__()
        self.screen = screen
        self.session: cal.Session | None = None
        self._confirm_reveal = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 4, 8, 8)
        layout.setSpacing(10)
        self.title = QLabel("Choose or create a session")
        self.title.setObjectName("HeaderTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        self.title.setFont(font)
        self.meta = QLabel()
        self.meta.setObjectName("Muted")
        self.meta.setWordWrap(True)
        self.state = QLabel()
        self.state.setObjectName("Banner")
        self.state.setWordWrap(True)
        self.people = QTableWidget()
        self.people.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.people.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.people.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.people.verticalHeader().hide()
        self.people.horizontalHeader().setStretchLastSection(True)
        self.people.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.people.setMaximumHeight(190)
        self.people.doubleClicked.connect(lambda _index: self.label_selected())
        self.label_button = QPushButton("Label as the selected participant")
        self.label_button.setObjectName("Primary")
        self.label_button.clicked.connect(self.label_selected)
        self.reveal_button = QPushButton()
        self.reveal_button.clicked.connect(self.reveal)
        self.open_button = QPushButton("Open the reveal")
        self.open_button.setObjectName("Primary")
        self.open_button.clicked.connect(lambda: self.screen.open_reveal())
        self.fresh = QLineEdit()
        self.fresh.setPlaceholderText("fresh item ids for the next round (empty: the same items)")
        self.next_button = QPushButton("Start the next round")
        self.next_button.clicked.connect(self.next_round)
        self.summary_button = QPushButton("Summary")
        self.summary_button.clicked.connect(lambda: self.screen.open_summary())
        self.draft_button = QPushButton("Draft the next rubric version from the notes")
        self.draft_button.clicked.connect(self.draft_rubric)
        self.packs_button = QPushButton("Make a work pack for each participant…")
        self.packs_button.clicked.connect(lambda: self.screen.make_packs())
        self.merge_button = QPushButton("Merge their packs…")
        self.merge_button.clicked.connect(lambda: self.screen.merge_packs())
        self.message = QLabel()
        self.message.setObjectName("Muted")
        self.message.setWordWrap(True)
        for widget in (self.title, self.meta, self.state, self.people):
            layout.addWidget(widget)
        row = QHBoxLayout()
        for button in (self.label_button, self.packs_button, self.merge_button, self.reveal_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        after = QHBoxLayout()
        for button in (self.open_button, self.summary_button, self.draft_button):
            after.addWidget(button)
        after.addStretch(1)
        layout.addLayout(after)
        again = QHBoxLayout()
        again.addWidget(self.fresh, 1)
        again.addWidget(self.next_button)
        layout.addLayout(again)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.show_session(None)

    @property
    def project(self) -> Project | None:
        return self.screen.project

    def show_session(self, session: cal.Session | None) -> None:
        self.session = session
        self._confirm_reveal = False
        widgets = (
            self.people,
            self.label_button,
            self.reveal_button,
            self.open_button,
            self.fresh,
            self.next_button,
            self.summary_button,
            self.draft_button,
            self.packs_button,
            self.merge_button,
            self.state,
        )
        if session is None or self.project is None:
            self.title.setText("Choose or create a session")
            self.meta.setText(
                "A calibration session: a few items, a blind round, a reveal, decisions and "
                "an optional second round that measures the effect."
            )
            for widget in widgets:
                widget.hide()
            return
        last = session.round()
        version = get_version(self.project, last.rubric_version_id)
        self.title.setText(session.name)
        mode = "in the room" if session.mode == "room" else "through work packs"
        self.meta.setText(
            f"{len(session.items)} items · {len(session.participants)} participants · "
            f"runs {mode} · round {last.number} under {version.label} · {session.status}"
        )
        progress = cal.round_progress(self.project, session, last.number)
        self.people.show()
        self.people.clear()
        self.people.setColumnCount(3)
        self.people.setHorizontalHeaderLabels(["Participant", f"Round {last.number}", "Of"])
        self.people.setRowCount(len(progress))
        for row, (name, (done, total)) in enumerate(progress.items()):
            self.people.setItem(row, 0, QTableWidgetItem(name))
            self.people.setItem(row, 1, QTableWidgetItem("✓ done" if done == total else str(done)))
            self.people.setItem(row, 2, QTableWidgetItem(str(total)))
        if self.people.currentRow() < 0 and progress:
            pending = [i for i, (d, t) in enumerate(progress.values()) if d < t]
            self.people.selectRow(pending[0] if pending else 0)
        labeling = not last.revealed and session.status == "open"
        done = sum(d for d, _ in progress.values())
        total = sum(t for _, t in progress.values())
        self.state.show()
        if labeling:
            self.state.setText(
                f"Round {last.number} is blind: {done} of {total} answers are in. Only these "
                "counts are shown until you reveal the round."
            )
        else:
            self.state.setText(
                f"Round {last.number} is revealed. Decide the disputed items, promote good "
                "examples to anchors, write guideline notes; then run another round or read "
                "the summary."
            )
        room = session.mode == "room"
        self.label_button.setVisible(labeling and room)
        self.packs_button.setVisible(labeling and not room)
        self.merge_button.setVisible(labeling and not room)
        self.reveal_button.setVisible(labeling)
        self.reveal_button.setText(f"Reveal round {last.number}")
        self.open_button.setVisible(last.revealed)
        self.fresh.setVisible(last.revealed and session.status == "open")
        self.next_button.setVisible(last.revealed and session.status == "open")
        self.next_button.setText(f"Start round {last.number + 1}")
        self.summary_button.show()
        self.draft_button.setVisible(any(r.revealed for r in session.rounds))

    def selected_person(self) -> str | None:
        row = self.people.currentRow()
        if self.session is None or row < 0:
            return None
        return self.people.item(row, 0).text()

    def label_selected(self) -> None:
        name = self.selected_person()
        if name is not None:
            self.screen.label_as(name)

    def reveal(self) -> None:
        if self.session is None or self.project is None:
            return
        progress = cal.round_progress(self.project, self.session)
        missing = [name for name, (done, total) in progress.items() if done < total]
        if missing and not self._confirm_reveal:
            self._confirm_reveal = True
            self.reveal_button.setText(f"Reveal anyway? {', '.join(missing)} not done")
            return
        cal.reveal_round(self.project, self.session.id)
        self.screen.refresh(self.session.id)
        self.screen.open_reveal()

    def next_round(self) -> None:
        if self.session is None or self.project is None:
            return
        items = [i.strip() for i in self.fresh.text().split(",") if i.strip()] or None
        try:
            cal.start_round(self.project, self.session.id, items)
        except AnnotatorError as error:
            self.message.setText(str(error))
            return
        self.fresh.clear()
        version = current_version(self.project)
        self.message.setText(f"The next round is open and blind, under {version.label}.")
        self.screen.refresh(self.session.id)

    def draft_rubric(self) -> None:
        if self.session is not None:
            self.screen.draft_rubric(self.session.id)


class CalibrationScreen(QWidget):
    """Sessions on the left, the chosen one on the right; the reveal and the summary
    take the whole screen."""

    def __init__(self, window: MainWindow) -> None:
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
        from annotator.rubric_drafts import new_draft

        if self.project is None:
            return
        draft = new_draft(self.project, session=session_id)
        if self.window_.show_screen("rubric"):
            self.window_.screen("rubric").open_draft(draft.id)  # type: ignore[attr-defined]

    def make_packs(self) -> None:
        from ui.calibration_packs import make_packs

        make_packs(self)

    def merge_packs(self) -> None:
        from ui.calibration_packs import merge_packs

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
