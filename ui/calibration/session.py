"""The calibration screen's session panel: a session's participants and their progress
(counts only until the lead reveals a round), and the next thing to do."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from annotator.base.errors import AnnotatorError
from annotator.calibration import sessions as cal
from annotator.rubric.versions import current_version, get_version
from annotator.store.project import Project


class SessionHost(Protocol):
    """What the panel asks of the calibration screen (typed here: the screen imports us)."""

    project: Project | None

    def refresh(self, select: int | None = None) -> None: ...
    def label_as(self, name: str) -> None: ...
    def open_reveal(self) -> None: ...
    def open_summary(self) -> None: ...
    def draft_rubric(self, session_id: int) -> None: ...
    def make_packs(self) -> None: ...
    def merge_packs(self) -> None: ...


class SessionPanel(QFrame):
    """One session: its participants' progress (counts only before the reveal) and the
    next thing to do."""

    def __init__(self, screen: SessionHost) -> None:
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
        if labeling and total and done == total:
            self.state.setText(
                f"Round {last.number} is finished: {done} of {total} answers are in. Press "
                f"“Reveal round {last.number}” below to show everyone's answers side by side "
                "(the command line: annotator session reveal)."
            )
        elif labeling:
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
