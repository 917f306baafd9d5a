"""How much one input record may hold: nesting depth, size, and which characters.

Why: a hostile or broken file must get a message naming file, line and field,
never a traceback or an exhausted machine. JSON nested 200,000 levels deep
makes the parser raise RecursionError; a 10 KB Parquet file can expand to a
300 MB value. The checks here run on the raw text before it is parsed (a
bracket count, a search for an escaped NUL), so real data pays almost nothing.

Real eval data sits far inside the defaults, and both can be raised:

- ``ANNOTATOR_MAX_NESTING``: levels of objects and arrays in one record, the
  record itself counting as one (default 64, at most 200).
- ``ANNOTATOR_MAX_FIELD_MB``: megabytes (UTF-8) in one field (default 8). A
  whole record (a JSONL line, a CSV row, a Parquet row) may hold four times that.

Checks raise :class:`LimitError`, a ValueError carrying the field it is about;
readers turn it into an InputError naming the file and line.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from annotator.base.errors import AnnotatorError

NESTING_ENV = "ANNOTATOR_MAX_NESTING"
FIELD_MB_ENV = "ANNOTATOR_MAX_FIELD_MB"
DEFAULT_NESTING = 64
MAX_NESTING = 200  # deeper still would let Python's own parsers run out of stack
DEFAULT_FIELD_MB = 8.0
RECORD_FIELDS = 4  # a record may hold this many fields' worth of bytes
MB = 1024 * 1024

_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENERS = frozenset(b"[{")
# A JSON string (escapes included), a bracket or a colon: what naming a deep field needs.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}:]', re.DOTALL)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class LimitError(ValueError):
    """A value is over a limit or holds a character it may not; `field` says where."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Limits:
    """The limits in force for one read."""

    nesting: int = DEFAULT_NESTING
    field_bytes: int = int(DEFAULT_FIELD_MB * MB)

    @property
    def record_bytes(self) -> int:
        return self.field_bytes * RECORD_FIELDS


def current() -> Limits:
    """The defaults, or what the environment sets (read on every call: tests and the
    app's settings can change it)."""
    whole = f"a whole number from 1 to {MAX_NESTING}"
    nesting = _setting(NESTING_ENV, DEFAULT_NESTING, whole)
    if nesting != int(nesting) or nesting > MAX_NESTING:
        raise _bad_setting(NESTING_ENV, whole, DEFAULT_NESTING)
    field_mb = _setting(FIELD_MB_ENV, DEFAULT_FIELD_MB, "a positive number of megabytes")
    return Limits(nesting=int(nesting), field_bytes=max(1, int(field_mb * MB)))


def _setting(name: str, default: float, what: str) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise _bad_setting(name, what, default)
    return value


def _bad_setting(name: str, what: str, default: float) -> AnnotatorError:
    text = os.environ.get(name, "")
    return AnnotatorError(f"{name}={text!r}: must be {what} (default {default:g}).")


def megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB" if size < 10 * MB else f"{size / MB:,.0f} MB"


def too_deep(limits: Limits) -> str:
    return f"nested more than {limits.nesting} levels deep (set {NESTING_ENV} to allow more)"


def field_too_big(size: int, limits: Limits) -> str:
    return (
        f"is {megabytes(size)}; a field may hold at most {limits.field_bytes / MB:g} MB "
        f"(set {FIELD_MB_ENV} to allow more)"
    )


def record_too_big(limits: Limits, size: int | None = None) -> str:
    what = f"is {megabytes(size)}" if size is not None else "is longer than that"
    return (
        f"the record {what}; a record may hold at most {limits.record_bytes / MB:g} MB "
        f"({RECORD_FIELDS} x the field limit; set {FIELD_MB_ENV} to allow more)"
    )


