"""A tiny YAML writer for the rubric files, so the generator needs only the stdlib.

Every string is double-quoted (JSON escaping is valid YAML), which keeps hotkeys
such as "y" and "n" from turning into booleans; multi-line text becomes a
literal block so the guidelines read as plain markdown in the file.
"""

from __future__ import annotations

import json
from typing import Any


def dump(data: dict[str, Any]) -> str:
    return "\n".join(_mapping(data, 0)) + "\n"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot write {type(value).__name__} as a YAML scalar")


def _block(text: str, indent: int) -> list[str]:
    if text.startswith((" ", "\n")) or "\t" in text:
        raise ValueError("block text must not start with whitespace or contain tabs")
    body = text[:-1] if text.endswith("\n") else text
    if body.endswith("\n"):
        raise ValueError("block text must end with at most one newline")
    pad = " " * indent
    return [pad + line if line else "" for line in body.split("\n")]


def _entry(prefix: str, value: Any, indent: int) -> list[str]:
    """`prefix` is 'key:' or '-'; the value goes after it or on the following lines."""
    pad = " " * indent
    if isinstance(value, str) and "\n" in value:
        chomp = "|" if value.endswith("\n") else "|-"
        return [f"{pad}{prefix} {chomp}", *_block(value, indent + 2)]
    if isinstance(value, dict) and value:
        if prefix == "-":
            lines = _mapping(value, indent + 2)
            return [f"{pad}- {lines[0].lstrip()}", *lines[1:]]
        return [f"{pad}{prefix}", *_mapping(value, indent + 2)]
    if isinstance(value, list) and value:
        lines = []
        for element in value:
            lines += _entry("-", element, indent + 2)
        return [f"{pad}{prefix}", *lines]
    if isinstance(value, (dict, list)):
        return [f"{pad}{prefix} {'{}' if isinstance(value, dict) else '[]'}"]
    return [f"{pad}{prefix} {_scalar(value)}"]


def _mapping(data: dict[str, Any], indent: int) -> list[str]:
    lines = []
    for key, value in data.items():
        if not key.replace("_", "").isalnum():
            raise ValueError(f"key {key!r} would need quoting")
        lines += _entry(f"{key}:", value, indent)
    return lines
