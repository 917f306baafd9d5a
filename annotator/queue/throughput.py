"""Throughput: how fast people label, how much is left in their queues, when it clears,
and what it would take to clear it by a date.

It lives in `queue` because the backlog is the queue's (:func:`queue_status`), the lowest
package that knows it; the label and item tables are read with SQL, as the queue already
does, so nothing above this layer is imported. The label records are read once, into
numpy columns (`throughput_scan`), and every figure is a sum over them.

Definitions (the docs' "Throughput" section says the same):

* Only people count: annotators of sources that are not LLM judges. Records after `at`
  are ignored, so the figures are deterministic given `at` (default now).
* **labels**: submitted label records, amendments and test-retest repeats included (each
  was work). **active hours**: the active seconds (`labels.duration_s`, what the annotate
  view's active clock measured, or an import's work time) of every record that is not an
  undo's retraction (skips and flags took time too), over 3600.
* **labels per active hour**: submitted records that carry active time over those active
  hours; records without active time are left out of the rate and counted in a note.
* **backlog**: `queue_status(...).remaining`, the entries still planned in the person's
  queue now (anchors and repeats ride along, as in the progress display).
* **pace** (the rate the date uses): submitted labels in the last 28 days before `at`
  (four 7-day blocks counted back from `at`) over the blocks the person was there for
  (from the block holding their first record, if that is later). With active time on
  every label this is exactly labels per active hour times active hours per week over
  the same window.
* **clears on**: `at` + backlog / pace weeks per queue; a source's and the whole team's
  backlog clears when its last queue does (never, if a queue with work left has no pace).
  `pooled` is the date if the work were shared: total backlog / total pace.
* **time per item**: active seconds of submitted records with active time, by the number
  of criteria the label answers and by output-length band (quartiles of the labeled
  outputs' length in characters).
* **what would it take** (`by_date`): see :func:`annotator.queue.throughput_forecast.what_it_takes`.

    >>> figures = throughput(project, by_date="2026-12-31")
    >>> figures.total.clears_on, figures.target.line()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from annotator.base.clock import now, parse_time, to_iso
from annotator.queue.throughput_backlog import backlogs, read_items, record_lengths
from annotator.queue.throughput_forecast import (
    WINDOW_DAYS,
    WINDOW_WEEKS,
    Target,
    by_criteria,
    by_length,
    clears_at,
    latest,
    weekly_series,
    what_it_takes,
    window_weeks,
)
from annotator.queue.throughput_scan import day_rows, person_counts, read_records, timed_labels
from annotator.sources.sources import get_annotator
from annotator.store.project import Project

PEOPLE = (
    "SELECT a.id, a.name, a.pseudonym, s.name AS source, s.kind FROM annotators a "
    "JOIN sources s ON s.id = a.source_id WHERE s.kind != 'llm_judge' ORDER BY a.name"
)


@dataclass(frozen=True)
class Figures:
    """One queue's (or a source's, or everyone's) throughput."""

    name: str  # the annotator (or source, or "all")
    source: str
    labels: int
    timed_labels: int
    active_hours: float
    per_hour: float | None  # labels per active hour (None: no active time)
    window_labels: int  # in the last 28 days
    window_timed: int
    window_hours: float
    per_week: float  # the pace: labels a calendar week over the window
    hours_per_week: float
    backlog: int
    clears_at: str | None  # ISO time; None: not at the current pace
    people: int = 1
    weeks: int = WINDOW_WEEKS  # the weeks of the window the pace is over
    note: str = ""

    @property
    def clears_on(self) -> str | None:
        return None if self.clears_at is None else self.clears_at[:10]

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "clears_on": self.clears_on}


@dataclass(frozen=True)
class Throughput:
    at: str
    window_days: int
    queues: list[Figures]
    sources: list[Figures]
    total: Figures
    pooled_clears_at: str | None  # if the whole backlog were shared at the team's pace
    by_criteria: list[dict[str, object]]
    by_length: list[dict[str, object]]
    weekly: list[dict[str, object]]
    target: Target | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "at": self.at,
            "window_days": self.window_days,
            "queues": [q.to_dict() for q in self.queues],
            "sources": [s.to_dict() for s in self.sources],
            "total": self.total.to_dict(),
            "pooled_clears_at": self.pooled_clears_at,
            "by_criteria": self.by_criteria,
            "by_length": self.by_length,
            "weekly": self.weekly,
            "target": None if self.target is None else self.target.to_dict(),
            "notes": self.notes,
        }


def _moment(at: datetime | str | None) -> datetime:
    if at is None:
        return now()
    return parse_time(at) if isinstance(at, str) else parse_time(to_iso(at))


def _note(labels: int, timed: int) -> str:
    if labels and not timed:
        return "no active time recorded: no rate per hour"
    if labels > timed:
        return f"{labels - timed} of {labels} labels without active time (left out of the rate)"
    return ""


def _person(
    row: Any, counts: Sequence | None, at: datetime, backlog: int, real_names: bool
) -> Figures:
    labels, timed, seconds, w_labels, w_timed, w_seconds, first = counts or (0,) * 6 + (None,)
    weeks = window_weeks(at, parse_time(first) if first else None)
    per_week = (w_labels or 0) / weeks
    when = clears_at(at, backlog, per_week)
    note = _note(labels or 0, timed or 0)
    if when is None:
        note = "; ".join(filter(None, [note, f"no labels in the last {WINDOW_DAYS} days"]))
    return Figures(
        name=row["name"] if real_names else row["pseudonym"],
        source=row["source"],
        labels=labels or 0,
        timed_labels=timed or 0,
        active_hours=(seconds or 0.0) / 3600.0,
        per_hour=(timed or 0) / (seconds / 3600.0) if seconds and timed else None,
        window_labels=w_labels or 0,
        window_timed=w_timed or 0,
        window_hours=(w_seconds or 0.0) / 3600.0,
        per_week=per_week,
        hours_per_week=(w_seconds or 0.0) / 3600.0 / weeks,
        backlog=backlog,
        clears_at=None if when is None else to_iso(when),
        weeks=weeks,
        note=note,
    )


