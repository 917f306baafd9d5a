"""The rubric editor's cells read typed text exactly as a rubric file reads it."""

from __future__ import annotations

import pytest

from annotator.rubric.typed_text import (
    example_value_from_text,
    number_from_text,
    option_value_from_text,
    value_as_text,
)
from annotator.rubric.yaml_file import parse_rubric_text


def from_file(option_values: list[str], example: str, minimum: str = "1") -> tuple:
    """Parse a rubric file with these texts written as YAML, the way a lead writes one."""
    options = "\n".join(f"      - value: {v}" for v in option_values)
    text = (
        "rubric: r\nguidelines: g\ncriteria:\n"
        f"  - key: q\n    kind: ordinal\n    options:\n{options}\n"
        f"    examples:\n      - item: it-1\n        value: {example}\n        why: w\n"
        f"  - key: n\n    kind: numeric\n    min: {minimum}\n    max: 10\n"
    )
    draft = parse_rubric_text(text)
    quality, number = draft.criteria
    return [o.value for o in quality.options], quality.examples[0].value, number.minimum


@pytest.mark.parametrize(
    ("options", "example", "minimum"),
    [
        (["1", "2", "3"], "2", "1"),
        (["1.5", "2.5"], "2.5", "0.5"),
        (["4.0", "5"], "4.0", "-2"),
        (["1", "2"], "2", "0"),
    ],
)
def test_the_form_and_the_file_give_the_same_values(options, example, minimum):
    file_options, file_example, file_min = from_file(options, example, minimum)
    assert [option_value_from_text(v, "ordinal") for v in options] == file_options
    assert [type(option_value_from_text(v, "ordinal")) for v in options] == [
        type(v) for v in file_options
    ], "4.0 stays a float and 4 an int, as in YAML"
    assert example_value_from_text(example) == file_example
    assert number_from_text(minimum) == file_min


def test_words_stay_words():
    assert option_value_from_text("yes", "categorical") == "yes"
    assert option_value_from_text(" good ", "ordinal") == "good"
    assert example_value_from_text("no") == "no", "YAML 1.1 would make it False"
    assert example_value_from_text("true") is True
    assert example_value_from_text("a: b") == "a: b", "a mapping is not a label value"
    assert number_from_text("") is None and number_from_text("ten") is None
    assert number_from_text("true") is None


@pytest.mark.parametrize("value", ["text", 4, 2.5, ["factual", "tone"], True])
def test_a_shown_value_types_back_in_unchanged(value):
    assert example_value_from_text(value_as_text(value)) == value
