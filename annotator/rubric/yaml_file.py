"""Reading rubric YAML files into a :class:`RubricDraft`, with errors a lead can fix.

The file has top-level `rubric` (the name), `guidelines` (markdown) and
`criteria` (a list); unknown top-level keys are kept as extra data. Errors name
the file, the line where YAML knows it, and the field path (`criteria[2].options`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from annotator.base import limits
from annotator.base.errors import InputError, RubricError
from annotator.rubric.model import (
    APPLIES_TO,
    KINDS,
    Criterion,
    Example,
    Option,
    RubricDraft,
    ValueProblem,
)
from annotator.rubric.yaml_limits import YamlLimitError, load_limited

CRITERION_KEYS = {
    "key",
    "title",
    "help",
    "kind",
    "required",
    "options",
    "examples",
    "applies_to",
    "min",
    "max",
    "step",
    "tolerance",
}
DEFAULT_OPTIONS = {
    "binary": [
        {"value": "yes", "label": "Yes", "hotkey": "y"},
        {"value": "no", "label": "No", "hotkey": "n"},
    ],
    "preference": [
        {"value": "A", "label": "A is better", "hotkey": "a"},
        {"value": "B", "label": "B is better", "hotkey": "b"},
        {"value": "tie", "label": "Tie", "hotkey": "t"},
    ],
}


def load_rubric_file(path: str | Path) -> RubricDraft:
    """Parse and check a rubric YAML file."""
    path = Path(path)
    bounds = limits.current()
    try:
        size = path.stat().st_size
        if size > bounds.record_bytes:  # refused before it is read: no rubric is near this
            raise InputError(
                path,
                None,
                None,
                f"the file is {limits.megabytes(size)}; a rubric file may hold at most "
                f"{bounds.record_bytes / limits.MB:g} MB (set {limits.FIELD_MB_ENV} to allow more)",
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, None, None, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise RubricError(f"{path}: cannot read ({exc.strerror}).") from None
    return parse_rubric_text(text, path)


def parse_rubric_text(text: str, path: str | Path = "<rubric>") -> RubricDraft:
    try:
        data = load_limited(text)
    except YamlLimitError as error:
        raise InputError(path, error.line, error.field, str(error)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", exc)
        raise InputError(path, line, None, f"not valid YAML: {problem}") from None
    return rubric_from_dict(data, path)


def rubric_from_dict(data: Any, path: str | Path = "<rubric>") -> RubricDraft:
    """Build a draft from plain data (a parsed file, or the rubric editor's state)."""

    def fail(field: str | None, message: str) -> InputError:
        return InputError(path, None, field, message)

    if not isinstance(data, dict):
        raise fail(None, "a rubric file is a mapping with 'rubric', 'guidelines', 'criteria'")
    for key in ("rubric", "criteria"):
        if key not in data:
            raise fail(key, "missing")
    name = data["rubric"]
    if not isinstance(name, str) or not name.strip():
        raise fail("rubric", "must be the rubric's name (text)")
    guidelines = data.get("guidelines") or ""
    if not isinstance(guidelines, str):
        raise fail("guidelines", "must be markdown text")
    raw_criteria = data["criteria"]
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise fail("criteria", "must be a non-empty list")
    criteria = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_criteria):
        criterion = _criterion(raw, f"criteria[{index}]", fail)
        if criterion.key in seen:
            raise fail(f"criteria[{index}].key", f"duplicate criterion key {criterion.key!r}")
        seen.add(criterion.key)
        criteria.append(criterion)
    extra = {k: v for k, v in data.items() if k not in ("rubric", "guidelines", "criteria")}
    return RubricDraft(
        name=name.strip(), guidelines=guidelines, criteria=tuple(criteria), extra=extra
    )


