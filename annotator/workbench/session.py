"""One person's labeling session: what the annotate view shows and does, without Qt.

The view holds a :class:`WorkSession` and renders :class:`ItemCard`s. A card
carries the item, the rubric version it is judged under, and this person's own
previous label and draft, nothing else: never other people's labels, aggregate
labels, whether the item is an anchor, or an anchor's answer. Every submit is
committed (one transaction) before the next card is produced.

    >>> session = WorkSession(project, "Dr. Maya Chen")
    >>> card = session.open_next()
    >>> session.submit({"correctness": 4, "safety": "safe", "verdict": "ship"}, "", 12.5)

Items come from the person's queue, or from an :class:`ItemSource` (a
calibration round serves its own items, under its own rubric version, and
links every label it gets).
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import nullcontext
from dataclasses import replace
from typing import Any

from annotator.anchors import anchors
from annotator.base.clock import now_iso
from annotator.base.errors import AnnotatorError, DatabaseBusyError, LabelError, is_busy
from annotator.items.items import get_item
from annotator.labels.labels import (
    ANY_PREVIOUS,
    Label,
    LabelConflictError,
    check_label_values,
    current_label,
    get_label,
    label_from_row,
    submit_label,
    undo_last,
)
from annotator.queue import queue, requeue
from annotator.rubric.versions import current_version, get_version
from annotator.sources.sources import Annotator, get_annotator, source_by_id
from annotator.store.project import Project
from annotator.workbench.cards import ItemCard, ItemSource
from annotator.workbench.drafts import (
    Draft,
    discard_draft,
    latest_draft_item,
    load_draft,
    save_draft,
)
from annotator.workbench.figures import Progress, SessionSummary, SubmitResult
from annotator.workbench.pending import PendingLabel, pending_labels, remove_pending
from annotator.workbench.position import load_position, save_position
from annotator.workbench.suggestions import Shown, Suggestion, is_assisted, record_shown, shown_for
from annotator.workbench.unsaved import (
    DRAFT_HINT,
    Unsaved,
    draft_of,
    keep_on_disk_if_possible,
    storage_failure,
)

_UNKNOWN = object()  # the remembered position, not read yet


class SavePending(AnnotatorError):
    """The project is busy: the label is kept on disk and lands when the lock frees."""

    exit_code = 75


class WorkSession:
    """A person labeling in one project (or work pack)."""

    def __init__(
        self,
        project: Project,
        annotator: str | Annotator,
        item_source: ItemSource | None = None,
    ) -> None:
        self.project = project
        self.item_source = item_source
        self.annotator = (
            annotator if isinstance(annotator, Annotator) else get_annotator(project, annotator)
        )
        self.source = source_by_id(project, self.annotator.source_id)
        self.current: ItemCard | None = None
        self._history_index: int | None = None  # position in own history while going back
        self._opened_at: str | None = None
        self._repeat_of: int | None = None
        self._expected: int | None = None  # the own record the person saw (None: none)
        self.waiting: PendingLabel | None = None  # submitted, not yet written (busy or full)
        self.unsaved_drafts: dict[str, Draft] = {}  # drafts the disk refused, by item
        self.session_labels = 0
        self.session_active_s = 0.0
        self.session_statuses: dict[str, int] = {}
        self.session_amended = 0
        self._shown: dict[str, Shown | None] = {}  # assisted: item -> the suggestion shown
        self._draft_kept = False  # the card on screen has a draft row
        self._position: str | None | object = _UNKNOWN  # the earlier item remembered
        self._landed_here: dict[int, PendingLabel] = {}  # label id -> what this session wrote

    # -- moving between items -------------------------------------------------
    def card_for(self, item_id: str, *, from_history: bool = False) -> ItemCard:
        item = get_item(self.project, item_id)
        source = self.item_source
        rubric = source.rubric_version(self.project) if source else current_version(self.project)
        own = current_label(self.project, item_id, self.annotator.id)
        # The queue serving an item this person already labeled is a test-retest
        # repeat: it is labeled afresh, blind to the earlier answer, as a new record.
        # A skipped item coming back is answered in place (the answer supersedes the skip),
        # and so are an item source's items and an item re-queued under a new rubric version.
        answered = own is not None and own.status in ("submitted", "flagged")
        repeat = answered and not from_history and source is None
        if repeat and requeue.is_pending(self.project, self.annotator.id, item_id):
            repeat = False
        self._repeat_of = own.id if repeat and own is not None else None
        self._expected = own.id if own is not None else None
        self.current = ItemCard(
            item=item,
            rubric=rubric,
            criteria=tuple(rubric.criteria_for(item.pairwise)),
            own_label=own if from_history else None,
            draft=self.unsaved_drafts.get(item_id)
            or load_draft(self.project, self.annotator.id, item_id),
            from_history=from_history,
        )
        self._opened_at = self.current.draft.started_at if self.current.draft else now_iso()
        self._draft_kept = self.current.draft is not None
        if source is None and is_assisted(self.project, self.annotator.id):
            self._shown[item_id] = self._shown_or_none(item_id)
        else:
            self._shown.pop(item_id, None)
        return self.current

    def _shown_or_none(self, item_id: str) -> Shown | None:
        """The suggestion to show; none, rather than an item that will not open, while
        another process holds the write lock a decoy's plan row needs (its label then
        records that nothing was shown, which is true)."""
        try:
            return shown_for(self.project, self.annotator.id, item_id)
        except (sqlite3.OperationalError, DatabaseBusyError) as error:
            busy = not isinstance(error, sqlite3.OperationalError) or is_busy(error)
            if not busy and storage_failure(error, self.project) is None:
                raise
            return None  # (or the disk refuses the plan row: nothing shown, as recorded)

    @property
    def suggestion(self) -> Suggestion | None:
        """The suggestion beside the form for the item on screen (assisted queues only)."""
        if self.current is None:
            return None
        shown = self._shown.get(self.current.item.id)
        return shown.suggestion if shown is not None else None

    def open_next(self) -> ItemCard | None:
        """The item the queue serves now (the same one until it gets a label)."""
        self._history_index = None
        self._remember(None)
        item_id = self._queue_item()
        if item_id is None:
            self.current = None
            return None
        return self.card_for(item_id)

    def resume(self) -> ItemCard | None:
        """After a restart: where the person was. The earlier item of theirs they had
        gone back to (Alt+Right then moves on from it), else the queue's open item
        (with its draft, if any), else nothing: a finished queue stays finished.
        Drafts on other items wait there for the person to come back to them."""
        if self.item_source is None:
            item_id = self._remembered()
            history = self.history() if item_id is not None else []
            if item_id in history:
                self._history_index = history.index(item_id)
                return self.card_for(item_id, from_history=True)
            return self.open_next()
        item_id = latest_draft_item(self.project, self.annotator.id)
        if item_id is not None and self.item_source.allows(item_id):
            return self.card_for(item_id, from_history=item_id != self._queue_item())
        return self.open_next()

    def _remembered(self) -> str | None:
        if self._position is _UNKNOWN:
            self._position = load_position(self.project, self.annotator.id)
        return self._position  # type: ignore[return-value]

    def _remember(self, item_id: str | None) -> None:
        """Keep the earlier item on screen (None: the queue's) for the next launch;
        written only when it changes, never for an item source's session."""
        if self.item_source is not None or self._remembered() == item_id:
            return
        if save_position(self.project, self.annotator.id, item_id):
            self._position = item_id
        else:
            self._position = _UNKNOWN  # busy: written the next time it is asked

    def _queue_item(self) -> str | None:
        if self.item_source is not None:
            return self.item_source.next_item_id(self.project, self.annotator.id)
        return queue.next_item_id(self.project, self.annotator.id)

    def history(self) -> list[str]:
        """Items this person has labeled, most recent first."""
        rows = self.project.rows(
            "SELECT item_id FROM labels WHERE annotator_id = ? GROUP BY item_id "
            "ORDER BY max(id) DESC LIMIT 500",
            (self.annotator.id,),
        )
        items = [row[0] for row in rows]
        if self.item_source is not None:
            items = [item_id for item_id in items if self.item_source.allows(item_id)]
        return items

    def back(self) -> ItemCard | None:
        """Go to the previous item this person labeled, to look at or amend it."""
        history = self.history()
        if self.current is not None and not self.current.from_history:
            index = 0
        else:
            index = (self._history_index if self._history_index is not None else -1) + 1
        while index < len(history) and self.current and history[index] == self.current.item.id:
            index += 1
        if index >= len(history):
            return None
        self._history_index = index
        card = self.card_for(history[index], from_history=True)
        self._remember(card.item.id)
        return card

    def forward(self) -> ItemCard | None:
        """Towards the queue again: the next more recent item, then the queue's item."""
        if self._history_index is None:
            return self.current
        if self._history_index == 0:
            return self.open_next()
        self._history_index -= 1
        history = self.history()
        card = self.card_for(history[self._history_index], from_history=True)
        self._remember(card.item.id)
        return card

    # -- writing --------------------------------------------------------------
    def _write(
        self,
        status: str,
        values: dict[str, Any],
        rationale: str,
        active_s: float,
        note: str | None = None,
    ) -> SubmitResult:
        """Write the label now; if the project is busy, keep it on disk (SavePending)."""
        card = self._require_card()
        if status in ("skipped", "flagged") and not (note or "").strip():
            what = "a reason" if status == "skipped" else "a note"
            raise LabelError(f"A {status} label needs {what}.")
        values = check_label_values(card.rubric, values, pairwise=card.item.pairwise, status=status)
        entry = PendingLabel(
            uid=uuid.uuid4().hex,
            item_id=card.item.id,
            annotator=self.annotator.name,
            status=status,
            values=values,
            rationale=rationale,
            note=note,
            started_at=self._opened_at,
            submitted_at=now_iso(),
            duration_s=round(active_s, 3),
            rubric_version_id=card.rubric.id,
            repeat_of=self._repeat_of,
            expect_previous=self._expected,
            via_item_source=self.item_source is not None,
            amending=card.own_label is not None and self._repeat_of is None,
        )
        try:
            label = self._land(entry)
        except DatabaseBusyError:
            self.waiting = entry
            where = "on disk" if keep_on_disk_if_possible(self.project, entry) else "in memory"
            raise SavePending(
                f"Saving {card.item.id}: waiting for another process (an import, a merge or "
                f"another window) to finish. Your label is kept {where} and will be saved as "
                "soon as the project is free; nothing is lost."
            ) from None
        except LabelConflictError as conflict:
            self._expected = conflict.current.id  # submitting again is an explicit amend
            raise
        except Exception as error:
            failure = storage_failure(error, self.project)
            if failure is None:
                raise
            self.waiting = entry  # kept in memory (and on disk, if the disk takes it)
            keep_on_disk_if_possible(self.project, entry)
            raise failure from None
        return self._landed(entry, label)

    def retry_waiting(self) -> SubmitResult | None:
        """Try the kept label again (None if there is none); SavePending while still busy."""
        entry = self.waiting
        if entry is None:
            return None
        try:
            label = self._land(entry)
        except DatabaseBusyError:
            raise SavePending(f"Still waiting to save {entry.item_id}.") from None
        except Exception as error:
            failure = storage_failure(error, self.project)
            if failure is None:
                raise
            raise failure from None  # still refused: the label stays in memory
        self.waiting = None
        self._forget_kept({entry.uid})
        return self._landed(entry, label)

    def revise_waiting(self, values: dict[str, Any], rationale: str) -> None:
        """The person changed the form while its label waited (a full disk): the label
        waits with the change, under the same uid, so it still lands only once."""
        entry, card = self.waiting, self.current
        if entry is None or card is None or entry.item_id != card.item.id:
            return
        if entry.status == "skipped" or (values, rationale) == (entry.values, entry.rationale):
            return
        values = check_label_values(
            card.rubric, values, pairwise=card.item.pairwise, status=entry.status
        )
        self.waiting = replace(entry, values=values, rationale=rationale)

    def write_kept_labels(self) -> list[Label]:
        """After a crash or a busy spell: write this person's labels kept on disk.

        Each lands as it was submitted; one whose item got another label of theirs in
        the meantime is written as an amend (it was submitted later). Stops quietly
        while the project is still busy; what is left stays on disk for next time.
        """
        landed: list[Label] = []
        done: set[str] = set()
        for entry in pending_labels(self.project, self.annotator.name):
            if self.waiting is not None and entry.uid == self.waiting.uid:
                continue
            try:
                landed.append(self._land(entry, later_wins=True))
            except DatabaseBusyError:
                break
            except Exception as error:
                if storage_failure(error, self.project) is None:
                    raise
                break  # the disk still refuses: the rest waits on disk for next time
            done.add(entry.uid)
        self._forget_kept(done)
        return landed

    def _forget_kept(self, uids: set[str]) -> None:
        """Drop landed entries from the pending file; a disk that refuses even that
        leaves them there, harmlessly (an entry whose uid landed is never written twice)."""
        if not uids:
            return
        try:
            remove_pending(self.project, uids)
        except OSError as error:
            if storage_failure(error, self.project) is None:
                raise

    def _land(self, entry: PendingLabel, *, later_wins: bool = False) -> Label:
        """Write one label (with an item source: the label and its link, together)."""
        existing = self.project.row("SELECT * FROM labels WHERE uid = ?", (entry.uid,))
        if existing is not None:  # written before a crash, removal from disk not yet done
            return label_from_row(existing)
        version = get_version(self.project, entry.rubric_version_id)
        assisted = entry.item_id in self._shown
        together = entry.via_item_source or assisted
        with self.project.transaction() if together else nullcontext():
            try:
                label = submit_label(
                    self.project,
                    item_id=entry.item_id,
                    annotator=self.annotator,
                    values=entry.values,
                    rationale=entry.rationale,
                    status=entry.status,
                    note=entry.note,
                    started_at=entry.started_at,
                    submitted_at=entry.submitted_at,
                    duration_s=entry.duration_s,
                    rubric_version=version,
                    repeat_of=entry.repeat_of,
                    uid=entry.uid,
                    expect_previous=ANY_PREVIOUS if later_wins else entry.expect_previous,
                )
            except sqlite3.IntegrityError:
                row = self.project.row("SELECT * FROM labels WHERE uid = ?", (entry.uid,))
                if row is None:
                    raise
                return label_from_row(row)
            if entry.via_item_source and self.item_source is not None:
                self.item_source.record(self.project, label)
            if assisted:  # what was beside the form, in the label's own transaction
                shown = self._shown[entry.item_id]
                record_shown(self.project, label.id, self.annotator.id, entry.item_id, shown)
        return label

    def _landed(self, entry: PendingLabel, label: Label) -> SubmitResult:
        self._landed_here[label.id] = entry
        self._draft_kept = False  # the label's transaction deleted the draft
        self.unsaved_drafts.pop(entry.item_id, None)
        self.session_labels += 1
        self.session_active_s += entry.duration_s
        if entry.amending:  # a second answer on an item already counted: not new work
            self.session_amended += 1
        else:
            self.session_statuses[entry.status] = self.session_statuses.get(entry.status, 0) + 1
        return SubmitResult(label=label, feedback=self._feedback(label))

    def _feedback(self, label: Label) -> dict[str, Any] | None:
        return anchors.training_feedback(self.project, label.id)

    def submit(self, values: dict[str, Any], rationale: str, active_s: float) -> SubmitResult:
        """Commit a complete label (raises LabelError, naming the criterion, if incomplete)."""
        return self._write("submitted", values, rationale, active_s)

    def skip(self, reason: str, active_s: float) -> SubmitResult:
        return self._write("skipped", {}, "", active_s, note=reason)

    def flag(
        self, note: str, values: dict[str, Any], rationale: str, active_s: float
    ) -> SubmitResult:
        """Flag for review with a note; the values so far are kept (may be partial)."""
        return self._write("flagged", values, rationale, active_s, note=note)

    def undo(self) -> ItemCard | None:
        """Undo the last submit and show that item again, ready to change.

        An amend undone brings the earlier label back, and the form shows it. A new
        answer undone is retracted, and the queue steps back with it: the item is the
        queue's open item again (`done` drops by one) with the answer as submitted
        (every value and the rationale) in the form, kept as a draft. One transaction."""
        with self.project.transaction():
            record = undo_last(self.project, self.annotator)
            if record is None:
                return None
            assert record.supersedes is not None
            undone = get_label(self.project, record.supersedes)
            if self.item_source is None:
                queue.reopen_after_undo(self.project, self.annotator.id, undone.id)
            if record.status == "retracted" and (undone.values or undone.rationale):
                save_draft(  # nothing to fall back on: the answer waits in the form
                    self.project,
                    self.annotator.id,
                    undone.item_id,
                    undone.values,
                    undone.rationale or "",
                    undone.duration_s or 0.0,
                    undone.rubric_version_id,
                    undone.started_at,
                )
        self._forget_landed(undone.id)
        from_history = undone.item_id != self._queue_item()
        card = self.card_for(undone.item_id, from_history=from_history)
        history = self.history() if from_history else []
        self._history_index = history.index(card.item.id) if card.item.id in history else None
        self._remember(card.item.id if from_history else None)
        return card

    def _forget_landed(self, label_id: int) -> None:
        """An undone label of this session no longer counts in its figures."""
        entry = self._landed_here.pop(label_id, None)
        if entry is None:
            return
        self.session_labels = max(0, self.session_labels - 1)
        self.session_active_s = max(0.0, self.session_active_s - entry.duration_s)
        if entry.amending:
            self.session_amended = max(0, self.session_amended - 1)
            return
        left = self.session_statuses.get(entry.status, 0) - 1
        if left > 0:
            self.session_statuses[entry.status] = left
        else:
            self.session_statuses.pop(entry.status, None)

    def save_draft(self, values: dict[str, Any], rationale: str, active_s: float) -> None:
        """Keep the half-filled form; a form back at the saved answer (or empty) is no
        draft, and one that was is removed, so a look at an earlier item leaves
        nothing behind that would later say "Draft restored"."""
        card = self._require_card()
        item_id = card.item.id
        saved_values, saved_rationale = card.saved_answer
        try:
            if values == saved_values and rationale.strip() == saved_rationale.strip():
                self.unsaved_drafts.pop(item_id, None)
                if self._draft_kept:
                    discard_draft(self.project, self.annotator.id, item_id)
                    self._draft_kept = False
                return
            self._draft_kept = True
            save_draft(
                self.project,
                self.annotator.id,
                item_id,
                values,
                rationale,
                active_s,
                card.rubric.id,
                self._opened_at,
            )
        except Exception as error:
            failure = storage_failure(error, self.project, doing="your draft", hint=DRAFT_HINT)
            if failure is None:
                raise
            self.unsaved_drafts[item_id] = draft_of(
                item_id, values, rationale, active_s, card.rubric.id, self._opened_at, now_iso()
            )
            raise failure from None
        self.unsaved_drafts.pop(item_id, None)

    def write_unsaved_drafts(self) -> int:
        """Try the drafts the disk refused again; how many are still unwritten."""
        for item_id, draft in list(self.unsaved_drafts.items()):
            try:
                save_draft(
                    self.project,
                    self.annotator.id,
                    item_id,
                    draft.values,
                    draft.rationale,
                    draft.active_s,
                    draft.rubric_version_id,
                    draft.started_at,
                )
            except Exception as error:
                if storage_failure(error, self.project) is None:
                    raise
                break
            self.unsaved_drafts.pop(item_id, None)
        return len(self.unsaved_drafts)

    def unsaved(self) -> Unsaved:
        """What this session holds that the disk has not taken (for the recovery file)."""
        labels = [self.waiting] if self.waiting is not None else []
        answered = {entry.item_id for entry in labels}  # a label supersedes its item's draft
        drafts = [d for d in self.unsaved_drafts.values() if d.item_id not in answered]
        return Unsaved(labels, [(self.annotator.id, draft) for draft in drafts])

    def discard_draft(self) -> None:
        card = self._require_card()
        discard_draft(self.project, self.annotator.id, card.item.id)
        self._draft_kept = False

    # -- reading --------------------------------------------------------------
    def progress(self) -> Progress:
        if self.item_source is not None:
            done, remaining = self.item_source.status(self.project, self.annotator.id)
        else:
            status = queue.queue_status(self.project, self.annotator.id)
            done, remaining = status.done, status.remaining
        return Progress(
            done=done,
            remaining=remaining,
            session_labels=self.session_labels,
            session_active_s=self.session_active_s,
        )

    def summary(self) -> SessionSummary:
        statuses = dict(self.session_statuses)
        progress = self.progress()
        return SessionSummary(
            labels=statuses.get("submitted", 0),
            skipped=statuses.get("skipped", 0),
            flagged=statuses.get("flagged", 0),
            active_s=self.session_active_s,
            amended=self.session_amended,
            per_hour=progress.labels_per_hour,
            statuses=statuses,
        )

    def _require_card(self) -> ItemCard:
        if self.current is None:
            raise RuntimeError("No item is open.")
        return self.current
