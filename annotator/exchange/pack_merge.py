"""Merging work packs back into the project: checked, all or nothing, idempotent.

Each pack is read without writing to it, then checked against the project:
the project id, the pack id and version (the project must have made it), the
annotator, the rubric version (content, not just its hash), every item (its
whole content against the project's) and every label (by the pack's person,
on an item that pack assigned, values valid under the rubric, links intact).
Any failure refuses the whole call with a message saying what and where, and
the project is left exactly as it was: one transaction for all the packs given.
Everything is read, checked and staged before the write lock is taken, so a long
merge keeps others from writing only for its short final transaction.

Labels keep their uid, so merging the same pack twice adds nothing. A merged
label supersedes the person's current record on the item (one current label
per person and item, as after an import); a repeat keeps `repeat_of`, pointing
at the merged label it repeats. Labels on anchors are scored at merge.

    >>> report = merge_packs(project, ["chen.annpack", "ali.annpack"])
    >>> print(report.summary())
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from annotator.anchors.scoring import score_labels
from annotator.base.clock import now_iso
from annotator.exchange.pack_checks import CheckedPack, LoadedPack, check_pack, load_pack, refuse
from annotator.exchange.pack_file import (
    PackError,
    PackMeta,
)
from annotator.exchange.pack_plan import chunks, marks
from annotator.exchange.pack_suggest import record_merged
from annotator.labels.labels import LABEL_COLUMNS, label_cost
from annotator.sources.sources import source_by_id
from annotator.store.project import Project

RESTAGES = 3  # stagings tried outside the write lock before one is done under it
INSERT_SQL = (
    f"INSERT INTO labels(id, {', '.join(LABEL_COLUMNS)}) "
    f"VALUES (?, {', '.join('?' * len(LABEL_COLUMNS))})"
)


@dataclass
class PackMergeResult:
    """What one pack brought in. `on_anchors` and `anchors_scored` are for the lead."""

    file: str
    pack_id: str
    version: int
    annotator: str
    items: int
    labels_in_pack: int
    added: int = 0
    already_merged: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    repeats: int = 0
    superseding: int = 0  # added labels that replaced a current label made outside this pack
    on_anchors: int = 0
    anchors_scored: int = 0
    items_answered: int = 0  # pack items this person has a current answer on, after the merge
    drafts_left: int = 0  # half-filled forms in the pack: not labels, not merged
    batch_id: int | None = None
    label_ids: list[int] = field(default_factory=list)  # project ids of the labels added

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        name = Path(self.file).name
        if not self.added:
            text = f"{name}: nothing new ({self.already_merged} labels were merged before)"
        else:
            kinds = ", ".join(f"{n} {status}" for status, n in sorted(self.statuses.items()))
            text = (
                f"{name}: {self.added} labels added ({kinds}; {self.repeats} repeats), "
                f"{self.already_merged} already merged; {self.anchors_scored} anchor answers scored"
            )
        text += f"; {self.items_answered} of {self.items} items answered by {self.annotator}."
        if self.drafts_left:
            text += f" {self.drafts_left} unsubmitted drafts stay in the pack."
        return text


@dataclass
class MergeReport:
    packs: list[PackMergeResult]

    @property
    def added(self) -> int:
        return sum(p.added for p in self.packs)

    @property
    def already_merged(self) -> int:
        return sum(p.already_merged for p in self.packs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "already_merged": self.already_merged,
            "packs": [p.to_dict() for p in self.packs],
        }

    def summary(self) -> str:
        lines = [p.summary() for p in self.packs]
        lines.append(f"In all: {self.added} labels added, {self.already_merged} already merged.")
        return "\n".join(lines)


@dataclass
class Staging:
    """What one merge call will write, decided before it takes the write lock: the
    next free label id, the labels staged so far by uid (a later pack of the same
    call, such as a top-up, may hold them too) and each person's current record."""

    next_id: int
    uids: dict[str, dict[str, Any]] = field(default_factory=dict)
    current: dict[tuple[int, str], int] = field(default_factory=dict)


@dataclass
class StagedPack:
    """A checked pack and the rows it adds (its import batch id is filled in at write)."""

    checked: CheckedPack
    result: PackMergeResult
    rows: list[list[Any]]
    shown: list[tuple[int, Any]] = field(default_factory=list)  # (new label id, pack's record)


def _existing(project: Project, uids: list[str], staging: Staging) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in chunks(uids):
        for row in project.rows(
            "SELECT id, uid, item_id, annotator_id, status, values_json, rationale, note, "
            f"submitted_at FROM labels WHERE uid IN ({marks(len(part))})",
            part,
        ):
            found[row["uid"]] = row
    for uid in uids:
        if uid not in found and uid in staging.uids:
            found[uid] = staging.uids[uid]
    return found


