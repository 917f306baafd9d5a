"""A small project with three experts and a configured LLM judge run twice, for the report
and export tests of the judges' figures.

Three experts label every item (noisy around a planted true score); some items are
anchors whose reference is the true score. The judge `JUDGE` is run through the real
judge path against the scripted server (`tests/support/fake_llm.FakeServer`): v1 answers
the true score, then new sampling settings make v2, which re-judges v1's items one point
lower (never below 1). Every answer is returned, so tests compute what they expect from
the design itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annotator.anchors.anchors import add_anchor
from annotator.exchange.item_import import import_items
from annotator.judges.client import RetryPolicy
from annotator.judges.config import JudgeConfig, add_judge
from annotator.judges.run import run_judge
from annotator.labels.labels import submit_label
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import parse_rubric_text
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import create_project, open_project
from tests.support.fake_llm import FakeServer
from tests.support.foundation import write_jsonl

FAST = RetryPolicy(max_attempts=3, answer_retries=1, backoff_s=0.01, max_wait_s=2)
JUDGE = "acme"
EXPERTS = ("expert-ann", "expert-bob", "expert-cy")
N_ITEMS = 80
N_ANCHORS = 30
RUBRIC = """\
rubric: Scores
guidelines: Score the answer.
criteria:
  - key: score
    title: Score
    kind: ordinal
    required: true
    options:
      - {value: 1, label: Bad}
      - {value: 2, label: Weak}
      - {value: 3, label: Fair}
      - {value: 4, label: Good}
      - {value: 5, label: Great}
"""


@dataclass
class JudgeProject:
    path: Path
    items: list[str]
    anchors: list[str]
    truth: dict[str, int]
    experts: dict[str, list[int]]  # item -> the three experts' scores
    v1: dict[str, int]
    v2: dict[str, int]


def _script(scores: dict[str, int], model: str) -> dict:
    items = {
        i: [{"content": json.dumps({"score": s, "rationale": "r"})}] for i, s in scores.items()
    }
    return {"model": model, "items": items}


def experts_only(folder: Path) -> Path:
    """Three experts on a few items and no judge of any kind."""
    project = create_project(folder / "nojudge.annotator", name="No judge")
    publish(project, parse_rubric_text(RUBRIC), note="first")
    ids = [f"n{n:02d}" for n in range(10)]
    records = [{"id": i, "input": f"q {i}", "output": f"a {i}"} for i in ids]
    import_items(project, write_jsonl(folder / "nojudge.jsonl", records))
    with project.transaction():
        source = ensure_source(project, "experts", "expert")
        for name in EXPERTS:
            ensure_annotator(project, name, source)
    for n, item in enumerate(ids):
        for k, name in enumerate(EXPERTS):
            value = 1 + (n + (k == 2)) % 5
            submit_label(project, item_id=item, annotator=name, values={"score": value})
    path = project.path
    project.close()
    return path


def build(folder: Path, seed: int = 11) -> JudgeProject:
    rng = np.random.default_rng(seed)
    items = [f"i{n:03d}" for n in range(N_ITEMS)]
    truth = {i: int(rng.integers(1, 6)) for i in items}
    noise = rng.choice([-1, 0, 0, 0, 1], size=(N_ITEMS, len(EXPERTS)))
    experts = {
        i: [int(np.clip(truth[i] + noise[n, k], 1, 5)) for k in range(len(EXPERTS))]
        for n, i in enumerate(items)
    }
    v1 = dict(truth)
    v2 = {i: max(1, s - 1) for i, s in truth.items()}
    anchors = items[:N_ANCHORS]
    project = create_project(folder / "judged.annotator", name="Judged")
    publish(project, parse_rubric_text(RUBRIC), note="first")
    records = [{"id": i, "input": f"q {i}", "output": f"a {i}"} for i in items]
    import_items(project, write_jsonl(folder / "items.jsonl", records))
    with project.transaction():
        source = ensure_source(project, "experts", "expert")
        for name in EXPERTS:
            ensure_annotator(project, name, source)
    for item in items:
        for name, value in zip(EXPERTS, experts[item], strict=True):
            submit_label(project, item_id=item, annotator=name, values={"score": value})
    for item in anchors:
        add_anchor(project, item, {"score": truth[item]}, "known answer")
    path = project.path
    with FakeServer(_script(v1, "judge-a")) as server:
        add_judge(project, JudgeConfig(name=JUDGE, base_url=server.base_url, model="m"))
        project.close()
        first = run_judge(path, JUDGE, concurrency=4, policy=FAST)
        assert (first.judged, first.version) == (N_ITEMS, "v1")
        with open_project(path) as p:
            config = json.loads(p.scalar("SELECT config FROM judges WHERE name = ?", (JUDGE,)))
            config["temperature"] = 0.5
            with p.transaction():
                p.conn.execute(
                    "UPDATE judges SET config = ? WHERE name = ?", (json.dumps(config), JUDGE)
                )
        server.set_script(_script(v2, "judge-b"))
        second = run_judge(path, JUDGE, items="judged-by:v1", concurrency=4, policy=FAST)
        assert (second.judged, second.version) == (N_ITEMS, "v2")
    return JudgeProject(path, items, anchors, truth, experts, v1, v2)
