"""Labels submitted while another process held the project: kept on disk until they land.

A submit is the moment a person's work must be safe. When the project is busy
(an import, a merge, another window), the label cannot be written yet, so it is
appended, fsynced, to a small JSONL file beside the project, and written from
there as soon as the lock frees, by the same session or, after a crash, by the
next one. Each entry carries the label's uid, chosen at submit time, so writing
an entry twice (a crash between the write and the removal) adds nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from annotator.store.project import Project

SUFFIX = ".pending-labels.jsonl"


@dataclass(frozen=True)
class PendingLabel:
    """Everything `submit_label` needs, as it was at the moment of the submit."""

    uid: str
    item_id: str
    annotator: str
    status: str
    values: dict[str, Any]
    rationale: str
    note: str | None
    started_at: str | None
    submitted_at: str
    duration_s: float
    rubric_version_id: int
    repeat_of: int | None
    expect_previous: int | None
    via_item_source: bool
    amending: bool = False  # the person went back to change an earlier label


def pending_path(project: Project) -> Path:
    return project.path.with_name(project.path.name + SUFFIX)


def add_pending(project: Project, entry: PendingLabel) -> None:
    """Append one entry and fsync it: from here on a kill cannot lose the label."""
    path = pending_path(project)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def pending_labels(project: Project, annotator: str | None = None) -> list[PendingLabel]:
    """The entries still waiting, oldest first (one person's, or everyone's)."""
    return [
        e for e in _read(pending_path(project)) if annotator is None or e.annotator == annotator
    ]


def remove_pending(project: Project, uids: set[str]) -> None:
    """Drop landed entries (rewrite, then rename: a kill leaves the old file or the new)."""
    path = pending_path(project)
    left = [e for e in _read(path) if e.uid not in uids]
    if not left:
        with suppress(FileNotFoundError):
            path.unlink()
        return
    scratch = path.with_name(path.name + ".tmp")
    with open(scratch, "w", encoding="utf-8") as handle:
        for entry in left:
            handle.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(scratch, path)


def _read(path: Path) -> Iterator[PendingLabel]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        with suppress(ValueError, TypeError):  # a torn last line from a kill mid-append
            yield PendingLabel(**json.loads(line))


__all__ = ["PendingLabel", "add_pending", "pending_labels", "pending_path", "remove_pending"]
