"""Parsing rubric YAML within the limits: no deep nesting, no alias bombs, no huge fields.

Why: PyYAML composes nodes recursively, so a file nested 5,000 levels deep ends
in RecursionError; aliases let a few lines stand for billions of values, or for
a list that contains itself, which the rest of the app would then expand. This
loader counts levels and values as it composes (an alias counts as what it
stands for) and stops at the first one over the limits of
:mod:`annotator.base.limits`, with its line and field.
"""

from __future__ import annotations

from typing import Any

import yaml

from annotator.base import limits
from annotator.base.limits import Limits

MAX_VALUES = 100_000  # a real rubric holds hundreds; aliases expanded past this are a bomb
FIELD_PARTS = 4  # a field path in a message stops after this many parts


class YamlLimitError(ValueError):
    """A rubric file is over a limit: where (line, field) and why."""

    def __init__(self, line: int | None, field: str | None, message: str) -> None:
        self.line = line
        self.field = field
        super().__init__(message)


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader that refuses, while composing, what would be too deep or too big."""

    def __init__(self, text: str, bounds: Limits) -> None:
        super().__init__(text)
        self.bounds = bounds
        self.fields: list[str] = []  # the path to the node being composed
        self.values = 0  # values composed so far, aliases counted as what they stand for
        self.deepest = 0  # the deepest collection level reached in the node being composed
        self.sizes: dict[int, tuple[int, int]] = {}  # anchored node -> (levels, values)

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.fields.append(_part(parent, index))
        depth = len(self.fields)
        try:
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent):
                return self._alias(parent, index, event, depth)
            collection = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
            if collection and depth > self.bounds.nesting:
                raise self.refuse(limits.too_deep(self.bounds))
            if isinstance(event, yaml.ScalarEvent):
                size = limits.text_bytes(event.value, self.bounds.field_bytes)
                if size is not None:
                    raise self.refuse(limits.field_too_big(size, self.bounds))
            self._count(1)
            outer, before = self.deepest, self.values
            self.deepest = depth if collection else depth - 1  # levels are collections
            node = super().compose_node(parent, index)
            if event.anchor is not None:
                self.sizes[id(node)] = (self.deepest - depth + 1, self.values - before + 1)
            self.deepest = max(outer, self.deepest)
            return node
        finally:
            self.fields.pop()

    def _alias(self, parent: Any, index: Any, event: Any, depth: int) -> Any:
        target = self.anchors.get(event.anchor)
        if target is not None:
            size = self.sizes.get(id(target))
            if size is None:
                raise self.refuse(f"the alias *{event.anchor} stands for a value that holds it")
            levels, values = size
            if levels and depth + levels - 1 > self.bounds.nesting:
                raise self.refuse(limits.too_deep(self.bounds))
            self.deepest = max(self.deepest, depth + levels - 1)
            self._count(values)
        return super().compose_node(parent, index)

    def _count(self, values: int) -> None:
        self.values += values
        if self.values > MAX_VALUES:
            raise self.refuse(
                f"holds more than {MAX_VALUES:,} values (aliases counted as what they stand "
                "for); a rubric needs far fewer"
            )

    def refuse(self, message: str) -> YamlLimitError:
        mark = self.peek_event().start_mark
        parts = [part for part in self.fields if part]
        path = "".join(p if p.startswith("[") else f".{p}" for p in parts[:FIELD_PARTS])
        path += "..." if len(parts) > FIELD_PARTS else ""
        return YamlLimitError(mark.line + 1, path.lstrip(".") or None, message)


def _part(parent: Any, index: Any) -> str:
    """How a node is named in a field path: '[2]' in a list, 'key' in a mapping."""
    if isinstance(index, int):
        return f"[{index}]"
    if isinstance(index, yaml.ScalarNode):
        return str(index.value)
    return "(key)" if parent is not None else ""


def load_limited(text: str, bounds: Limits | None = None) -> Any:
    """yaml.safe_load within the limits; YamlLimitError (or yaml.YAMLError) if not."""
    loader = _LimitedLoader(text, bounds or limits.current())
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


__all__ = ["MAX_VALUES", "YamlLimitError", "load_limited"]