def _current(
    project: Project, annotator_id: int, item_ids: list[str], staging: Staging
) -> dict[str, int]:
    """This person's current (non-repeat) record per item, among these items."""
    current: dict[str, int] = {}
    for part in chunks(item_ids):
        for row in project.rows(
            "SELECT l.id, l.item_id FROM labels l WHERE l.annotator_id = ? AND l.repeat_of IS NULL "
            f"AND l.item_id IN ({marks(len(part))}) "
            "AND NOT EXISTS (SELECT 1 FROM labels s WHERE s.supersedes = l.id) ORDER BY l.id",
            [annotator_id, *part],
        ):
            current[row["item_id"]] = row["id"]
    for item_id in item_ids:
        staged = staging.current.get((annotator_id, item_id))
        if staged is not None:
            current[item_id] = staged
    return current


def _same(stored: Any, label: sqlite3.Row, values: str, annotator_id: int, submitted: str) -> bool:
    return (
        stored["item_id"] == label["item_id"]
        and stored["annotator_id"] == annotator_id
        and stored["status"] == label["status"]
        and json.loads(stored["values_json"]) == json.loads(values)
        and stored["rationale"] == label["rationale"]
        and stored["note"] == label["note"]
        and stored["submitted_at"] == submitted
    )


def stage_pack(project: Project, checked: CheckedPack, staging: Staging) -> StagedPack:
    """The rows a checked pack adds, read from the project, written nowhere yet."""
    pack, meta = checked.pack, checked.pack.meta
    result = PackMergeResult(
        file=str(pack.path),
        pack_id=meta.pack_id,
        version=meta.version,
        annotator=meta.annotator,
        items=len(checked.entries),
        labels_in_pack=len(pack.labels),
        drafts_left=pack.drafts,
    )
    existing = _existing(project, [label["uid"] for label in pack.labels], staging)
    current = _current(project, checked.annotator_id, list(checked.entries), staging)
    source = source_by_id(project, checked.source_id)
    mapped: dict[int, int] = {}  # pack label id -> project label id
    ours: set[int] = set()  # project ids of this pack's labels
    rows: list[list[Any]] = []
    shown: list[tuple[int, Any]] = []
    for label, values, (started, submitted) in zip(
        pack.labels, checked.values, checked.times, strict=True
    ):
        stored = existing.get(label["uid"])
        if stored is not None:
            if not _same(stored, label, values, checked.annotator_id, submitted):
                raise refuse(
                    pack,
                    f"label uid {label['uid']} is already in the project with different content "
                    "(edited by hand?).",
                )
            mapped[label["id"]] = stored["id"]
            ours.add(stored["id"])
            result.already_merged += 1
            continue
        label_id = staging.next_id
        staging.next_id += 1
        mapped[label["id"]] = label_id
        ours.add(label_id)
        if label["repeat_of"] is not None:
            repeat_of = mapped[label["repeat_of"]]
            supersedes = mapped[label["supersedes"]] if label["supersedes"] is not None else None
            result.repeats += label["status"] == "submitted"
        else:
            repeat_of = None
            supersedes = current.get(label["item_id"])
            result.superseding += int(supersedes is not None and supersedes not in ours)
            current[label["item_id"]] = label_id
        status = label["status"]
        cost = (
            None
            if status == "retracted"
            else label_cost(source, label["duration_s"], label["tokens"])
        )
        rows.append(
            [
                label_id, label["uid"], label["item_id"], checked.annotator_id, checked.source_id,
                checked.version.id, status, values, label["rationale"], label["note"], started,
                submitted, label["duration_s"], cost, label["tokens"], supersedes, "pack", None,
                repeat_of,
            ]
        )  # fmt: skip
        staging.uids[label["uid"]] = {
            "id": label_id, "item_id": label["item_id"], "annotator_id": checked.annotator_id,
            "status": status, "values_json": values, "rationale": label["rationale"],
            "note": label["note"], "submitted_at": submitted,
        }  # fmt: skip
        result.statuses[status] = result.statuses.get(status, 0) + 1
        result.on_anchors += checked.entries[label["item_id"]] == "anchor"
        if label["id"] in pack.shown:
            shown.append((label_id, pack.shown[label["id"]]))
    staging.current.update(((checked.annotator_id, i), n) for i, n in current.items())
    return StagedPack(checked, result, rows, shown)


