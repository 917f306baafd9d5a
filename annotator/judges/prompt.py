"""A judge's prompt and answers: the template (Jinja2, sandboxed, strict), the JSON
schema the rubric implies, checking an answer against the rubric, and the consensus
of several samples.

The default template shows the guidelines, each criterion with its options, help and
examples, and the item (input or chat turns, output or A/B outputs, reference,
context). A user template gets the same names: `rubric`, `criteria`, `item`,
`pairwise`. Anchors' reference answers are never given to a template.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections import Counter
from typing import Any

from annotator.base.errors import AnnotatorError
from annotator.items.items import Item
from annotator.rubric.model import Criterion, CriterionProblem, RubricVersion

SYSTEM_TEXT = (
    "You are a careful expert judge. Rate the response against the rubric. Answer with "
    "one JSON object only: one value per criterion and a short rationale.\n\nJSON schema:\n"
)

DEFAULT_TEMPLATE = """\
# Rubric: {{ rubric.name }}
{% if rubric.guidelines %}
{{ rubric.guidelines }}
{% endif %}
## Criteria
{% for c in criteria %}
### {{ c.key }}{% if c.title and c.title != c.key %} ({{ c.title }}){% endif %}: {{ c.kind }}\
{% if c.required %}, required{% endif %}

{% if c.help %}{{ c.help }}
{% endif %}
{%- if c.kind == "numeric" %}A number from {{ c.minimum }} to {{ c.maximum }}.
{% elif c.options %}Options:
{% for o in c.options %}- {{ o.value | tojson }}{% if o.label %}: {{ o.label }}{% endif %}\
{% if o.description %} ({{ o.description }}){% endif %}
{% endfor %}{% endif %}
{%- for e in c.examples %}Example: {{ e.item }} -> {{ e.value | tojson }}\
{% if e.why %} ({{ e.why }}){% endif %}
{% endfor %}
{% endfor %}
## Item
{% if item.is_chat %}Conversation:
{% for turn in item.input %}[{{ turn.role }}] {{ turn.content }}
{% endfor %}{% else %}Input:
{{ item.input }}
{% endif %}
{% if pairwise %}Response A:
{{ item.output_a }}

Response B:
{{ item.output_b }}
{% else %}Response:
{{ item.output }}
{% endif %}
{% if item.reference %}Reference answer:
{{ item.reference }}
{% endif %}
{% if item.context %}Context:
{{ item.context }}
{% endif %}"""


class TemplateError(AnnotatorError):
    """A prompt template does not parse or names something that is not there."""


class AnswerProblem(ValueError):
    """A judge's answer is not JSON, or is off the rubric; the message says how."""


def _environment() -> Any:
    # lazy: jinja2 is needed only when a judge renders a prompt
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)


_COMPILED: dict[str, Any] = {}


def _compiled(template: str) -> Any:
    found = _COMPILED.get(template)
    if found is None:
        # lazy: jinja2 is needed only when a judge renders a prompt
        from jinja2 import TemplateError as JinjaError

        try:
            found = _environment().from_string(template)
        except JinjaError as error:
            raise TemplateError(f"The prompt template does not parse: {error}.") from None
        _COMPILED[template] = found
    return found


def check_template(template: str) -> None:
    _compiled(template)


def template_text(config_template: str | None) -> str:
    return DEFAULT_TEMPLATE if config_template is None else config_template


def prompt_sha(config_template: str | None) -> str:
    """The hash that stands for the exact prompt: system text and template."""
    text = SYSTEM_TEXT + "\x00" + template_text(config_template)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def answer_schema(rubric: RubricVersion, pairwise: bool) -> dict[str, Any]:
    """The JSON schema of an answer: every applicable criterion and a rationale."""
    properties: dict[str, Any] = {}
    for c in rubric.criteria_for(pairwise):
        prop = _criterion_schema(c)
        if not c.required:
            prop = {"anyOf": [prop, {"type": "null"}]}
        properties[c.key] = prop
    properties["rationale"] = {"type": "string"}
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _criterion_schema(c: Criterion) -> dict[str, Any]:
    if c.kind == "numeric":
        out: dict[str, Any] = {"type": "number"}
        if c.minimum is not None:
            out["minimum"] = c.minimum
        if c.maximum is not None:
            out["maximum"] = c.maximum
        return out
    if c.kind == "text":
        return {"type": "string"}
    if c.kind == "multilabel":
        return {"type": "array", "items": {"enum": c.option_values}}
    return {"enum": c.option_values}


