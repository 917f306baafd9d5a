"""The rubric model: criteria, options, scales, and checking a label's values.

A published rubric version is immutable data; every label points at the version
it was made under. This module is pure (no database): it says what a criterion
is and whether a value fits it, so the importers, the annotate form, packs and
anchors all validate the same way.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from annotator.base import limits

KINDS = ("binary", "categorical", "ordinal", "multilabel", "numeric", "text", "preference")
APPLIES_TO = ("all", "single", "pairwise")
OptionValue = str | int | float | bool

# Level of measurement each kind implies for agreement statistics.
KIND_LEVEL = {
    "binary": "nominal",
    "categorical": "nominal",
    "preference": "nominal",
    "multilabel": "nominal",
    "ordinal": "ordinal",
    "numeric": "interval",
    "text": None,
}


class ValueProblem(ValueError):
    """A value does not fit its criterion; the message says why, for a person."""


@dataclass(frozen=True)
class Option:
    value: OptionValue
    label: str
    description: str = ""
    hotkey: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "label": self.label}
        if self.description:
            out["description"] = self.description
        if self.hotkey:
            out["hotkey"] = self.hotkey
        return out


@dataclass(frozen=True)
class Example:
    item: str
    value: Any
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "value": self.value, "why": self.why}


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    kind: str
    help: str = ""
    required: bool = False
    options: tuple[Option, ...] = ()
    examples: tuple[Example, ...] = ()
    applies_to: str = "all"
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    tolerance: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def level(self) -> str | None:
        """Level of measurement for agreement (None for free text)."""
        return KIND_LEVEL[self.kind]

    @property
    def option_values(self) -> list[OptionValue]:
        return [option.value for option in self.options]

    def option(self, value: OptionValue) -> Option | None:
        for option in self.options:
            if option.value == value and type(option.value) is type(value):
                return option
        return None

    def applies(self, pairwise: bool) -> bool:
        """Whether this criterion is asked for an item (pairwise or single)."""
        if self.applies_to == "all":
            return True
        return (self.applies_to == "pairwise") == pairwise

    def scale_text(self) -> str:
        if self.kind == "numeric":
            low = "-inf" if self.minimum is None else _fmt(self.minimum)
            high = "inf" if self.maximum is None else _fmt(self.maximum)
            return f"{low}..{high}"
        return ", ".join(str(v) for v in self.option_values)

    # -- checking values ------------------------------------------------------
    def coerce(self, raw: Any) -> Any:
        """Return the canonical value for `raw`, or raise ValueProblem.

        Accepts what files give: "4" for 4, "true" for True, "a;b" or a list
        for multilabel. The canonical value is the option's own value.
        """
        if self.kind == "text":
            if not isinstance(raw, str):
                raise ValueProblem(f"expected text, got {_type_name(raw)}")
            return raw
        if self.kind == "numeric":
            return self._coerce_number(raw)
        if self.kind == "multilabel":
            return self._coerce_many(raw)
        return self._coerce_one(raw)

    def _coerce_one(self, raw: Any) -> OptionValue:
        if isinstance(raw, (list, dict)) or raw is None:
            raise ValueProblem(f"expected one of {self.scale_text()}, got {_type_name(raw)}")
        for option in self.options:
            if _same_value(option.value, raw):
                return option.value
        if (
            self.kind == "ordinal"
            and _is_number(raw)
            and all(_is_number(v) for v in self.option_values)
        ):
            raise ValueProblem(f"value {raw!r} is off the scale ({self.scale_text()})")
        raise ValueProblem(f"unknown option {raw!r} (expected one of: {self.scale_text()})")

    def _coerce_many(self, raw: Any) -> list[OptionValue]:
        if isinstance(raw, str):
            text = raw.strip()
            if text.startswith("["):
                try:
                    raw = limits.loads(text)
                except limits.LimitError as error:
                    raise ValueProblem(str(error)) from None
                except json.JSONDecodeError:
                    raise ValueProblem(f"not a list of options: {raw!r}") from None
            else:
                raw = [part.strip() for part in text.replace("|", ";").split(";") if part.strip()]
        if not isinstance(raw, (list, tuple)):
            raise ValueProblem(f"expected a list of options, got {_type_name(raw)}")
        chosen = {self._coerce_one(value) for value in raw}
        return [v for v in self.option_values if v in chosen]

    def _coerce_number(self, raw: Any) -> int | float:
        if isinstance(raw, bool) or raw is None:
            raise ValueProblem(f"expected a number, got {_type_name(raw)}")
        if isinstance(raw, str):
            try:
                raw = float(raw.strip()) if any(c in raw for c in ".eE") else int(raw.strip())
            except ValueError:
                raise ValueProblem(f"expected a number, got {raw!r}") from None
        if not isinstance(raw, (int, float)) or (isinstance(raw, float) and not math.isfinite(raw)):
            raise ValueProblem(f"expected a finite number, got {_type_name(raw)}")
        if (self.minimum is not None and raw < self.minimum) or (
            self.maximum is not None and raw > self.maximum
        ):
            raise ValueProblem(f"value {raw!r} is off the scale ({self.scale_text()})")
        return raw

    def describe(self, value: Any) -> str:
        """A value as a person reads it: option labels, "none ticked" for an explicit []."""
        if isinstance(value, list):
            return ", ".join(self._option_label(v) for v in value) if value else "none ticked"
        return self._option_label(value)

    def _option_label(self, value: Any) -> str:
        option = self.option(value) if self.options else None
        return option.label if option is not None else str(value)

    def is_empty(self, value: Any) -> bool:
        return value is None or value == "" or (self.kind == "multilabel" and value == [])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "title": self.title,
            "help": self.help,
            "kind": self.kind,
            "required": self.required,
            "applies_to": self.applies_to,
        }
        if self.kind == "numeric":
            out.update({"min": self.minimum, "max": self.maximum, "step": self.step})
        elif self.kind != "text":
            out["options"] = [option.to_dict() for option in self.options]
        if self.tolerance:
            out["tolerance"] = self.tolerance
        out["examples"] = [example.to_dict() for example in self.examples]
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class RubricDraft:
    """A rubric's content before (or without) publication."""

    name: str
    guidelines: str
    criteria: tuple[Criterion, ...]
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def criterion(self, key: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.key == key:
                return criterion
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [criterion.key for criterion in self.criteria]

    def criteria_for(self, pairwise: bool) -> list[Criterion]:
        return [c for c in self.criteria if c.applies(pairwise)]

    def describe_values(self, values: dict[str, Any]) -> str:
        """A label's answers in the rubric's words ("correctness: Mostly correct · ..."),
        in criterion order; keys the rubric lacks follow as they are."""
        known = [c for c in self.criteria if c.key in values and values[c.key] is not None]
        parts = [f"{c.key}: {c.describe(values[c.key])}" for c in known]
        extra = [k for k in values if k not in {c.key for c in self.criteria}]
        parts += [f"{k}: {json.dumps(values[k], ensure_ascii=False)}" for k in extra]
        return " · ".join(parts)

    def content_dict(self) -> dict[str, Any]:
        return {
            "rubric": self.name,
            "guidelines": self.guidelines,
            "criteria": [criterion.to_dict() for criterion in self.criteria],
            **({"extra": self.extra} if self.extra else {}),
        }

    def content_hash(self) -> str:
        text = json.dumps(self.content_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def check_values(
        self,
        values: dict[str, Any],
        *,
        pairwise: bool,
        require_complete: bool = True,
    ) -> dict[str, Any]:
        """Canonical values for a label, or raise ValueProblem naming the criterion.

        Unknown criteria, values that do not fit, and (when `require_complete`)
        missing required criteria are errors. Criteria that do not apply to this
        kind of item (pairwise vs single) must be absent.
        """
        if not isinstance(values, dict):
            raise CriterionProblem(
                None, f"expected an object of criterion values, got {_type_name(values)}"
            )
        known = {c.key: c for c in self.criteria}
        clean: dict[str, Any] = {}
        for key, raw in values.items():
            criterion = known.get(key)
            if criterion is None:
                raise CriterionProblem(
                    key, f"unknown criterion (this rubric has: {', '.join(known)})"
                )
            if criterion.is_empty(raw):
                continue
            if not criterion.applies(pairwise):
                kind = "pairwise" if pairwise else "single-response"
                raise CriterionProblem(key, f"does not apply to {kind} items")
            try:
                clean[key] = criterion.coerce(raw)
            except ValueProblem as problem:
                raise CriterionProblem(key, str(problem)) from None
        if require_complete:
            for criterion in self.criteria_for(pairwise):
                if criterion.required and criterion.key not in clean:
                    raise CriterionProblem(criterion.key, "required criterion is missing")
        return {key: clean[key] for key in self.keys if key in clean}


@dataclass(frozen=True)
class RubricVersion(RubricDraft):
    """A published, immutable rubric version."""

    id: int = 0
    rubric_id: int = 0
    version: int = 0
    note: str = ""
    published_at: str = ""
    published_by: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


class CriterionProblem(ValueProblem):
    """A value problem tied to one criterion key (the 'field' of an error)."""

    def __init__(self, key: str | None, message: str) -> None:
        self.key = key
        super().__init__(message)


_TRUE_WORDS = ("true", "yes", "1")
_FALSE_WORDS = ("false", "no", "0")


def _same_value(option_value: OptionValue, raw: Any) -> bool:
    """Whether a raw value from a file or a form means this option's value."""
    if isinstance(option_value, bool):
        if isinstance(raw, bool):
            return raw is option_value
        if isinstance(raw, str):
            return raw.strip().lower() in (_TRUE_WORDS if option_value else _FALSE_WORDS)
        return False
    if isinstance(raw, bool):
        return False
    if isinstance(option_value, str):
        if isinstance(raw, str):
            return raw.strip() == option_value
        return _is_number(raw) and option_value == _fmt(raw)
    if isinstance(raw, (int, float)):
        return float(raw) == float(option_value)
    if isinstance(raw, str):
        try:
            return float(raw.strip()) == float(option_value)
        except ValueError:
            return False
    return False


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        dict: "an object",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)
