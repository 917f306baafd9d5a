"""The three exported tables' columns, their types, and how a row is built.

Every format writes the same columns in the same order: `items` (an item, its
provenance, and its consensus per criterion), `labels` (one row per label,
with who made it, under which rubric version, when, at what cost, and how it
did on an anchor), and `sources` (cost and quality per source). Value columns
take the criterion's natural type (bool, integer, float or text); a multilabel
value is the list of the ticked options (`[]`: submitted with none ticked, null:
not answered), tags and metadata are objects, and times are UTC timestamps. CSV
and JSON lines write a timestamp as its ISO text, CSV writes lists and objects
as JSON text. Statistics are rounded to 6 decimals
so the files do not change with the last bit of a floating-point sum.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.rubric.model import Criterion

STAT_DECIMALS = 6


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string, int, float, bool, timestamp, list:<element type>, object
    description: str = ""
    fields: tuple[tuple[str, str], ...] = ()  # an object's keys and their types


def element_type(kind: str) -> str:
    """A list column's element type (`list:string` -> `string`)."""
    return kind.split(":", 1)[1]


def stat(value: Any) -> float | None:
    """A statistic as a plain float rounded to STAT_DECIMALS (None when not defined)."""
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    return round(number, STAT_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def stats(values: Any) -> list[float | None]:
    """`stat` of each value (a list, None for none, or an array): computed once per
    distinct value (an item table's shares and agreements repeat a handful of values)."""
    numbers = np.asarray(
        values
        if isinstance(values, np.ndarray)
        else [math.nan if v is None else v for v in values],
        dtype=float,
    )
    if len(numbers) == 0:
        return []
    distinct, where = np.unique(numbers, return_inverse=True)
    shown = [stat(v) for v in distinct.tolist()]
    return [shown[i] for i in where.tolist()]


def value_type(criterion: Criterion | None, kind: str) -> str:
    """The column type of a criterion's values (a multilabel one: a list of its options)."""
    if kind == "multilabel":
        options = value_type(criterion, "single") if criterion is not None else "string"
        return f"list:{options}"
    if kind == "text" or criterion is None:
        return "string"
    if kind == "numeric":
        return "float"
    values = criterion.option_values
    if values and all(isinstance(v, bool) for v in values):
        return "bool"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "float"
    return "string"


def convert(value: Any, kind: str) -> Any:
    """A raw value (as json_extract or the consensus gives it) in a column's type."""
    if value is None:
        return None
    if kind.startswith("list:"):
        inner = element_type(kind)
        return [convert(v, inner) for v in value]
    if kind == "string":
        if isinstance(value, (list, dict)):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return value if isinstance(value, str) else _text(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return bool(value)
    raise ValueError(kind)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


ITEM_COLUMNS = (
    Column("item_id", "string", "the item's stable id"),
    Column("input", "string", "the input: text, or chat turns as JSON (see input_kind)"),
    Column("input_kind", "string", "text or chat"),
    Column("output", "string", "the response judged (single items)"),
    Column("output_a", "string", "response A (pairwise items)"),
    Column("output_b", "string", "response B (pairwise items)"),
    Column("reference", "string", "a reference answer, when the item has one"),
    Column("context", "string", "context shown with the item"),
    Column("model", "string", "model that produced the output"),
    Column("model_version", "string", "its version"),
    Column("prompt_version", "string", "prompt or template version"),
    Column("source_system", "string", "system the item came from"),
    Column("created_at", "timestamp", "when the output was made (UTC)"),
    Column("tags", "object", "slice tags (an object of texts)"),
    Column("metadata", "object", "other metadata (an object)"),
    Column("content_hash", "string", "sha256 of the item's content"),
    Column("is_anchor", "bool", "the item is an anchor (known answer) in the project"),
    Column("n_labels", "int", "labels on the item in this export"),
    Column("agreement", "float", "item agreement, 1 - mean pairwise disagreement (0..1)"),
)
CONSENSUS_PARTS = (
    ("", "the consensus value"),
    ("_confidence", "its confidence (vote share, posterior, or 1 for adjudicated)"),
    ("_method", "adjudicated, majority, dawid_skene, median or mean"),
    ("_n_labels", "labels the consensus rests on"),
    ("_tie", "the labels tied: no value"),
    ("_agreement", "item agreement on this criterion (0..1)"),
)
LABEL_COLUMNS = (
    Column("label_id", "string", "the label's stable id"),
    Column("item_id", "string", "the item labeled"),
    Column("annotator", "string", "the annotator's pseudonym (stable within the project)"),
    Column("source", "string", "label source"),
    Column("source_kind", "string", "expert, crowd, llm_judge or other"),
    Column("model_id", "string", "LLM judge: model"),
    Column("model_version", "string", "LLM judge: model version"),
    Column("prompt_version", "string", "LLM judge: prompt version"),
    Column("judge_version", "string", "LLM judge: the judge version that made the label"),
    Column("rubric", "string", "rubric name"),
    Column("rubric_version", "int", "rubric version the label was made under"),
    Column("started_at", "timestamp", "when labeling started (UTC)"),
    Column("submitted_at", "timestamp", "when the label was submitted (UTC)"),
    Column("active_s", "float", "active seconds spent"),
    Column("cost", "float", "what the label cost (stored, or from the source's cost model)"),
    Column("currency", "string", "currency of cost"),
    Column("tokens", "int", "LLM judge: tokens used"),
    Column("is_anchor", "bool", "the label answered an anchor (scored against its reference)"),
    Column("anchor_matched", "bool", "every scored criterion matched the anchor's reference"),
    Column("rationale", "string", "the annotator's rationale"),
    Column("suggestion_visible", "bool", "assisted review: a suggestion was beside the form"),
    Column("suggestion_source", "string", "assisted review: the judge or source suggested"),
)
SOURCE_COLUMNS = (
    Column("source", "string", "label source"),
    Column("kind", "string", "expert, crowd, llm_judge or other"),
    Column("model_id", "string", "LLM judge: model"),
    Column("model_version", "string", "LLM judge: model version"),
    Column("prompt_version", "string", "LLM judge: prompt version"),
    Column("cost_type", "string", "cost model: per_label, per_hour or per_token"),
    Column("cost_amount", "float", "cost model amount"),
    Column("currency", "string", "currency"),
    Column("n_annotators", "int", "annotators"),
    Column("n_labels", "int", "labels"),
    Column("n_items", "int", "items labeled"),
    Column("n_labels_priced", "int", "labels with a known cost"),
    Column("cost_total", "float", "total cost"),
    Column("cost_per_label", "float", "cost per label"),
    Column("cost_per_item", "float", "cost per item labeled"),
    Column("correct_share", "float", "share correct: anchor accuracy, else match with experts"),
    Column("correct_basis", "string", "what correct_share is"),
    Column("cost_per_correct_label", "float", "cost per label / correct_share"),
    Column("anchor_answers", "int", "scored anchor answers (label x criterion)"),
    Column("anchor_accuracy", "float", "share of anchor answers matching the reference"),
    Column("expert_kappa", "float", "Cohen's kappa with the expert consensus, mean of criteria"),
    Column("expert_alpha", "float", "Krippendorff's alpha with the expert consensus, mean"),
    Column("expert_match", "float", "share of labels equal to the expert consensus"),
    Column("expert_labels_compared", "int", "labels compared with the expert consensus"),
    Column("ds_reliability", "float", "Dawid-Skene estimate of the share of true labels"),
    Column("repeat_pairs", "int", "test-retest repeat answers compared"),
    Column("self_consistency", "float", "share of repeat answers equal to the first"),
    Column("median_active_s", "float", "median active seconds per label"),
    Column("judge_version", "string", "LLM judge: its current version"),
    Column(
        "judge_verdicts",
        "string",
        "LLM judge: per criterion, whether it stands in for the experts, only assists, or "
        "is not trusted (see the manifest's judges for the thresholds)",
    ),
    Column(
        "judge_agreement",
        "string",
        "LLM judge: per criterion, its main agreement coefficient with the expert consensus "
        "and its interval",
    ),
)
SOURCE_STATS = {
    "cost_amount",
    "cost_total",
    "cost_per_label",
    "cost_per_item",
    "correct_share",
    "cost_per_correct_label",
    "anchor_accuracy",
    "expert_kappa",
    "expert_alpha",
    "expert_match",
    "ds_reliability",
    "self_consistency",
    "median_active_s",
}


@dataclass(frozen=True)
class CriterionColumn:
    key: str
    kind: str  # the criterion's kind
    type: str  # the value column's type
    consensus: bool  # has a consensus (not free text)
    applies_to: str = "all"  # all, single or pairwise items
    versions: frozenset[int] = frozenset()  # rubric version ids that ask it (empty: all)
    options: tuple[Any, ...] = ()  # the criterion's option values


def criterion_columns(
    keys: list[str],
    kinds: dict[str, str],
    criteria: dict[str, Any],
    versions: dict[str, set[int]] | None = None,
) -> list[CriterionColumn]:
    out = []
    for key in keys:
        criterion = criteria.get(key)
        out.append(
            CriterionColumn(
                key,
                kinds[key],
                value_type(criterion, kinds[key]),
                kinds[key] != "text",
                criterion.applies_to if criterion is not None else "all",
                frozenset((versions or {}).get(key, ())),
                tuple(criterion.option_values) if criterion is not None else (),
            )
        )
    return out


def item_columns(criteria: list[CriterionColumn]) -> list[Column]:
    out = list(ITEM_COLUMNS)
    taken = {c.name for c in out}
    for c in criteria:
        if not c.consensus:
            continue
        types = {"": c.type, "_confidence": "float", "_method": "string", "_n_labels": "int"}
        types.update({"_tie": "bool", "_agreement": "float"})
        for suffix, description in CONSENSUS_PARTS:
            name = f"{c.key}{suffix}"
            if name in taken:
                raise ValueError(f"criterion {c.key!r} would make a second column named {name!r}")
            taken.add(name)
            out.append(Column(name, types[suffix], f"{c.key}: {description}"))
    return out


def label_columns(criteria: list[CriterionColumn]) -> list[Column]:
    out = list(LABEL_COLUMNS)
    taken = {c.name for c in out}
    for c in criteria:
        if c.key in taken:
            raise ValueError(f"criterion {c.key!r} has the name of a label column")
        out.append(Column(c.key, c.type, f"the label's value on {c.key} ({c.kind})"))
    return out


def source_row(figures: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        stat(figures.get(c.name)) if c.name in SOURCE_STATS else figures.get(c.name)
        for c in SOURCE_COLUMNS
    )


def judge_figures(summaries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Source name -> the judge columns of its `sources` row, from `judge_summaries`."""
    out = {}
    for judge in summaries:
        criteria = judge["alignment"]["criteria"]
        agreement = []
        for c in criteria:
            ci = c.get("agreement_ci")
            value = c.get("agreement")
            text = "not defined" if value is None else f"{value:.3f}"
            if value is not None and ci:
                text += f" [{ci[0]:.3f}, {ci[1]:.3f}]"
            agreement.append(f"{c['criterion']}: {text}")
        out[judge["judge"]] = {
            "judge_version": judge.get("current_version"),
            "judge_verdicts": "; ".join(f"{c['criterion']}: {c['verdict']}" for c in criteria)
            or None,
            "judge_agreement": "; ".join(agreement) or None,
        }
    return out


_JSON_TYPES = {"text": "string", "integer": "int", "real": "float", "true": "bool"}
_JSON_TYPES.update({"false": "bool", "null": "null"})


def object_fields(rows: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """A struct's fields from (key, json_each type) pairs: one scalar type keeps it
    (integer with real: float), anything else is JSON text."""
    seen: dict[str, set[str]] = {}
    for key, json_type in rows:
        seen.setdefault(key, set()).add(_JSON_TYPES.get(json_type, "json"))
    out = []
    for key in sorted(seen):
        kinds = seen[key] - {"null"}
        if kinds == {"int", "float"}:
            kinds = {"float"}
        only = next(iter(kinds)) if len(kinds) == 1 else "string"  # none, or mixed
        out.append((key, "string" if only == "json" else only))
    return tuple(out)


def finite(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


__all__ = [
    "ITEM_COLUMNS",
    "LABEL_COLUMNS",
    "SOURCE_COLUMNS",
    "Column",
    "CriterionColumn",
    "convert",
    "element_type",
    "criterion_columns",
    "item_columns",
    "judge_figures",
    "label_columns",
    "object_fields",
    "source_row",
    "stat",
    "stats",
    "value_type",
]
