"""The recovery file: answers a full (or read-only) disk would not take, kept past a quit.

When the app closes with answers still unwritten, they go to one JSON file beside
the settings folder (usually on another disk than a project on an external
drive; a person with a full home disk is told if even that fails). It holds, per
project (id and path), each label as it was submitted (uid, annotator, item,
values, rationale, status, times) and each unsaved draft. The next open of that
project offers to apply it; applying goes through the pending-labels path
(:mod:`annotator.workbench.pending`, `WorkSession.write_kept_labels`), so a
label is written exactly as a submit would have written it, once (by its uid),
and the project's part of the file is removed only when every label landed.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from annotator.base.clock import now_iso
from annotator.base.errors import AnnotatorError
from annotator.base.storage import storage_error
from annotator.prefs.paths import user_config_dir
from annotator.sources.sources import get_annotator
from annotator.store.project import Project
from annotator.workbench.drafts import Draft, load_draft, save_draft
from annotator.workbench.pending import PendingLabel, add_pending, pending_labels
from annotator.workbench.session import WorkSession
from annotator.workbench.unsaved import Unsaved

FORMAT = "annotator-recovery"
VERSION = 1


def recovery_path() -> Path:
    """`<settings folder>-recovery.json`, beside the settings folder."""
    folder = user_config_dir()
    return folder.with_name(folder.name + "-recovery.json")


@dataclass
class Recovery:
    """One project's answers in the recovery file."""

    project_id: str
    project_path: str
    written_at: str
    labels: list[PendingLabel] = field(default_factory=list)
    drafts: list[dict[str, Any]] = field(default_factory=list)  # Draft fields + "annotator"

    @property
    def count(self) -> int:
        return len(self.labels) + len(self.drafts)


@dataclass
class Applied:
    landed: int
    drafts: int
    left: int  # labels still unwritten (the file keeps them)
    error: str | None = None


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise AnnotatorError(f"{path}: the recovery file cannot be read ({error}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AnnotatorError(f"{path}: not an Annotator recovery file (field 'format').")
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    """Atomic (temp file, fsync, rename): a crash leaves the old file or the new one."""
    if not data.get("projects"):
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".recovery-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _store_error(error: OSError, path: Path) -> AnnotatorError:
    typed = storage_error(error, path, doing="the recovery file", hint="try again")
    return typed or AnnotatorError(f"{path}: the recovery file could not be written ({error}).")


def write_recovery(project: Project, unsaved: Unsaved, names: dict[int, str]) -> Path:
    """Add `unsaved` (labels by uid, drafts by person and item) to the project's part.

    `names` maps annotator ids to names (a draft knows only the id). Raises a
    StorageError when this disk refuses too, so the caller can say so and stay open.
    """
    path = recovery_path()
    try:
        data = _read(path) or {"format": FORMAT, "version": VERSION, "projects": {}}
    except AnnotatorError:  # a damaged file must not cost these answers: set it aside
        path.replace(
            path.with_name(f"{path.stem}.unreadable-{now_iso()[:19].replace(':', '')}.json")
        )
        data = {"format": FORMAT, "version": VERSION, "projects": {}}
    part = data["projects"].setdefault(
        project.id, {"project_path": str(project.path), "labels": [], "drafts": []}
    )
    part["project_path"] = str(project.path)
    part["written_at"] = now_iso()
    uids = {entry["uid"] for entry in part["labels"]}
    part["labels"] += [asdict(e) for e in unsaved.labels if e.uid not in uids]
    kept = {(d["annotator"], d["item_id"]): d for d in part["drafts"]}
    for annotator_id, draft in unsaved.drafts:
        name = names.get(annotator_id, str(annotator_id))
        kept[(name, draft.item_id)] = {**asdict(draft), "annotator": name}
    part["drafts"] = list(kept.values())
    try:
        _write(path, data)
    except OSError as error:
        raise _store_error(error, path) from None
    return path


def recovery_for(project: Project) -> Recovery | None:
    """This project's answers waiting in the recovery file, if any."""
    return _part(_read(recovery_path()), project.id)


def waiting_recoveries() -> list[Recovery]:
    """Every project's waiting answers (for the app's start: "open X to apply them")."""
    data = _read(recovery_path())
    parts = [_part(data, project_id) for project_id in data.get("projects", {})]
    return [part for part in parts if part is not None]


def _part(data: dict[str, Any], project_id: str) -> Recovery | None:
    part = data.get("projects", {}).get(project_id)
    if not part:
        return None
    return Recovery(
        project_id=project_id,
        project_path=part.get("project_path", ""),
        written_at=part.get("written_at", ""),
        labels=[PendingLabel(**entry) for entry in part.get("labels", [])],
        drafts=list(part.get("drafts", [])),
    )


def discard_recovery(project: Project) -> None:
    """Forget this project's part (the person chose Discard)."""
    path = recovery_path()
    data = _read(path)
    if data.get("projects", {}).pop(project.id, None) is not None:
        _write(path, data)


def apply_recovery(project: Project) -> Applied:
    """Write the project's recovered answers through the normal submit path.

    Each label is handed to the pending-labels file and written by
    `WorkSession.write_kept_labels` (later wins over an answer given since; a uid
    already written adds nothing). Drafts are restored unless the person has a newer
    one. The project's part of the file goes only when every label landed.
    """
    recovery = recovery_for(project)
    if recovery is None:
        return Applied(0, 0, 0)
    try:
        kept = {e.uid for e in pending_labels(project)}
        for entry in recovery.labels:
            if entry.uid not in kept:
                add_pending(project, entry)
        landed = 0
        for name in sorted({entry.annotator for entry in recovery.labels}):
            landed += len(WorkSession(project, name).write_kept_labels())
        drafts = sum(_restore_draft(project, draft) for draft in recovery.drafts)
    except Exception as error:
        typed = storage_error(error, project.path, doing="the recovered answers", hint="try again")
        if typed is None:
            raise
        return Applied(0, 0, recovery.count, str(typed))
    uids = {entry.uid for entry in recovery.labels}
    left = sum(1 for entry in pending_labels(project) if entry.uid in uids)
    if left == 0:
        discard_recovery(project)
    return Applied(landed, drafts, left)


def _restore_draft(project: Project, data: dict[str, Any]) -> bool:
    """Write a recovered draft unless the person's draft on the item is newer."""
    fields = {k: v for k, v in data.items() if k != "annotator"}
    draft = Draft(**fields)
    who = get_annotator(project, data["annotator"]).id
    current = load_draft(project, who, draft.item_id)
    if current is not None and current.updated_at >= draft.updated_at:
        return False
    save_draft(
        project,
        who,
        draft.item_id,
        draft.values,
        draft.rationale,
        draft.active_s,
        draft.rubric_version_id,
        draft.started_at,
    )
    return True


__all__ = [
    "Applied",
    "Recovery",
    "apply_recovery",
    "discard_recovery",
    "recovery_for",
    "recovery_path",
    "waiting_recoveries",
    "write_recovery",
]
