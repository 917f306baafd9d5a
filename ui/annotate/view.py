"""The annotate view: item on the left, rubric form on the right, all from the keyboard.

It shows and asks; the :class:`annotator.workbench.session.WorkSession` does the work.
Every submit is committed before the next item is drawn; the half-filled form
is saved as a draft (debounced) and restored after a restart or a crash. In an
assisted queue the session's suggestion for the item sits above the form
(:mod:`ui.annotate.suggestion_panel`); only the accept key puts it into the form.
"""

from __future__ import annotations

import gc
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError, DatabaseBusyError
from annotator.base.storage import StorageError, storage_error
from annotator.store.project import checkpoint
from annotator.workbench.active_time import ActiveClock
from annotator.workbench.session import ItemCard, SavePending, SubmitResult, WorkSession
from ui.annotate.item_panel import ItemPanel
from ui.annotate.panels import (
    FeedbackBanner,
    GuidelinesPanel,
    ProgressHeader,
    PromptBar,
    SummaryPage,
)
from ui.annotate.rubric_form import RubricForm
from ui.annotate.storage_banner import StorageBanner
from ui.annotate.suggestion_panel import (
    ShownSuggestion,
    SuggestionPanel,
    SuggestionProvider,
    form_values,
)
from ui.annotate.waiting import (
    NEXT_HINT,
    RETRY_MS,
    SAVING_TEXT,
    SUBMIT_TEXT,
    WaitingAnswers,
)
from ui.widgets.jobs import run_job
from ui.widgets.keys import is_text_field

DRAFT_DELAY_MS = 300
UI_BUSY_S = 0.02  # the longest a write from the window waits for another process
WAITING_ACTIONS = frozenset({"submit", "skip", "flag", "back", "forward", "undo"})
CHECKPOINT_MS = 20_000  # how often the WAL is copied into the project file, in the background
FORM_INSET_PX = 16  # the form's cards stop short of its scroll bar by this much


def session_suggestions(session: WorkSession) -> SuggestionProvider:
    """Assisted review: the suggestion the session fetched for the item on screen
    (`annotator.workbench.suggestions.suggestion_for`, when the person's queue has it
    on; never in a calibration room). The session records exactly this one with the
    label, so what is shown and what is recorded cannot differ."""

    def provider(item_id: str) -> ShownSuggestion | None:
        card = session.current
        return session.suggestion if card is not None and card.item.id == item_id else None

    return provider


