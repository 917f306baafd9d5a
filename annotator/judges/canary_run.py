"""A canary run: every item of a judge's canary set asked again, each answer scored
against the frozen expected value and kept in `judge_canary_answers` (never a label).

Every canary is asked on every run, even one judged before under the same version:
that is the point, since a served model can change behind an unchanged name and
fingerprint. It is the normal run (`run._Runner`: concurrency, retries, stored calls,
costs, and the stop when the server reports another model or fingerprint unless
`accept_new_version`) with the item choice and the writing replaced; its calls are
stored with purpose 'canary'. One `run_id` groups the answers of one run.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.base.clock import now_iso
from annotator.judges.canary import Canary, CanaryScore, list_canaries, score_canary
from annotator.judges.client import RetryPolicy, resolve_api_key
from annotator.judges.config import Judge, JudgeError, get_judge
from annotator.judges.prompt import consensus
from annotator.judges.run import RunProgress, RunResult, _Outcome, _Runner
from annotator.judges.run import run_judge as run_items
from annotator.rubric.model import RubricVersion
from annotator.store.project import Project, open_project


@dataclass
class CanaryRunResult(RunResult):
    run_id: str = ""
    items: int = 0  # canaries asked
    answers: int = 0  # scored criterion answers
    correct: int = 0
    accuracy: float | None = None
    by_criterion: dict[str, dict[str, Any]] = field(default_factory=dict)


def record_canary_answers(
    project: Project,
    judge_id: int,
    version_id: int,
    run_id: str,
    rubric: RubricVersion,
    canary: Canary,
    values: dict[str, Any],
    at: str | None = None,
) -> list[CanaryScore]:
    """Score one canary answer per criterion and store the scores (inside a transaction)."""
    scores = score_canary(rubric, canary, values)
    stamp = at or now_iso()
    project.conn.executemany(
        "INSERT INTO judge_canary_answers(judge_id, version_id, run_id, item_id, criterion, "
        "value_json, expected_json, correct, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                judge_id,
                version_id,
                run_id,
                canary.item_id,
                s.criterion,
                None if s.value is None else json.dumps(s.value, ensure_ascii=False),
                json.dumps(s.expected, ensure_ascii=False),
                int(s.correct),
                stamp,
            )
            for s in scores
        ],
    )
    return scores


def run_canaries(
    project_path: str | Path,
    judge_name: str,
    *,
    concurrency: int = 4,
    accept_new_version: bool = False,
    progress: Callable[[RunProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    api_key: str | None = None,
    policy: RetryPolicy | None = None,
) -> CanaryRunResult:
    """Ask the judge its whole canary set again; opens (and closes) its own connection."""
    if concurrency < 1:
        raise JudgeError("--concurrency must be 1 or more.")
    project = open_project(project_path)
    try:
        judge = get_judge(project, judge_name)
        canaries = list_canaries(project, judge.name)
        if not canaries:
            raise JudgeError(
                f"Judge {judge.name!r} has no canary set yet; add one with "
                f"`annotator judge canary add PROJECT {judge.name} --anchors`."
            )
        key = resolve_api_key(judge.config, api_key)
        runner = _CanaryRunner(
            project, judge, concurrency, accept_new_version, policy or RetryPolicy(), canaries
        )
        result = runner.run("canaries", None, key, progress, cancelled)
        assert isinstance(result, CanaryRunResult)
        return runner.finish(result)
    finally:
        project.close()


def run_judge(
    project_path: str | Path, name: str, *, canary: bool = False, **options: Any
) -> RunResult:
    """`run.run_judge` (same options), with `canary=True` the judge's canary set asked
    first; a stop there (a changed model, a cancel) stops before any item is judged.
    (Here, not in `run`, since this module builds on `run`'s runner.)"""
    if not canary:
        return run_items(project_path, name, **options)
    shared = ("concurrency", "accept_new_version", "cancelled", "api_key", "policy")
    first = run_canaries(project_path, name, **{k: options[k] for k in shared if k in options})
    if first.stopped_reason is not None:
        return RunResult(
            stopped_reason=first.stopped_reason,
            version=first.version,
            currency=first.currency,
            message=first.message,
            canary=first.to_dict(),
        )
    result = run_items(project_path, name, **options)
    result.canary = first.to_dict()
    return result


class _CanaryRunner(_Runner):
    purpose = "canary"

    def __init__(
        self,
        project: Project,
        judge: Judge,
        concurrency: int,
        accept: bool,
        policy: RetryPolicy,
        canaries: list[Canary],
    ) -> None:
        super().__init__(project, judge, concurrency, accept, policy)
        self.canaries = {c.item_id: c for c in canaries}
        self.run_id = uuid.uuid4().hex
        self.result = CanaryRunResult(currency=self.config.currency, run_id=self.run_id)
        self.scores: list[CanaryScore] = []

    def _select(
        self, items: str, limit: int | None, version: dict[str, Any] | None
    ) -> tuple[list[str], int]:
        return list(self.canaries), 0  # every canary, every run: nothing is skipped

    def _write(self, outcome: _Outcome) -> None:
        ok = outcome.error is None and len(outcome.answers) == self.config.samples
        with self.project.transaction():
            version_id = self._version_id()
            if ok:
                values, _ = consensus(self.rubric, [a[0] for a in outcome.answers])
                self.scores += record_canary_answers(
                    self.project,
                    self.judge.id,
                    version_id,
                    self.run_id,
                    self.rubric,
                    self.canaries[outcome.item_id],
                    values,
                )
            self._write_calls(outcome, version_id, None)
        if ok:
            self.result.judged += 1
        else:
            self.result.failed += 1

    def finish(self, result: CanaryRunResult) -> CanaryRunResult:
        result.items = len(self.canaries)
        result.answers = len(self.scores)
        result.correct = sum(s.correct for s in self.scores)
        result.accuracy = result.correct / result.answers if result.answers else None
        for score in self.scores:
            row = result.by_criterion.setdefault(score.criterion, {"n": 0, "correct": 0})
            row["n"] += 1
            row["correct"] += int(score.correct)
        for row in result.by_criterion.values():
            row["accuracy"] = row["correct"] / row["n"]
        return result


def format_canary_run(result: CanaryRunResult) -> str:
    """The human summary of a canary run."""
    accuracy = "-" if result.accuracy is None else f"{result.accuracy:.0%}"
    lines = [
        f"Canary run {result.run_id[:12]}: {result.judged} of {result.items} canaries answered "
        f"({result.failed} failed), {result.correct}/{result.answers} criterion answers right "
        f"({accuracy}); judge version {result.version or '-'}; {result.calls} calls."
    ]
    for criterion, row in sorted(result.by_criterion.items()):
        lines.append(f"  {criterion:<18} {row['correct']}/{row['n']} ({row['accuracy']:.0%})")
    if result.message:
        lines.append(result.message)
    return "\n".join(lines)
