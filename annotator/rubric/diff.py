"""What changed between two rubric versions, and which criteria changed meaning.

The diff is for people (`annotator rubric diff`, the rubric editor); the
"changed meaning" verdict is for the machine: labels and anchors made under an
older version on such a criterion are stale and are not compared blindly.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from annotator.rubric.model import Criterion, RubricDraft


@dataclass
class CriterionChange:
    key: str
    changes: list[str] = field(default_factory=list)
    options_added: list[Any] = field(default_factory=list)
    options_removed: list[Any] = field(default_factory=list)
    options_relabelled: list[tuple[Any, str, str]] = field(default_factory=list)
    scale_changed: bool = False
    kind_changed: bool = False
    guidance_changed: bool = False

    @property
    def changes_meaning(self) -> bool:
        """Options, scale, kind or the criterion's own guidance text changed."""
        return bool(
            self.options_added
            or self.options_removed
            or self.options_relabelled
            or self.scale_changed
            or self.kind_changed
            or self.guidance_changed
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "changes": self.changes,
            "options_added": self.options_added,
            "options_removed": self.options_removed,
            "options_relabelled": [
                {"value": v, "from": old, "to": new} for v, old, new in self.options_relabelled
            ],
            "scale_changed": self.scale_changed,
            "kind_changed": self.kind_changed,
            "guidance_changed": self.guidance_changed,
            "changes_meaning": self.changes_meaning,
        }


@dataclass
class RubricDiff:
    old_label: str
    new_label: str
    criteria_added: list[str]
    criteria_removed: list[str]
    criteria_changed: list[CriterionChange]
    guidelines_diff: list[str]

    @property
    def empty(self) -> bool:
        return not (
            self.criteria_added
            or self.criteria_removed
            or self.criteria_changed
            or self.guidelines_diff
        )

    def meaning_changed(self) -> list[str]:
        """Keys of criteria present in both versions whose meaning changed."""
        return [c.key for c in self.criteria_changed if c.changes_meaning]

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.old_label,
            "to": self.new_label,
            "criteria_added": self.criteria_added,
            "criteria_removed": self.criteria_removed,
            "criteria_changed": [c.to_dict() for c in self.criteria_changed],
            "meaning_changed": self.meaning_changed(),
            "guidelines_diff": self.guidelines_diff,
        }

    def to_text(self) -> str:
        lines = [f"Changes from {self.old_label} to {self.new_label}:"]
        if self.empty:
            return lines[0] + " none."
        lines += [f"  + criterion {key} (added)" for key in self.criteria_added]
        lines += [f"  - criterion {key} (removed)" for key in self.criteria_removed]
        for change in self.criteria_changed:
            flag = "  (meaning changed)" if change.changes_meaning else ""
            lines.append(f"  ~ criterion {change.key}{flag}")
            lines += [f"      {text}" for text in change.changes]
        if self.guidelines_diff:
            lines.append("  guidelines:")
            lines += [f"      {line}" for line in self.guidelines_diff]
        return "\n".join(lines)


def diff_rubrics(
    old: RubricDraft, new: RubricDraft, old_label: str = "old", new_label: str = "new"
) -> RubricDiff:
    old_keys, new_keys = old.keys, new.keys
    changed = []
    for key in old_keys:
        if key in new_keys:
            change = diff_criterion(old.criterion(key), new.criterion(key))
            if change.changes:
                changed.append(change)
    guidelines = list(
        difflib.unified_diff(
            old.guidelines.splitlines(),
            new.guidelines.splitlines(),
            fromfile=old_label,
            tofile=new_label,
            lineterm="",
            n=1,
        )
    )
    return RubricDiff(
        old_label=old_label,
        new_label=new_label,
        criteria_added=[k for k in new_keys if k not in old_keys],
        criteria_removed=[k for k in old_keys if k not in new_keys],
        criteria_changed=changed,
        guidelines_diff=guidelines,
    )


def diff_criterion(old: Criterion, new: Criterion) -> CriterionChange:
    change = CriterionChange(key=old.key)
    notes = change.changes
    if old.kind != new.kind:
        change.kind_changed = True
        notes.append(f"kind: {old.kind} -> {new.kind}")
    old_options = {_key(o.value): o for o in old.options}
    new_options = {_key(o.value): o for o in new.options}
    for key, option in new_options.items():
        if key not in old_options:
            change.options_added.append(option.value)
            notes.append(f"option added: {option.value!r} ({option.label})")
    for key, option in old_options.items():
        if key not in new_options:
            change.options_removed.append(option.value)
            notes.append(f"option removed: {option.value!r} ({option.label})")
        elif new_options[key].label != option.label:
            new_label = new_options[key].label
            change.options_relabelled.append((option.value, option.label, new_label))
            notes.append(f"option {option.value!r} relabelled: {option.label!r} -> {new_label!r}")
        elif new_options[key].description != option.description:
            change.guidance_changed = True
            notes.append(f"option {option.value!r} description changed")
        if key in new_options and new_options[key].hotkey != option.hotkey:
            notes.append(
                f"option {option.value!r} hotkey: {option.hotkey!r} -> {new_options[key].hotkey!r}"
            )
    both_ordinal = old.kind == "ordinal" and new.kind == "ordinal"
    if both_ordinal and [_key(v) for v in old.option_values] != [
        _key(v) for v in new.option_values
    ]:
        change.scale_changed = True
        notes.append(f"scale: {old.scale_text()} -> {new.scale_text()}")
    if (old.minimum, old.maximum, old.step) != (new.minimum, new.maximum, new.step):
        change.scale_changed = True
        notes.append(f"range: {old.scale_text()} -> {new.scale_text()}")
    if old.help != new.help:
        change.guidance_changed = True
        notes.append("help text changed")
    if old.title != new.title:
        notes.append(f"title: {old.title!r} -> {new.title!r}")
    if old.required != new.required:
        notes.append(f"required: {old.required} -> {new.required}")
    if old.applies_to != new.applies_to:
        notes.append(f"applies to: {old.applies_to} -> {new.applies_to}")
    if old.examples != new.examples:
        notes.append("examples changed")
    if old.tolerance != new.tolerance:
        notes.append(f"tolerance: {old.tolerance} -> {new.tolerance}")
    return change


def _key(value: Any) -> str:
    return f"{type(value).__name__}:{value}"
