"""Position bias: a pairwise item asked again with its two outputs exchanged
(`judge run --swap`), and that answer mapped back to the item's own orientation, so it
compares directly with the judge's label on the item.

A criterion *names a side* when its options come in A/B pairs: an option whose value
(or, failing that, label) has "A" or "B" as a separate word, and whose counterpart with
A and B exchanged is also an option ("A" <-> "B", "A_much_better" <-> "B_much_better",
an ordinal scale labeled "A much better" ... "B much better"). Mapping back exchanges
those options; the rest ("tie", "both") and every other criterion are copied unchanged.
The swapped answer is never a label: it is stored in `judge_swaps` beside the label's
`judge_results` row, and its calls in `judge_calls` with purpose 'swap'.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from annotator.base.clock import now_iso
from annotator.items.items import Item, get_item
from annotator.judges.client import CallResult, Fallback, RetryPolicy, build_request, call
from annotator.judges.config import Judge
from annotator.judges.prompt import AnswerProblem, build_messages, estimate_tokens, parse_answer
from annotator.judges.selection import unswapped_items
from annotator.rubric.model import Criterion, OptionValue, RubricDraft, RubricVersion
from annotator.store.project import Project

SWAPPED_SUFFIX = "#swapped"  # the X-Annotator-Item header of a swapped call: "<item_id>#swapped"
SIDE_KINDS = ("preference", "binary", "categorical", "ordinal", "multilabel")
_VALUE_SIDE = re.compile(r"(?<![A-Za-z0-9])([AaBb])(?![A-Za-z0-9])")
_LABEL_SIDE = re.compile(r"(?<![A-Za-z0-9])([AB])(?![A-Za-z0-9])")  # "a" in a label is a word
_OTHER = {"A": "B", "B": "A", "a": "b", "b": "a"}

Call = tuple[int, CallResult, str, str | None]  # (sample, result, outcome, error), as run.py


def swapped_header(item_id: str) -> str:
    return item_id + SWAPPED_SUFFIX


def swapped_item(item: Item) -> Item:
    """The same item with output_a and output_b exchanged."""
    if not item.pairwise:
        raise ValueError(f"item {item.id!r} is not pairwise: it has no A and B to exchange")
    return dataclasses.replace(item, output_a=item.output_b, output_b=item.output_a)


def _exchange(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda m: _OTHER[m.group(1)], text)


def side_map(criterion: Criterion) -> dict[OptionValue, OptionValue]:
    """Each option that names a side -> its counterpart with A and B exchanged (empty
    when the criterion names no side: numeric, text, or options without A/B pairs)."""
    if criterion.kind not in SIDE_KINDS:
        return {}
    by_value = {o.value: o.value for o in criterion.options if isinstance(o.value, str)}
    by_label = {o.label: o.value for o in criterion.options}
    out: dict[OptionValue, OptionValue] = {}
    for option in criterion.options:
        other = None
        if isinstance(option.value, str):
            swapped = _exchange(_VALUE_SIDE, option.value)
            other = by_value.get(swapped) if swapped != option.value else None
        if other is None:
            swapped = _exchange(_LABEL_SIDE, option.label)
            other = by_label.get(swapped) if swapped != option.label else None
        if other is not None and other != option.value:
            out[option.value] = other
    return out


def map_back(rubric: RubricDraft, values: dict[str, Any]) -> dict[str, Any]:
    """A swapped answer's values in the item's own orientation."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        criterion = rubric.criterion(key)
        sides = side_map(criterion)
        if not sides:
            out[key] = value
        elif criterion.kind == "multilabel":
            chosen = {sides.get(v, v) for v in value}
            out[key] = [v for v in criterion.option_values if v in chosen]
        else:
            out[key] = sides.get(value, value)
    return out


def flipped_criteria(
    rubric: RubricDraft, label: dict[str, Any], mapped: dict[str, Any]
) -> list[str]:
    """The side-naming criteria on which the mapped-back answer differs from the label."""
    return [
        c.key
        for c in rubric.criteria
        if side_map(c) and c.key in label and c.key in mapped and label[c.key] != mapped[c.key]
    ]


