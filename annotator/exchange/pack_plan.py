"""What goes into a work pack, in which order, and the lead's record of it.

A pack's queue is fixed when the pack is made: the annotator's items with the
anchors already mixed in by the queue's own rules (the rate in force, its
jitter and minimum gap), so the pack's copy of the normal queue module only
serves them in order. Which entries are anchors is written to the project
(`pack_entries.kind`) and nowhere in the pack.

    >>> entries = plan_entries(project, annotator, items=None, next_n=200)
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from annotator.base.clock import now_iso
from annotator.base.errors import NotFoundError
from annotator.exchange.pack_file import PackError
from annotator.queue import queue
from annotator.queue.plan import anchor_gap
from annotator.queue.settings import QueueSettings, get_settings
from annotator.sources.sources import Annotator
from annotator.store.project import Project

CHUNK = 500


@dataclass(frozen=True)
class PlannedEntry:
    """One position of a pack's queue. `kind` ('item' or 'anchor') stays in the project."""

    item_id: str
    kind: str


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def marks(n: int) -> str:
    return ", ".join("?" * n)


def live_anchor_items(project: Project) -> set[str]:
    return {r[0] for r in project.rows("SELECT item_id FROM anchors WHERE status != 'retired'")}


def resolve_items(project: Project, item_ids: Sequence[str]) -> list[str]:
    """The named items in the given order (each once), or NotFoundError naming the missing."""
    ordered = list(dict.fromkeys(i.strip() for i in item_ids if i and i.strip()))
    found: set[str] = set()
    for part in chunks(ordered):
        found.update(
            r[0]
            for r in project.rows(f"SELECT id FROM items WHERE id IN ({marks(len(part))})", part)
        )
    missing = [i for i in ordered if i not in found]
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise NotFoundError(
            f"No item {', '.join(repr(m) for m in missing[:5])}{more} in this project; "
            "nothing was written."
        )
    return ordered


def remaining_assigned(
    project: Project, annotator_id: int, exclude: set[str], limit: int | None = None
) -> list[str]:
    """The annotator's assigned items with no label record of theirs yet, in queue order."""
    rows = project.rows(
        "SELECT a.item_id FROM assignments a WHERE a.annotator_id = ? AND a.removed = 0 "
        "AND a.set_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM labels l "
        "  WHERE l.item_id = a.item_id AND l.annotator_id = a.annotator_id) "
        "AND NOT EXISTS (SELECT 1 FROM anchors x WHERE x.item_id = a.item_id) "
        "ORDER BY a.position",
        (annotator_id,),
    )
    out = [r[0] for r in rows if r[0] not in exclude]
    return out if limit is None else out[:limit]


def from_queue(project: Project, annotator: Annotator, n: int, anchors: bool) -> list[PlannedEntry]:
    """The next `n` entries of the person's queue as the lead's preview shows them.

    Repeats are left out (the pack's own queue mixes in repeats of what is labeled
    in it), and an item comes once.
    """
    entries: list[PlannedEntry] = []
    seen: set[str] = set()
    for entry in queue.preview(project, annotator.id, n):
        if entry.kind == "repeat" or entry.item_id in seen:
            continue
        if entry.kind == "anchor" and not anchors:
            continue
        seen.add(entry.item_id)
        entries.append(PlannedEntry(entry.item_id, "anchor" if entry.kind == "anchor" else "item"))
    return entries


@dataclass
class AnchorMixer:
    """Mixes anchors into a list of items by the queue's rules: the gap before each
    anchor is drawn around 1/rate - 1 with jitter, never under the minimum gap
    (never two in a row); anchors this person never answered come first, and an
    anchor comes at most once per pack."""

    pool: list[str]
    rate: float
    settings: QueueSettings
    rng: random.Random
    seen_before: dict[str, int]  # anchor item -> this person's latest label id on it
    used: set[str]

    def _gap(self) -> int:
        s = self.settings
        return anchor_gap(self.rate, s.jitter, s.min_gap, self.rng)

    def _pick(self) -> str | None:
        fresh = [a for a in self.pool if a not in self.used and a not in self.seen_before]
        if fresh:
            return self.rng.choice(fresh)
        rest = [a for a in self.pool if a not in self.used]
        return min(rest, key=lambda a: self.seen_before[a]) if rest else None

    def mix(
        self, regular: Sequence[str], start: int, last_anchor: int | None
    ) -> list[PlannedEntry]:
        out: list[PlannedEntry] = []
        position = start
        due = (start - 1 if last_anchor is None else last_anchor) + 1 + self._gap()
        for item_id in regular:
            if self.rate > 0 and position >= due:
                anchor = self._pick()
                if anchor is not None:
                    self.used.add(anchor)
                    out.append(PlannedEntry(anchor, "anchor"))
                    due = position + 1 + self._gap()
                    position += 1
            out.append(PlannedEntry(item_id, "item"))
            position += 1
        return out


