"""Planning one person's queue: which entry comes at a position, given the log.

:class:`Planner` reads the served log, assignments, labels and anchors and
decides, for the next position, between a regular item, an anchor and a repeat
(the rules are described in :mod:`annotator.queue.queue`). It never writes: the
queue module logs what it serves, and a preview plans ahead over an overlay of
entries it pretends were served and answered.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import timedelta

from annotator.base.clock import now, now_iso, parse_time
from annotator.base.errors import NotFoundError
from annotator.queue import requeue
from annotator.queue.settings import QueueSettings, get_settings
from annotator.store.project import Project

KINDS = ("item", "anchor", "repeat")
PASS_ASSIGNED, PASS_RETURN, PASS_FALLBACK = 0, 1, 2
PASS_REQUEUE = 3  # asked back under a newer rubric version (annotator.queue.requeue)
MAX_RETURNS = 1  # a skipped item comes back this many times, at the end
NEVER = 2**62  # the gap before the next anchor when the anchor rate is 0
# A label record `l` that still stands: not a retraction, not superseded by one.
# An item whose records are all taken back (undo) is fresh for the queue again.
LIVE_LABEL = (  # a label not retracted (itself, or by a retraction that supersedes it)
    "NOT (l.status = 'retracted' OR EXISTS (SELECT 1 FROM labels u "
    "WHERE u.supersedes = l.id AND u.status = 'retracted'))"
)


@dataclass(frozen=True)
class QueueEntry:
    """One served (or previewed) queue position. `kind` is for the lead only."""

    item_id: str
    position: int
    kind: str

    def to_dict(self) -> dict[str, str]:
        return {"item_id": self.item_id, "kind": self.kind}


@dataclass
class Served:
    position: int
    item_id: str
    kind: str
    pass_: int = PASS_ASSIGNED
    order_pos: int | None = None
    served_at: str = ""
    label_floor: int = 0
    outcome: str | None = None

    def entry(self) -> QueueEntry:
        return QueueEntry(self.item_id, self.position, self.kind)


def anchor_gap(rate: float, jitter: float, min_gap: int, rng: random.Random) -> int:
    """Non-anchor entries before the next anchor: mean 1/rate - 1, spread by jitter.

    The draw is uniform around the mean (clipped symmetrically so it never
    falls under `min_gap`) and rounded stochastically, so the long-run anchor
    share is exactly `rate` whenever the gap allows it. A rate of 0 (or less) means
    no anchors: the next one is never due.
    """
    if rate <= 0:
        return NEVER
    mean = 1.0 / rate - 1.0
    floor_gap = max(1, min_gap)
    if mean <= floor_gap:
        return floor_gap
    half = min(jitter * mean, mean - floor_gap)
    value = rng.uniform(mean - half, mean + half)
    whole = math.floor(value)
    if rng.random() < value - whole:
        whole += 1
    return max(floor_gap, whole)


def served_from_row(row: object) -> Served:
    return Served(
        position=row["position"],
        item_id=row["item_id"],
        kind=row["kind"],
        pass_=row["pass"],
        order_pos=row["order_pos"],
        served_at=row["served_at"],
        label_floor=row["label_floor"],
        outcome=row["outcome"],
    )


@dataclass
class Overlay:
    """Entries a preview pretends were served and answered (submitted), indexed so
    that planning thousands of positions ahead stays linear."""

    entries: list[Served] = field(default_factory=list)
    items: set[str] = field(default_factory=set)
    repeated: set[str] = field(default_factory=set)
    returns: dict[str, int] = field(default_factory=dict)
    last_position: dict[str, int] = field(default_factory=dict)
    served_at: dict[int, str] = field(default_factory=dict)
    cursor: dict[int, int] = field(default_factory=dict)  # pass -> last order position
    last_anchor: int | None = None
    plain: list[Served] = field(default_factory=list)  # kind 'item', in order
    plain_positions: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def add(self, entry: Served) -> None:
        self.entries.append(entry)
        self.items.add(entry.item_id)
        self.last_position[entry.item_id] = entry.position
        self.served_at[entry.position] = entry.served_at
        if entry.kind == "anchor":
            self.last_anchor = entry.position
        elif entry.kind == "repeat":
            self.repeated.add(entry.item_id)
        else:
            self.plain.append(entry)
            self.plain_positions.append(entry.position)
            if entry.pass_ == PASS_RETURN:
                self.returns[entry.item_id] = self.returns.get(entry.item_id, 0) + 1
            elif entry.order_pos is not None:
                self.cursor[entry.pass_] = entry.order_pos

    def plain_between(self, low: int, high: int) -> list[Served]:
        start = bisect.bisect_left(self.plain_positions, low)
        end = bisect.bisect_right(self.plain_positions, high)
        return self.plain[start:end]


@dataclass
class Planner:
    """One look at one person's queue; `virtual` overlays entries a preview pretends
    were served and answered (submitted), so planning runs without writing."""

    project: Project
    annotator_id: int
    virtual: Overlay = field(default_factory=Overlay)
    pending_skips: list[Served] = field(default_factory=list)
    _settings: QueueSettings | None = None
    _assigned: bool | None = None
    _db_last: Served | None = None
    _db_last_read: bool = False

    # -- cheap lazy facts ---------------------------------------------------------
    @property
    def settings(self) -> QueueSettings:
        if self._settings is None:
            self._settings = get_settings(self.project, self.annotator_id)
        return self._settings

    @property
    def assigned(self) -> bool:
        """True when the lead assigned this person items (else: every item, by seq)."""
        if self._assigned is None:
            self._assigned = (
                self.project.row(
                    "SELECT 1 FROM assignments WHERE annotator_id = ? AND set_id IS NOT NULL "
                    "LIMIT 1",
                    (self.annotator_id,),
                )
                is not None
            )
        return self._assigned

    @property
    def name(self) -> str:
        names = self.project.cache.setdefault("annotator_names", {})
        if self.annotator_id not in names:
            name = self.project.scalar(
                "SELECT name FROM annotators WHERE id = ?", (self.annotator_id,)
            )
            if name is None:
                raise NotFoundError(f"No annotator with id {self.annotator_id} in this project.")
            names[self.annotator_id] = name
        return names[self.annotator_id]

    def rng(self, purpose: str, position: int) -> random.Random:
        return random.Random(f"{self.settings.seed}|{self.name}|{purpose}|{position}")

    @property
    def db_limit(self) -> float:
        """Log positions at or past this are represented in `virtual`."""
        return self.virtual.entries[0].position if self.virtual else math.inf

    # -- the served log -----------------------------------------------------------
    def db_last(self) -> Served | None:
        if not self._db_last_read:
            row = self.project.row(
                "SELECT * FROM queue_log WHERE annotator_id = ? ORDER BY position DESC LIMIT 1",
                (self.annotator_id,),
            )
            self._db_last = served_from_row(row) if row else None
            self._db_last_read = True
        return self._db_last

    def last(self) -> Served | None:
        return self.virtual.entries[-1] if self.virtual else self.db_last()

    def answer(self, entry: Served) -> tuple[int, str] | None:
        """(label id, status) of this person's latest answering record, if any.

        A retraction made after it (an undo of that answer) takes the answer back:
        the entry is open again."""
        row = self.project.row(
            "SELECT id, status FROM labels WHERE item_id = ? AND annotator_id = ? AND id > ? "
            "AND status IN ('submitted', 'skipped', 'flagged', 'retracted') "
            "ORDER BY id DESC LIMIT 1",
            (entry.item_id, self.annotator_id, entry.label_floor),
        )
        return (row[0], row[1]) if row and row[1] != "retracted" else None

    def removed(self, item_id: str) -> bool:
        return (
            self.project.row(
                "SELECT 1 FROM assignments WHERE item_id = ? AND annotator_id = ? AND removed = 1",
                (item_id, self.annotator_id),
            )
            is not None
        )

    def is_open(self, entry: Served) -> bool:
        """Served, not yet answered, and not withdrawn by the lead."""
        if self.answer(entry) is not None:
            return False
        return entry.kind == "anchor" or not self.removed(entry.item_id)

    def note_pending(self, entry: Served) -> tuple[int, str] | None:
        """For a closed entry whose outcome is not logged yet: remember a skip."""
        answer = self.answer(entry) if entry.outcome is None else None
        if answer is not None and answer[1] == "skipped":
            self.pending_skips.append(entry)
        return answer

    # -- regular items --------------------------------------------------------------
    def _cursor(self, pass_: int) -> int:
        if pass_ in self.virtual.cursor:
            return self.virtual.cursor[pass_]
        row = self.project.row(
            "SELECT order_pos FROM queue_log WHERE annotator_id = ? AND kind = 'item' "
            "AND pass = ? AND position < ? ORDER BY position DESC LIMIT 1",
            (self.annotator_id, pass_, _sql_limit(self.db_limit)),
        )
        return row[0] if row and row[0] is not None else -1

    def next_fresh(self) -> tuple[str, int, int] | None:
        """(item id, order position, pass) of the next never-labeled regular item."""
        if self.assigned:
            row = self.project.row(
                "SELECT a.item_id, a.position FROM assignments a "
                "WHERE a.annotator_id = ? AND a.position > ? AND a.removed = 0 "
                "AND NOT EXISTS (SELECT 1 FROM labels l "
                "  WHERE l.item_id = a.item_id AND l.annotator_id = a.annotator_id "
                f"  AND {LIVE_LABEL}) "
                "AND NOT EXISTS (SELECT 1 FROM anchors x WHERE x.item_id = a.item_id) "
                "ORDER BY a.position LIMIT 1",
                (self.annotator_id, self._cursor(PASS_ASSIGNED)),
            )
            return (row[0], row[1], PASS_ASSIGNED) if row else None
        row = self.project.row(
            "SELECT i.id, i.seq FROM items i WHERE i.seq > ? "
            "AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.item_id = i.id AND l.annotator_id = ? "
            f"  AND {LIVE_LABEL}) "
            "AND NOT EXISTS (SELECT 1 FROM anchors x WHERE x.item_id = i.id) "
            "AND NOT EXISTS (SELECT 1 FROM assignments r "
            "  WHERE r.item_id = i.id AND r.annotator_id = ? AND r.removed = 1) "
            "ORDER BY i.seq LIMIT 1",
            (self._cursor(PASS_FALLBACK), self.annotator_id, self.annotator_id),
        )
        return (row[0], row[1], PASS_FALLBACK) if row else None

    def _returns_of(self, item_id: str) -> int:
        virtual = self.virtual.returns.get(item_id, 0)
        stored = self.project.scalar(
            "SELECT count(*) FROM queue_log WHERE annotator_id = ? AND item_id = ? "
            "AND kind = 'item' AND pass = ? AND position < ?",
            (self.annotator_id, item_id, PASS_RETURN, _sql_limit(self.db_limit)),
        )
        return virtual + stored

    def next_return(self) -> tuple[str, None, int] | None:
        """A skipped item coming back at the end (each at most MAX_RETURNS times)."""
        rows = self.project.rows(
            "SELECT * FROM queue_log WHERE annotator_id = ? AND outcome = 'skipped' "
            "AND pass != ? AND position < ? ORDER BY position",
            (self.annotator_id, PASS_RETURN, _sql_limit(self.db_limit)),
        )
        candidates = [served_from_row(r) for r in rows] + self.pending_skips
        for entry in candidates:
            item_id = entry.item_id
            if item_id in self.virtual.items or self._returns_of(item_id) >= MAX_RETURNS:
                continue
            status = self.project.scalar(  # the current record (repeats never are)
                "SELECT status FROM labels WHERE item_id = ? AND annotator_id = ? "
                "AND repeat_of IS NULL ORDER BY id DESC LIMIT 1",
                (item_id, self.annotator_id),
            )
            if status != "skipped" or self.removed(item_id) or _is_anchor(self.project, item_id):
                continue
            return (item_id, None, PASS_RETURN)
        return None

    def next_requeued(self) -> tuple[str, None, int] | None:
        """An item the lead asked back because this person's label on it went stale."""
        item_id = requeue.next_pending(self.project, self.annotator_id, self.virtual.items)
        return (item_id, None, PASS_REQUEUE) if item_id is not None else None

    def next_regular(self) -> tuple[str, int | None, int] | None:
        return self.next_requeued() or self.next_fresh() or self.next_return()

    # -- anchors --------------------------------------------------------------------
    def _last_anchor_position(self) -> int | None:
        if self.virtual.last_anchor is not None:
            return self.virtual.last_anchor
        return self.project.scalar(
            "SELECT max(position) FROM queue_log WHERE annotator_id = ? AND kind = 'anchor' "
            "AND position < ?",
            (self.annotator_id, _sql_limit(self.db_limit)),
        )

    def anchor_due(self) -> int:
        """The first position at which the next anchor may be served."""
        last = self._last_anchor_position()
        base = -1 if last is None else last
        s = self.settings
        return (
            base + 1 + anchor_gap(s.current_anchor_rate, s.jitter, s.min_gap, self.rng("gap", base))
        )

    def pick_anchor(self, position: int) -> str | None:
        """An anchor this person may see now: never seen first, else least recently."""
        s = self.settings
        rows = self.project.rows(
            "SELECT x.item_id, (SELECT max(q.position) FROM queue_log q "
            "  WHERE q.annotator_id = ? AND q.item_id = x.item_id AND q.position < ?) AS last_pos "
            "FROM anchors x WHERE x.status != 'retired' ORDER BY x.item_id",
            (self.annotator_id, _sql_limit(self.db_limit)),
        )
        last_pos = {row[0]: row[1] for row in rows}
        for item_id in last_pos:
            if item_id in self.virtual.last_position:
                last_pos[item_id] = self.virtual.last_position[item_id]
        eligible = [
            item_id
            for item_id, last in last_pos.items()
            if last is None
            or (position - last > s.anchor_window_items and self._days_passed(item_id, last))
        ]
        if not eligible:
            return None
        never = [item_id for item_id in eligible if last_pos[item_id] is None]
        if never:
            return self.rng("anchor", position).choice(never)
        return min(eligible, key=lambda item_id: last_pos[item_id])

    def _days_passed(self, item_id: str, last_position: int) -> bool:
        days = self.settings.anchor_window_days
        if not days:
            return True
        served_at = self.virtual.served_at.get(last_position) or self.project.scalar(
            "SELECT served_at FROM queue_log WHERE annotator_id = ? AND position = ?",
            (self.annotator_id, last_position),
        )
        return now() - parse_time(served_at) >= timedelta(days=days)

    # -- repeats --------------------------------------------------------------------
    def _repeated(self, item_id: str) -> bool:
        if item_id in self.virtual.repeated:
            return True
        return (
            self.project.row(
                "SELECT 1 FROM queue_log WHERE annotator_id = ? AND item_id = ? "
                "AND kind = 'repeat'",
                (self.annotator_id, item_id),
            )
            is not None
        )

    def _repeat_in_db(self, low: int, high: int) -> str | None:
        row = self.project.row(
            "SELECT q.item_id FROM queue_log q "
            "WHERE q.annotator_id = :a AND q.kind = 'item' AND q.position BETWEEN :lo AND :hi "
            "AND NOT EXISTS (SELECT 1 FROM queue_log r WHERE r.annotator_id = :a "
            "  AND r.item_id = q.item_id AND r.kind = 'repeat') "
            "AND (SELECT l.status FROM labels l WHERE l.item_id = q.item_id "
            "  AND l.annotator_id = :a AND l.repeat_of IS NULL "
            "  ORDER BY l.id DESC LIMIT 1) = 'submitted' "
            "AND NOT EXISTS (SELECT 1 FROM assignments s WHERE s.item_id = q.item_id "
            "  AND s.annotator_id = :a AND s.removed = 1) "
            "AND NOT EXISTS (SELECT 1 FROM anchors x WHERE x.item_id = q.item_id) "
            "ORDER BY q.position LIMIT 1",
            {"a": self.annotator_id, "lo": low, "hi": min(high, _sql_limit(self.db_limit) - 1)},
        )
        return row[0] if row else None

    def _repeat_in_virtual(self, low: int, high: int) -> str | None:
        for entry in self.virtual.plain_between(low, high):
            if not self._repeated(entry.item_id) and not _is_anchor(self.project, entry.item_id):
                return entry.item_id
        return None

    def pick_repeat(self, position: int, rng: random.Random) -> str | None:
        """An item labeled at least `repeat_delay` entries ago, never repeated: the
        first such at or after a random start, wrapping around."""
        limit = position - self.settings.repeat_delay
        if limit < 0:
            return None
        start = rng.randrange(0, limit + 1)
        return (
            self._repeat_in_db(start, limit)
            or self._repeat_in_virtual(start, limit)
            or self._repeat_in_db(0, start - 1)
            or self._repeat_in_virtual(0, start - 1)
        )

    # -- planning -------------------------------------------------------------------
    def compute_next(self, position: int, label_floor: int = 0) -> Served | None:
        """The entry for `position`, given everything served before it."""
        regular = self.next_regular()
        if regular is None:
            return None
        s = self.settings
        last = self.last()
        stamp = now_iso()
        if (
            s.current_anchor_rate > 0
            and (last is None or last.kind != "anchor")
            and position >= self.anchor_due()
        ):
            anchor = self.pick_anchor(position)
            if anchor is not None:
                return Served(position, anchor, "anchor", PASS_ASSIGNED, None, stamp, label_floor)
        if s.repeat_rate > 0:
            rng = self.rng("repeat", position)
            if rng.random() < s.repeat_rate:
                item_id = self.pick_repeat(position, rng)
                if item_id is not None:
                    return Served(
                        position, item_id, "repeat", PASS_ASSIGNED, None, stamp, label_floor
                    )
        item_id, order_pos, pass_ = regular
        return Served(position, item_id, "item", pass_, order_pos, stamp, label_floor)


def _sql_limit(limit: float) -> int:
    return 2**62 if math.isinf(limit) else int(limit)


def _is_anchor(project: Project, item_id: str) -> bool:
    return project.row("SELECT 1 FROM anchors WHERE item_id = ? LIMIT 1", (item_id,)) is not None


# -- the interface ------------------------------------------------------------------------
