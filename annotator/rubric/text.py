"""The rubric text that belongs to one criterion: its help, options, examples and
the guideline section written about it.

A rubric's guidelines are one markdown document; by convention each criterion
has a section whose heading names it ("## Correctness (single answers only)").
The reveal screen shows that text beside the values people gave, and rubric
evolution treats a change to it as a change of meaning (the labels made under
the old text are stale).

    >>> criterion_markdown(version, version.criterion("correctness"))
"""

from __future__ import annotations

import re

from annotator.rubric.model import Criterion, RubricDraft

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line index, level, text) of each markdown heading outside code fences."""
    out = []
    fence = False
    for index, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fence = not fence
            continue
        match = None if fence else _HEADING.match(line)
        if match:
            out.append((index, len(match.group(1)), match.group(2)))
    return out


def _names(criterion: Criterion) -> list[str]:
    names = {criterion.title.strip().lower(), criterion.key.lower().replace("_", " ")}
    return [name for name in names if name]


def _mentions(heading: str, names: list[str]) -> bool:
    text = heading.lower()
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) for name in names)


def _sections(lines: list[str], criterion: Criterion) -> list[tuple[int, int]]:
    """(first line, end line) of each section whose heading names the criterion."""
    headings = _headings(lines)
    deeper = any(level > 1 for _, level, _ in headings)
    names = _names(criterion)
    out = []
    for position, (index, level, text) in enumerate(headings):
        if (level == 1 and deeper) or not _mentions(text, names):
            continue
        end = len(lines)
        for later, later_level, _ in headings[position + 1 :]:
            if later_level <= level:
                end = later
                break
        out.append((index, end))
    return out


def add_to_section(guidelines: str, criterion: Criterion, text: str) -> str | None:
    """The guidelines with `text` added at the end of the criterion's (first) section,
    or None when no heading names the criterion."""
    lines = guidelines.splitlines()
    sections = _sections(lines, criterion)
    if not sections:
        return None
    _, end = sections[0]
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    tail = lines[end:]
    gap = [""] if tail and tail[0].strip() else []
    return "\n".join([*lines[:end], "", text, *gap, *tail])


def guideline_section(guidelines: str, criterion: Criterion) -> str:
    """The guideline sections whose heading names the criterion (title or key), each
    with its sub-sections; empty when none does. A top-level heading counts only
    when the document has no deeper ones (it usually titles the whole rubric)."""
    lines = guidelines.splitlines()
    return "\n\n".join(
        "\n".join(lines[start:end]).strip() for start, end in _sections(lines, criterion)
    )


def criterion_markdown(rubric: RubricDraft, criterion: Criterion, examples: bool = True) -> str:
    """Everything the rubric says about one criterion, as markdown: help, the
    options with their descriptions, the scale, examples (unless `examples=False`)
    and its guideline section."""
    parts = [f"**{criterion.title}** ({criterion.kind})"]
    if criterion.help:
        parts.append(criterion.help)
    if criterion.options:
        rows = []
        for option in criterion.options:
            numbered = criterion.kind == "ordinal" and option.label != str(option.value)
            shown = f"**{option.label}** ({option.value})" if numbered else f"**{option.label}**"
            rows.append(f"- {shown}" + (f": {option.description}" if option.description else ""))
        parts.append("\n".join(rows))
    if criterion.kind == "numeric":
        parts.append(f"Range: {criterion.scale_text()}")
    if criterion.examples and examples:
        parts.append(
            "Examples:\n"
            + "\n".join(
                f"- item `{example.item}` → **{_value_text(example.value)}**"
                + (f": {example.why}" if example.why else "")
                for example in criterion.examples
            )
        )
    section = guideline_section(rubric.guidelines, criterion)
    if section:
        parts.append(_demote(section))
    return "\n\n".join(parts)


def _value_text(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _demote(markdown: str) -> str:
    """Headings of a quoted section become bold lines, so they do not outshout the card."""
    out = []
    for line in markdown.splitlines():
        match = _HEADING.match(line)
        out.append(f"**{match.group(2)}**" if match else line)
    return "\n".join(out)


__all__ = ["add_to_section", "criterion_markdown", "guideline_section"]
