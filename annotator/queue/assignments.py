"""Assigning items to annotators: which items, who labels each, and in what order.

The lead picks items (all, a random sample, or one slice tag) and a team. A
share of the items (`overlap`) goes to `k` annotators each so agreement can be
measured, the rest to one annotator each; loads come out even, and the
overlapped items are spread over annotator groups so that every pair of
annotators shares items as soon as the numbers allow (see
:mod:`annotator.queue.overlap`). Each annotator's items get a seeded order, appended
after whatever they were assigned before.

Items that are (or were) anchors are never assigned, nor are items already
assigned to someone: running `assign` again after importing new items
distributes only the new ones.

    >>> result = assign(project, ["A", "B", "C"], overlap=0.2, k=3, seed=7)
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

from annotator.base.clock import now_iso
from annotator.base.errors import NotFoundError
from annotator.queue.overlap import distribute, offset_sets, overlap_groups, seeded_order
from annotator.queue.settings import (
    QueueError,
    add_assigned,
    configure,
    get_settings,
    new_seed,
)
from annotator.sources.sources import (
    Annotator,
    Source,
    ensure_annotator,
    ensure_source,
    get_annotator,
    get_source,
)
from annotator.store.project import Project

DEFAULT_SOURCE = "experts"


@dataclass
class AssignResult:
    set_id: int | None
    seed: int
    items: int  # items distributed in this run
    overlapped: int  # of which labeled by k annotators
    rows: int  # (annotator, item) assignments written
    per_annotator: dict[str, int] = field(default_factory=dict)
    pairs_sharing: int = 0  # annotator pairs sharing at least one item in this run
    pairs_total: int = 0
    created_annotators: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        if not self.items:
            return "Nothing to assign: every selected item is already assigned (or an anchor)."
        text = (
            f"Assigned {self.items:,} items ({self.overlapped:,} to several annotators) "
            f"as {self.rows:,} assignments; seed {self.seed}."
        )
        if self.pairs_total:
            text += f" {self.pairs_sharing} of {self.pairs_total} annotator pairs share items."
        if self.created_annotators:
            text += f" New annotators: {', '.join(self.created_annotators)}."
        return text


# -- assigning in a project -------------------------------------------------------------------
def _selected_items(
    project: Project,
    sample: int | None,
    slice_: tuple[str, str] | None,
    rng: random.Random,
    items: list[str] | None = None,
) -> list[str]:
    where = [
        "NOT EXISTS (SELECT 1 FROM anchors x WHERE x.item_id = i.id)",
        "NOT EXISTS (SELECT 1 FROM assignments a WHERE a.item_id = i.id AND a.removed = 0)",
    ]
    params: list[Any] = []
    if items is not None:  # a chosen list (e.g. the items judge-first routing sends to people)
        where.append("i.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(items))
    if slice_ is not None:
        where.append("json_extract(i.tags, '$.' || ?) = ?")
        params += [f'"{slice_[0]}"', slice_[1]]
    ids = [
        row[0]
        for row in project.conn.execute(
            f"SELECT i.id FROM items i WHERE {' AND '.join(where)} ORDER BY i.seq", params
        )
    ]
    if sample is not None and sample < len(ids):
        ids = [ids[i] for i in seeded_order(len(ids), f"{rng.random()}|sample")[:sample]]
    return ids


def _team(
    project: Project, names: list[str], source_name: str
) -> tuple[list[Annotator], list[str]]:
    """The named annotators; missing ones are created in the source (made if missing)."""
    source: Source | None = None
    team, created = [], []
    for name in names:
        row = project.row("SELECT name FROM annotators WHERE name = ?", (name,))
        if row is None:
            if source is None:
                try:
                    source = get_source(project, source_name)
                except NotFoundError:
                    source = ensure_source(project, source_name, "expert")
            created.append(name)
            team.append(ensure_annotator(project, name, source))
        else:
            team.append(get_annotator(project, name))  # existing people keep their source
    return team, created


def check_request(names: list[str], sample: int | None, overlap: float, k: int | None) -> int:
    """Validate an assignment request; returns k (default: min(3, team size))."""
    if not names:
        raise QueueError("Name at least one annotator (--annotators A,B,C).")
    if len(set(names)) != len(names):
        raise QueueError("An annotator is named twice in --annotators.")
    if sample is not None and sample < 1:
        raise QueueError("--sample needs a positive number of items.")
    if not 0.0 <= overlap <= 1.0:
        raise QueueError("--overlap is a share of items between 0 and 1 (e.g. 0.2).")
    k = min(3, len(names)) if k is None else k
    if overlap > 0 and not 2 <= k <= len(names):
        raise QueueError(
            f"With --overlap, --k must be between 2 and the number of annotators ({len(names)})."
        )
    return k


def assign(
    project: Project,
    annotators: list[str],
    *,
    sample: int | None = None,
    slice_: tuple[str, str] | None = None,
    overlap: float = 0.0,
    k: int | None = None,
    seed: int | None = None,
    source: str = DEFAULT_SOURCE,
    anchor_rate: float | None = None,
    repeat_rate: float | None = None,
    items: list[str] | None = None,
    **settings: Any,
) -> AssignResult:
    """Distribute items over a team and set their queue settings, all or nothing.

    The plan (which items, who gets which, in what order) is made by reading
    only, without the project's write lock; one transaction then writes it, so
    labelers in other windows wait for the rows to be written, not for the plan.
    `settings` may carry other queue settings (`jitter`, `min_gap`,
    `anchor_window_items`, `anchor_window_days`, `repeat_delay`). `items` limits the
    selection to those item ids (anchors and assigned items are still left out).
    """
    k = check_request(annotators, sample, overlap, k)
    given_seed = seed
    seed = new_seed() if seed is None else seed
    rng = random.Random(f"{seed}|assign")
    item_ids = _selected_items(project, sample, slice_, rng, items)
    per = distribute(item_ids, len(annotators), overlap, k, rng)
    known = _known_ids(project, annotators)
    existing = _existing_pairs(project, list(known.values()))
    planned: list[list[tuple[str, int]]] = []
    for name, pairs in zip(annotators, per, strict=True):
        who = known.get(name)
        pairs = [p for p in pairs if (who, p[0]) not in existing] if who is not None else pairs
        planned.append([pairs[i] for i in seeded_order(len(pairs), f"{seed}|order|{name}")])
    with project.transaction():
        team, created = _team(project, annotators, source)
        if any(known.get(a.name, a.id) != a.id for a in team):
            raise _race(annotators)
        rows: list[tuple[Any, ...]] = []
        set_id = None
        if item_ids:
            set_id = project.conn.execute(
                "INSERT INTO assignment_sets(created_at, actor, selection, overlap, k, seed, "
                "annotators, items, rows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (
                    now_iso(),
                    project.actor,
                    json.dumps(_selection(sample, slice_, items), sort_keys=True),
                    overlap,
                    k,
                    seed,
                    json.dumps(annotators),
                    len(item_ids),
                ),
            ).lastrowid
        per_annotator: dict[str, int] = {}
        for annotator, pairs in zip(team, planned, strict=True):
            start = _next_position(project, annotator.id)
            rows.extend(
                (annotator.id, start + i, item_id, set_id, flag)
                for i, (item_id, flag) in enumerate(pairs)
            )
            per_annotator[annotator.name] = len(pairs)
        rows.sort(key=lambda row: row[2])  # by item id: both indexes fill in order
        try:
            insert_assignments(project, rows)
        except sqlite3.IntegrityError:
            raise _race(annotators) from None
        for annotator in team:
            # A queue keeps its seed unless the lead gives one: assigning new items
            # later must not reshuffle what comes next.
            keep = given_seed is None and get_settings(project, annotator.id).stored
            configure(
                project,
                annotator.id,
                seed=None if keep else seed,
                anchor_rate=anchor_rate,
                repeat_rate=repeat_rate,
                **settings,
            )
            add_assigned(project, annotator.id, per_annotator[annotator.name])
        if set_id is not None:
            project.conn.execute(
                "UPDATE assignment_sets SET rows = ? WHERE id = ?", (len(rows), set_id)
            )
        sharing, total = _pairs_sharing(len(team), k, per)
        result = AssignResult(
            set_id=set_id,
            seed=seed,
            items=len(item_ids),
            overlapped=round(overlap * len(item_ids)) if len(team) >= 2 and k >= 2 else 0,
            rows=len(rows),
            per_annotator=per_annotator,
            pairs_sharing=sharing,
            pairs_total=total,
            created_annotators=created,
        )
        project.audit("assign", target=",".join(annotators), details=result.to_dict())
    return result


BULK_CACHE_KIB = 256 * 1024  # page cache while writing a large assignment: fewer misses


INSERT_ASSIGNMENT_SQL = (
    "INSERT INTO assignments(annotator_id, position, item_id, set_id, overlapped) "
    "VALUES (?, ?, ?, ?, ?)"
)


def insert_assignments(project: Project, rows: list[tuple[Any, ...]]) -> None:
    """Write assignment rows (annotator_id, position, item_id, set_id, overlapped).

    A million rows update two B-trees at random places; a larger page cache for
    the duration (restored after) saves about a third of the time.
    """
    before = project.scalar("PRAGMA cache_size")
    if len(rows) > 100_000:
        project.conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        project.conn.executemany(INSERT_ASSIGNMENT_SQL, rows)
    finally:
        project.conn.execute(f"PRAGMA cache_size = {int(before)}")


def _selection(
    sample: int | None, slice_: tuple[str, str] | None, items: list[str] | None = None
) -> dict[str, Any]:
    if items is not None:
        return {"mode": "items", "n": len(items)}
    if slice_ is not None:
        return {"mode": "slice", "key": slice_[0], "value": slice_[1], "sample": sample}
    if sample is not None:
        return {"mode": "sample", "n": sample}
    return {"mode": "all"}


def _known_ids(project: Project, names: list[str]) -> dict[str, int]:
    """The ids of the team members the project has already."""
    marks = ", ".join("?" * len(names))
    rows = project.rows(f"SELECT name, id FROM annotators WHERE name IN ({marks})", names)
    return {row[0]: row[1] for row in rows}


def _race(names: list[str]) -> QueueError:
    return QueueError(
        f"Another assignment for {', '.join(names)} was written while this one was being "
        "planned; nothing was changed. Run it again: items already assigned are left out."
    )


def _existing_pairs(project: Project, annotator_ids: list[int]) -> set[tuple[int, str]]:
    """(annotator, item) pairs that already have a row (e.g. removed by the lead)."""
    pairs: set[tuple[int, str]] = set()
    for annotator_id in annotator_ids:
        pairs.update(
            (annotator_id, row[0])
            for row in project.conn.execute(
                "SELECT item_id FROM assignments WHERE annotator_id = ?", (annotator_id,)
            )
        )
    return pairs


def _next_position(project: Project, annotator_id: int) -> int:
    top = project.scalar(
        "SELECT max(position) FROM assignments WHERE annotator_id = ?", (annotator_id,)
    )
    return 0 if top is None or top < 0 else top + 1


def _pairs_sharing(m: int, k: int, per: list[list[tuple[str, int]]]) -> tuple[int, int]:
    """Annotator pairs that share an overlapped item (the design cycles, so its
    first m * len(offset_sets) groups hold every pair it will ever make)."""
    total = m * (m - 1) // 2
    n_over = len({item for pairs in per for item, flag in pairs if flag})
    if n_over == 0 or k < 2:
        return 0, total
    distinct = overlap_groups(m, k, min(n_over, m * len(offset_sets(m, k))))
    return len({pair for group in distinct for pair in combinations(group, 2)}), total


def parse_slice(text: str) -> tuple[str, str]:
    """'KEY=VALUE' -> (KEY, VALUE)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise QueueError(f"--slice takes KEY=VALUE (a slice tag), not {text!r}.")
    return key.strip(), value.strip()