def _criterion(raw: Any, where: str, fail: Any) -> Criterion:
    if not isinstance(raw, dict):
        raise fail(where, "each criterion is a mapping")
    key = raw.get("key")
    if not isinstance(key, str) or not key.strip() or not key.replace("_", "").isalnum():
        raise fail(f"{where}.key", "must be an identifier (letters, digits, underscores)")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise fail(f"{where}.kind", f"must be one of {', '.join(KINDS)} (got {kind!r})")
    applies_to = raw.get("applies_to", "pairwise" if kind == "preference" else "all")
    if applies_to not in APPLIES_TO:
        raise fail(f"{where}.applies_to", f"must be one of {', '.join(APPLIES_TO)}")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise fail(f"{where}.required", "must be true or false")
    options = _options(raw, kind, where, fail)
    minimum, maximum, step = (_number(raw, name, where, fail) for name in ("min", "max", "step"))
    if kind == "numeric" and minimum is not None and maximum is not None and minimum > maximum:
        raise fail(f"{where}.min", "is greater than max")
    tolerance = _number(raw, "tolerance", where, fail) or 0.0
    examples = _examples(raw.get("examples") or [], where, fail)
    extra = {k: v for k, v in raw.items() if k not in CRITERION_KEYS}
    criterion = Criterion(
        key=key,
        title=str(raw.get("title") or key.replace("_", " ").capitalize()),
        kind=kind,
        help=str(raw.get("help") or ""),
        required=required,
        options=options,
        examples=examples,
        applies_to=applies_to,
        minimum=minimum,
        maximum=maximum,
        step=step,
        tolerance=tolerance,
        extra=extra,
    )
    for index, example in enumerate(examples):
        try:
            criterion.coerce(example.value)
        except ValueProblem as problem:
            raise fail(f"{where}.examples[{index}].value", str(problem)) from None
    return criterion


def _options(raw: dict[str, Any], kind: str, where: str, fail: Any) -> tuple[Option, ...]:
    if kind in ("numeric", "text"):
        if raw.get("options"):
            raise fail(f"{where}.options", f"a {kind} criterion has no options")
        return ()
    items = raw.get("options") or DEFAULT_OPTIONS.get(kind)
    if not isinstance(items, list) or not items:
        raise fail(f"{where}.options", f"a {kind} criterion needs a list of options")
    options: list[Option] = []
    values: set[str] = set()
    hotkeys: set[str] = set()
    for index, item in enumerate(items):
        at = f"{where}.options[{index}]"
        if not isinstance(item, dict) or "value" not in item:
            raise fail(at, "each option is a mapping with at least 'value'")
        value = item["value"]
        if isinstance(value, (dict, list)) or value is None:
            raise fail(f"{at}.value", "must be text, a number or true/false")
        if kind == "ordinal" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise fail(f"{at}.value", "ordinal scale points must be numbers, in scale order")
        if str(value) in values:
            raise fail(f"{at}.value", f"duplicate option value {value!r}")
        values.add(str(value))
        hotkey = item.get("hotkey")
        if hotkey is not None:
            hotkey = str(hotkey)
            if len(hotkey) != 1:
                raise fail(f"{at}.hotkey", "must be a single key")
            if hotkey in hotkeys:
                raise fail(f"{at}.hotkey", f"hotkey {hotkey!r} is used twice in this criterion")
            hotkeys.add(hotkey)
        options.append(
            Option(
                value=value,
                label=str(item.get("label") or value),
                description=str(item.get("description") or ""),
                hotkey=hotkey,
            )
        )
    if kind == "ordinal":
        numbers = [float(o.value) for o in options]
        if numbers != sorted(numbers):
            raise fail(
                f"{where}.options", "ordinal scale points must be listed in increasing order"
            )
    if kind == "binary" and len(options) != 2:
        raise fail(f"{where}.options", "a binary criterion has exactly two options")
    return tuple(options)


def _number(raw: dict[str, Any], name: str, where: str, fail: Any) -> float | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(f"{where}.{name}", "must be a number")
    return value


def _examples(raw: Any, where: str, fail: Any) -> tuple[Example, ...]:
    if not isinstance(raw, list):
        raise fail(f"{where}.examples", "must be a list")
    out = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or "item" not in item or "value" not in item:
            raise fail(f"{where}.examples[{index}]", "needs 'item', 'value' and 'why'")
        out.append(
            Example(item=str(item["item"]), value=item["value"], why=str(item.get("why", "")))
        )
    return tuple(out)


def rubric_to_yaml(draft: RubricDraft) -> str:
    """Write a draft back as a rubric file (for the editor and `rubric show --yaml`)."""
    data = draft.content_dict()
    data.update(data.pop("extra", {}))
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
