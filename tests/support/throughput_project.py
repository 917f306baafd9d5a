"""A planted throughput project, built through the real queue and label paths.

Two experts work their queues (served by `next_entry`, answered by `submit_label` with
the time and active seconds the annotate view would record): Ana labels 10 items a week
for two weeks (plus one skip), then both label 30 a week for the four weeks before AT.
Ana was assigned 290 items and Ben 270, so 150 are left in each queue: 300 in all,
cleared in exactly five weeks at 30 a week each. An LLM judge labels too (it must not
count). Every label's answered criteria, output length and active seconds are known.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from annotator.base.clock import to_iso
from annotator.items.items import add_items, item_from_record
from annotator.labels.labels import submit_label
from annotator.queue.assignments import assign
from annotator.queue.queue import next_entry
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import create_project

AT = datetime(2026, 6, 1, tzinfo=UTC)  # a Monday: the window is the four weeks before
WINDOW_START = AT - timedelta(days=28)
ASSIGNED = {"Ana": 290, "Ben": 270}
# (person, Monday of the week, labels that week): 30 a week each in the window
SCHEDULE = [
    ("Ana", WINDOW_START - timedelta(days=14), 10),
    ("Ana", WINDOW_START - timedelta(days=7), 10),
]
SCHEDULE += [
    (p, WINDOW_START + timedelta(days=7 * w), 30) for p in ("Ana", "Ben") for w in range(4)
]
RUBRIC: dict[str, Any] = {
    "rubric": "tp",
    "guidelines": "Judge the answer.",
    "criteria": [
        {"key": "correct", "kind": "binary"},
        {"key": "quality", "kind": "ordinal", "options": [{"value": v} for v in (1, 2, 3)]},
        {"key": "note", "kind": "text"},
    ],
}


@dataclass
class Planted:
    path: Path
    seconds: list[float] = field(default_factory=list)  # every human record's active s
    window_seconds: list[float] = field(default_factory=list)


def _values(k: int) -> dict[str, Any]:
    return dict(list({"correct": "yes", "quality": 2, "note": "fine"}.items())[:k])


def build(folder: Path) -> Planted:
    project = create_project(folder / "tp.annotator", name="Throughput test")
    publish(project, rubric_from_dict(RUBRIC), note="first")
    n_items = sum(ASSIGNED.values()) + 20
    add_items(
        project,
        [
            item_from_record(
                {"id": f"it-{i:04d}", "input": f"Q{i}?", "output": "x" * (40 + (i * 37) % 900)}
            )
            for i in range(n_items)
        ],
    )
    with project.transaction():
        experts = ensure_source(project, "experts", "expert")
        judge = ensure_source(project, "judge-x", "llm_judge")
        for name in ASSIGNED:
            ensure_annotator(project, name, experts)
        ensure_annotator(project, "judge-x@1", judge)
    start = 0
    for name, count in ASSIGNED.items():
        ids = [f"it-{i:04d}" for i in range(start, start + count)]
        assign(project, [name], items=ids, anchor_rate=0.0, repeat_rate=0.0, seed=3)
        start += count
    planted = Planted(project.path)
    rng = random.Random(17)
    for name, monday, count in SCHEDULE:
        for j in range(count):
            when = monday + timedelta(days=7) * (j + 0.5) / count
            person = project.row("SELECT id FROM annotators WHERE name = ?", (name,))[0]
            entry = next_entry(project, person)
            assert entry is not None
            length = len(project.row("SELECT output FROM items WHERE id = ?", (entry.item_id,))[0])
            k = 1 + rng.randrange(3)
            seconds = round(30 + 20 * k + length / 15 + rng.uniform(0, 30), 3)
            skip = name == "Ana" and monday < WINDOW_START and j == 4
            submit_label(
                project,
                item_id=entry.item_id,
                annotator=name,
                values=None if skip else _values(k),
                status="skipped" if skip else "submitted",
                note="unsure" if skip else None,
                started_at=to_iso(when - timedelta(seconds=seconds)),
                submitted_at=to_iso(when),
                duration_s=seconds,
            )
            planted.seconds.append(seconds)
            if when > WINDOW_START:
                planted.window_seconds.append(seconds)
    for i in range(25):  # the judge, in the window: fast, and not a person
        submit_label(
            project,
            item_id=f"it-{i:04d}",
            annotator="judge-x@1",
            values=_values(3),
            submitted_at=to_iso(AT - timedelta(days=3, minutes=i)),
            duration_s=2.0,
        )
    project.close()
    return planted