def make_mixer(
    project: Project,
    annotator: Annotator,
    exclude: set[str],
    rate: float | None,
    seed_text: str,
    used: set[str] | None = None,
) -> AnchorMixer:
    """An anchor mixer for this person: live anchors not among `exclude`, the rate
    in force (or `rate`), and a generator seeded from the queue's seed."""
    settings = get_settings(project, annotator.id)
    if rate is None:
        rate = settings.current_anchor_rate if settings.stored else 0.0
    if not 0.0 <= rate < 1.0:
        raise PackError(f"An anchor rate is a share between 0 and 1 (got {rate}).")
    pool = sorted(live_anchor_items(project) - exclude)
    seen_before: dict[str, int] = {}
    for part in chunks(pool):
        seen_before.update(
            (r[0], r[1])
            for r in project.rows(
                "SELECT item_id, max(id) FROM labels WHERE annotator_id = ? "
                f"AND item_id IN ({marks(len(part))}) GROUP BY item_id",
                [annotator.id, *part],
            )
        )
    rng = random.Random(f"{settings.seed}|{annotator.name}|pack|{seed_text}")
    return AnchorMixer(pool, rate, settings, rng, seen_before, set(used or ()))


def plan_entries(
    project: Project,
    annotator: Annotator,
    *,
    items: Sequence[str] | None,
    next_n: int | None,
    anchors: bool,
    anchor_rate: float | None,
    seed_text: str,
) -> list[PlannedEntry]:
    """A new pack's queue: the named items, the next `next_n` of the person's queue,
    or (neither given) all their assigned items not labeled yet; anchors mixed in."""
    if next_n is not None and next_n < 1:
        raise PackError("--next needs a positive number of items.")
    if items is None and next_n is not None:
        return from_queue(project, annotator, next_n, anchors)
    anchor_items = live_anchor_items(project)
    if items is not None:
        regular = resolve_items(project, items)
        if next_n is not None:
            regular = regular[:next_n]
    else:
        regular = remaining_assigned(project, annotator.id, set())
    if not regular:
        raise PackError(
            f"Nothing to put in a pack for {annotator.name}: no items named, and no assigned "
            "items left without a label. Assign items first ('annotator assign') or give --items."
        )
    if not anchors:
        return [PlannedEntry(i, "anchor" if i in anchor_items else "item") for i in regular]
    mixer = make_mixer(project, annotator, set(regular), anchor_rate, seed_text)
    mixed = mixer.mix(regular, 0, None)
    return [
        PlannedEntry(e.item_id, "anchor" if e.item_id in anchor_items else e.kind) for e in mixed
    ]


def items_digest(pairs: Iterable[tuple[str, str]]) -> str:
    """A digest of (item id, content hash) pairs, independent of their order."""
    digest = hashlib.sha256()
    for item_id, content_hash in sorted(pairs):
        digest.update(f"{item_id}\x1f{content_hash}\n".encode())
    return digest.hexdigest()


# -- the lead's record -----------------------------------------------------------------------
def record_pack(
    project: Project, pack_id: str, annotator_id: int, rubric_version_id: int, details: dict
) -> None:
    """The pack's row in the project (inside a transaction)."""
    project.conn.execute(
        "INSERT INTO packs(id, annotator_id, rubric_version_id, created_at, created_by, details) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            pack_id,
            annotator_id,
            rubric_version_id,
            now_iso(),
            project.actor,
            json.dumps(details, sort_keys=True, default=str),
        ),
    )


def record_version(
    project: Project,
    pack_id: str,
    version: int,
    file_name: str,
    entries: Sequence[PlannedEntry],
    items_hash: str,
    rubric_hash: str,
    labels_carried: int = 0,
) -> None:
    """The pack version's row and every entry with its kind (inside a transaction)."""
    project.conn.execute(
        "INSERT INTO pack_versions(pack_id, version, file_name, items, anchors, items_hash, "
        "rubric_hash, labels_carried, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            pack_id,
            version,
            file_name,
            len(entries),
            sum(e.kind == "anchor" for e in entries),
            items_hash,
            rubric_hash,
            labels_carried,
            now_iso(),
            project.actor,
        ),
    )
    project.conn.executemany(
        "INSERT INTO pack_entries(pack_id, version, position, item_id, kind) "
        "VALUES (?, ?, ?, ?, ?)",
        [(pack_id, version, i, e.item_id, e.kind) for i, e in enumerate(entries)],
    )


def entries_of(project: Project, pack_id: str, version: int) -> list[PlannedEntry]:
    return [
        PlannedEntry(r[0], r[1])
        for r in project.rows(
            "SELECT item_id, kind FROM pack_entries WHERE pack_id = ? AND version = ? "
            "ORDER BY position",
            (pack_id, version),
        )
    ]


def version_row(project: Project, pack_id: str, version: int) -> Any:
    return project.row(
        "SELECT v.*, p.annotator_id, p.rubric_version_id FROM pack_versions v "
        "JOIN packs p ON p.id = v.pack_id WHERE v.pack_id = ? AND v.version = ?",
        (pack_id, version),
    )


def latest_version(project: Project, pack_id: str) -> int | None:
    return project.scalar("SELECT max(version) FROM pack_versions WHERE pack_id = ?", (pack_id,))
