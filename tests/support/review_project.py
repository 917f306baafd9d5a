"""A project for the assisted-review tests: items with a planted true answer, anchors,
an LLM-judge source that labeled the regular items (with rationales), and simulated
annotators labeling through the real queue, workbench and submit path."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.anchors.anchors import add_anchor
from annotator.items.items import add_items, item_from_record
from annotator.labels.labels import submit_label
from annotator.queue.assignments import assign
from annotator.queue.settings import configure
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import Project, create_project
from annotator.workbench.session import WorkSession

JUDGE = "gpt-judge"
BINARY = {
    "rubric": "decoy test",
    "guidelines": "Is the answer correct?",
    "criteria": [{"key": "correct", "kind": "binary"}],
}
FULL = {
    "rubric": "assisted test",
    "guidelines": "Judge the answer.",
    "criteria": [
        {"key": "correct", "kind": "binary"},
        {"key": "topic", "kind": "categorical",
         "options": [{"value": t} for t in ("med", "law", "code")]},
        {"key": "quality", "kind": "ordinal", "options": [{"value": v} for v in (1, 2, 3, 4, 5)]},
    ],
}  # fmt: skip
ANCHOR_MARK = "EXPERT-ANSWER-MARKER-"


def options_of(rubric: dict[str, Any]) -> dict[str, list[Any]]:
    out = {}
    for c in rubric["criteria"]:
        if c["kind"] == "binary":
            out[c["key"]] = ["yes", "no"]
        else:
            out[c["key"]] = [o["value"] for o in c["options"]]
    return out


@dataclass
class Planted:
    project: Project
    truth: dict[str, dict[str, Any]]  # item -> criterion -> true value
    anchors: list[str]
    options: dict[str, list[Any]]


def make_project(
    folder: Path,
    *,
    rubric: dict[str, Any] = BINARY,
    n_items: int = 200,
    n_anchors: int = 30,
    team: tuple[str, ...] = ("Ana",),
    anchor_rate: float = 0.1,
    decoy_rate: float = 0.05,
    assisted: bool = True,
    judge_accuracy: float = 0.8,
    seed: int = 0,
    judge_anchors: bool = False,
) -> Planted:
    rng = random.Random(f"plant|{seed}")
    project = create_project(folder / f"review-{seed}.annotator", name="Review test")
    publish(project, rubric_from_dict(rubric), note="first")
    options = options_of(rubric)
    truth: dict[str, dict[str, Any]] = {}
    records = []
    for i in range(n_items):
        item_id = f"it-{i:05d}"
        truth[item_id] = {k: rng.choice(v) for k, v in options.items()}
        records.append({"id": item_id, "input": f"Question {i}?", "output": f"Answer {i}."})
    anchors = []
    for i in range(n_anchors):
        item_id = f"anc-{i:03d}"
        truth[item_id] = {k: rng.choice(v) for k, v in options.items()}
        anchors.append(item_id)
        records.append({"id": item_id, "input": f"Check {i}?", "output": f"Check answer {i}."})
    add_items(project, [item_from_record(r) for r in records])
    for item_id in anchors:
        add_anchor(project, item_id, truth[item_id], f"{ANCHOR_MARK}{item_id}")
    with project.transaction():
        source = ensure_source(project, JUDGE, "llm_judge")
        judge = ensure_annotator(project, JUDGE, source)
    judged = list(truth) if judge_anchors else [i for i in truth if i not in anchors]
    references = [truth[a] for a in anchors]
    with project.transaction():
        for item_id in judged:
            values = noisy(truth[item_id], options, judge_accuracy, rng)
            for _ in range(50):  # never spell an anchor's reference (the byte scans look)
                if item_id in anchors or values not in references or len(options) == 1:
                    break
                values = noisy(truth[item_id], options, 0.5, rng)
            submit_label(
                project, item_id=item_id, annotator=judge, values=values,
                rationale=f"The judge's reasons for {item_id}.", origin="judge",
            )  # fmt: skip
    assign(project, list(team), seed=seed + 1, anchor_rate=anchor_rate, min_gap=1)
    for name in team:
        person = project.scalar("SELECT id FROM annotators WHERE name = ?", (name,))
        configure(project, person, assisted=assisted, decoy_rate=decoy_rate, suggest_from=JUDGE)
    return Planted(project, truth, anchors, options)


def noisy(
    truth: dict[str, Any], options: dict[str, list[Any]], accuracy: float, rng: random.Random
) -> dict[str, Any]:
    """The true answer, each criterion wrong (another option at random) with 1 - accuracy."""
    out = {}
    for key, value in truth.items():
        if rng.random() < accuracy:
            out[key] = value
        else:
            out[key] = rng.choice([v for v in options[key] if v != value])
    return out


def simulate(
    planted: Planted,
    name: str,
    behaviour: str,
    n_labels: int,
    *,
    accuracy: float = 0.7,
    seed: int = 0,
    until: Any = None,
) -> list[dict[str, Any]]:
    """Label `n_labels` items through the workbench. `behaviour`: 'accept' takes every
    suggestion as shown (its own answer when there is none), 'independent' never looks.
    Stops early when `until(label)` is true. Returns, per label, what was seen and
    submitted."""
    rng = random.Random(f"labeler|{name}|{seed}")
    session = WorkSession(planted.project, name)
    log = []
    for _ in range(n_labels):
        card = session.open_next()
        if card is None:
            break
        item_id = card.item.id
        own = noisy(planted.truth[item_id], planted.options, accuracy, rng)
        suggestion = session.suggestion
        values = dict(suggestion.values) if behaviour == "accept" and suggestion else own
        duration = rng.uniform(3, 6) if suggestion and behaviour == "accept" else rng.uniform(8, 14)
        result = session.submit(values, "", duration)
        log.append({"item_id": item_id, "suggestion": suggestion, "values": values,
                    "label_id": result.label.id})  # fmt: skip
        if until is not None and until(result.label):
            break
    return log
