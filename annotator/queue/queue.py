"""What an annotator sees next: their assigned items, with anchors and repeats mixed in.

The queue is a log (`queue_log`) of what was served to each person, one row
per position. :func:`next_entry` returns the open entry until this person has
a label record on that item made after it was served (its `label_floor`), then
works out and logs the next one, so the queue survives restarts and a second
call never skips anything. Everything random is drawn from generators seeded
by (the annotator's seed, their name, the position, a purpose), so the same
settings, seed and sequence of submissions give the same queue, and
:func:`preview` can tell the lead exactly what is coming without writing.

Order of choice at each position:

1. the next regular item: first any item the lead asked back under a newer
   rubric version (:mod:`annotator.queue.requeue`); then the next assigned item (in
   the seeded order of `assignments`) this person has no label record on, not
   removed by the lead and not an anchor; when those run out, items they
   skipped come back once, in the order they were skipped. No assignments at
   all: every non-anchor item by `items.seq` (a fresh project or the demo works
   without `assign`). When no regular item is left the queue is over: anchors
   and repeats only ride along.
2. an anchor, when one is due: the gap to the previous anchor is drawn around
   1/rate - 1 items with jitter, never under the minimum gap (so never two in a
   row), and an anchor comes back to the same person only after its window;
3. a repeat, with probability `repeat_rate`: an item this person labeled at
   least `repeat_delay` entries ago and never repeated.

The view must only ever see an item id (:func:`next_item_id`); the kind of an
entry is for the lead (:func:`preview`, `annotator queue`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from annotator.queue import requeue
from annotator.queue.plan import (
    KINDS,
    LIVE_LABEL,
    Planner,
    QueueEntry,
    Served,
    anchor_gap,
    served_from_row,
)
from annotator.queue.settings import get_settings
from annotator.store.project import Project

ANSWER_STATUSES = ("submitted", "skipped", "flagged")


@dataclass(frozen=True)
class QueueStatus:
    """Progress for display: anchors and repeats count as ordinary items."""

    done: int
    remaining: int

    @property
    def total(self) -> int:
        return self.done + self.remaining


def next_entry(project: Project, annotator_id: int) -> QueueEntry | None:
    """What to show this person now (None: their queue is done).

    Idempotent: the same entry comes back until they have a label record
    (submitted, skipped or flagged) on it made after it was served. Advancing
    writes one row to the served log in its own short transaction.
    """
    ctx = Planner(project, annotator_id)
    last = ctx.db_last()
    if last is not None and ctx.is_open(last):
        return last.entry()
    with _without_fsync(project), project.transaction():
        ctx = Planner(project, annotator_id)  # read again under the write lock
        last = ctx.db_last()
        if last is not None:
            if ctx.is_open(last):
                return last.entry()
            if last.outcome is None:
                _record_outcome(project, annotator_id, last, ctx.answer(last))
        position = last.position + 1 if last else 0
        ctx.name  # noqa: B018 - refuses an unknown annotator before anything is written
        floor = project.scalar("SELECT coalesce(max(id), 0) FROM labels")
        chosen = ctx.compute_next(position, floor)
        if chosen is None:
            return None
        project.conn.execute(
            "INSERT INTO queue_log(annotator_id, position, item_id, kind, pass, order_pos, "
            "served_at, label_floor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                annotator_id,
                chosen.position,
                chosen.item_id,
                chosen.kind,
                chosen.pass_,
                chosen.order_pos,
                chosen.served_at,
                chosen.label_floor,
            ),
        )
    return chosen.entry()


@contextmanager
def _without_fsync(project: Project) -> Iterator[None]:
    """Commit the served-log row without waiting for the disk (WAL, synchronous
    NORMAL for this one transaction): it survives an app crash, and the row is
    re-derivable anyway (same seed, same labels, same entry), so only a power
    cut could lose it, and the queue would then write it again identically.
    The label a person submits keeps the project's full durability."""
    if project.conn.in_transaction:
        yield
        return
    level = project.scalar("PRAGMA synchronous")
    project.conn.execute("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        project.conn.execute(f"PRAGMA synchronous = {int(level)}")


def _record_outcome(
    project: Project, annotator_id: int, entry: Served, answer: tuple[int, str] | None
) -> None:
    label_id, outcome = answer if answer else (None, "removed")
    project.conn.execute(
        "UPDATE queue_log SET answer_label_id = ?, outcome = ? "
        "WHERE annotator_id = ? AND position = ?",
        (label_id, outcome, annotator_id, entry.position),
    )


def reopen_after_undo(project: Project, annotator_id: int, label_id: int) -> int:
    """After the person's label `label_id` was taken back (undo): the queue steps back.

    Entries served after that label and still unanswered are dropped from the log
    (each is re-derived the same way when its position comes again: the planner's
    draws are seeded by position), and the entry it answered loses its logged
    outcome, so the undone item is the open entry again and `done` goes back by
    one. Nothing answered is ever dropped. Returns how many entries were dropped.
    Runs inside the caller's transaction when there is one.
    """
    ctx = Planner(project, annotator_id)
    rows = project.rows(
        "SELECT * FROM queue_log WHERE annotator_id = ? AND label_floor >= ? "
        "ORDER BY position DESC",
        (annotator_id, label_id),
    )
    dropped = [entry.position for entry in _while_open(ctx, [served_from_row(row) for row in rows])]
    with project.transaction():
        project.conn.executemany(
            "DELETE FROM queue_log WHERE annotator_id = ? AND position = ?",
            [(annotator_id, position) for position in dropped],
        )
        project.conn.execute(
            "UPDATE queue_log SET answer_label_id = NULL, outcome = NULL "
            "WHERE annotator_id = ? AND answer_label_id = ?",
            (annotator_id, label_id),
        )
    return len(dropped)


def _while_open(ctx: Planner, entries: list[Served]) -> Iterator[Served]:
    """The entries, newest first, up to the first one that has an answer."""
    for entry in entries:
        if ctx.answer(entry) is not None:
            return
        yield entry


def next_item_id(project: Project, annotator_id: int) -> str | None:
    """The id of the item to show now: all the annotate view may know."""
    entry = next_entry(project, annotator_id)
    return entry.item_id if entry is not None else None


def preview(project: Project, annotator_id: int, n: int) -> list[QueueEntry]:
    """The next `n` entries this person will see if they submit each in turn
    (the open one first). Lead only; reads, never writes."""
    ctx = Planner(project, annotator_id)
    entries: list[QueueEntry] = []
    last = ctx.db_last()
    position = 0
    if last is not None:
        position = last.position + 1
        if ctx.is_open(last):
            entries.append(last.entry())
            ctx.virtual.add(last)
        else:
            ctx.note_pending(last)
    while len(entries) < n:
        chosen = ctx.compute_next(position)
        if chosen is None:
            break
        entries.append(chosen.entry())
        ctx.virtual.add(chosen)
        position += 1
    return entries


def queue_status(project: Project, annotator_id: int) -> QueueStatus:
    """Done and remaining, for the progress display.

    `done` counts answered entries of every kind, plus the regular items labeled
    without the queue (imported, a work pack); `remaining` is the planned length
    minus what the queue served (0 once nothing is left), so an anchor or a repeat
    moves both numbers exactly as an ordinary item does.
    """
    ctx = Planner(project, annotator_id)
    last = ctx.db_last()
    is_open = last is not None and ctx.is_open(last)
    served = 0 if last is None else last.position + 1 - int(is_open)
    outside = _labeled_outside_queue(project, ctx)
    if not is_open:
        if last is not None:
            ctx.note_pending(last)
        if ctx.next_regular() is None:
            return QueueStatus(served + outside, 0)
    planned = _planned_total(project, ctx, outside)
    return QueueStatus(served + outside, max(1, planned - served))


def _planned_total(project: Project, ctx: Planner, outside: int) -> int:
    """Regular items in the plan not labeled `outside` the queue, scaled up by the
    expected share of anchors and repeats."""
    s = ctx.settings
    if ctx.assigned:
        regular = (
            s.assigned_count
            if s.stored
            else project.scalar(
                "SELECT count(*) FROM assignments WHERE annotator_id = ? AND removed = 0",
                (ctx.annotator_id,),
            )
        )
    else:
        removed = project.scalar(
            "SELECT count(*) FROM assignments WHERE annotator_id = ? AND removed = 1",
            (ctx.annotator_id,),
        )
        regular = _item_count(project) - _anchor_item_count(project) - removed
    regular -= outside
    regular += requeue.count_pending(project, ctx.annotator_id)
    has_anchors = project.row("SELECT 1 FROM anchors WHERE status != 'retired' LIMIT 1")
    extra = (s.anchor_rate if has_anchors else 0.0) + s.repeat_rate
    return math.ceil(max(0, regular) / (1.0 - min(extra, 0.9)))


def _labeled_outside_queue(project: Project, ctx: Planner) -> int:
    """Regular items this person already labeled without the queue serving them (imported
    labels, a work pack): the queue never serves them, so they are not left to do."""
    in_plan = (
        "EXISTS (SELECT 1 FROM assignments a WHERE a.item_id = l.item_id "
        "AND a.annotator_id = l.annotator_id AND a.removed = 0)"
        if ctx.assigned
        else "NOT EXISTS (SELECT 1 FROM assignments r WHERE r.item_id = l.item_id "
        "AND r.annotator_id = l.annotator_id AND r.removed = 1)"
    )
    return project.scalar(
        "SELECT count(DISTINCT l.item_id) FROM labels l "
        f"WHERE l.annotator_id = ? AND {LIVE_LABEL} AND {in_plan} "
        "AND NOT EXISTS (SELECT 1 FROM anchors x WHERE x.item_id = l.item_id) "
        "AND NOT EXISTS (SELECT 1 FROM queue_log q WHERE q.annotator_id = l.annotator_id "
        "  AND q.item_id = l.item_id AND q.kind = 'item')",
        (ctx.annotator_id,),
    )


def _item_count(project: Project) -> int:
    """count(items), memoised per open project while no item is added (items are
    never deleted), so progress stays cheap at a million items."""
    top = project.scalar("SELECT max(seq) FROM items") or 0
    cached = project.cache.get("queue_item_count")
    if cached is None or cached[0] != top:
        cached = (top, project.scalar("SELECT count(*) FROM items"))
        project.cache["queue_item_count"] = cached
    return cached[1]


def _anchor_item_count(project: Project) -> int:
    return project.scalar("SELECT count(DISTINCT item_id) FROM anchors")


def served_log(project: Project, annotator_id: int) -> list[dict[str, object]]:
    """The served log of one person, oldest first (lead only: it holds `kind`)."""
    rows = project.rows(
        "SELECT position, item_id, kind, pass, served_at, outcome, answer_label_id "
        "FROM queue_log WHERE annotator_id = ? ORDER BY position",
        (annotator_id,),
    )
    return [dict(row) for row in rows]


def overview(project: Project) -> list[dict[str, object]]:
    """Per annotator, for the lead's screens: mode, progress and queue settings."""
    rows = project.rows("SELECT id, name, mode FROM annotators ORDER BY name")
    out = []
    for row in rows:
        settings = get_settings(project, row["id"])
        status = queue_status(project, row["id"])
        out.append(
            {
                "annotator": row["name"],
                "mode": row["mode"],
                "done": status.done,
                "remaining": status.remaining,
                "configured": settings.stored,
                "assigned": settings.assigned_count,
                "anchor_rate": settings.anchor_rate,
                "current_anchor_rate": settings.current_anchor_rate,
                "repeat_rate": settings.repeat_rate,
                "seed": settings.seed if settings.stored else None,
            }
        )
    return out


__all__ = [
    "KINDS",
    "QueueEntry",
    "QueueStatus",
    "anchor_gap",
    "next_entry",
    "next_item_id",
    "overview",
    "preview",
    "queue_status",
    "reopen_after_undo",
    "served_log",
]
