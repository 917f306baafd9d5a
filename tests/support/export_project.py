"""Projects for the export and sources tests.

`small_project` is built through the core API with three sources priced three
ways (experts per hour, a crowd per label, an LLM judge per token), slice tags,
two anchors, test-retest repeats and labels spread over time. It returns the
labels it wrote as plain records, so tests compute what they expect from the
design itself, never from the code under test.

`dialsummeval_copy` builds the real-data project once per test process and
hands each caller its own copy of the file.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.anchors.anchors import add_anchor
from annotator.items.items import add_items, item_from_record
from annotator.labels.labels import submit_label
from annotator.revision.publish import publish
from annotator.sources.sources import CostModel, ensure_annotator, ensure_source
from annotator.store.project import Project, create_project
from tests.support.agreement_project import rubric

EXPERTS = ("Dr. Alice Expertname", "Dr. Bob Expertname", "Dr. Carol Expertname")
CROWD = ("Crowdworker Dan Q", "Crowdworker Eve Q")
JUDGE = "Judgebot Zeta"
EXPERT_RATE = 60.0  # USD per active hour
CROWD_RATE = 0.05  # USD per label
TOKEN_RATE = 0.00002  # USD per token
ANCHORS = ("it-0010", "it-0011")
ANCHOR_REFERENCE = {"quality": 4, "verdict": "a", "issues": [], "score": 5}


@dataclass
class Written:
    """One label the builder wrote."""

    id: int
    annotator: str
    source: str
    item: str
    values: dict[str, Any]
    duration: float | None
    tokens: int | None
    at: str | None
    repeat_of: int | None = None


@dataclass
class SmallProject:
    project: Project
    labels: list[Written] = field(default_factory=list)

    @property
    def effective(self) -> list[Written]:
        return [w for w in self.labels if w.repeat_of is None]


def _values(rng: random.Random, item: int, bias: int) -> dict[str, Any]:
    base = 1 + (item % 5)
    quality = min(5, max(1, base + rng.choice([0, 0, 0, bias, -bias])))
    return {
        "quality": quality,
        "verdict": "abc"[(item + (1 if rng.random() < 0.2 else 0)) % 3],
        "issues": ["factual"] if item % 3 == 0 else ([] if rng.random() < 0.8 else ["tone"]),
        "score": float(item % 10) + (0.5 if rng.random() < 0.3 else 0.0),
        "notes": f"note on {item}",
    }


def small_project(folder: Path, seed: int = 7) -> SmallProject:
    project = create_project(folder / "small.annotator", name="Small export test")
    publish(project, rubric(), note="first")
    items = [f"it-{i:04d}" for i in range(12)]
    add_items(
        project,
        [
            item_from_record(
                {
                    "id": i,
                    "input": f"Question {i}?"
                    if n % 4
                    else [
                        {"role": "system", "content": "Be brief."},
                        {"role": "user", "content": f"Question {i}?"},
                    ],
                    "output": f"Answer {i}.",
                    "tags": {"domain": "med" if n % 2 == 0 else "law"},
                    "metadata": {"model": "model-x", "model_version": "v1"},
                }
            )
            for n, i in enumerate(items)
        ],
    )
    with project.transaction():
        experts = ensure_source(
            project, "experts", "expert", cost_model=CostModel("per_hour", EXPERT_RATE, "USD")
        )
        crowd = ensure_source(
            project, "crowd", "crowd", cost_model=CostModel("per_label", CROWD_RATE, "USD")
        )
        judge = ensure_source(
            project,
            "judge",
            "llm_judge",
            cost_model=CostModel("per_token", TOKEN_RATE, "USD"),
            model_id="judge-model",
            model_version="2025-01",
            prompt_version="p2",
        )
        for name in EXPERTS:
            ensure_annotator(project, name, experts)
        for name in CROWD:
            ensure_annotator(project, name, crowd)
        ensure_annotator(project, JUDGE, judge)
    for item in ANCHORS:
        add_anchor(project, item, ANCHOR_REFERENCE, "known answer")
    rng = random.Random(seed)
    out = SmallProject(project)
    people = [(n, "experts", 0) for n in EXPERTS] + [(n, "crowd", 2) for n in CROWD]
    people.append((JUDGE, "judge", 1))
    for n, item in enumerate(items):
        for name, source, bias in people:
            values = _values(rng, n, bias)
            if item in ANCHORS and rng.random() < 0.6:
                values.update(ANCHOR_REFERENCE)
            duration = None if source == "judge" else float(rng.randint(20, 200))
            tokens = rng.randint(300, 900) if source == "judge" else None
            # anchors must be answered after the anchor was set: "now"; the rest in the past
            at = None if item in ANCHORS else f"2025-0{1 + n % 6}-1{n % 9}T10:00:00Z"
            stored = submit_label(
                project,
                item_id=item,
                annotator=name,
                values=values,
                submitted_at=at,
                started_at=at,
                duration_s=duration,
                tokens=tokens,
            )
            out.labels.append(Written(stored.id, name, source, item, values, duration, tokens, at))
    for first in [w for w in out.labels if w.annotator == CROWD[0]][:3]:
        again = dict(first.values)
        if first.item == "it-0001":
            again["verdict"] = "c" if again["verdict"] != "c" else "b"
        stored = submit_label(
            project,
            item_id=first.item,
            annotator=first.annotator,
            values=again,
            submitted_at=first.at,
            duration_s=30.0,
            repeat_of=first.id,
        )
        out.labels.append(
            Written(
                stored.id,
                first.annotator,
                first.source,
                first.item,
                again,
                30.0,
                None,
                first.at,
                repeat_of=first.id,
            )
        )
    return out


_BUILT: dict[str, Path] = {}


def dialsummeval_copy(data: Path, folder: Path, cache: Path) -> Path:
    """A private copy of the DialSummEval project (built once per test process)."""
    from tests.support.dialsummeval import build_project

    if "dse" not in _BUILT or not _BUILT["dse"].exists():
        _BUILT["dse"] = build_project(data, cache)
    target = folder / "dialsummeval.annotator"
    shutil.copyfile(_BUILT["dse"], target)
    return target