def build_messages(
    template: str | None, rubric: RubricVersion, item: Item
) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """The chat messages for one item, and the answer schema they ask for."""
    # lazy: jinja2 is needed only when a judge renders a prompt
    from jinja2 import TemplateError as JinjaError

    pairwise = item.pairwise
    schema = answer_schema(rubric, pairwise)
    try:
        user = _compiled(template_text(template)).render(
            rubric=rubric, criteria=rubric.criteria_for(pairwise), item=item, pairwise=pairwise
        )
    except JinjaError as error:
        raise TemplateError(f"The prompt template failed on item {item.id!r}: {error}.") from None
    system = SYSTEM_TEXT + json.dumps(schema, ensure_ascii=False) + "\n"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}], schema


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def parse_answer(
    text: str | None, rubric: RubricVersion, pairwise: bool
) -> tuple[dict[str, Any], str | None]:
    """Checked values and the rationale from an answer, or AnswerProblem."""
    if not text or not text.strip():
        raise AnswerProblem("the answer is empty")
    body = _FENCE.sub("", text.strip())
    try:
        data = json.loads(body)
    except ValueError:
        start, end = body.find("{"), body.rfind("}")
        try:
            data = json.loads(body[start : end + 1]) if 0 <= start < end else None
        except ValueError:
            data = None
        if data is None:
            raise AnswerProblem("the answer is not JSON") from None
    if not isinstance(data, dict):
        raise AnswerProblem("the answer is not a JSON object")
    rationale = data.pop("rationale", None)
    values = {k: v for k, v in data.items() if v is not None}
    try:
        clean = rubric.check_values(values, pairwise=pairwise, require_complete=True)
    except CriterionProblem as problem:
        where = f"criterion '{problem.key}': " if problem.key else ""
        raise AnswerProblem(f"off the rubric: {where}{problem}") from None
    return clean, rationale if isinstance(rationale, str) else None


def consensus(rubric: RubricVersion, answers: list[dict[str, Any]]) -> tuple[dict[str, Any], float]:
    """The label of K answers and its confidence (the mean share of answers that agree
    with it per criterion): majority; median for ordinal and numeric; per-option
    majority for multilabel; the first answer for text."""
    if len(answers) == 1:
        return answers[0], 1.0
    out: dict[str, Any] = {}
    shares: list[float] = []
    for c in rubric.criteria:
        given = [a[c.key] for a in answers if c.key in a]
        if not given:
            continue
        value = _one_consensus(c, given)
        out[c.key] = value
        if c.kind != "text":
            shares.append(sum(1 for g in given if g == value) / len(answers))
    return out, (sum(shares) / len(shares) if shares else 1.0)


def _one_consensus(c: Criterion, given: list[Any]) -> Any:
    if c.kind == "text":
        return given[0]
    if c.kind == "numeric":
        return statistics.median_low(given)
    if c.kind == "ordinal":
        order = c.option_values
        positions = sorted(order.index(g) for g in given)
        return order[positions[(len(positions) - 1) // 2]]
    if c.kind == "multilabel":
        counts = Counter(v for g in given for v in set(g))
        return [v for v in c.option_values if counts[v] * 2 > len(given)]
    counts = Counter(json.dumps(g) for g in given)
    best = max(counts.values())
    return next(g for g in given if counts[json.dumps(g)] == best)


def estimate_tokens(messages: list[dict[str, str]]) -> int:
    """Prompt tokens, estimated as characters / 4."""
    return sum(len(m["content"]) for m in messages) // 4 + 4 * len(messages)
