"""Per-annotator queue settings: seed, anchor rate and its window, repeats.

The lead sets these with `annotator assign` (or :func:`configure`); the queue
reads them on every call, so a change takes effect at the next item. The
anchor rate has two values: the lead's setting (`anchor_rate`) and the one in
force (`current_anchor_rate`), which :mod:`annotator.anchors.rate` raises while
an annotator's anchor accuracy is low and lowers again when it recovers.

    >>> configure(project, annotator.id, anchor_rate=0.1, repeat_rate=0.03, seed=7)
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from annotator.base.clock import now_iso
from annotator.base.errors import AnnotatorError
from annotator.store.project import Project

DEFAULT_ANCHOR_RATE = 0.1
DEFAULT_JITTER = 0.5
DEFAULT_MIN_GAP = 2
DEFAULT_ANCHOR_WINDOW_ITEMS = 100
DEFAULT_REPEAT_DELAY = 50


class QueueError(AnnotatorError):
    """A queue or assignment setting is invalid, or the queue cannot do what was asked."""


@dataclass(frozen=True)
class QueueSettings:
    """How one annotator's queue mixes anchors and repeats into their items.

    - `anchor_rate`: the lead's share of anchors (0.1 = about 1 in 10);
      `current_anchor_rate` is the share in force (adaptive).
    - `jitter`: how far, as a share of the mean gap, the gap between two
      anchors varies (0 = a fixed period, so a careful annotator could count).
    - `min_gap`: at least this many other items between two anchors (>= 1: never
      two in a row).
    - `anchor_window_items` / `anchor_window_days`: an anchor comes back to the
      same person only after this many served items and (if set) days.
    - `repeat_rate`, `repeat_delay`: the share of entries that re-serve an item
      this person already labeled, at least `repeat_delay` entries later.
    - `assisted` (off by default): show a judge's answer and rationale beside the
      form, from the judge or source named `suggest_from` (None: the newest judge);
      `decoy_rate`: the share of served entries that are decoys, items with a known
      expert answer shown with a deliberately wrong suggestion
      (:mod:`annotator.workbench.decoys`; they ride on anchors, so at most the
      anchor rate).
    """

    annotator_id: int
    seed: int = 0
    anchor_rate: float = 0.0
    current_anchor_rate: float = 0.0
    jitter: float = DEFAULT_JITTER
    min_gap: int = DEFAULT_MIN_GAP
    anchor_window_items: int = DEFAULT_ANCHOR_WINDOW_ITEMS
    anchor_window_days: float | None = None
    repeat_rate: float = 0.0
    repeat_delay: int = DEFAULT_REPEAT_DELAY
    adaptive: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    assigned_count: int = 0
    assisted: bool = False
    decoy_rate: float = 0.0
    suggest_from: str | None = None
    stored: bool = False  # False: defaults for an annotator the lead never configured

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("stored")
        return out


SETTABLE = (
    "seed",
    "anchor_rate",
    "jitter",
    "min_gap",
    "anchor_window_items",
    "anchor_window_days",
    "repeat_rate",
    "repeat_delay",
    "assisted",
    "decoy_rate",
    "suggest_from",
)
_COLUMNS = [f.name for f in fields(QueueSettings) if f.name != "stored"]


def _from_row(row: Any) -> QueueSettings:
    values = {name: row[name] for name in _COLUMNS}
    values["adaptive"] = json.loads(values["adaptive"] or "{}")
    values["assisted"] = bool(values["assisted"])
    return QueueSettings(**values, stored=True)


def get_settings(project: Project, annotator_id: int) -> QueueSettings:
    """The annotator's settings, or the defaults (no anchors, no repeats) if never set."""
    row = project.row("SELECT * FROM queue_settings WHERE annotator_id = ?", (annotator_id,))
    if row is None:
        return QueueSettings(annotator_id=annotator_id)
    return _from_row(row)


