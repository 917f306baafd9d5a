"""Values typed as text into the rubric editor, read the way a rubric file reads them.

A lead may write a rubric in YAML or in the editor's form; the same characters
must give the same value either way, or a rubric published from the form would
disagree with the file it exports (`4.0` stays a float, `4` an int, `[a, b]` a
list). So the form's cells go through YAML's scalar rules, here beside the file
parser, with one exception: YAML 1.1 turns `yes`/`no`/`on` into booleans, which a
person typing an option's value never means, so words stay words.
"""

from __future__ import annotations

import json
from typing import Any

import yaml


def _yaml_scalar(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def number_from_text(text: str) -> int | float | None:
    """A number as a rubric file would read it (`min: 1`, `step: 0.5`); None if not one."""
    text = text.strip()
    value = _yaml_scalar(text) if text else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def option_value_from_text(text: str, kind: str) -> Any:
    """An option's value: a number for ordinal scales (as YAML reads it), else the text."""
    text = text.strip()
    if kind == "ordinal":
        number = number_from_text(text)
        return text if number is None else number
    return text


def example_value_from_text(text: str) -> Any:
    """An example's value: a number, a list (`[factual, tone]`) or `true`/`false` as YAML
    reads them; any other text stays text."""
    text = text.strip()
    value = _yaml_scalar(text)
    if isinstance(value, bool):
        return value if text.lower() in ("true", "false") else text
    if isinstance(value, int | float | list):
        return value
    return text


def value_as_text(value: Any) -> str:
    """What a cell shows for a value, typed back in unchanged (text as is, the rest as JSON,
    which YAML reads the same)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


__all__ = ["example_value_from_text", "number_from_text", "option_value_from_text", "value_as_text"]
