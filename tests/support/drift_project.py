"""A synthetic project with known drift, built through the public import path.

Eight weeks of labels by three experts, two crowd workers and an LLM judge, on
items with a known true quality. Planted changes (what the drift analysis
must find):

- "Tomás Ortega" answers anchors right 90% of the time, then 55% from week 5;
- the judge ("acme-judge") starts giving many more 5s from week 6 (a model update);
- "Aisha Bello" repeats some items (test-retest) and stays consistent;
- rubric v2 changes the quality guideline; the experts relabel 40 items under it.

Used by the drift, dashboard and report tests and the README screenshots.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from annotator.anchors.anchors import add_anchor
from annotator.exchange.label_import import import_labels
from annotator.items.items import add_items, item_from_record
from annotator.labels.labels import submit_label
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.store.project import Project, create_project

START = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)  # a Monday
WEEKS = 8
EXPERTS = ("Dr. Maya Chen", "Tomás Ortega", "Aisha Bello")
CROWD = ("crowd-7f3a", "crowd-2c91")
JUDGE = "acme-judge"
DRIFTER, DRIFT_WEEK = "Tomás Ortega", 4  # 0-based: the fifth week
JUDGE_WEEK = 5
VERDICTS = ("ship", "revise", "reject")
ANCHORS_PER_WEEK = 30  # per person: the chart's 100-answer warm-up ends in week 4


def rubric(version: int) -> Any:
    help_text = "Overall quality, 1 (useless) to 5 (excellent)."
    if version == 2:
        help_text += " A single wrong fact caps the score at 3."
    return rubric_from_dict(
        {
            "rubric": "Answer review",
            "guidelines": "Judge the answer as a careful professional would.",
            "criteria": [
                {
                    "key": "quality",
                    "title": "Quality",
                    "kind": "ordinal",
                    "help": help_text,
                    "options": [{"value": v} for v in range(1, 6)],
                },
                {
                    "key": "verdict",
                    "title": "Verdict",
                    "kind": "categorical",
                    "options": [{"value": v} for v in VERDICTS],
                },
            ],
        }
    )


def _verdict(quality: int) -> str:
    return "ship" if quality >= 4 else ("revise" if quality == 3 else "reject")


def _at(week: int, rng: np.random.Generator) -> str:
    moment = START + timedelta(weeks=week, seconds=float(rng.uniform(0, 5 * 86400)))
    return moment.isoformat().replace("+00:00", "Z")


def build(folder: Path, seed: int = 0, n_items: int = 480, n_anchors: int = 100) -> Path:
    """Create the project file in `folder` and return its path."""
    rng = np.random.default_rng(seed)
    path = folder / "drift.annotator"
    project = create_project(path, name="Drift example")
    try:
        _fill(project, folder, rng, n_items, n_anchors)
    finally:
        project.close()
    return path


def _fill(
    project: Project, folder: Path, rng: np.random.Generator, n_items: int, n_anchors: int
) -> None:
    publish(project, rubric(1), note="first cut")
    truth = rng.integers(1, 6, n_items)
    ids = [f"q-{i:04d}" for i in range(n_items)]
    domains = ("clinical", "legal", "code")
    add_items(
        project,
        [
            item_from_record(
                {
                    "id": ids[i],
                    "input": f"Question {i}?",
                    "output": f"Answer {i}.",
                    "tags": {"domain": domains[i % 3]},
                }
            )  # fmt: skip
            for i in range(n_items)
        ],
    )
    anchors = list(range(n_anchors))
    for i in anchors:
        q = int(truth[i])
        add_anchor(project, ids[i], {"quality": q, "verdict": _verdict(q)}, "known answer")
    # Labels below are dated in the past; anchors count answers made after they were set.
    project.conn.execute("UPDATE anchors SET created_at = '2026-01-01T00:00:00.000Z'")
    regular = list(range(n_anchors, n_items))
    per_source: dict[str, list[dict[str, Any]]] = {"experts": [], "crowd": [], "judge": []}
    for week in range(WEEKS):
        week_items = regular[week * len(regular) // WEEKS : (week + 1) * len(regular) // WEEKS]
        for who in (*EXPERTS, *CROWD, JUDGE):
            source = "experts" if who in EXPERTS else ("judge" if who == JUDGE else "crowd")
            for i in week_items if who != "crowd-2c91" else week_items[::2]:
                per_source[source].append(_label(who, ids[i], int(truth[i]), week, rng))
            for i in rng.choice(anchors, size=ANCHORS_PER_WEEK, replace=False).tolist():
                per_source[source].append(_label(who, ids[i], int(truth[i]), week, rng, True))
    kinds = {"experts": "expert", "crowd": "crowd", "judge": "llm_judge"}
    for source, records in per_source.items():
        records.sort(key=lambda r: r["submitted_at"])
        file = folder / f"{source}.jsonl"
        file.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
        import_labels(project, file, source=source, kind=kinds[source])
    _repeats(project, ids, rng)
    v2 = publish(project, rubric(2), note="a wrong fact caps quality at 3").version
    relabel = [
        {"item_id": ids[i], "annotator": who, "rubric_version": 2,
         "values": {"quality": int(min(truth[i], 3) if i % 2 else truth[i]),
                    "verdict": _verdict(int(truth[i]))},
         "submitted_at": _at(WEEKS - 1, rng)}
        for i in regular[:40] for who in EXPERTS
    ]  # fmt: skip
    file = folder / "relabel.jsonl"
    file.write_text("\n".join(json.dumps(r) for r in relabel) + "\n", encoding="utf-8")
    import_labels(project, file, source="experts", kind="expert", rubric_version=v2.version)


def _label(
    who: str, item_id: str, truth: int, week: int, rng: np.random.Generator, anchor: bool = False
) -> dict[str, Any]:
    right = {"Dr. Maya Chen": 0.92, "Tomás Ortega": 0.9, "Aisha Bello": 0.9, JUDGE: 0.85}
    p = right.get(who, 0.6)
    if who == DRIFTER and week >= DRIFT_WEEK:
        p = 0.55
    quality = truth
    if rng.random() > p:
        quality = int(np.clip(truth + rng.choice([-2, -1, 1, 2]), 1, 5))
    if who == JUDGE and week >= JUDGE_WEEK and rng.random() < 0.6:
        quality = 5
    verdict = _verdict(quality) if rng.random() < 0.9 else str(rng.choice(VERDICTS))
    return {
        "item_id": item_id,
        "annotator": who,
        "values": {"quality": quality, "verdict": verdict},
        "submitted_at": _at(week, rng),
        "duration_s": float(rng.uniform(20, 90)),
        **({"tokens": 900} if who == JUDGE else {}),
    }


def _repeats(project: Project, ids: list[str], rng: np.random.Generator) -> None:
    """Aisha Bello sees 24 of her items again and mostly answers as before."""
    rows = project.rows(
        "SELECT l.id, l.item_id, l.values_json, l.submitted_at FROM effective_labels l "
        "JOIN annotators a ON a.id = l.annotator_id WHERE a.name = 'Aisha Bello' "
        "ORDER BY l.id LIMIT 24"
    )
    for row in rows:
        values = json.loads(row["values_json"])
        if rng.random() < 0.15:
            values["quality"] = int(np.clip(values["quality"] + 1, 1, 5))
        when = datetime.fromisoformat(row["submitted_at"].replace("Z", "+00:00")) + timedelta(
            days=3
        )
        submit_label(
            project,
            item_id=row["item_id"],
            annotator="Aisha Bello",
            values=values,
            submitted_at=when.isoformat(),
            repeat_of=row["id"],
        )