def check_settings(settings: QueueSettings) -> None:
    """Raise QueueError, saying what to change, when settings cannot work together."""

    def bad(message: str) -> QueueError:
        return QueueError(f"Queue settings: {message}")

    for name in ("anchor_rate", "current_anchor_rate", "repeat_rate"):
        value = getattr(settings, name)
        if not 0.0 <= value < 1.0:
            raise bad(f"{name} must be at least 0 and below 1 (got {value}).")
    if settings.anchor_rate + settings.repeat_rate >= 1.0:
        raise bad("anchor rate plus repeat rate must stay below 1, or no items would be left.")
    if not 0.0 <= settings.jitter <= 1.0:
        raise bad(f"jitter is a share of the gap between 0 and 1 (got {settings.jitter}).")
    if settings.min_gap < 1:
        raise bad("the minimum gap between anchors is at least 1 (never two in a row).")
    if settings.anchor_rate > 0 and settings.anchor_rate > 1.0 / (settings.min_gap + 1):
        most = 1.0 / (settings.min_gap + 1)
        raise bad(
            f"an anchor rate of {settings.anchor_rate} cannot keep a gap of {settings.min_gap} "
            f"items between anchors (at most {most:.3f}); lower the rate or the gap."
        )
    if settings.anchor_window_items < 0 or settings.repeat_delay < 0:
        raise bad("windows and delays cannot be negative.")
    if settings.anchor_window_days is not None and settings.anchor_window_days < 0:
        raise bad("the anchor window in days cannot be negative.")
    if not 0.0 <= settings.decoy_rate < 1.0:
        raise bad(f"decoy_rate must be at least 0 and below 1 (got {settings.decoy_rate}).")
    if settings.decoy_rate > settings.anchor_rate:
        raise bad(
            f"decoys ride on anchors, so the decoy rate ({settings.decoy_rate}) cannot exceed "
            f"the anchor rate ({settings.anchor_rate}); raise the anchor rate or lower it."
        )


def new_seed() -> int:
    return random.SystemRandom().randrange(1, 2**31)


def configure(project: Project, annotator_id: int, **changes: Any) -> QueueSettings:
    """Set some of an annotator's queue settings (others keep their value).

    Changing `anchor_rate` also resets the rate in force to it: the lead's word
    wins over the adaptive rule until the rule acts again. A first
    configuration gets a fresh random seed and the default anchor rate unless
    given. Call inside or outside a transaction.
    """
    unknown = set(changes) - set(SETTABLE) - {"adaptive", "assigned_count"}
    if unknown:
        raise QueueError(f"Unknown queue setting(s): {', '.join(sorted(unknown))}.")
    changes = {key: value for key, value in changes.items() if value is not None}
    with project.transaction():
        current = get_settings(project, annotator_id)
        if not current.stored:
            current = replace(current, seed=new_seed(), anchor_rate=DEFAULT_ANCHOR_RATE)
            current = replace(current, current_anchor_rate=current.anchor_rate)
        updated = replace(current, **changes, stored=True)
        if "anchor_rate" in changes or not current.stored:
            updated = replace(updated, current_anchor_rate=updated.anchor_rate)
        check_settings(updated)
        save_settings(project, updated)
        project.audit(
            "queue_settings",
            target=str(annotator_id),
            details={k: v for k, v in changes.items() if k in SETTABLE},
        )
    return updated


def save_settings(project: Project, settings: QueueSettings) -> None:
    """Write a settings row as is (inside a transaction; no checks, no audit)."""
    values = settings.to_dict()
    values["adaptive"] = json.dumps(values["adaptive"], sort_keys=True)
    values["assisted"] = int(values["assisted"])
    values["updated_at"] = now_iso()
    names = list(values)
    project.conn.execute(
        f"INSERT INTO queue_settings({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
        "ON CONFLICT(annotator_id) DO UPDATE SET "
        + ", ".join(f"{n} = excluded.{n}" for n in names if n != "annotator_id"),
        [values[n] for n in names],
    )


def set_current_rate(project: Project, annotator_id: int, rate: float, adaptive: dict) -> None:
    """Store the rate in force and the adaptive state (the rule's own write path)."""
    project.conn.execute(
        "UPDATE queue_settings SET current_anchor_rate = ?, adaptive = ?, updated_at = ? "
        "WHERE annotator_id = ?",
        (rate, json.dumps(adaptive, sort_keys=True), now_iso(), annotator_id),
    )


def add_assigned(project: Project, annotator_id: int, delta: int) -> None:
    """Keep the count of an annotator's assigned (not removed) items current."""
    project.conn.execute(
        "UPDATE queue_settings SET assigned_count = max(0, assigned_count + ?) "
        "WHERE annotator_id = ?",
        (delta, annotator_id),
    )
