"""Streaming readers for JSONL, CSV and Parquet that know where each record came from.

Each reader yields `(line, record)` pairs without holding the file in memory;
`line` is the 1-based line (JSONL, CSV: where the record starts) or row
(Parquet). Malformed input raises :class:`InputError` naming the file and line.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.base.errors import AnnotatorError, InputError

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
CSV_FIELD_LIMIT = 256 * 1024 * 1024

csv.field_size_limit(CSV_FIELD_LIMIT)


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


def _decoded_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Lines as text with their numbers; a non-UTF-8 line is named, not guessed."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise _not_utf8(path, number, raw, exc) from None
            yield number, text


def _iter_jsonl(path: Path) -> Iterator[tuple[int, Record]]:
    loads = json.loads
    seen_any = False
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
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
                record = loads(text)
            except json.JSONDecodeError as exc:
                message = f"malformed JSON ({exc.msg} at column {exc.colno})"
                yield number, InputError(path, number, None, message)
                continue
            if not isinstance(record, dict):
                yield number, InputError(path, number, None, "each line must be a JSON object")
                continue
            yield number, record
    if not seen_any:
        raise InputError(path, None, None, "the file has no records")


class _LineTracker:
    """Feeds csv.reader while remembering the line number of each record's start."""

    def __init__(self, lines: Iterator[tuple[int, str]]) -> None:
        self._lines = lines
        self.current = 0

    def __iter__(self) -> _LineTracker:
        return self

    def __next__(self) -> str:
        self.current, text = next(self._lines)
        return text


def _iter_csv(path: Path, optional_trailing: tuple[str, ...] = ()) -> Iterator[tuple[int, Record]]:
    tracker = _LineTracker(_decoded_lines(path))
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.reader(tracker, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(path, None, None, "the file is empty") from None
    except csv.Error as exc:
        raise InputError(path, tracker.current, None, f"malformed CSV header ({exc})") from None
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
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
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
        yield start, dict(zip(header, row, strict=True))
    if not seen_any:
        raise InputError(path, None, None, "the file has a header but no rows")


def _iter_parquet(path: Path) -> Iterator[tuple[int, Record]]:
    # lazy: pyarrow loads only for a Parquet file
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for bad files
        raise InputError(path, None, None, f"not a readable Parquet file ({exc})") from None
    number = 0
    for batch in parquet.iter_batches(batch_size=8192):
        for record in batch.to_pylist():
            number += 1
            yield number, record
    if number == 0:
        raise InputError(path, None, None, "the file has no rows")


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