# -- asking, in a worker thread -------------------------------------------------------
@dataclass
class SwapAnswer:
    """What the swapped call(s) gave: the calls (all recorded), and the values as given."""

    calls: list[Call] = field(default_factory=list)
    values: dict[str, Any] | None = None

    @property
    def started(self) -> int:
        return 1 if self.calls else 0


def swap_request(judge: Judge, rubric: RubricVersion, item: Item) -> dict[str, Any]:
    """The request for the swapped item: the same template, A and B exchanged."""
    messages, schema = build_messages(judge.config.prompt_template, rubric, swapped_item(item))
    return build_request(judge.config, messages, schema)


def ask_swapped(
    client: Any,
    request: dict[str, Any],
    item_id: str,
    rubric: RubricVersion,
    policy: RetryPolicy,
    stop: threading.Event,
    fallback: Fallback,
) -> SwapAnswer:
    """One swapped answer, asked again (as a label is) while it is off the rubric; a
    failure is kept in the calls and never raised."""
    answer = SwapAnswer()
    for _ in range(1 + policy.answer_retries):
        if stop.is_set():
            break
        result = call(
            client,
            request,
            item_id=swapped_header(item_id),
            policy=policy,
            stop=stop,
            fallback=fallback,
        )
        if not result.ok:
            answer.calls.append((0, result, "failed", result.error))
            break
        try:
            values, _ = parse_answer(result.text, rubric, True)
        except AnswerProblem as error:
            answer.calls.append((0, result, "off_rubric", str(error)))
            continue
        answer.calls.append((0, result, "answer", None))
        answer.values = values
        break
    return answer


# -- writing and planning, in the calling thread ---------------------------------------
def record_swap(
    project: Project,
    rubric: RubricDraft,
    tally: Any,
    answer: SwapAnswer,
    where: tuple[int, int, str, int],
    label: dict[str, Any] | None = None,
) -> None:
    """Write the judge_swaps row for (judge id, version id, item id, result id) inside the
    caller's transaction, and count it on `tally` (a RunResult: swaps, flips, and
    swaps_failed for a swap that was asked but gave no answer on the rubric). `label`:
    the label's values, read from the result when not given."""
    if answer.values is None:
        tally.swaps_failed += 1 if answer.calls else 0
        return
    judge_id, version_id, item_id, result_id = where
    if label is None:
        stored = project.scalar(
            "SELECT l.values_json FROM judge_results r JOIN labels l ON l.id = r.label_id "
            "WHERE r.id = ?",
            (result_id,),
        )
        label = json.loads(stored) if stored else {}
    mapped = map_back(rubric, answer.values)
    project.conn.execute(
        "INSERT INTO judge_swaps(judge_id, version_id, item_id, result_id, values_json, "
        "raw_json, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            judge_id,
            version_id,
            item_id,
            result_id,
            json.dumps(mapped, ensure_ascii=False),
            json.dumps(answer.values, ensure_ascii=False),
            now_iso(),
        ),
    )
    tally.swaps += 1
    tally.flips += 1 if flipped_criteria(rubric, label, mapped) else 0


@dataclass(frozen=True)
class SwapPlan:
    only: dict[str, tuple[int, int]]  # judged, unswapped item -> (result id, version id)
    calls: int  # swapped calls: one per pairwise item to judge, and one per item above
    tokens_in: int


def plan_swaps(
    project: Project,
    judge: Judge,
    rubric: RubricVersion,
    items: str,
    limit: int | None,
    version: dict[str, Any] | None,
    item_ids: list[str],
) -> SwapPlan:
    """The swapped calls a `--swap` run makes besides its labels, and their prompt tokens:
    the pairwise items it judges, and (up to what is left of `limit`) the pairwise items
    already judged under `version` that have no swapped answer yet."""
    left = None if limit is None else max(0, limit - len(item_ids))
    only = unswapped_items(project, judge, items, left, version)
    calls = tokens = 0
    for item_id in [*item_ids, *only]:
        item = get_item(project, item_id)
        if item.pairwise:
            messages, _ = build_messages(judge.config.prompt_template, rubric, swapped_item(item))
            calls += 1
            tokens += estimate_tokens(messages)
    return SwapPlan(only, calls, tokens)
