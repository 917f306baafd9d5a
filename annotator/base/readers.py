"""Streaming readers for JSONL, CSV and Parquet that know where each record came from.

Each reader yields `(line, record)` pairs without holding the file in memory;
`line` is the 1-based line (JSONL, CSV: where the record starts) or row
(Parquet). Malformed input raises :class:`InputError` naming the file and line.
A record deeper, bigger or holding a NUL beyond :mod:`annotator.base.limits` is
refused the same way, before it is parsed or read into memory whole.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from annotator.base import limits
from annotator.base.errors import AnnotatorError, InputError
from annotator.base.limits import LimitError, Limits

FORMATS = ("jsonl", "csv", "parquet")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
# Each CSV read sets its own limit (see _iter_csv); this is for the process's other CSV
# reading (item maps, MTurk headers), which the stdlib would stop at 128 KB a cell.
csv.field_size_limit(Limits().record_bytes)


def detect_format(path: Path, given: str | None = None) -> str:
    """`--format` if given, else what the file's extension says."""
    if given:
        return given
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise AnnotatorError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; "
            f"pass --format ({'|'.join(FORMATS)})."
        )
    return fmt


def check_input_file(path: Path) -> None:
    """Refuse, with a message, an input path that is missing, a folder, or unreadable."""
    if not path.exists():
        raise AnnotatorError(f"{path}: no such file.")
    if path.is_dir():
        raise AnnotatorError(f"{path}: is a folder; give the file to import.")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise AnnotatorError(f"{path}: cannot read ({exc.strerror}).") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


Record = dict[str, Any] | InputError


def iter_records(
    path: Path, fmt: str, optional_trailing: tuple[str, ...] = ()
) -> Iterator[tuple[int, Record]]:
    """Records of a file, each with its line (or row) number.

    A line that cannot be read (malformed JSON, a ragged CSV row) is yielded as
    an InputError in place of its record, so an import can skip it or report
    every bad line at once; problems with the whole file raise.
    `optional_trailing` names CSV columns a row may leave off at its end (MTurk
    omits its empty Approve/Reject columns).
    """
    if not path.exists():
        raise AnnotatorError(f"{path}: no such file.")
    if path.stat().st_size == 0:
        raise InputError(path, None, None, "the file is empty")
    if fmt == "jsonl":
        return _iter_jsonl(path)
    if fmt == "csv":
        return _iter_csv(path, optional_trailing)
    if fmt == "parquet":
        return _iter_parquet(path)
    raise AnnotatorError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")


def _not_utf8(path: Path, number: int, raw: bytes, exc: UnicodeDecodeError) -> InputError:
    byte = raw[exc.start]
    message = f"not UTF-8 text (byte 0x{byte:02x} at column {exc.start + 1}); save as UTF-8"
    return InputError(path, number, None, message)


