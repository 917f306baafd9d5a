"""Checks the generator runs on its own output before writing it.

Deliberately strict (exact types, exact option values) so the demo files stay
valid under any importer that follows the documented formats.
"""

from __future__ import annotations

from typing import Any

KINDS = ("binary", "categorical", "ordinal", "multilabel", "numeric", "text", "preference")
APPLIES_TO = ("all", "single", "pairwise")


def applies(criterion: dict[str, Any], pairwise: bool) -> bool:
    scope = criterion["applies_to"]
    return scope == "all" or scope == ("pairwise" if pairwise else "single")


def rubric_problems(rubric: dict[str, Any], pairwise_of: dict[str, bool]) -> list[str]:
    """Structure of one rubric, plus its examples checked against the items."""
    problems = []
    if list(rubric) != ["rubric", "guidelines", "criteria"]:
        problems.append(f"top-level keys are {list(rubric)}")
    keys = [c["key"] for c in rubric["criteria"]]
    if len(set(keys)) != len(keys):
        problems.append(f"duplicate criterion keys in {keys}")
    for criterion in rubric["criteria"]:
        where = f"criterion {criterion['key']!r}"
        if criterion["kind"] not in KINDS or criterion["applies_to"] not in APPLIES_TO:
            problems.append(f"{where}: bad kind or applies_to")
        if not isinstance(criterion["required"], bool):
            problems.append(f"{where}: required is not a bool")
        options = criterion.get("options")
        if criterion["kind"] in ("numeric", "text"):
            if options is not None:
                problems.append(f"{where}: a {criterion['kind']} criterion has options")
        else:
            hotkeys = [o["hotkey"] for o in options]
            if any(not isinstance(h, str) or len(h) != 1 for h in hotkeys):
                problems.append(f"{where}: hotkeys must be single keys: {hotkeys}")
            if len(set(hotkeys)) != len(hotkeys):
                problems.append(f"{where}: duplicate hotkeys {hotkeys}")
            if criterion["kind"] == "ordinal":
                values = [o["value"] for o in options]
                if values != sorted(values) or not all(type(v) is int for v in values):
                    problems.append(f"{where}: ordinal values must be increasing integers")
        for example in criterion["examples"]:
            item = example["item"]
            if item not in pairwise_of:
                problems.append(f"{where}: example item {item!r} does not exist")
                continue
            if not applies(criterion, pairwise_of[item]):
                problems.append(f"{where}: example item {item!r} is the wrong kind of item")
            problems += value_problems(
                {criterion["key"]: example["value"]}, rubric, pairwise_of[item], complete=False
            )
    return problems


def value_problems(
    values: dict[str, Any], rubric: dict[str, Any], pairwise: bool, *, complete: bool = True
) -> list[str]:
    """Every way `values` does not fit the rubric for this kind of item."""
    problems = []
    criteria = {c["key"]: c for c in rubric["criteria"]}
    for key, value in values.items():
        criterion = criteria.get(key)
        if criterion is None:
            problems.append(f"unknown criterion {key!r}")
        elif not applies(criterion, pairwise):
            problems.append(f"{key!r} does not apply to this item")
        else:
            problem = _value_problem(criterion, value)
            if problem:
                problems.append(f"{key!r}: {problem}")
    if complete:
        for criterion in rubric["criteria"]:
            if (
                criterion["required"]
                and applies(criterion, pairwise)
                and criterion["key"] not in values
            ):
                problems.append(f"required {criterion['key']!r} is missing")
    return problems


def _value_problem(criterion: dict[str, Any], value: Any) -> str | None:
    kind = criterion["kind"]
    if kind == "text":
        return None if isinstance(value, str) and value.strip() else "must be non-empty text"
    if kind == "numeric":
        if type(value) not in (int, float):
            return f"{value!r} is not a number"
        low, high, step = criterion["min"], criterion["max"], criterion["step"]
        if not low <= value <= high:
            return f"{value} is outside {low}..{high}"
        return None if (value - low) % step == 0 else f"{value} is not on a step of {step}"
    allowed = [o["value"] for o in criterion["options"]]
    if kind == "multilabel":
        if not isinstance(value, list) or len(set(value)) != len(value):
            return f"{value!r} is not a list of distinct options"
        wrong = [v for v in value if v not in allowed]
        return f"unknown options {wrong}" if wrong else None
    if type(value) is bool or not any(type(value) is type(a) and value == a for a in allowed):
        return f"{value!r} is not one of {allowed}"
    return None