# -- the lead's edits ------------------------------------------------------------------------
def remove_from_queue(
    project: Project, annotator: str, item_ids: list[str], reason: str = ""
) -> int:
    """Take items out of one person's queue (a skipped item then stays away too).

    Works with or without assignments; returns how many items were taken out.
    """
    with project.transaction():
        row = project.row("SELECT id FROM annotators WHERE name = ?", (annotator,))
        if row is None:
            raise NotFoundError(f"No annotator named {annotator!r} in this project.")
        annotator_id = row[0]
        removed = 0
        for item_id in item_ids:
            if project.row("SELECT 1 FROM items WHERE id = ?", (item_id,)) is None:
                raise NotFoundError(f"No item with id {item_id!r} in this project.")
            current = project.row(
                "SELECT removed FROM assignments WHERE item_id = ? AND annotator_id = ?",
                (item_id, annotator_id),
            )
            if current is None:
                low = project.scalar(
                    "SELECT min(position) FROM assignments WHERE annotator_id = ?",
                    (annotator_id,),
                )
                marker = -1 if low is None or low >= 0 else low - 1
                project.conn.execute(
                    "INSERT INTO assignments(annotator_id, position, item_id, set_id, removed) "
                    "VALUES (?, ?, ?, NULL, 1)",
                    (annotator_id, marker, item_id),
                )
                removed += 1
            elif not current[0]:
                project.conn.execute(
                    "UPDATE assignments SET removed = 1 WHERE item_id = ? AND annotator_id = ?",
                    (item_id, annotator_id),
                )
                add_assigned(project, annotator_id, -1)
                removed += 1
        project.audit(
            "queue_remove",
            target=annotator,
            details={"items": item_ids, "reason": reason, "removed": removed},
        )
    return removed
