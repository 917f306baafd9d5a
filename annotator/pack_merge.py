"""Merging work packs back into the project: checked, all or nothing, idempotent.

Each pack is read without writing to it, then checked against the project:
the project id, the pack id and version (the project must have made it), the
annotator, the rubric version (content, not just its hash), every item (its
whole content against the project's) and every label (by the pack's person,
on an item that pack assigned, values valid under the rubric, links intact).
Any failure refuses the whole call with a message saying what and where, and
the project is left exactly as it was: one transaction for all the packs given.

Labels keep their uid, so merging the same pack twice adds nothing. A merged
label supersedes the person's current record on the item (one current label
per person and item, as after an import); a repeat keeps `repeat_of`, pointing
at the merged label it repeats. Labels on anchors are scored at merge.

    >>> report = merge_packs(project, ["chen.annpack", "ali.annpack"])
    >>> print(report.summary())
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from annotator.anchor_scoring import score_labels
from annotator.clock import normalize_time, now_iso
from annotator.errors import LabelError
from annotator.items import ITEM_COLUMNS
from annotator.labels import LABEL_COLUMNS, STATUSES, check_label_values, label_cost
from annotator.pack_file import (
    DamagedPackError,
    PackError,
    PackMeta,
    PackMismatchError,
    check_pack_file,
    damaged,
    integrity_problem,
    read_meta,
    reader_connection,
)
from annotator.pack_plan import chunks, entries_of, items_digest, marks, version_row
from annotator.readers import sha256_of
from annotator.rubric import RubricVersion
from annotator.rubrics import get_version, version_from_row
from annotator.sources import annotator_by_id, source_by_id
from annotator.store import Project

ITEM_CONTENT = [c for c in ITEM_COLUMNS if c != "batch_id"]
RUBRIC_CONTENT = ("version", "guidelines", "criteria", "extra", "content_hash")
INSERT_SQL = (
    f"INSERT INTO labels(id, {', '.join(LABEL_COLUMNS)}) "
    f"VALUES (?, {', '.join('?' * len(LABEL_COLUMNS))})"
)
NOTHING = "Nothing was changed."
CANONICAL_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")


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
class LoadedPack:
    """Everything read from one pack file (read-only, before any check against a project)."""

    path: Path
    sha256: str
    meta: PackMeta
    annotators: list[sqlite3.Row]
    rubric_versions: list[sqlite3.Row]
    items: dict[str, sqlite3.Row]
    labels: list[sqlite3.Row]
    drafts: int


def load_pack(path: str | Path) -> LoadedPack:
    """Read a pack file whole, refusing a project, another file, or a damaged pack."""
    path = Path(path)
    check_pack_file(path)
    conn = reader_connection(path)
    try:
        problem = integrity_problem(conn)
        if problem is not None:
            raise DamagedPackError(
                f"{path}: damaged ({problem}); it may have been cut short in copying. "
                f"Copy it again from the annotator's computer. {NOTHING}"
            )
        meta = read_meta(conn, path)
        loaded = LoadedPack(
            path=path,
            sha256=sha256_of(path),
            meta=meta,
            annotators=conn.execute("SELECT * FROM annotators ORDER BY id").fetchall(),
            rubric_versions=conn.execute(
                "SELECT v.*, r.name FROM rubric_versions v "
                "LEFT JOIN rubrics r ON r.id = v.rubric_id ORDER BY v.id"
            ).fetchall(),
            items={
                row["id"]: row
                for row in conn.execute(f"SELECT {', '.join(ITEM_CONTENT)} FROM items")
            },
            labels=conn.execute("SELECT * FROM labels ORDER BY id").fetchall(),
            drafts=conn.execute("SELECT count(*) FROM drafts").fetchone()[0],
        )
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from None
    finally:
        conn.close()
    return loaded


def canonical_time(text: str) -> str:
    """A stored time in its canonical form (the app writes them so: checked cheaply)."""
    if isinstance(text, str) and CANONICAL_TIME.match(text):
        return text
    return normalize_time(text)


def _refuse(pack: LoadedPack, message: str) -> PackMismatchError:
    return PackMismatchError(f"{pack.path}: {message} {NOTHING}")


@dataclass
class _Checked:
    """A pack that passed every check, with what applying it needs."""

    pack: LoadedPack
    annotator_id: int
    source_id: int
    version: RubricVersion
    entries: dict[str, str]  # item id -> kind
    values: list[str]  # canonical values JSON per label, in label order
    times: list[tuple[str | None, str]]  # (started_at, submitted_at), canonical


def _check_identity(project: Project, pack: LoadedPack) -> Any:
    meta = pack.meta
    if meta.project_id != project.id:
        raise _refuse(
            pack,
            f"this pack was made from project “{meta.project_name}” (id {meta.project_id[:8]}…), "
            f"not from this project “{project.name}” (id {project.id[:8]}…). Merge it into the "
            "project it came from.",
        )
    row = version_row(project, meta.pack_id, meta.version)
    if row is None:
        raise _refuse(
            pack,
            f"pack {meta.pack_id[:8]}… version {meta.version} is not one this project made "
            "(was the pack made from another copy of the project, or its id edited?).",
        )
    person = annotator_by_id(project, row["annotator_id"])
    people = [(r["name"], r["pseudonym"]) for r in pack.annotators]
    if meta.annotator != person.name or people != [(person.name, person.pseudonym)]:
        raise _refuse(
            pack,
            f"the pack was made for {person.name}, but it names "
            f"{', '.join(p[0] for p in people) or 'nobody'} (edited by hand?).",
        )
    return row


def _check_rubric(project: Project, pack: LoadedPack, version_id: int) -> RubricVersion:
    version = get_version(project, version_id)
    theirs = pack.rubric_versions
    ours = project.row(
        "SELECT v.*, r.name FROM rubric_versions v JOIN rubrics r ON r.id = v.rubric_id "
        "WHERE v.id = ?",
        (version_id,),
    )
    edited = len(theirs) != 1 or theirs[0]["id"] != version_id or theirs[0]["name"] != ours["name"]
    edited = edited or any(theirs[0][c] != ours[c] for c in RUBRIC_CONTENT)
    if not edited:
        try:
            edited = version_from_row(theirs[0]).content_hash() != version.content_hash()
        except Exception:  # noqa: BLE001 - a rubric that no longer parses was edited
            edited = True
    if edited or pack.meta.rubric_hash != version.content_hash():
        raise _refuse(
            pack,
            f"its rubric is not {version.label} as the project published it: the pack was "
            "edited by hand. Ask the annotator for the file as the app left it, or make a new "
            "pack.",
        )
    return version


def _check_items(project: Project, pack: LoadedPack, row: Any) -> dict[str, str]:
    entries = {e.item_id: e.kind for e in entries_of(project, pack.meta.pack_id, pack.meta.version)}
    extra = sorted(set(pack.items) - set(entries))
    missing = sorted(set(entries) - set(pack.items))
    if extra or missing:
        what = (
            f"items not in the pack as made ({', '.join(extra[:5])})"
            if extra
            else f"items removed ({', '.join(missing[:5])})"
        )
        raise _refuse(pack, f"its items were edited by hand: {what}.")
    ids = list(entries)
    for part in chunks(ids):
        for ours in project.rows(
            f"SELECT {', '.join(ITEM_CONTENT)} FROM items WHERE id IN ({marks(len(part))})", part
        ):
            theirs = pack.items[ours["id"]]
            if tuple(theirs) == tuple(ours):  # the same columns, in the same order
                continue
            changed = [c for c in ITEM_CONTENT if theirs[c] != ours[c]]
            if changed:
                raise _refuse(
                    pack,
                    f"item {ours['id']!r} differs from the project's (field '{changed[0]}'): "
                    "the pack was edited by hand.",
                )
    digest = items_digest((i, pack.items[i]["content_hash"]) for i in ids)
    if digest != row["items_hash"] or digest != pack.meta.items_hash:
        raise _refuse(pack, "its item digest does not match the project's record of the pack.")
    return entries


def _check_labels(
    pack: LoadedPack, version: RubricVersion, entries: dict[str, str]
) -> tuple[list[str], list[tuple[str | None, str]]]:
    """Every label: by the pack's person, on an assigned item, valid; returns the
    canonical values and times, in label order."""
    person = pack.annotators[0]
    ids = {label["id"] for label in pack.labels}
    uids = Counter(label["uid"] for label in pack.labels)
    memo: dict[tuple[str, str, bool], str] = {}
    values_out: list[str] = []
    times: list[tuple[str | None, str]] = []
    for label in pack.labels:
        where = f"the label on item {label['item_id']!r} (uid {label['uid']})"
        if label["item_id"] not in entries:
            raise _refuse(
                pack, f"it holds {where}, an item this pack did not assign (edited by hand?)."
            )
        if label["annotator_id"] != person["id"] or label["source_id"] != person["source_id"]:
            raise _refuse(
                pack, f"{where} is not by {person['name']}: a pack holds one person's work."
            )
        if label["rubric_version_id"] != version.id:
            raise _refuse(pack, f"{where} was not made under {version.label}.")
        if not label["uid"] or uids[label["uid"]] > 1:
            raise _refuse(pack, f"{where} has a missing or repeated uid (edited by hand?).")
        if label["status"] not in STATUSES:
            raise _refuse(pack, f"{where} has an unknown status {label['status']!r}.")
        for link in ("supersedes", "repeat_of"):
            target = label[link]
            if target is not None and (target not in ids or target >= label["id"]):
                raise _refuse(pack, f"{where} points ({link}) at a label the pack does not hold.")
        pairwise = bool(pack.items[label["item_id"]]["pairwise"])
        key = (label["values_json"], label["status"], pairwise)
        if key not in memo:
            try:
                clean = check_label_values(
                    version,
                    json.loads(label["values_json"]),
                    pairwise=pairwise,
                    status=label["status"],
                )
            except (LabelError, ValueError) as error:
                raise _refuse(pack, f"{where}: {error}.") from None
            memo[key] = json.dumps(clean, ensure_ascii=False)
        values_out.append(memo[key])
        try:
            started = canonical_time(label["started_at"]) if label["started_at"] else None
            times.append((started, canonical_time(label["submitted_at"])))
        except (ValueError, AttributeError) as error:
            raise _refuse(pack, f"{where} has a bad time ({error}).") from None
    return values_out, times


def check_pack(project: Project, pack: LoadedPack) -> _Checked:
    """Every check of one loaded pack against the project; PackMismatchError if any fails."""
    row = _check_identity(project, pack)
    version = _check_rubric(project, pack, row["rubric_version_id"])
    entries = _check_items(project, pack, row)
    person = annotator_by_id(project, row["annotator_id"])
    values, times = _check_labels(pack, version, entries)
    return _Checked(pack, person.id, person.source_id, version, entries, values, times)


def _existing(project: Project, uids: list[str]) -> dict[str, sqlite3.Row]:
    found: dict[str, sqlite3.Row] = {}
    for part in chunks(uids):
        for row in project.rows(
            "SELECT id, uid, item_id, annotator_id, status, values_json, rationale, note, "
            f"submitted_at FROM labels WHERE uid IN ({marks(len(part))})",
            part,
        ):
            found[row["uid"]] = row
    return found


def _current(project: Project, annotator_id: int, item_ids: list[str]) -> dict[str, int]:
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
    return current


def _same(
    stored: sqlite3.Row, label: sqlite3.Row, values: str, annotator_id: int, submitted: str
) -> bool:
    return (
        stored["item_id"] == label["item_id"]
        and stored["annotator_id"] == annotator_id
        and stored["status"] == label["status"]
        and json.loads(stored["values_json"]) == json.loads(values)
        and stored["rationale"] == label["rationale"]
        and stored["note"] == label["note"]
        and stored["submitted_at"] == submitted
    )


def apply_pack(project: Project, checked: _Checked) -> PackMergeResult:
    """Insert a checked pack's new labels (inside the caller's transaction)."""
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
    existing = _existing(project, [label["uid"] for label in pack.labels])
    current = _current(project, checked.annotator_id, list(checked.entries))
    source = source_by_id(project, checked.source_id)
    mapped: dict[int, int] = {}  # pack label id -> project label id
    ours: set[int] = set()  # project ids of this pack's labels
    next_id = (project.scalar("SELECT max(id) FROM labels") or 0) + 1
    rows: list[list[Any]] = []
    for label, values, (started, submitted) in zip(
        pack.labels, checked.values, checked.times, strict=True
    ):
        stored = existing.get(label["uid"])
        if stored is not None:
            if not _same(stored, label, values, checked.annotator_id, submitted):
                raise _refuse(
                    pack,
                    f"label uid {label['uid']} is already in the project with different content "
                    "(edited by hand?).",
                )
            mapped[label["id"]] = stored["id"]
            ours.add(stored["id"])
            result.already_merged += 1
            continue
        label_id = next_id
        next_id += 1
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
        result.statuses[status] = result.statuses.get(status, 0) + 1
        result.on_anchors += checked.entries[label["item_id"]] == "anchor"
    if rows:
        result.batch_id = _batch(project, pack, len(pack.labels), len(rows), result.already_merged)
        for row in rows:
            row[17] = result.batch_id
        project.conn.executemany(INSERT_SQL, rows)
        result.added = len(rows)
        result.label_ids = [row[0] for row in rows]
        result.anchors_scored = score_labels(project, result.label_ids)
        project.conn.execute(
            "INSERT INTO pack_merges(pack_id, version, merged_at, actor, file_name, sha256, "
            "labels_added, batch_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                meta.pack_id, meta.version, now_iso(), project.actor, pack.path.name, pack.sha256,
                result.added, result.batch_id,
                json.dumps(
                    {"statuses": result.statuses, "repeats": result.repeats}, sort_keys=True
                ),
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
    result.items_answered = _answered(project, meta, checked.annotator_id)
    return result


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


def merge_packs(project: Project, paths: list[str | Path] | tuple[str | Path, ...]) -> MergeReport:
    """Merge packs into the project: all of them or, on any refusal, none.

    Returns what each pack added. A pack merged before adds nothing again.
    """
    if not paths:
        raise PackError("Name at least one pack file to merge.")
    loaded = [load_pack(path) for path in paths]
    results: list[PackMergeResult] = []
    with project.transaction():
        for pack in loaded:
            results.append(apply_pack(project, check_pack(project, pack)))
    return MergeReport(results)


__all__ = ["LoadedPack", "MergeReport", "PackMergeResult", "check_pack", "load_pack", "merge_packs"]
