"""The arithmetic behind throughput: a person's pace, the date a backlog clears, time per
item in bands, the weekly series and the "what would it take" line.

Pure functions over plain numbers (no project), so the definitions documented in
:mod:`annotator.queue.throughput` live in one place and are tested on their own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from annotator.queue.settings import QueueError

WINDOW_WEEKS = 4  # the pace is measured over the last four weeks
WINDOW_DAYS = 7 * WINDOW_WEEKS
WEEK = timedelta(days=7)


def window_weeks(at: datetime, first: datetime | None) -> int:
    """Weeks of the pace window this person was there for. The window is four 7-day
    blocks counted back from `at`; a person whose first record falls inside it counts
    from the block holding that record (a whole week, so a newcomer's first days are
    not extrapolated)."""
    if first is None:
        return WINDOW_WEEKS
    days = (at - first).total_seconds() / 86400.0
    return max(1, min(WINDOW_WEEKS, math.ceil(days / 7.0)))


def clears_at(at: datetime, backlog: int, per_week: float) -> datetime | None:
    """When `backlog` entries are done at `per_week` labels a week (None: never at this
    pace; `at` itself when nothing is left)."""
    if backlog <= 0:
        return at
    if per_week <= 0:
        return None
    return at + timedelta(seconds=backlog / per_week * WEEK.total_seconds())


def latest(moments: Iterable[datetime | None]) -> tuple[datetime | None, bool]:
    """The latest of several clearing times, and whether every one is known (a queue that
    never clears makes the whole backlog never clear)."""
    known = list(moments)
    if any(m is None for m in known):
        return None, False
    return max((m for m in known if m is not None), default=None), True


def iso_week(day: date) -> tuple[str, date]:
    """('2026-W19', its Monday) for a day."""
    year, week, weekday = day.isocalendar()
    return f"{year}-W{week:02d}", day - timedelta(days=weekday - 1)


def weekly_series(
    days: Sequence[tuple[str, str, int, float]], names: Sequence[str], at: datetime
) -> list[dict[str, Any]]:
    """Labels and active hours per ISO week, overall and per person, every week from the
    first record's to `at`'s (weeks without work are zeros). `days`: (person, YYYY-MM-DD,
    labels, active seconds) per person and day."""
    if not days:
        return []
    first = min(date.fromisoformat(d[1]) for d in days)
    _, monday = iso_week(first)
    _, last_monday = iso_week(at.date())
    weeks: dict[str, dict[str, Any]] = {}
    while monday <= last_monday:
        key, _ = iso_week(monday)
        weeks[key] = {
            "week": key,
            "start": monday.isoformat(),
            "labels": 0,
            "active_hours": 0.0,
            "by_annotator": {n: {"labels": 0, "active_hours": 0.0} for n in names},
        }
        monday += WEEK
    for person, day, labels, seconds in days:
        entry = weeks[iso_week(date.fromisoformat(day))[0]]
        entry["labels"] += labels
        entry["active_hours"] += seconds / 3600.0
        mine = entry["by_annotator"][person]
        mine["labels"] += labels
        mine["active_hours"] += seconds / 3600.0
    return list(weeks.values())


def _spread(seconds: np.ndarray) -> dict[str, float | int]:
    return {
        "labels": len(seconds),
        "median_s": float(np.median(seconds)),
        "mean_s": float(np.mean(seconds)),
    }


def by_criteria(seconds: np.ndarray, answered: np.ndarray) -> list[dict[str, float | int]]:
    """Active seconds per label by the number of criteria the label answers."""
    return [{"criteria": int(k), **_spread(seconds[answered == k])} for k in np.unique(answered)]


def length_edges(lengths: np.ndarray) -> np.ndarray:
    """The quartiles of output length over the labels (numpy's linear rule), duplicates
    merged: the inner edges of the length bands."""
    if not len(lengths):
        return np.zeros(0)
    return np.unique(np.quantile(lengths, [0.25, 0.5, 0.75]))


def by_length(seconds: np.ndarray, lengths: np.ndarray) -> list[dict[str, object]]:
    """Active seconds per label by output-length band: quartiles of the labeled outputs'
    length in characters, each band closed on the right (<= q1, q1 < n <= q2, ...)."""
    if not len(lengths):
        return []
    edges = length_edges(lengths)
    band = np.searchsorted(edges, lengths, side="left")
    out: list[dict[str, object]] = []
    for index in range(len(edges) + 1):
        chosen = band == index
        if not chosen.any():
            continue
        low = int(lengths[chosen].min())
        high = int(lengths[chosen].max())
        out.append(
            {
                "band": index + 1,
                "chars": f"{low:,}–{high:,}",
                "min_chars": low,
                "max_chars": high,
                **_spread(seconds[chosen]),
            }
        )
    return out


@dataclass(frozen=True)
class Target:
    """What clearing the whole backlog by a date would take (see `what_it_takes`)."""

    by: str  # the target day, YYYY-MM-DD (cleared by its end, UTC)
    weeks_left: float
    backlog: int
    needed_per_week: float  # labels a week from now to the target
    current_per_week: float  # the team's pace now (sum of the people's)
    median_per_week: float | None  # the median person's pace (people with labels lately)
    annotators_needed: int | None  # people at the median pace
    annotators_now: int  # people with labels in the window
    per_hour: float | None  # labels per active hour over the window, everyone pooled
    hours_per_week_needed: float | None
    hours_per_week_now: float
    on_track: bool

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def line(self) -> str:
        """One sentence for the CLI, the team screen and the report."""
        if self.backlog == 0:
            return f"Nothing is left to clear by {self.by}."
        head = (
            f"To clear {self.backlog:,} by {self.by} ({self.weeks_left:.1f} weeks): "
            f"{self.needed_per_week:.1f} labels a week (now {self.current_per_week:.1f})"
        )
        parts = []
        if self.annotators_needed is not None and self.median_per_week is not None:
            parts.append(
                f"{self.annotators_needed} annotator(s) at the median "
                f"{self.median_per_week:.1f} a week (now {self.annotators_now})"
            )
        if self.hours_per_week_needed is not None and self.per_hour is not None:
            parts.append(
                f"{self.hours_per_week_needed:.1f} active hours a week at "
                f"{self.per_hour:.1f} labels an hour (now {self.hours_per_week_now:.1f})"
            )
        if not parts:
            return head + "; no measured pace to say who or how long."
        return head + ": " + ", or ".join(parts) + "."


def deadline_of(by: date | datetime | str) -> tuple[date, datetime]:
    """The target day and the moment it ends (midnight UTC after it)."""
    if isinstance(by, str):
        try:
            by = date.fromisoformat(by.strip()[:10])
        except ValueError:
            raise QueueError(f"Not a date: {by!r} (use YYYY-MM-DD).") from None
    day = by.date() if isinstance(by, datetime) else by
    return day, datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


def what_it_takes(
    at: datetime,
    by: date | datetime | str,
    backlog: int,
    paces: Sequence[float],
    window_timed: int,
    window_hours: float,
    hours_per_week_now: float,
) -> Target:
    """Annotators at the median measured pace, or active hours a week at the pooled rate,
    that clear `backlog` by the end of day `by`.

    needed a week = backlog / weeks left; annotators = ceil(needed / median pace of the
    people with labels in the window); hours a week = needed / (timed labels / active
    hours over the window, everyone pooled).
    """
    day, end = deadline_of(by)
    weeks_left = (end - at).total_seconds() / WEEK.total_seconds()
    if weeks_left <= 0:
        raise QueueError(f"The target date {day.isoformat()} is not after now ({at:%Y-%m-%d}).")
    needed = backlog / weeks_left
    working = [p for p in paces if p > 0]
    median = float(np.median(working)) if working else None
    per_hour = window_timed / window_hours if window_hours > 0 and window_timed else None
    return Target(
        by=day.isoformat(),
        weeks_left=weeks_left,
        backlog=backlog,
        needed_per_week=needed,
        current_per_week=float(sum(paces)),
        median_per_week=median,
        annotators_needed=None if median is None else math.ceil(needed / median - 1e-9),
        annotators_now=len(working),
        per_hour=per_hour,
        hours_per_week_needed=None if per_hour is None else needed / per_hour,
        hours_per_week_now=hours_per_week_now,
        on_track=float(sum(paces)) >= needed,
    )
