"""What a judge did: its failures, the exact calls behind a label (show and replay),
and one test call that prints what the server reports."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from annotator.base.errors import NotFoundError
from annotator.items.items import get_item
from annotator.judges.client import RetryPolicy, build_request, call, make_client, resolve_api_key
from annotator.judges.config import get_judge
from annotator.judges.prompt import AnswerProblem, build_messages, parse_answer
from annotator.rubric.versions import current_version
from annotator.store.project import Project


@dataclass(frozen=True)
class JudgeFailure:
    item_id: str
    at: str
    error: str
    raw_text: str | None
    attempts: int
    judge_version: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class JudgeTestResult:
    reported_model: str | None
    system_fingerprint: str | None
    host: str
    latency_s: float
    tokens_in: int
    tokens_out: int
    cost: float | None
    answer_text: str | None
    ok: bool
    error: str | None
    attempts: int = 0
    answer_check: str | None = None  # "on the rubric", or what is wrong with the answer

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def judge_failures(project: Project, name: str) -> list[JudgeFailure]:
    """Every failure recorded for the judge, oldest first (an item may fail and later
    be judged: both stay on record)."""
    judge = get_judge(project, name)
    rows = project.rows(
        "SELECT r.*, v.number FROM judge_results r JOIN judge_versions v ON v.id = r.version_id "
        "WHERE r.judge_id = ? AND r.outcome = 'failure' ORDER BY r.id",
        (judge.id,),
    )
    return [
        JudgeFailure(
            r["item_id"], r["at"], r["error"], r["raw_text"], r["attempts"], f"v{r['number']}"
        )
        for r in rows
    ]


def label_calls(project: Project, label_id: int) -> list[dict[str, Any]]:
    """The calls that made a judge label: exact request, answer, attempts, tokens, cost."""
    rows = project.rows(
        "SELECT c.* FROM judge_calls c JOIN judge_results r ON r.id = c.result_id "
        "WHERE r.label_id = ? ORDER BY c.id",
        (label_id,),
    )
    if not rows:
        raise NotFoundError(f"Label {label_id} was not made by a judge (no calls are recorded).")
    return [_call_dict(r) for r in rows]


def _call_dict(row: Any) -> dict[str, Any]:
    return {
        "call_id": row["id"],
        "item_id": row["item_id"],
        "sample": row["sample"],
        "purpose": row["purpose"],  # 'label', or 'swap' for the answer with A and B exchanged
        "outcome": row["outcome"],
        "error": row["error"],
        "attempts": row["attempts"],
        "tokens_in": row["tokens_in"],
        "tokens_out": row["tokens_out"],
        "cost": row["cost"],
        "request": json.loads(row["request"]),
        "response": json.loads(row["response"]) if row["response"] else None,
    }


def replay_call(
    project: Project, label_id: int, *, api_key: str | None = None, sample: int = 0
) -> dict[str, Any]:
    """Send a label's stored request again, as it was; returns the stored call and the new
    answer (nothing is written)."""
    calls = [
        c
        for c in label_calls(project, label_id)
        if c["outcome"] == "answer" and c["purpose"] != "swap"
    ]
    stored = next((c for c in calls if c["sample"] == sample), calls[0])
    judge_name = project.scalar(
        "SELECT j.name FROM judges j JOIN judge_calls c ON c.judge_id = j.id WHERE c.id = ?",
        (stored["call_id"],),
    )
    config = get_judge(project, judge_name).config
    client = make_client(config, resolve_api_key(config, api_key), 1)
    try:
        result = call(client, stored["request"], item_id=stored["item_id"], policy=RetryPolicy())
    finally:
        client.close()
    return {
        "stored": stored,
        "replay": {
            "ok": result.ok,
            "text": result.text,
            "model": result.reported_model,
            "system_fingerprint": result.fingerprint,
            "error": result.error,
            "same_text": result.text == (stored["response"] or {}).get("text"),
        },
    }


def test_judge(project: Project, name: str, *, api_key: str | None = None) -> JudgeTestResult:
    """One call (the first item's prompt, or a one-line one): what the server reports."""
    judge = get_judge(project, name)
    config = judge.config
    rubric = current_version(project)
    first = project.scalar("SELECT id FROM items ORDER BY seq LIMIT 1")
    pairwise = False
    if first is not None:
        item = get_item(project, first)
        pairwise = item.pairwise
        messages, schema = build_messages(config.prompt_template, rubric, item)
        request = build_request(config, messages, schema)
    else:
        request = build_request(config, [{"role": "user", "content": "Reply with OK."}], None)
    client = make_client(config, resolve_api_key(config, api_key), 1)
    try:
        result = call(client, request, item_id=first, policy=RetryPolicy(max_attempts=1))
    finally:
        client.close()
    check = None
    if result.ok and first is not None:
        try:
            parse_answer(result.text, rubric, pairwise)
            check = "on the rubric"
        except AnswerProblem as problem:
            check = str(problem)
    return JudgeTestResult(
        reported_model=result.reported_model,
        system_fingerprint=result.fingerprint,
        host=config.host,
        latency_s=result.latency_s,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        cost=config.price(result.tokens_in, result.tokens_out) if result.ok else None,
        answer_text=result.text,
        ok=result.ok,
        error=result.error,
        attempts=result.attempts,
        answer_check=check,
    )


test_judge.__test__ = False  # type: ignore[attr-defined]  # a judge check, not a pytest test
