"""Answers the disk refused: a full disk, a read-only medium, an I/O error.

A busy project keeps a submitted label on disk (:mod:`annotator.workbench.pending`);
a disk that refuses writes usually refuses that file too, so the session keeps the
label in memory (`WorkSession.waiting`, the same slot a busy label waits in) and
the form's draft beside it, and says why with a typed
:class:`annotator.base.storage.StorageError`. Nothing is lost while the app runs;
on quit the answers still unwritten go to a recovery file
(:mod:`annotator.workbench.recovery`).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any

from annotator.base.storage import DiskFullError, StorageError, StorageIOError, storage_error
from annotator.store.project import Project
from annotator.workbench.drafts import Draft
from annotator.workbench.pending import PendingLabel, add_pending

LABEL_HINT = "press Enter again (it is also retried on its own); your answer is kept"
DRAFT_HINT = "keep working; the draft is kept in memory and written when space returns"
_RETYPED: dict[type[StorageError], int] = {DiskFullError: errno.ENOSPC, StorageIOError: errno.EIO}


def storage_failure(
    error: BaseException, project: Project, *, doing: str = "your label", hint: str = LABEL_HINT
) -> StorageError | None:
    """The typed error when `error` is the disk refusing a write, else None.

    The project's transaction already types a full disk or an I/O error, in general
    words ("the change ... try again"); it is said again here about the answer."""
    if type(error) in _RETYPED:
        error = OSError(_RETYPED[type(error)], str(error))
    return storage_error(error, project.path, doing=doing, hint=hint)


def keep_on_disk_if_possible(project: Project, entry: PendingLabel) -> bool:
    """Try the pending file too (the disk may take a small append); False when refused."""
    try:
        add_pending(project, entry)
    except OSError:
        return False
    return True


@dataclass
class Unsaved:
    """What one session holds that the disk has not taken yet."""

    labels: list[PendingLabel] = field(default_factory=list)
    drafts: list[tuple[int, Draft]] = field(default_factory=list)  # (annotator id, draft)

    @property
    def count(self) -> int:
        return len(self.labels) + len(self.drafts)

    def __bool__(self) -> bool:
        return self.count > 0


def draft_of(
    item_id: str,
    values: dict[str, Any],
    rationale: str,
    active_s: float,
    rubric_version_id: int | None,
    started_at: str | None,
    updated_at: str,
) -> Draft:
    return Draft(
        item_id=item_id,
        values=dict(values),
        rationale=rationale,
        active_s=active_s,
        rubric_version_id=rubric_version_id,
        started_at=started_at,
        updated_at=updated_at,
    )


__all__ = [
    "DRAFT_HINT",
    "LABEL_HINT",
    "Unsaved",
    "draft_of",
    "keep_on_disk_if_possible",
    "storage_failure",
]