# -- nesting ----------------------------------------------------------------------
def check_json_nesting(text: str, limits: Limits) -> None:
    """Raise LimitError if JSON `text` nests deeper than the limit, before it is parsed.

    Nearly every record costs two counts (fewer brackets than levels allowed).
    Otherwise escapes and strings are cut out and innermost pairs removed, all by
    bytes operations in C; only a line that is really deep (or broken) is walked
    in Python.
    """
    limit = limits.nesting
    if text.count("[") + text.count("{") <= limit:
        return
    raw = text.encode("utf-8", "surrogatepass")
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = b"".join(unescaped.split(b'"')[::2]).translate(None, _NOT_BRACKETS)
    remaining = brackets
    for _ in range(limit // 2):  # a pass removes at most two levels: [] then {}
        reduced = remaining.replace(b"[]", b"").replace(b"{}", b"")
        if not reduced:
            return  # balanced, and gone within `limit` levels
        if reduced == remaining:
            break  # unbalanced or mismatched: count exactly below
        remaining = reduced
    if _deepest(brackets) > limit:
        raise LimitError(too_deep(limits), _deep_field(text, limit))


def _deepest(brackets: bytes) -> int:
    depth = peak = 0
    for byte in brackets:
        depth += 1 if byte in _OPENERS else -1
        peak = max(peak, depth)
    return peak


def _deep_field(text: str, limit: int) -> str | None:
    """The top-level key under which `text` first goes deeper than `limit`."""
    depth, key, last = 0, None, None
    for token in _TOKENS.finditer(text):
        mark = token.group()
        if mark[0] == '"':
            last = mark
        elif mark == ":":
            if depth == 1 and last is not None:
                try:
                    key = json.loads(last)
                except ValueError:
                    key = last[1:-1]
        elif mark in "[{":
            depth += 1
            if depth > limit:
                return key
        else:
            depth -= 1
    return key


def loads(text: str, limits: Limits | None = None) -> Any:
    """json.loads for text from a cell or a stored field, within the limits.

    Raises LimitError (too big, too deep, a NUL in the text) or JSONDecodeError;
    both are ValueErrors.
    """
    limits = limits or current()
    size = text_bytes(text, limits.field_bytes)
    if size is not None:
        raise LimitError(field_too_big(size, limits))
    check_json_nesting(text, limits)
    value = json.loads(text)
    if "\\u0000" in text:
        where = nul_path(value)
        if where is not None:
            raise LimitError(nul_message(where[1]), where[0] or None)
    return value


# -- size -------------------------------------------------------------------------
def text_bytes(text: str, limit: int) -> int | None:
    """The UTF-8 size of `text` when it is over `limit` bytes, else None (cheaply)."""
    if len(text) * 4 <= limit:
        return None
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    return size if size > limit else None


def value_bytes(value: Any) -> int:
    """Bytes a value takes as text: a string's UTF-8, a structure's JSON."""
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, (dict, list)):
        return len(json.dumps(value, ensure_ascii=False, default=str).encode("utf-8", "replace"))
    return 0


def oversize_field(record: dict[str, Any], limits: Limits) -> LimitError | None:
    """The first field of a parsed record over the field limit."""
    for key, value in record.items():
        if isinstance(value, str):
            size = text_bytes(value, limits.field_bytes)
        else:
            size = value_bytes(value)
            size = size if size > limits.field_bytes else None
        if size is not None:
            return LimitError(field_too_big(size, limits), str(key))
    return None


# -- characters -------------------------------------------------------------------
def nul_message(index: int) -> str:
    return f"contains a NUL character (U+0000) at character {index + 1}; text may not hold NUL"


def texts(value: Any, path: str = "") -> Iterator[tuple[str, str, str]]:
    """Every text of a parsed value, keys too, in order, as (where, owner, text):
    `where` is its field path ("metadata.notes", "input[2].content"; "" for the value
    itself), `owner` the path of the object a key belongs to (for a value, `where`)."""
    if isinstance(value, str):
        yield path, path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            yield here, path, str(key)
            yield from texts(item, here)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from texts(item, f"{path}[{position}]")


def nul_path(value: Any, path: str = "") -> tuple[str, int] | None:
    """(where, index) of the first NUL in a parsed value (keys too), or None."""
    for where, _owner, text in texts(value, path):
        index = text.find("\x00")
        if index >= 0:
            return where, index
    return None


NOT_UNICODE = "holds a lone surrogate (e.g. \\ud800), which is not Unicode text"


def encodes(text: str) -> bool:
    """Whether `text` can be stored as UTF-8: JSON can spell a lone surrogate
    (`"\\ud800"`) that no file, database or screen can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def surrogate_path(value: Any, path: str = "") -> str | None:
    """The field path of the first text holding a lone surrogate, or None; "" for the
    value itself. A key names the object it is in: its own text cannot be printed."""
    for _where, owner, text in texts(value, path):
        if not encodes(text):
            return owner
    return None


def id_problem(text: str) -> str | None:
    """Why `text` cannot be an id (it holds a NUL or another control character), or None.

    Ids are shown, typed, searched and written to files and terminals: a control
    character there hides or garbles them.
    """
    found = _CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    name = "a NUL character" if char == "\x00" else "a control character"
    return (
        f"contains {name} (U+{ord(char):04X}) at character {found.start() + 1}; "
        "an id must be printable text"
    )


__all__ = [
    "DEFAULT_FIELD_MB",
    "DEFAULT_NESTING",
    "FIELD_MB_ENV",
    "NESTING_ENV",
    "NOT_UNICODE",
    "LimitError",
    "Limits",
    "check_json_nesting",
    "current",
    "encodes",
    "field_too_big",
    "id_problem",
    "loads",
    "nul_message",
    "nul_path",
    "oversize_field",
    "record_too_big",
    "surrogate_path",
    "text_bytes",
    "texts",
    "too_deep",
    "value_bytes",
]