def _group(name: str, source: str, members: list[Figures], at: datetime) -> Figures:
    """A source's or everyone's figures: sums, and the date its last queue clears."""
    labels = sum(m.labels for m in members)
    timed = sum(m.timed_labels for m in members)
    hours = sum(m.active_hours for m in members)
    moments = [parse_time(m.clears_at) if m.clears_at else None for m in members if m.backlog]
    when, known = latest(moments)
    note = _note(labels, timed)
    if not known:
        stuck = [m.name for m in members if m.backlog and m.clears_at is None]
        note = "; ".join(filter(None, [note, "never at this pace: " + ", ".join(stuck)]))
    return Figures(
        name=name,
        source=source,
        labels=labels,
        timed_labels=timed,
        active_hours=hours,
        per_hour=timed / hours if hours > 0 and timed else None,
        window_labels=sum(m.window_labels for m in members),
        window_timed=sum(m.window_timed for m in members),
        window_hours=sum(m.window_hours for m in members),
        per_week=sum(m.per_week for m in members),
        hours_per_week=sum(m.hours_per_week for m in members),
        backlog=sum(m.backlog for m in members),
        clears_at=to_iso(when or at) if known else None,
        people=len(members),
        note=note,
    )


def throughput(
    project: Project,
    *,
    at: datetime | str | None = None,
    by_date: date | datetime | str | None = None,
    annotator: str | None = None,
    real_names: bool = True,
) -> Throughput:
    """Per queue, per source and overall: labels, active hours, labels per active hour,
    backlog, pace and the day it clears; time per item; the weekly series; and, with
    `by_date`, what clearing everything by then would take. Reads only.

    `annotator` keeps one person's queue (its source and total are then that person's).
    Names are pseudonyms unless `real_names`.
    """
    moment = _moment(at)
    at_iso = to_iso(moment)
    start_iso = to_iso(moment - timedelta(days=WINDOW_DAYS))
    people = project.rows(PEOPLE)
    if annotator is not None:
        person = get_annotator(project, annotator)  # NotFoundError names it
        people = [p for p in people if p["id"] == person.id]
    records = read_records(project, at_iso, start_iso)
    counts = person_counts(project, records, [p["id"] for p in people], at_iso)
    items = read_items(project, records)
    left = backlogs(project, [p["id"] for p in people], records, at_iso, items)
    queues = [_person(p, counts.get(p["id"]), moment, left[p["id"]], real_names) for p in people]
    sources = [
        _group(name, name, [q for q in queues if q.source == name], moment)
        for name in dict.fromkeys(q.source for q in queues)
    ]
    total = _group("all", "all", queues, moment)
    pooled = clears_at(moment, total.backlog, total.per_week)
    ids = {p["id"]: q.name for p, q in zip(people, queues, strict=True)}
    days = [(ids[r[0]], r[1], r[2], r[3]) for r in day_rows(records) if r[0] in ids]
    everyone = [p["id"] for p in project.rows(PEOPLE)] if annotator is None else list(ids)
    seconds, answered, lengths = timed_labels(project, records, everyone, record_lengths(items))
    target = None
    if by_date is not None:
        target = what_it_takes(
            moment,
            by_date,
            total.backlog,
            [q.per_week for q in queues],
            total.window_timed,
            total.window_hours,
            total.hours_per_week,
        )
    notes = [f"{q.name}: {q.note}" for q in queues if q.note]
    return Throughput(
        at=at_iso,
        window_days=WINDOW_DAYS,
        queues=queues,
        sources=sources,
        total=total,
        pooled_clears_at=None if pooled is None else to_iso(pooled),
        by_criteria=by_criteria(seconds, answered),
        by_length=by_length(seconds, lengths),
        weekly=weekly_series(days, list(ids.values()), moment),
        target=target,
        notes=notes,
    )


HEADERS = (
    "Annotator",
    "Source",
    "Labels",
    "Active h",
    "Labels / h",
    "Left",
    "Per week",
    "Clears on",
)


def _cells(f: Figures, title: str) -> list[str]:
    return [
        title,
        f.source if title == f.name else "",
        f"{f.labels:,}",
        f"{f.active_hours:.1f}",
        "–" if f.per_hour is None else f"{f.per_hour:.1f}",
        f"{f.backlog:,}",
        f"{f.per_week:.1f}",
        f.clears_on or "never",
    ]


def table_rows(figures: Throughput) -> list[list[str]]:
    """The throughput table as text cells (HEADERS): one row per queue, then one per
    source and one for everyone, for the CLI, the team screen and the report."""
    rows = [_cells(q, q.name) for q in figures.queues]
    if len(figures.sources) > 1:
        rows += [_cells(s, f"{s.name} ({s.people})") for s in figures.sources]
    rows.append(_cells(figures.total, f"All ({figures.total.people})"))
    return rows


def time_lines(figures: Throughput) -> list[str]:
    """Median active seconds per label by criteria answered and by output length."""
    lines = []
    if figures.by_criteria:
        lines.append(
            "Time per item by criteria answered: "
            + ", ".join(
                f"{c['criteria']}: {c['median_s']:.0f} s (n={c['labels']})"
                for c in figures.by_criteria
            )
        )
    if figures.by_length:
        lines.append(
            "Time per item by output length (chars): "
            + ", ".join(
                f"{b['chars']}: {b['median_s']:.0f} s (n={b['labels']})" for b in figures.by_length
            )
        )
    return lines
