"""Running a judge over items: the plan (calls, estimated tokens and cost), then the
run with bounded concurrency, one short transaction per judged item as its answer
arrives (so a killed run loses at most the calls in flight), and a stop when the
server reports a different model or fingerprint than the run's version.

Worker threads only talk HTTP; the calling thread owns the project connection and
writes every result, so SQLite sees one writer. With `swap`, each pairwise item is also
asked once with A and B exchanged (`swap.py`); that answer is written with its result.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from annotator.base.clock import now_iso
from annotator.items.items import get_item
from annotator.judges.client import (
    CallResult,
    Fallback,
    RetryPolicy,
    build_request,
    call,
    make_client,
    resolve_api_key,
    response_json,
)
from annotator.judges.config import Judge, JudgeError, ensure_version, get_judge
from annotator.judges.prompt import (
    AnswerProblem,
    build_messages,
    consensus,
    estimate_tokens,
    parse_answer,
    prompt_sha,
)
from annotator.judges.selection import candidate_version, select_items, unswapped_items
from annotator.judges.swap import SwapAnswer, ask_swapped, plan_swaps, record_swap, swap_request
from annotator.labels.labels import submit_label
from annotator.rubric.versions import current_version
from annotator.sources.sources import annotator_by_id
from annotator.store.project import Project, open_project

TYPICAL_ANSWER_TOKENS = 150  # the output estimate when a judge has no max_tokens


@dataclass(frozen=True)
class RunPlan:
    item_ids: list[str]
    calls: int
    est_tokens_in: int
    est_tokens_out: int
    est_cost: float | None
    currency: str
    skipped_already: int = 0
    version: str | None = None  # the judge version the run expects to continue
    swaps: int = 0  # with swap: the swapped calls (in `calls`), one per pairwise item
    swap_only: int = 0  # with swap: items judged before that are asked only the swap

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["items"] = len(out.pop("item_ids"))
        return out


@dataclass(frozen=True)
class RunProgress:
    done: int
    total: int
    failed: int
    rate_per_s: float
    eta_s: float | None
    cost: float | None
    currency: str


@dataclass
class RunResult:
    judged: int = 0
    failed: int = 0
    skipped_already: int = 0
    calls: int = 0
    retries: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float | None = None
    stopped_reason: str | None = None  # None, "cancelled", "version_changed"
    version: str | None = None
    currency: str = "USD"
    message: str = ""
    seconds: float = 0.0
    canary: dict[str, Any] | None = None  # with run_judge(canary=True): the canary run first
    swaps: int = 0  # with swap: swapped answers recorded (judge_swaps rows)
    flips: int = 0  # ... of which disagree with the label once mapped back
    swaps_failed: int = 0  # swapped calls that failed or stayed off the rubric

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Outcome:
    item_id: str
    calls: list[tuple[int, CallResult, str, str | None]] = field(default_factory=list)
    answers: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    error: str | None = None
    raw_text: str | None = None
    stopped: bool = False
    samples: int = 0
    swap: SwapAnswer | None = None  # with swap: the A/B-exchanged answer of a pairwise item

    def all_calls(self) -> list[tuple[int, CallResult, str, str | None]]:
        return self.calls + (self.swap.calls if self.swap is not None else [])

    def purposed_calls(self, purpose: str) -> list[tuple[str, Any]]:
        """(purpose, call) for every call: the run's purpose, and 'swap' for the swap's."""
        swapped = self.swap.calls if self.swap is not None else []
        return [(purpose, c) for c in self.calls] + [("swap", c) for c in swapped]


def plan_run(
    project: Project,
    name: str,
    items: str = "unlabeled",
    limit: int | None = None,
    swap: bool = False,
) -> RunPlan:
    """What a run would do: the items, the calls, and the estimated tokens and cost."""
    judge = get_judge(project, name)
    config = judge.config
    rubric = current_version(project)
    version = candidate_version(project, judge, prompt_sha(config.prompt_template), rubric.id)
    item_ids, skipped = select_items(project, judge, items, limit, version)
    tokens_in = 0
    for item_id in item_ids:
        messages, _ = build_messages(config.prompt_template, rubric, get_item(project, item_id))
        tokens_in += estimate_tokens(messages) * config.samples
    swaps = plan_swaps(project, judge, rubric, items, limit, version, item_ids) if swap else None
    if swaps is not None:
        tokens_in += swaps.tokens_in
    calls = len(item_ids) * config.samples + (swaps.calls if swaps else 0)
    tokens_out = calls * (config.max_tokens or TYPICAL_ANSWER_TOKENS)
    return RunPlan(
        item_ids=item_ids,
        calls=calls,
        est_tokens_in=tokens_in,
        est_tokens_out=tokens_out,
        est_cost=config.price(tokens_in, tokens_out),
        currency=config.currency,
        skipped_already=skipped,
        version=version["label"] if version else None,
        swaps=swaps.calls if swaps else 0,
        swap_only=len(swaps.only) if swaps else 0,
    )


def run_judge(
    project_path: str | Path,
    name: str,
    *,
    items: str = "unlabeled",
    limit: int | None = None,
    concurrency: int = 4,
    accept_new_version: bool = False,
    progress: Callable[[RunProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    api_key: str | None = None,
    policy: RetryPolicy | None = None,
    swap: bool = False,
) -> RunResult:
    """Judge the chosen items; opens (and closes) its own connection to the project.
    (`canary_run.run_judge` adds `canary=True`: the canary set first, then this.)"""
    if concurrency < 1:
        raise JudgeError("--concurrency must be 1 or more.")
    project = open_project(project_path)
    try:
        judge = get_judge(project, name)
        key = resolve_api_key(judge.config, api_key)
        runner = _Runner(
            project, judge, concurrency, accept_new_version, policy or RetryPolicy(), swap=swap
        )
        return runner.run(items, limit, key, progress, cancelled)
    finally:
        project.close()


class _Runner:
    purpose = "label"  # why its calls are made (judge_calls.purpose); a canary run's: 'canary'

    def __init__(
        self,
        project: Project,
        judge: Judge,
        concurrency: int,
        accept: bool,
        policy: RetryPolicy,
        swap: bool = False,
    ) -> None:
        self.project = project
        self.judge = judge
        self.config = judge.config
        self.concurrency = concurrency
        self.accept = accept
        self.policy = policy
        self.rubric = current_version(project)
        self.prompt_sha = prompt_sha(self.config.prompt_template)
        self.annotator = annotator_by_id(project, judge.annotator_id)
        self.stop = threading.Event()
        self.fallback = Fallback()
        self.result = RunResult(currency=self.config.currency)
        self.fact: tuple[str, str | None] | None = None
        self.version_ids: dict[tuple[str, str | None], int] = {}
        self.deferred: list[_Outcome] = []
        self.started_samples = 0
        self.swap = swap  # also ask each pairwise item with A and B exchanged
        self.swap_requests: dict[str, dict[str, Any]] = {}  # built here, sent by a worker
        self.swap_only: dict[str, tuple[int, int]] = {}  # item -> (result id, version id)
        self.swap_only_done = 0

    # -- the loop -------------------------------------------------------------
    def run(
        self,
        items: str,
        limit: int | None,
        key: str,
        progress: Callable[[RunProgress], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> RunResult:
        version = candidate_version(self.project, self.judge, self.prompt_sha, self.rubric.id)
        if version is not None:
            self.fact = (version["reported_model"], version["system_fingerprint"])
            self.version_ids[self.fact] = version["id"]
        item_ids, self.result.skipped_already = self._select(items, limit, version)
        if self.swap:  # and the items judged before but never asked the swap: only that
            left = None if limit is None else max(0, limit - len(item_ids))
            self.swap_only = unswapped_items(self.project, self.judge, items, left, version)
            item_ids = [*item_ids, *self.swap_only]
        self.known_fact = self.fact
        self.total = len(item_ids)
        self.progress = progress
        self.began = time.perf_counter()
        client = self._client = make_client(self.config, key, self.concurrency)
        pending = deque(item_ids)
        inflight: dict[Future[_Outcome], str] = {}
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="judge")
        try:
            while pending or inflight:
                while pending and len(inflight) < self.concurrency and not self.stop.is_set():
                    item_id = pending.popleft()
                    request, pairwise = self._request(item_id)
                    inflight[pool.submit(self._judge_item, item_id, request, pairwise)] = item_id
                if not inflight:
                    break
                try:
                    done, _ = wait(list(inflight), timeout=0.2, return_when=FIRST_COMPLETED)
                    # Answers that arrived together are written in one commit (one fsync):
                    # each is its own savepoint, and all of them were in flight, so a kill
                    # still costs at most the calls in flight.
                    with self.project.transaction():
                        for future in done:
                            item_id = inflight.pop(future)
                            self._handle(self._outcome(future, item_id))
                    if cancelled is not None and not self.stop.is_set() and cancelled():
                        self._halt("cancelled", "Stopped on request; run again to continue.")
                except KeyboardInterrupt:
                    if self.stop.is_set():  # a second Ctrl+C: leave the in-flight calls
                        break
                    self._halt("cancelled", "Stopped by Ctrl+C; run again to continue.")
            self._flush_deferred()
        finally:
            self.stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            client.close()
        self.result.seconds = time.perf_counter() - self.began
        self.result.retries = self.result.calls - self.started_samples
        if self.fact is not None and self.fact in self.version_ids:
            self.result.version = self._version_label(self.version_ids[self.fact])
        return self.result

    def _select(
        self, items: str, limit: int | None, version: dict[str, Any] | None
    ) -> tuple[list[str], int]:
        """The items to ask and how many were skipped (a canary run asks its set instead)."""
        return select_items(self.project, self.judge, items, limit, version)

    def _halt(self, reason: str, message: str) -> None:
        if self.result.stopped_reason is None:
            self.result.stopped_reason = reason
            self.result.message = message
        self.stop.set()

    def _request(self, item_id: str) -> tuple[dict[str, Any], bool]:
        item = get_item(self.project, item_id)
        messages, schema = build_messages(self.config.prompt_template, self.rubric, item)
        if self.swap and item.pairwise:
            self.swap_requests[item_id] = swap_request(self.judge, self.rubric, item)
        return build_request(self.config, messages, schema), item.pairwise

    def _outcome(self, future: Future[_Outcome], item_id: str) -> _Outcome:
        try:
            return future.result()
        except Exception as error:  # noqa: BLE001 - a bug in one item must not lose the run
            return _Outcome(item_id, error=f"internal error: {error.__class__.__name__}: {error}")

    # -- one item, in a worker thread -------------------------------------------
    def _judge_item(self, item_id: str, request: dict[str, Any], pairwise: bool) -> _Outcome:
        outcome = _Outcome(item_id)
        if item_id in self.swap_only:  # judged before: only the swapped answer is asked
            return self._ask_swap(outcome)
        for sample in range(self.config.samples):
            if self.stop.is_set():
                outcome.stopped = True
                return outcome
            outcome.samples += 1
            problem = None
            for _ in range(1 + self.policy.answer_retries):
                result = call(
                    self._client,
                    request,
                    item_id=item_id,
                    policy=self.policy,
                    stop=self.stop,
                    fallback=self.fallback,
                )
                if not result.ok:
                    outcome.stopped = self.stop.is_set()
                    outcome.calls.append((sample, result, "failed", result.error))
                    outcome.error = result.error
                    return outcome
                try:
                    values, rationale = parse_answer(result.text, self.rubric, pairwise)
                except AnswerProblem as error:
                    problem = (str(error), result.text)
                    outcome.calls.append((sample, result, "off_rubric", str(error)))
                    continue
                outcome.calls.append((sample, result, "answer", None))
                outcome.answers.append((values, rationale))
                problem = None
                break
            if problem is not None:
                tries = 1 + self.policy.answer_retries
                outcome.error = f"{problem[0]} ({tries} answers, none on the rubric)"
                outcome.raw_text = problem[1]
                return outcome
        return self._ask_swap(outcome)

    def _ask_swap(self, outcome: _Outcome) -> _Outcome:
        request = self.swap_requests.pop(outcome.item_id, None)
        if request is not None:
            args = (self.rubric, self.policy, self.stop, self.fallback)
            outcome.swap = ask_swapped(self._client, request, outcome.item_id, *args)
        return outcome

    # -- results, in the calling thread -------------------------------------------
    def _handle(self, outcome: _Outcome) -> None:
        self.swap_requests.pop(outcome.item_id, None)  # not asked when the label failed
        self.started_samples += outcome.samples + (outcome.swap.started if outcome.swap else 0)
        self.result.calls += sum(r.attempts for _, r, _, _ in outcome.all_calls())
        for _, r, _, _ in outcome.all_calls():
            self.result.tokens_in += r.tokens_in
            self.result.tokens_out += r.tokens_out
            price = self.config.price(r.tokens_in, r.tokens_out)
            if price is not None:
                self.result.cost = (self.result.cost or 0.0) + price
        facts = [
            (r.reported_model or self.config.model, r.fingerprint)
            for _, r, _, _ in outcome.all_calls()
            if r.ok
        ]
        if facts and (self.fact is None or any(f != self.fact for f in facts)):
            new = next((f for f in facts if f != self.fact), facts[-1])
            if self.fact is not None and not self.accept:
                self._write_calls(outcome, None, None)
                self._halt("version_changed", _changed_message(self.judge.name, self.fact, new))
                return
            self.fact = new
            self._flush_deferred()
        if outcome.item_id in self.swap_only:
            self._write_swap_only(outcome)
            self._report()
            return
        if outcome.stopped and not outcome.answers:
            self._write_calls(outcome, None, None)  # spent, but nothing judged
            return
        if self.fact is None:
            self.deferred.append(outcome)  # no version known yet: written once one is
        else:
            self._write(outcome)
        self._report()

    def _flush_deferred(self) -> None:
        if not self.deferred:
            return
        if self.fact is None:  # nothing ever answered: file failures under the configured model
            self.fact = (self.config.model, None)
        deferred, self.deferred = self.deferred, []
        for outcome in deferred:
            self._write(outcome)

    def _version_id(self) -> int:
        assert self.fact is not None
        found = self.version_ids.get(self.fact)
        if found is None:
            found = ensure_version(
                self.project,
                self.judge,
                self.fact[0],
                self.fact[1],
                self.prompt_sha,
                self.rubric.id,
            )
            self.version_ids[self.fact] = found
        return found

    def _write(self, outcome: _Outcome) -> None:
        ok = outcome.error is None and len(outcome.answers) == self.config.samples
        tokens_in = sum(r.tokens_in for _, r, _, _ in outcome.calls)
        tokens_out = sum(r.tokens_out for _, r, _, _ in outcome.calls)
        attempts = sum(r.attempts for _, r, _, _ in outcome.calls)
        with self.project.transaction():
            version_id = self._version_id()
            label_id, confidence = None, None
            if ok:
                values, confidence = consensus(self.rubric, [a[0] for a in outcome.answers])
                label = submit_label(
                    self.project,
                    item_id=outcome.item_id,
                    annotator=self.annotator,
                    values=values,
                    rationale=outcome.answers[0][1],
                    duration_s=sum(r.latency_s for _, r, _, _ in outcome.calls),
                    tokens=tokens_in + tokens_out,
                    cost=self.config.price(tokens_in, tokens_out),
                    rubric_version=self.rubric,
                    origin="judge",
                )
                label_id = label.id
            result_id = self.project.conn.execute(
                "INSERT INTO judge_results(judge_id, version_id, item_id, label_id, outcome, "
                "error, raw_text, attempts, confidence, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.judge.id,
                    version_id,
                    outcome.item_id,
                    label_id,
                    "label" if ok else "failure",
                    None if ok else outcome.error,
                    None if ok else outcome.raw_text,
                    attempts,
                    confidence,
                    now_iso(),
                ),
            ).lastrowid
            self._write_calls(outcome, version_id, result_id)
            if ok and outcome.swap is not None:  # its swapped answer, beside the label
                where = (self.judge.id, version_id, outcome.item_id, result_id)
                record_swap(self.project, self.rubric, self.result, outcome.swap, where, values)
        if ok:
            self.result.judged += 1
        else:
            self.result.failed += 1

    def _write_calls(
        self, outcome: _Outcome, version_id: int | None, result_id: int | None
    ) -> None:
        rows = [
            (
                self.judge.id,
                version_id,
                outcome.item_id,
                result_id,
                sample,
                json.dumps(r.request, ensure_ascii=False),
                response_json(r),
                kind,
                error,
                r.attempts,
                r.tokens_in,
                r.tokens_out,
                self.config.price(r.tokens_in, r.tokens_out),
                r.latency_s,
                now_iso(),
                purpose,
            )
            for purpose, (sample, r, kind, error) in outcome.purposed_calls(self.purpose)
        ]
        if rows:
            with self.project.transaction():
                self.project.conn.executemany(
                    "INSERT INTO judge_calls(judge_id, version_id, item_id, result_id, sample, "
                    "request, response, outcome, error, attempts, tokens_in, tokens_out, cost, "
                    "latency_s, at, purpose) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?)",
                    rows,
                )

    def _write_swap_only(self, outcome: _Outcome) -> None:
        """Only a swap (the item was judged before): its row beside that label's result if
        the server still answers as that version, and its calls."""
        result_id, version_id = self.swap_only[outcome.item_id]
        with self.project.transaction():
            same = self._version_id() == version_id
            if same and outcome.swap is not None:
                where = (self.judge.id, version_id, outcome.item_id, result_id)
                record_swap(self.project, self.rubric, self.result, outcome.swap, where)
            self._write_calls(outcome, self._version_id(), result_id if same else None)
        self.swap_only_done += 1

    def _version_label(self, version_id: int) -> str:
        number = self.project.scalar(
            "SELECT number FROM judge_versions WHERE id = ?", (version_id,)
        )
        return f"v{number}"

    def _report(self) -> None:
        if self.progress is None:
            return
        done = self.result.judged + self.result.failed + self.swap_only_done
        elapsed = max(time.perf_counter() - self.began, 1e-9)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate > 0 else None
        self.progress(
            RunProgress(
                done,
                self.total,
                self.result.failed,
                rate,
                eta,
                self.result.cost,
                self.config.currency,
            )
        )


def _changed_message(name: str, old: tuple[str, str | None], new: tuple[str, str | None]) -> str:
    def show(fact: tuple[str, str | None]) -> str:
        return fact[0] + (f" (fingerprint {fact[1]})" if fact[1] else "")

    return (
        f"Judge {name!r}: the server now reports model {show(new)}, not {show(old)}, so its "
        "answers would belong to a new judge version. The run stopped; labels made so far "
        "keep their version. Run again with --accept-new-version to continue under the new "
        "version."
    )