def write_staged(project: Project, staged: StagedPack) -> None:
    """Insert a staged pack's rows, its batch, merge record and audit entry, and score
    its anchor answers (inside the caller's transaction)."""
    pack, meta, result, rows = (
        staged.checked.pack,
        staged.checked.pack.meta,
        staged.result,
        staged.rows,
    )
    if not rows:
        return
    result.batch_id = _batch(project, pack, len(pack.labels), len(rows), result.already_merged)
    for row in rows:
        row[17] = result.batch_id
    project.conn.executemany(INSERT_SQL, rows)
    result.added = len(rows)
    result.label_ids = [row[0] for row in rows]
    result.anchors_scored = score_labels(project, result.label_ids)
    record_merged(project, meta.pack_id, staged.checked.annotator_id, staged.shown)
    project.conn.execute(
        "INSERT INTO pack_merges(pack_id, version, merged_at, actor, file_name, sha256, "
        "labels_added, batch_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            meta.pack_id, meta.version, now_iso(), project.actor, pack.path.name, pack.sha256,
            result.added, result.batch_id,
            json.dumps({"statuses": result.statuses, "repeats": result.repeats}, sort_keys=True),
        ),
    )  # fmt: skip
    project.audit(
        "pack_merge",
        target=pack.path.name,
        details={
            "pack_id": meta.pack_id,
            "version": meta.version,
            "annotator": meta.annotator,
            "added": result.added,
            "already_merged": result.already_merged,
            "anchors_scored": result.anchors_scored,
            "batch_id": result.batch_id,
        },
    )


def _batch(project: Project, pack: LoadedPack, total: int, added: int, duplicate: int) -> int:
    """An import batch for the merged labels: where they came from (file, sha256)."""
    return project.conn.execute(
        "INSERT INTO import_batches(kind, file_name, sha256, format, rows_total, rows_added, "
        "rows_duplicate, rows_rejected, report_path, at, actor) "
        "VALUES ('labels', ?, ?, 'pack', ?, ?, ?, 0, NULL, ?, ?)",
        (pack.path.name, pack.sha256, total, added, duplicate, now_iso(), project.actor),
    ).lastrowid


def _answered(project: Project, meta: PackMeta, annotator_id: int) -> int:
    return project.scalar(
        "SELECT count(*) FROM pack_entries e WHERE e.pack_id = ? AND e.version = ? "
        "AND EXISTS (SELECT 1 FROM labels l WHERE l.item_id = e.item_id AND l.annotator_id = ? "
        "  AND l.repeat_of IS NULL AND l.status != 'retracted' "
        "  AND NOT EXISTS (SELECT 1 FROM labels s WHERE s.supersedes = l.id))",
        (meta.pack_id, meta.version, annotator_id),
    )


def _stage_all(project: Project, loaded: list[LoadedPack]) -> list[StagedPack]:
    staging = Staging(next_id=(project.scalar("SELECT max(id) FROM labels") or 0) + 1)
    return [stage_pack(project, check_pack(project, pack), staging) for pack in loaded]


def _data_version(project: Project) -> int:
    """Changes whenever another connection commits to the project (SQLite's own counter)."""
    return project.scalar("PRAGMA data_version")


def _stage_in_snapshot(project: Project, loaded: list[LoadedPack]) -> tuple[int, list[StagedPack]]:
    """Check and stage every pack in one read snapshot: in WAL mode this keeps no one
    from writing meanwhile. Returns the snapshot's data version with the plan."""
    project.conn.execute("BEGIN")  # deferred: a reader, no write lock
    try:
        seen = _data_version(project)
        return seen, _stage_all(project, loaded)
    finally:
        project.conn.execute("COMMIT")  # nothing was written: this ends the snapshot


def _write_all(project: Project, staged: list[StagedPack]) -> None:
    for one in staged:
        write_staged(project, one)


def _report(project: Project, staged: list[StagedPack]) -> MergeReport:
    for one in staged:
        meta = one.checked.pack.meta
        one.result.items_answered = _answered(project, meta, one.checked.annotator_id)
    return MergeReport([one.result for one in staged])


def merge_packs(project: Project, paths: list[str | Path] | tuple[str | Path, ...]) -> MergeReport:
    """Merge packs into the project: all of them or, on any refusal, none.

    Returns what each pack added. A pack merged before adds nothing again. The
    packs are read, checked and staged while others may still write to the
    project; the write lock is held only for one short final transaction, and
    if another connection committed in between, the staging is done again (the
    last time under the lock). Inside a caller's transaction, all of it is.
    """
    if not paths:
        raise PackError("Name at least one pack file to merge.")
    loaded = [load_pack(path) for path in paths]
    if project.conn.in_transaction:  # a caller's transaction (a calibration round's merge)
        staged = _stage_all(project, loaded)
        _write_all(project, staged)
        return _report(project, staged)
    for _ in range(RESTAGES):
        seen, staged = _stage_in_snapshot(project, loaded)
        with project.transaction():
            if _data_version(project) != seen:
                continue  # someone wrote meanwhile: stage again
            _write_all(project, staged)
        return _report(project, staged)
    with project.transaction():  # the project kept changing: stage under the lock this once
        staged = _stage_all(project, loaded)
        _write_all(project, staged)
    return _report(project, staged)


__all__ = [
    "LoadedPack",
    "MergeReport",
    "PackMergeResult",
    "StagedPack",
    "check_pack",
    "load_pack",
    "merge_packs",
    "stage_pack",
    "write_staged",
]
