"""What the annotate view does while an answer waits: a busy project, or a disk that
refuses the write (full, read-only, failing).

The session keeps the answer (`WorkSession.waiting`, `unsaved_drafts`); this part of
the view says why (the form's message line, a banner, the status line), retries on a
timer and when asked (Enter, the banner's button), and, when the session goes with
answers still unwritten, puts them in the recovery file the next open offers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.base.errors import AnnotatorError
from annotator.base.storage import (
    DiskFullError,
    FileVanishedError,
    ReadOnlyStorageError,
    StorageError,
    StorageIOError,
    StoragePermissionError,
)
from annotator.workbench.recovery import write_recovery
from annotator.workbench.session import SavePending

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer, SignalInstance
    from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton

    from annotator.workbench.session import SubmitResult, WorkSession
    from ui.annotate.rubric_form import RubricForm
    from ui.annotate.storage_banner import StorageBanner

SUBMIT_TEXT = "Submit  ⏎"
SAVING_TEXT = "Saving…"  # a submitted label waits on disk for the project to be free
RETRY_MS = 250  # how often a label kept on disk is tried again
KEPT_TITLE = "Your answer is not saved yet; it is kept here"
NEXT_HINT = "press Enter again; your label is saved"
STORAGE_RETRY_MS = 3000  # how often an answer the disk refused is tried again
NOT_SAVED_TEXT = "Not saved: Enter retries"

KEPT_LINE = "Your answer is kept here; Enter retries, and so does the app every few seconds."
REASONS: dict[type[StorageError], str] = {
    DiskFullError: "the disk is full",
    ReadOnlyStorageError: "the project is on a read-only medium",
    StorageIOError: "the disk reported an I/O error",
    StoragePermissionError: "the system refused access",
    FileVanishedError: "the project file was moved or unmounted",
}


def short_reason(error: StorageError) -> str:
    return REASONS.get(type(error), "the disk refused the write")


class WaitingAnswers:
    """Mixed into :class:`ui.annotate.view.AnnotateView` (which owns the widgets)."""

    session: WorkSession | None
    status: SignalInstance
    message: QLabel
    submit_button: QPushButton
    storage_banner: StorageBanner
    form: RubricForm
    rationale: QPlainTextEdit
    _retry_timer: QTimer
    _draft_timer: QTimer
    _switching: bool

    def _show_next(self) -> None: ...

    def _after_commit(
        self, result: SubmitResult, status: str, was_history: bool, *, next_turn: bool = False
    ) -> None: ...

    @property
    def saving(self) -> bool:
        """True while a submitted label waits: for the project to be free (kept on disk),
        or for a disk that refused it (kept in memory)."""
        return self.session is not None and self.session.waiting is not None

    def _retry_waiting(self) -> None:
        """Try again what waits: a label (busy project or refusing disk), drafts the disk
        refused, the next item's draw. Called by the timer, Enter and the banner."""
        session = self.session
        if self._switching:
            self._show_next()
            return
        if session is None or (session.waiting is None and not session.unsaved_drafts):
            self._saved_again()
            return
        if session.unsaved_drafts and session.write_unsaved_drafts():
            return  # the disk still refuses; the banner stays, the timer tries again
        entry = session.waiting
        if entry is None:
            self._saved_again()
            self.status.emit("Your draft is saved now.")
            return
        try:
            result = session.retry_waiting()
        except SavePending:
            return  # still busy; the label stays on disk, the timer tries again
        except StorageError as error:
            self._refused(error)
            return
        except AnnotatorError as error:
            self._retry_timer.stop()
            self.submit_button.setText(SUBMIT_TEXT)
            self.message.setText(f"Could not save {entry.item_id}: {error}")
            return
        self._saved_again()
        if result is not None:
            self.message.setText("")
            self._after_commit(result, entry.status, entry.amending, next_turn=True)

    def let_go(self) -> None:
        """The window closes: no retry, draft or next item after this (what was unsaved
        went to the recovery file, or the person chose to lose it)."""
        self._retry_timer.stop()
        self._draft_timer.stop()
        self._switching = False

    def retry_now(self) -> None:
        """Try what waits once more now (before a quit)."""
        self._retry_waiting()

    def _revise_waiting(self) -> bool:
        """The form's answer now goes with the waiting label (False: the form is refused)."""
        assert self.session is not None
        try:
            self.session.revise_waiting(self.form.values(), self.rationale.toPlainText())
        except AnnotatorError as error:
            self.message.setText(str(error))
            return False
        return True

    def _refused(self, error: StorageError, title: str = KEPT_TITLE) -> None:
        """The disk refused a write: say why (form, banner, status line), retry on a timer."""
        if title == KEPT_TITLE:  # the banner says it all; the line under the form, in short
            self.message.setText(f"Not saved: {short_reason(error)}. {KEPT_LINE}")
            self.submit_button.setText(NOT_SAVED_TEXT)
        self.storage_banner.show_refusal(title, str(error))
        self.status.emit(f"Not saved: {error}")
        self._retry_later()

    def _retry_later(self) -> None:
        """Retry every few seconds: freeing space is enough, no key needed."""
        self._retry_timer.setInterval(STORAGE_RETRY_MS)
        self._retry_timer.start()

    def _saved_again(self) -> None:
        """Nothing waits any more: the banner goes, retries stop, Enter submits again."""
        self._retry_timer.stop()
        self._retry_timer.setInterval(RETRY_MS)
        self.submit_button.setText(SUBMIT_TEXT)
        self.storage_banner.clear()

    def _keep_unsaved(self) -> None:
        """The session is going (another person, project or round): what the disk would
        not take goes to the recovery file, which the next open of the project offers."""
        session = self.session
        if session is None or not (unsaved := session.unsaved()):
            return
        try:
            path = write_recovery(
                session.project, unsaved, {session.annotator.id: session.annotator.name}
            )
        except AnnotatorError as error:
            self.status.emit(f"{unsaved.count} answer(s) could not be kept: {error}")
            return
        self.status.emit(f"{unsaved.count} unsaved answer(s) kept in {path}.")


__all__ = [
    "KEPT_LINE",
    "KEPT_TITLE",
    "NEXT_HINT",
    "NOT_SAVED_TEXT",
    "RETRY_MS",
    "SAVING_TEXT",
    "STORAGE_RETRY_MS",
    "SUBMIT_TEXT",
    "WaitingAnswers",
    "short_reason",
]