def _bounded_lines(handle: Any, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Raw lines with their numbers; a line over `limit` bytes is skipped without
    being held in memory, and given as None."""
    number = 0
    readline = handle.readline
    while raw := readline(limit + 1):
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = readline(1 << 20)
            yield number, None
            continue
        yield number, raw


def _decoded_lines(path: Path, bounds: Limits) -> Iterator[tuple[int, str]]:
    """Lines as text with their numbers; a non-UTF-8 or overlong line is named, not guessed."""
    with open(path, "rb") as handle:
        for number, raw in _bounded_lines(handle, bounds.record_bytes):
            if raw is None:
                raise InputError(path, number, None, limits.record_too_big(bounds))
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise _not_utf8(path, number, raw, exc) from None
            yield number, text


# A run of digits orjson would read as a float where json.loads keeps an exact int,
# found as a run of zeros once every digit is a zero (bytes.translate and `in` are C
# loops; a regex over a 1 KB line costs 10x more).
_DIGITS_TO_ZERO = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_LONG_NUMBER = b"0" * 19
_BOM = b"\xef\xbb\xbf"


def _fast_record(raw: bytes, bounds: Limits) -> dict[str, Any] | None:
    """The line's record parsed by orjson, when that is certain to equal what the
    checked json.loads path below gives; None sends the line down that path.

    Only a plain line qualifies: few brackets, no escaped NUL, not near the field
    limit, no number orjson would round. Anything orjson refuses (NaN, lone
    surrogates, bad UTF-8, malformed JSON) takes the slow path, which names it.
    """
    if (
        len(raw) > bounds.field_bytes
        or raw.count(b"[") + raw.count(b"{") > bounds.nesting
        or b"\\u0000" in raw
        or _LONG_NUMBER in raw.translate(_DIGITS_TO_ZERO)
    ):
        return None
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return record if type(record) is dict else None


def _iter_jsonl(path: Path) -> Iterator[tuple[int, Record]]:
    loads = json.loads
    bounds = limits.current()
    seen_any = False
    with open(path, "rb") as handle:
        for number, raw in _bounded_lines(handle, bounds.record_bytes):
            if raw is not None:
                fast = _fast_record(
                    raw[3:] if number == 1 and raw.startswith(_BOM) else raw, bounds
                )
                if fast is not None:
                    seen_any = True
                    yield number, fast
                    continue
            if raw is None:
                seen_any = True
                yield number, InputError(path, number, None, limits.record_too_big(bounds))
                continue
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                seen_any = True  # a line that is there but unreadable: name it, not "no records"
                yield number, _not_utf8(path, number, raw, exc)
                continue
            if not text.strip():
                continue
            seen_any = True
            try:
                limits.check_json_nesting(text, bounds)  # before json.loads can recurse
                record = loads(text)
            except LimitError as error:
                yield number, InputError(path, number, error.field, str(error))
                continue
            except json.JSONDecodeError as exc:
                message = f"malformed JSON ({exc.msg} at column {exc.colno})"
                yield number, InputError(path, number, None, message)
                continue
            if not isinstance(record, dict):
                yield number, InputError(path, number, None, "each line must be a JSON object")
                continue
            problem = _json_record_problem(record, raw, text, bounds)
            if problem is not None:
                yield number, InputError(path, number, problem.field, str(problem))
                continue
            yield number, record
    if not seen_any:
        raise InputError(path, None, None, "the file has no records")


def _json_record_problem(
    record: dict[str, Any], raw: bytes, text: str, bounds: Limits
) -> LimitError | None:
    """A field over the size limit, a NUL (JSON's \\u0000) or a lone surrogate in any
    text of the record.

    Both are looked for only when the raw line says they may be there.
    """
    if len(raw) > bounds.field_bytes:
        problem = limits.oversize_field(record, bounds)
        if problem is not None:
            return problem
    if "\\u0000" in text:
        found = limits.nul_path(record)
        if found is not None:
            return LimitError(limits.nul_message(found[1]), found[0] or None)
    if "\\ud" in text or "\\uD" in text:  # maybe a lone surrogate (a pair is fine)
        where = limits.surrogate_path(record)
        if where is not None:
            return LimitError(limits.NOT_UNICODE, where or None)
    return None


class _LineTracker:
    """Feeds csv.reader while remembering the line number of each record's start."""

    def __init__(self, lines: Iterator[tuple[int, str]]) -> None:
        self._lines = lines
        self.current = 0
        self.nul = False  # a NUL in a line read since the caller last cleared this

    def __iter__(self) -> _LineTracker:
        return self

    def __next__(self) -> str:
        self.current, text = next(self._lines)
        if "\x00" in text:
            self.nul = True
        return text


def _cell_problem(
    row: list[str], header: list[str], nul: bool, bounds: Limits
) -> LimitError | None:
    """The first cell over the field limit or holding a NUL (looked for only when a
    line of the row had one)."""
    if max(map(len, row), default=0) * 4 > bounds.field_bytes:
        for name, cell in zip(header, row, strict=True):
            size = limits.text_bytes(cell, bounds.field_bytes)
            if size is not None:
                return LimitError(limits.field_too_big(size, bounds), name or None)
    if nul:
        for name, cell in zip(header, row, strict=True):
            index = cell.find("\x00")
            if index >= 0:
                return LimitError(limits.nul_message(index), name or None)
    return None


def _iter_csv(path: Path, optional_trailing: tuple[str, ...] = ()) -> Iterator[tuple[int, Record]]:
    bounds = limits.current()
    csv.field_size_limit(bounds.record_bytes)  # a longer cell stops the reader, named below
    tracker = _LineTracker(_decoded_lines(path, bounds))
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.reader(tracker, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(path, None, None, "the file is empty") from None
    except csv.Error as exc:
        raise InputError(path, tracker.current, None, f"malformed CSV header ({exc})") from None
    if tracker.nul:
        raise InputError(path, 1, None, limits.nul_message(",".join(header).find("\x00")))
    header = [name.strip() for name in header]
    if not any(header):
        raise InputError(path, 1, None, "the header row is empty")
    duplicates = {name for name in header if header.count(name) > 1 and name}
    if duplicates:
        raise InputError(path, 1, sorted(duplicates)[0], "column name appears twice in the header")
    width = len(header)
    seen_any = False
    while True:
        start = tracker.current + 1
        tracker.nul = False
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise InputError(path, start, None, limits.record_too_big(bounds)) from None
            raise InputError(path, start, None, f"malformed CSV ({exc})") from None
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        seen_any = True
        if len(row) < width and set(header[len(row) :]) <= set(optional_trailing):
            row = row + [""] * (width - len(row))
        if len(row) != width:
            message = f"ragged row: {len(row)} fields where the header has {width}"
            yield start, InputError(path, start, None, message)
            continue
        problem = _cell_problem(row, header, tracker.nul, bounds)
        if problem is not None:
            yield start, InputError(path, start, problem.field, str(problem))
            continue
        yield start, dict(zip(header, row, strict=True))
    if not seen_any:
        raise InputError(path, None, None, "the file has a header but no rows")


def _iter_parquet(path: Path) -> Iterator[tuple[int, Record]]:
    # lazy: pyarrow loads only for a Parquet file
    from annotator.base.parquet_rows import iter_parquet

    return iter_parquet(path, limits.current())


def pick(record: dict[str, Any], column: str) -> Any:
    """A column's value; `a.b` reaches into nested objects when no column is named so."""
    if column in record:
        return record[column]
    if "." in column:
        value: Any = record
        for part in column.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value
    return None


def parse_mapping(pairs: list[str] | None, allowed: set[str] | None = None) -> dict[str, str]:
    """`["input=prompt", ...]` -> {"input": "prompt"}; unknown fields are an error."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise AnnotatorError(f"--map expects FIELD=COLUMN, got {pair!r}.")
        field, column = (part.strip() for part in pair.split("=", 1))
        if allowed is not None and field not in allowed and not field.startswith("tag."):
            raise AnnotatorError(
                f"--map: unknown field {field!r}; fields are {', '.join(sorted(allowed))} "
                "and tag.NAME."
            )
        mapping[field] = column
    return mapping
