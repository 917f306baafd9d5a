"""A planted project for judge-first routing: the truth is known on every item.

Three experts' scores are drawn for every item (noisy around a hidden score); the
truth of an item is their median, which is exactly the reference the app would
compute if they labeled it. Only a random share (`checked`) of the items get those
expert labels in the project; the rest are unlabeled to the app.

The judge `acme` (a configured judge, labels through `submit_label` plus one
`judge_results` row each with its sample agreement) is wrong:
- on the slice domain=d: w.p. `bad_rate`, one or two points too high (a bias);
- on "doubtful" items (sample agreement 0.4 or 0.6): w.p. `doubtful_rate`;
- elsewhere (agreement 0.8 or 1.0) w.p. `base_rate`.
A few items get a failed call and no label. Experts' labels carry a duration and a
cost so hours and money are measurable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annotator.base.clock import now_iso
from annotator.items.items import add_items, item_from_record
from annotator.judges.config import JudgeConfig, add_judge, ensure_version, get_judge
from annotator.labels.labels import submit_label
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import Project, create_project

JUDGE = "acme"
EXPERTS = ("ann", "bob", "cy")
DOMAINS = ("a", "b", "c", "d")
BAD = "d"
RUBRIC = {
    "rubric": "route",
    "guidelines": "Rate the answer.",
    "criteria": [
        {"key": "score", "kind": "ordinal", "options": [{"value": v} for v in (1, 2, 3, 4, 5)]}
    ],
}


@dataclass
class Planted:
    project: Project
    items: list[str]
    truth: dict[str, int]
    judge: dict[str, int]  # judged items only
    failed: list[str]
    checked: set[str]
    domain: dict[str, str]
    confidence: dict[str, float]
    durations: list[float]  # every expert label's duration_s
    costs: list[float]

    @property
    def errors(self) -> set[str]:
        return {i for i, v in self.judge.items() if v != self.truth[i]}


def _wrong(truth: int, delta: int) -> int:
    value = truth + delta
    if not 1 <= value <= 5:
        value = truth - delta
    return int(np.clip(value, 1, 5))


def build(
    folder: Path,
    seed: int = 0,
    *,
    n_items: int = 600,
    checked: float = 0.35,
    doubtful: float = 0.12,
    bad_rate: float = 0.5,
    doubtful_rate: float = 0.6,
    base_rate: float = 0.01,
    n_failed: int = 4,
) -> Planted:
    rng = np.random.default_rng(seed)
    project = create_project(folder / f"route-{seed}.annotator", name="Routing")
    publish(project, rubric_from_dict(RUBRIC), note="first")
    ids = [f"it-{i:04d}" for i in range(n_items)]
    domain = {i: DOMAINS[int(rng.integers(0, 4))] for i in ids}
    add_items(
        project,
        [
            item_from_record(
                {"id": i, "input": "Q?", "output": "A.", "tags": {"domain": domain[i]}}
            )
            for i in ids
        ],
    )
    hidden = rng.integers(1, 6, n_items)
    noise = rng.choice([-1, 0, 0, 0, 1], size=(n_items, len(EXPERTS)))
    scores = np.clip(hidden[:, None] + noise, 1, 5)
    truth = {i: int(np.median(scores[n])) for n, i in enumerate(ids)}
    is_checked = rng.random(n_items) < checked
    is_doubtful = rng.random(n_items) < doubtful
    failed = [ids[n] for n in rng.choice(n_items, n_failed, replace=False)] if n_failed else []
    judge: dict[str, int] = {}
    confidence: dict[str, float] = {}
    for n, item in enumerate(ids):
        if domain[item] == BAD:
            wrong, delta = rng.random() < bad_rate, int(rng.choice([1, 1, 2]))
        elif is_doubtful[n]:
            wrong, delta = rng.random() < doubtful_rate, int(rng.choice([-1, 1]))
        else:
            wrong, delta = rng.random() < base_rate, int(rng.choice([-1, 1]))
        confidence[item] = float(
            rng.choice([0.4, 0.6]) if is_doubtful[n] else rng.choice([0.8, 1.0])
        )
        if item not in failed:
            judge[item] = _wrong(truth[item], delta) if wrong else truth[item]
    with project.transaction():
        experts = ensure_source(project, "experts", "expert")
        for name in EXPERTS:
            ensure_annotator(project, name, experts)
    durations, costs = [], []
    for n, item in enumerate(ids):
        if not is_checked[n]:
            continue
        for j, name in enumerate(EXPERTS):
            duration = float(rng.uniform(20, 100))
            cost = round(float(rng.uniform(0.2, 0.8)), 2)
            durations.append(duration)
            costs.append(cost)
            submit_label(
                project,
                item_id=item,
                annotator=name,
                values={"score": int(scores[n, j])},
                duration_s=duration,
                cost=cost,
            )
    add_judge(project, JudgeConfig(name=JUDGE, base_url="http://127.0.0.1:9/v1", model="m"))
    write_judge(project, JUDGE, judge, confidence, failed)
    return Planted(
        project,
        ids,
        truth,
        judge,
        failed,
        {ids[n] for n in range(n_items) if is_checked[n]},
        domain,
        confidence,
        durations,
        costs,
    )


def write_judge(
    project: Project,
    name: str,
    values: dict[str, int],
    confidence: dict[str, float],
    failed: list[str] = (),  # type: ignore[assignment]
) -> None:
    """The judge's labels and result rows, as a judge run writes them."""
    judge = get_judge(project, name)
    rubric = project.scalar("SELECT max(id) FROM rubric_versions")
    with project.transaction():
        version = ensure_version(project, judge, "m", None, "sha", rubric)
        for item, value in values.items():
            label = submit_label(
                project, item_id=item, annotator=name, values={"score": value}, origin="judge"
            )
            _result(project, judge.id, version, item, label.id, "label", confidence.get(item))
        for item in failed:
            _result(project, judge.id, version, item, None, "failure", None)


def _result(
    project: Project,
    judge_id: int,
    version: int,
    item: str,
    label_id: int | None,
    outcome: str,
    confidence: float | None,
) -> None:
    project.conn.execute(
        "INSERT INTO judge_results(judge_id, version_id, item_id, label_id, outcome, error, "
        "raw_text, attempts, confidence, at) VALUES (?, ?, ?, ?, ?, ?, NULL, 1, ?, ?)",
        (
            judge_id,
            version,
            item,
            label_id,
            outcome,
            None if outcome == "label" else "bad answer",
            confidence,
            now_iso(),
        ),
    )
