"""Checking a work pack against the project before anything of it is merged.

A pack is read whole without writing to it (`load_pack`), refused unless it is
whole (SQLite's full integrity check, which also compares every index with its
table), then checked (`check_pack`): the project id, that the project made this
pack id and version, the person, the rubric version (its whole content, not just
its digest), every item (its whole content against the project's) and every
label (by the pack's person and source, on an item that pack assigned, under its
rubric version, values valid, times readable, links to labels the pack holds, uids unique, every
column of the row of the kind the app writes). Each refusal names the file and
what is wrong, and ends "Nothing was changed."; a refusal of a file that is not
whole, or of a label row, says what to ask the labeler for.

`check_pack_content` is the part a pack can check of itself, without the
project: what `pack finish` (Ready to send) runs before the file is sent.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.base import limits
from annotator.base.clock import normalize_time
from annotator.base.errors import LabelError
from annotator.base.readers import sha256_of
from annotator.exchange.pack_file import (
    DamagedPackError,
    PackError,
    PackMeta,
    PackMismatchError,
    check_pack_file,
    damaged,
    describe_problems,
    integrity_problems,
    not_whole,
    read_meta,
    reader_connection,
    resend_advice,
)
from annotator.exchange.pack_plan import chunks, entries_of, items_digest, marks, version_row
from annotator.exchange.pack_suggest import pack_shown
from annotator.items.items import ITEM_COLUMNS
from annotator.labels.labels import STATUSES, check_label_values
from annotator.rubric.model import RubricVersion
from annotator.rubric.versions import get_version, version_from_row
from annotator.sources.sources import annotator_by_id
from annotator.store.project import Project

ITEM_CONTENT = [c for c in ITEM_COLUMNS if c != "batch_id"]
RUBRIC_CONTENT = ("version", "guidelines", "criteria", "extra", "content_hash")
NOTHING = "Nothing was changed."
CANONICAL_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")


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
    shown: dict[int, sqlite3.Row] = field(default_factory=dict)  # label id -> suggestion shown


def load_pack(path: str | Path) -> LoadedPack:
    """Read a pack file whole, never writing to it, refusing a project, another file,
    or a pack that is not whole (cut short, damaged, or failing SQLite's full
    integrity check: the refusal says what to ask the labeler for)."""
    path = Path(path)
    try:
        check_pack_file(path)
    except DamagedPackError as error:
        raise not_whole(path, error.reason) from None
    conn = reader_connection(path)
    try:
        problems = integrity_problems(conn)
        if problems:
            raise not_whole(path, f"SQLite's integrity check finds {describe_problems(problems)}")
        loaded = read_pack(conn, path)
    except sqlite3.DatabaseError as exc:
        raise not_whole(path, damaged(path, exc).reason) from None
    finally:
        conn.close()
    return loaded


def read_pack(conn: sqlite3.Connection, path: Path) -> LoadedPack:
    """Everything merging needs from an open pack connection (rows as `sqlite3.Row`)."""
    conn.row_factory = sqlite3.Row
    return LoadedPack(
        path=path,
        sha256=sha256_of(path),
        meta=read_meta(conn, path),
        annotators=conn.execute("SELECT * FROM annotators ORDER BY id").fetchall(),
        rubric_versions=conn.execute(
            "SELECT v.*, r.name FROM rubric_versions v "
            "LEFT JOIN rubrics r ON r.id = v.rubric_id ORDER BY v.id"
        ).fetchall(),
        items={
            row["id"]: row for row in conn.execute(f"SELECT {', '.join(ITEM_CONTENT)} FROM items")
        },
        labels=conn.execute("SELECT * FROM labels ORDER BY id").fetchall(),
        drafts=conn.execute("SELECT count(*) FROM drafts").fetchone()[0],
        shown=pack_shown(conn),
    )


def canonical_time(text: str) -> str:
    """A stored time in its canonical form (the app writes them so: checked cheaply)."""
    if isinstance(text, str) and CANONICAL_TIME.match(text):
        return text
    return normalize_time(text)


def refuse(pack: LoadedPack, message: str) -> PackMismatchError:
    return PackMismatchError(f"{pack.path}: {message} {NOTHING}")


def refuse_label(pack: LoadedPack, message: str) -> PackMismatchError:
    """A merge's refusal of a label row: what is wrong, and what to ask the labeler for."""
    advice = resend_advice(pack.path, pack.meta.annotator)
    return PackMismatchError(f"{pack.path}: {message} {advice} {NOTHING}")


Refusal = Callable[[str], PackError]