class AnnotateView(WaitingAnswers, QWidget):
    """One person labeling; `session` is None until a project and person are chosen."""

    status = Signal(str)
    item_shown = Signal(str)  # item id, after the item is painted into the widgets

    def __init__(self, parent: QWidget | None = None, idle_seconds: int = 60) -> None:
        super().__init__(parent)
        self.session: WorkSession | None = None
        self.card: ItemCard | None = None
        self.clock = ActiveClock(idle_after=idle_seconds)
        self._loading = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.header = ProgressHeader()
        self.pages = QStackedWidget()
        self.work = QWidget()
        self.summary = SummaryPage()
        self.summary.back_requested.connect(self.go_back)
        self.empty = QLabel("Choose a project and the person labeling on the start screen.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("Muted")
        self.pages.addWidget(self.work)
        self.pages.addWidget(self.summary)
        self.pages.addWidget(self.empty)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.header)
        outer.addWidget(self.pages, 1)

        self.item_panel = ItemPanel()
        self.form = RubricForm()
        self.form.changed.connect(self._form_changed)
        self.form.current_changed.connect(self._criterion_changed)
        self.guidelines = GuidelinesPanel()
        self.guidelines.hide()
        self.suggestion_panel = SuggestionPanel()
        self.suggestions: SuggestionProvider | None = None
        self.current_suggestion: ShownSuggestion | None = None  # shown with the current item

        right = QFrame()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 10, 12, 10)
        right_layout.setSpacing(8)
        self.rubric_title = QLabel()
        self.rubric_title.setObjectName("SectionTitle")
        self.feedback = FeedbackBanner()
        self.banner = QLabel()
        self.banner.setObjectName("Banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.storage_banner = StorageBanner()  # the disk refused an answer: why, and a retry
        self.storage_banner.retry_requested.connect(self._retry_waiting)
        rationale_title = QLabel("RATIONALE  (Ctrl+T)")
        rationale_title.setObjectName("SectionTitle")
        self.rationale = QPlainTextEdit()
        self.rationale.setPlaceholderText("Why? (optional) — Ctrl+Enter submits, Esc returns")
        self.rationale.setFixedHeight(84)
        self.rationale.textChanged.connect(self._form_changed)
        self.prompt = PromptBar()
        self.prompt.accepted.connect(self._prompt_accepted)
        self.prompt.cancelled.connect(self.setFocus)
        self.prompt.refused.connect(self.status.emit)
        buttons = QHBoxLayout()
        self.skip_button = QPushButton("Skip  Ctrl+S")
        self.flag_button = QPushButton("Flag  Ctrl+R")
        self.submit_button = QPushButton(SUBMIT_TEXT)
        self.submit_button.setObjectName("Primary")
        for button in (self.skip_button, self.flag_button, self.submit_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.skip_button.clicked.connect(lambda: self.handle_action("skip"))
        self.flag_button.clicked.connect(lambda: self.handle_action("flag"))
        self.submit_button.clicked.connect(lambda: self.handle_action("submit"))
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.flag_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        self.message = QLabel()
        self.message.setObjectName("Muted")
        self.message.setWordWrap(True)
        for widget in (self.rubric_title, self.feedback, self.banner, self.storage_banner):
            right_layout.addWidget(widget)
        suggestion_row = QHBoxLayout()  # the panel's right edge lines up with the cards'
        suggestion_row.setContentsMargins(0, 0, FORM_INSET_PX, 0)
        suggestion_row.addWidget(self.suggestion_panel)
        right_layout.addLayout(suggestion_row)
        right_layout.addWidget(self.form, 1)
        right_layout.addWidget(rationale_title)
        right_layout.addWidget(self.rationale)
        right_layout.addWidget(self.prompt)
        right_layout.addWidget(self.message)
        right_layout.addLayout(buttons)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.item_panel)
        self.splitter.addWidget(right)
        self.splitter.addWidget(self.guidelines)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([780, 640, 0])
        work_layout = QVBoxLayout(self.work)
        work_layout.setContentsMargins(0, 0, 0, 0)
        work_layout.addWidget(self.splitter)

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(1000)
        self._tick_timer.timeout.connect(self._tick)
        self._tick_timer.start()
        self._switching = False  # between a slow write and drawing the next item
        self._checkpoint_timer = QTimer(self)  # the WAL copied into the file, off this thread
        self._checkpoint_timer.setInterval(CHECKPOINT_MS)
        self._checkpoint_timer.timeout.connect(self._checkpoint)
        self._retry_timer = QTimer(self)  # a label kept on disk while the project is busy
        self._retry_timer.setInterval(RETRY_MS)
        self._retry_timer.timeout.connect(self._retry_waiting)
        QGuiApplication.instance().applicationStateChanged.connect(self._app_state_changed)
        self.pages.setCurrentWidget(self.empty)

    # -- session ----------------------------------------------------------------
    def set_session(
        self, session: WorkSession | None, title: str = "", badge: str | None = None
    ) -> None:
        self.save_draft()
        self._retry_timer.stop()
        self._checkpoint_timer.stop()
        self._keep_unsaved()
        self._saved_again()
        self._switching = False
        self.session = session
        self.suggestions = session_suggestions(session) if session is not None else None
        self.header.set_context(title, badge)
        if session is None:
            # Let go of the last person's form too (in a calibration room the next
            # participant sits down at this view).
            self.card = None
            self._show_suggestion(None)
            self._loading = True
            try:
                self.form.clear()
                self.rationale.clear()
            finally:
                self._loading = False
            self.pages.setCurrentWidget(self.empty)
            return
        # The window's connection never waits for another process: a busy project
        # makes a submit wait on disk (see _commit), not the window.
        session.project.set_busy_timeout(UI_BUSY_S)
        session.project.defer_checkpoints()
        self._checkpoint_timer.start()
        kept = session.write_kept_labels()
        if kept:
            self.status.emit(f"Saved {len(kept)} label(s) kept from when the project was busy.")
        self._show(session.resume())
        # What is loaded now lives for the session: taking it out of the collector's
        # view keeps its full passes (50-70 ms with a large project loaded) from
        # landing between a key press and the next item.
        gc.freeze()

    def set_banner(self, text: str | None) -> None:
        self.banner.setVisible(bool(text))
        self.banner.setText(text or "")

    # -- showing ------------------------------------------------------------------
    def _show(self, card: ItemCard | None) -> None:
        self.card = card
        self.prompt.hide()
        self._show_suggestion(card)
        if card is None:
            self._refresh_progress()
            if self.session is not None:
                self.summary.show_summary(self.session.summary())
            self.pages.setCurrentWidget(self.summary)
            self.setFocus()
            return
        self._loading = True
        try:
            self.item_panel.show_item(card.item)
            self.form.set_criteria(card.criteria, card.rubric.id)
            self.form.set_values(card.initial_values)
            self.rationale.setPlainText(card.initial_rationale)
            self.form.set_current(0)
        finally:
            self._loading = False
        where = "amending your earlier label" if card.from_history else "from your queue"
        self.rubric_title.setText(
            f"{card.rubric.name.upper()}  ·  V{card.rubric.version}  ·  {where}"
        )
        self.message.setText("Draft restored." if card.draft else "")
        self.clock.reset(card.draft.active_s if card.draft else 0.0)
        self.pages.setCurrentWidget(self.work)
        self._refresh_progress()
        self._criterion_changed(self.form.current)
        self.setFocus()
        self.item_shown.emit(card.item.id)

    # -- assisted review ------------------------------------------------------------
    def set_suggestion_provider(self, provider: SuggestionProvider | None) -> None:
        """Use another provider (None: no suggestions) and redraw the current item's."""
        self.suggestions = provider
        self._show_suggestion(self.card)

    def _show_suggestion(self, card: ItemCard | None) -> None:
        """The provider's suggestion for the card's item beside the form, or no panel.
        Shown only, never put into the form: that takes the accept key."""
        suggestion = None
        if card is not None and self.suggestions is not None:
            try:
                suggestion = self.suggestions(card.item.id)
            except AnnotatorError as error:
                self.status.emit(f"No suggestion for {card.item.id}: {error}")
        self.current_suggestion = suggestion
        self.suggestion_panel.show_suggestion(suggestion, card.criteria if card else ())

    def accept_suggestion(self) -> None:
        """Fill the form with the suggestion's values; the person still checks and submits."""
        if self.card is None or self.current_suggestion is None:
            self.status.emit("No suggestion for this item.")
            return
        values = form_values(self.current_suggestion, self.card.criteria)
        if not values:
            self.message.setText("The suggestion has no value for this form's criteria.")
            return
        self.form.set_values({**self.form.values(), **values})
        self._form_changed()
        self.message.setText(
            f"Filled {len(values)} answer(s) from the suggestion: check them, then Enter submits."
        )
        self.setFocus()

    def _refresh_progress(self) -> None:
        if self.session is not None:
            self.header.set_progress(self.session.progress())

    def _criterion_changed(self, index: int) -> None:
        if self.card is not None and self.guidelines.isVisible():
            card = self.form.current_card
            self.guidelines.show_for(self.card.rubric, card.criterion if card else None)

    # -- drafts and time --------------------------------------------------------------
    def _form_changed(self) -> None:
        if not self._loading and self.card is not None:
            self.clock.activity()
            self._draft_timer.start()

    def save_draft(self) -> None:
        """Write the half-filled form now (also called on close)."""
        self._draft_timer.stop()
        if self.session is None or self.card is None or self.pages.currentWidget() is not self.work:
            return
        values, rationale = self.form.values(), self.rationale.toPlainText()
        try:  # the session keeps only a form that differs from the saved answer
            self.session.save_draft(values, rationale, self.clock.tick())
        except DatabaseBusyError:
            self._draft_timer.start()  # another process is writing: try again shortly
        except StorageError as error:  # kept in memory by the session, retried on a timer
            self._refused(error, "Your draft is not saved yet; it is kept in memory")

    def _tick(self) -> None:
        if self.card is not None:
            self.header.set_item_time(self.clock.tick(), self.clock.idle)

    def _app_state_changed(self, state: Qt.ApplicationState) -> None:
        self.clock.set_focused(state == Qt.ApplicationState.ApplicationActive)

    def note_activity(self) -> None:
        self.clock.activity()

    # -- actions ------------------------------------------------------------------
    def handle_action(self, name: str) -> bool:
        """Run a keymap action; returns whether this view used it."""
        if self.session is None:
            return False
        if self.saving and name in WAITING_ACTIONS:
            # One label at a time: the kept one lands before the person moves on (with
            # what the form holds now: it may have been changed while the disk was full).
            if name == "submit" and not self._revise_waiting():
                return True
            self._retry_waiting()
            return True
        if self._switching:
            self._show_next()  # a key typed ahead acts on the next item, in order
            if self._switching:
                return name in WAITING_ACTIONS  # the next item could not be drawn yet
        on_work_page = self.pages.currentWidget() is self.work and self.card is not None
        handlers = {
            "back": self.go_back,
            "forward": self.go_forward,
            "undo": self.undo,
        }
        if name in handlers:
            handlers[name]()
            return True
        if not on_work_page:
            return False
        if name == "submit" and self.prompt.isVisible():
            self.prompt.confirm()  # Ctrl+Enter in the prompt answers the prompt, not the form
            return True
        if name == "leave_text":
            if self.prompt.isVisible():
                self.prompt.cancel()
            elif self.item_panel.find_bar.isVisible():
                self.item_panel.close_find()
            self.setFocus()
            return True
        form_actions = {
            "submit": self.submit,
            "skip": lambda: self.prompt.ask("skip", "Why skip this item?", PromptBar.SKIP_REASONS),
            "flag": lambda: self.prompt.ask("flag", "Note for the reviewer:"),
            "next_criterion": lambda: self.form.move(1),
            "prev_criterion": lambda: self.form.move(-1),
            "next_option": lambda: self.form.current_card and self.form.current_card.move_option(1),
            "prev_option": lambda: (
                self.form.current_card and self.form.current_card.move_option(-1)
            ),
            "toggle_option": self._toggle_option,
            "clear_criterion": self.form.clear_current,
            "rationale": self.rationale.setFocus,
            "guidelines": self.toggle_guidelines,
            "find": self.item_panel.open_find,
            "details": self.item_panel.toggle_details,
            "accept_suggestion": self.accept_suggestion,
            "suggestion_rationale": self.suggestion_panel.toggle_rationale,
        }
        handler = form_actions.get(name)
        if handler is None:
            return False
        handler()
        return True

    def handle_text(self, text: str) -> bool:
        """A plain key no action claims: an option hotkey for the current criterion."""
        if self._switching:
            self._show_next()  # typed ahead: the key is for the next item
            if self._switching:
                return False
        if self.card is None or self.pages.currentWidget() is not self.work:
            return False
        used = self.form.pick_key(text)
        if used and not is_text_field(QApplication.focusWidget()):
            self.setFocus()
        return used

    def _toggle_option(self) -> None:
        card = self.form.current_card
        if card is not None and card.focus_input():
            return  # numbers and text: Space starts typing
        chose = card is not None and card.toggle_highlighted() and card.single_choice
        if chose and card.value() is not None:
            self.form.move(1)

    def toggle_guidelines(self) -> None:
        visible = not self.guidelines.isVisible()
        self.guidelines.setVisible(visible)
        width = max(self.splitter.width(), 900)
        if visible:
            self.splitter.setSizes([int(width * 0.42), int(width * 0.33), int(width * 0.25)])
            self._criterion_changed(self.form.current)
        else:
            self.splitter.setSizes([int(width * 0.55), int(width * 0.45), 0])

    def submit(self) -> None:
        if self.session is None or self.card is None:
            return
        missing = self.form.missing_required()
        if missing:
            index = next(i for i, c in enumerate(self.form.cards) if c.criterion is missing[0])
            self.form.set_current(index)
            names = ", ".join(c.title for c in missing)
            self.message.setText(f"Required before submitting: {names}.")
            return
        self._commit("submitted")

    def _prompt_accepted(self, purpose: str, text: str) -> None:
        self._commit("skipped" if purpose == "skip" else "flagged", text)

    def _commit(self, status: str, note: str | None = None) -> None:
        assert self.session is not None and self.card is not None
        self._draft_timer.stop()
        seconds = self.clock.tick()
        was_history = self.card.from_history
        try:
            if status == "submitted":
                result = self.session.submit(
                    self.form.values(), self.rationale.toPlainText(), seconds
                )
            elif status == "skipped":
                result = self.session.skip(note or "", seconds)
            else:
                result = self.session.flag(
                    note or "", self.form.values(), self.rationale.toPlainText(), seconds
                )
        except SavePending as waiting:
            self.message.setText(str(waiting))
            self.submit_button.setText(SAVING_TEXT)
            self._retry_timer.start()
            return
        except StorageError as error:  # the session keeps the label in memory
            self._refused(error)
            return
        except AnnotatorError as error:
            self.message.setText(str(error))
            self.setFocus()
            return
        self._after_commit(result, status, was_history)

    def _after_commit(
        self, result: SubmitResult, status: str, was_history: bool, *, next_turn: bool = False
    ) -> None:
        """Say it is saved and show the next item. After a label that waited for another
        process (its write, then the first read after that process's commit, are slow),
        the next item is drawn on the event loop's next turn, so the window answers in
        between instead of freezing for the write and the drawing together."""
        assert self.session is not None
        self.feedback.show_feedback(result.feedback)
        verb = {"submitted": "Saved", "skipped": "Skipped", "flagged": "Flagged"}[status]
        self.status.emit(f"{verb} {result.label.item_id}" + (" (amended)" if was_history else ""))
        self._switching = True
        if not next_turn:
            self._show_next()
            return
        QTimer.singleShot(0, self._show_next)

    def _show_next(self) -> None:
        """Draw the next item; a disk that refuses the queue's one-row advance leaves
        the saved item on screen, refusing keys, until a retry draws the next one."""
        if not self._switching:
            return  # already drawn (a key typed ahead asked for it first)
        if self.session is None:
            self._switching = False
            return
        try:
            card = self.session.open_next()
        except DatabaseBusyError:  # saved; the queue's advance waits for the lock to free
            self._retry_timer.setInterval(RETRY_MS)
            self._retry_timer.start()
            return
        except Exception as error:
            failure = storage_error(
                error, self.session.project.path, doing="the next item", hint=NEXT_HINT
            )
            if failure is None:
                self._switching = False
                raise
            self._refused(failure, "Your label is saved; the next item could not be opened")
            return
        self._switching = False
        self._saved_again()
        if self.session.unsaved_drafts:
            self._retry_later()  # drafts the disk refused earlier: tried again quietly
        self._show(card)

    def _checkpoint(self) -> None:
        if self.session is not None:
            path = self.session.project.path
            run_job(lambda _job: checkpoint(path), owner=self)

    def reload(self) -> None:
        """Draw where the person is again (recovered answers were just written)."""
        if self.session is not None and not self.saving and not self._switching:
            self._show(self.session.resume())

    def go_back(self) -> None:
        if self.session is None:
            return
        self.save_draft()
        card = self.session.back()
        if card is None:
            self.status.emit("No earlier item to go back to.")
            return
        self.feedback.show_feedback(None)
        self._show(card)

    def go_forward(self) -> None:
        if self.session is None:
            return
        self.save_draft()
        self._show(self.session.forward())

    def undo(self) -> None:
        """Take the last submit back: its item with that answer in the form, to change."""
        if self.session is None:
            return
        self.save_draft()  # the form on screen is kept before another item replaces it
        try:
            card = self.session.undo()
        except AnnotatorError as error:
            self.status.emit(f"Could not undo: {error}")
            return
        if card is None:
            self.status.emit("Nothing to undo.")
            return
        self.status.emit(f"Undid the last submit on {card.item.id}.")
        self.feedback.show_feedback(None)
        self._show(card)
        self.message.setText(
            "Undone: your earlier label is back. Change it, or move on with Alt+Right."
            if card.from_history
            else "Undone: your answer is back in the form. Change it, then submit."
        )

    def set_zoom(self, zoom: int) -> None:
        self.item_panel.set_zoom(zoom)

    def current_values(self) -> dict[str, Any]:
        return self.form.values()