@dataclass
class CheckedPack:
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
        raise refuse(
            pack,
            f"this pack was made from project “{meta.project_name}” (id {meta.project_id[:8]}…), "
            f"not from this project “{project.name}” (id {project.id[:8]}…). Merge it into the "
            "project it came from.",
        )
    row = version_row(project, meta.pack_id, meta.version)
    if row is None:
        raise refuse(
            pack,
            f"pack {meta.pack_id[:8]}… version {meta.version} is not one this project made "
            "(was the pack made from another copy of the project, or its id edited?).",
        )
    person = annotator_by_id(project, row["annotator_id"])
    people = [(r["name"], r["pseudonym"]) for r in pack.annotators]
    if meta.annotator != person.name or people != [(person.name, person.pseudonym)]:
        raise refuse(
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
        raise refuse(
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
        raise refuse(pack, f"its items were edited by hand: {what}.")
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
                raise refuse(
                    pack,
                    f"item {ours['id']!r} differs from the project's (field '{changed[0]}'): "
                    "the pack was edited by hand.",
                )
    digest = items_digest((i, pack.items[i]["content_hash"]) for i in ids)
    if digest != row["items_hash"] or digest != pack.meta.items_hash:
        raise refuse(pack, "its item digest does not match the project's record of the pack.")
    return entries


OPTIONAL_TEXT = ("rationale", "note", "started_at")
OPTIONAL_INT = ("tokens", "supersedes", "repeat_of")


def _shape_problem(label: sqlite3.Row) -> str | None:
    """What in a label row is not of the kind the app writes (a damaged or edited file)."""
    if not isinstance(label["id"], int):
        return "a malformed id"
    for column in ("uid", "item_id", "status", "values_json", "submitted_at"):
        if not isinstance(label[column], str):
            return f"a malformed {column} ({label[column]!r:.40})"
    for column in OPTIONAL_TEXT:
        if label[column] is not None and not isinstance(label[column], str):
            return f"a malformed {column} ({label[column]!r:.40})"
    for column in OPTIONAL_INT:
        if label[column] is not None and not isinstance(label[column], int):
            return f"a malformed {column} ({label[column]!r:.40})"
    duration = label["duration_s"]
    if duration is not None and (
        not isinstance(duration, int | float) or not math.isfinite(duration) or duration < 0
    ):
        return f"a malformed duration ({duration!r:.40})"
    return None


def _check_labels(
    pack: LoadedPack, version: RubricVersion, entries: dict[str, str], fail: Refusal
) -> tuple[list[str], list[tuple[str | None, str]]]:
    """Every label row: of the kind the app writes, by the pack's person, on an assigned
    item, valid; returns the canonical values and times, in label order. `fail` makes
    the refusal from what is wrong."""
    person = pack.annotators[0]
    ids = {label["id"] for label in pack.labels}
    uids = Counter(label["uid"] for label in pack.labels)
    memo: dict[tuple[str, str, bool], str] = {}
    values_out: list[str] = []
    times: list[tuple[str | None, str]] = []
    for label in pack.labels:
        where = f"the label on item {label['item_id']!r} (uid {label['uid']})"
        shape = _shape_problem(label)
        if shape is not None:
            raise fail(f"{where} has {shape}.")
        if label["item_id"] not in entries:
            raise fail(f"it holds {where}, an item this pack did not assign (edited by hand?).")
        if label["annotator_id"] != person["id"] or label["source_id"] != person["source_id"]:
            raise fail(f"{where} is not by {person['name']}: a pack holds one person's work.")
        if label["rubric_version_id"] != version.id:
            raise fail(f"{where} was not made under {version.label}.")
        if not label["uid"] or uids[label["uid"]] > 1:
            raise fail(f"{where} has a missing or repeated uid (edited by hand?).")
        if label["status"] not in STATUSES:
            raise fail(f"{where} has an unknown status {label['status']!r}.")
        for link in ("supersedes", "repeat_of"):
            target = label[link]
            if target is not None and (target not in ids or target >= label["id"]):
                raise fail(f"{where} points ({link}) at a label the pack does not hold.")
        pairwise = bool(pack.items[label["item_id"]]["pairwise"])
        key = (label["values_json"], label["status"], pairwise)
        if key not in memo:
            try:
                clean = check_label_values(
                    version,
                    limits.loads(label["values_json"]),  # not RecursionError on a deep edit
                    pairwise=pairwise,
                    status=label["status"],
                )
            except (LabelError, ValueError, TypeError, AttributeError) as error:
                raise fail(f"{where}: its values do not fit the rubric ({error}).") from None
            memo[key] = json.dumps(clean, ensure_ascii=False)
        values_out.append(memo[key])
        try:
            started = canonical_time(label["started_at"]) if label["started_at"] else None
            times.append((started, canonical_time(label["submitted_at"])))
        except (ValueError, AttributeError, TypeError) as error:
            raise fail(f"{where} has a bad time ({error}).") from None
    return values_out, times


def check_pack(project: Project, pack: LoadedPack) -> CheckedPack:
    """Every check of one loaded pack against the project; PackMismatchError if any fails."""
    row = _check_identity(project, pack)
    version = _check_rubric(project, pack, row["rubric_version_id"])
    entries = _check_items(project, pack, row)
    person = annotator_by_id(project, row["annotator_id"])
    values, times = _check_labels(
        pack, version, entries, lambda message: refuse_label(pack, message)
    )
    return CheckedPack(pack, person.id, person.source_id, version, entries, values, times)


def check_pack_content(pack: LoadedPack, fail: Refusal) -> tuple[RubricVersion, set[str]]:
    """What a pack can check of itself, without the project (`pack finish`): it names
    one person, holds the rubric version and the items its digests name, and every
    label row passes the checks a merge makes. Returns the version and the item ids."""
    meta = pack.meta
    people = [row["name"] for row in pack.annotators]
    if people != [meta.annotator]:
        raise fail(f"it should name {meta.annotator} alone, but names {', '.join(people)}.")
    version: RubricVersion | None = None
    if len(pack.rubric_versions) == 1:
        try:
            version = version_from_row(pack.rubric_versions[0])
        except Exception:  # noqa: BLE001 - a rubric that no longer parses was damaged
            version = None
    if version is None or version.content_hash() != meta.rubric_hash:
        raise fail("its rubric is not the one the pack was made with.")
    if items_digest((i, row["content_hash"]) for i, row in pack.items.items()) != meta.items_hash:
        raise fail("its items are not the ones the pack was made with.")
    _check_labels(pack, version, dict.fromkeys(pack.items, "item"), fail)
    return version, set(pack.items)


__all__ = [
    "CheckedPack",
    "LoadedPack",
    "canonical_time",
    "check_pack",
    "check_pack_content",
    "load_pack",
    "read_pack",
    "refuse",
    "refuse_label",
]
