"""Turning one row of a label file into a label candidate: JSONL, CSV and MTurk.

The importer (:mod:`annotator.exchange.label_import`) validates candidates against items
and the rubric and writes them; this module only reads rows, names the field of
every problem, and knows MTurk's column conventions.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.base import limits
from annotator.base.clock import normalize_time
from annotator.base.errors import AnnotatorError, InputError
from annotator.base.readers import check_input_file, pick
from annotator.labels.labels import STATUSES

# What limits.id_problem looks for, searched once over a row's item and annotator.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_AMOUNTS = frozenset(("duration_s", "cost"))
MTURK_OPTIONAL_COLUMNS = ("Approve", "Reject")  # MTurk leaves these off each row

OPTIONAL_COLUMNS = (
    "rationale",
    "started_at",
    "submitted_at",
    "duration_s",
    "cost",
    "tokens",
    "status",
    "note",
    "rubric_version",
    "id",
)


@dataclass
class Candidate:
    line: int
    item_id: str
    annotator: str
    values: dict[str, Any]
    value_fields: dict[str, str]  # criterion key -> the file's field name, for errors
    rationale: str | None = None
    status: str = "submitted"
    note: str | None = None
    started_at: str | None = None
    submitted_at: str | None = None
    duration_s: float | None = None
    cost: float | None = None
    tokens: int | None = None
    version_spec: str | None = None
    uid: str | None = None


class RowReader:
    """Turns one file record into a Candidate for the given format."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        mapping: dict[str, str],
        item_column: str | None,
        item_map: dict[str, dict[str, str]] | None,
        criteria: list[str],
    ) -> None:
        self.path = path
        self.fmt = fmt
        self.mapping = mapping
        self.item_column = item_column
        self.item_map = item_map
        self.criteria = criteria
        # Column names resolved once, not per row. A mapped column with a dot may reach
        # into nested objects (see readers.pick), so it is looked up the slow way.
        optional = [(name, mapping.get(name, name)) for name in OPTIONAL_COLUMNS]
        self._optional_plain: dict[str, list[str]] = {}
        for name, column in optional:
            if "." not in column:
                self._optional_plain.setdefault(column, []).append(name)
        self._optional_dotted = [(name, column) for name, column in optional if "." in column]
        self._optional_order = {name: index for index, name in enumerate(OPTIONAL_COLUMNS)}
        self._criteria_columns = [
            (key, column, f"values.{column}")
            for key in criteria
            for column in (mapping.get(key, key),)
        ]

        # What the plain-JSONL shortcut (read_plain) needs, resolved once.
        self._item_key = mapping.get("item_id", "item_id")
        self._annotator_key = mapping.get("annotator", "annotator")
        self._value_fields = {key: field for key, _column, field in self._criteria_columns}
        self._plain = fmt == "jsonl" and not self._optional_dotted

    def read_plain(self, line: int, record: dict[str, Any]) -> Candidate | None:
        """What :meth:`read` gives for a plain, good JSONL row, with less work per row;
        None for anything else (the caller then calls `read`, which names any problem).

        Plain: the item and annotator are text under their own keys; `values` holds only
        this rubric's criteria, none empty, and the row has no other column by a
        criterion's name; every optional column is read as `read` reads it.
        """
        if not self._plain:
            return None
        item_id = record.get(self._item_key)
        annotator = record.get(self._annotator_key)
        nested = record.get("values")
        if type(item_id) is not str or type(annotator) is not str or type(nested) is not dict:
            return None
        item_id, annotator = item_id.strip(), annotator.strip()
        if not item_id or not annotator or _CONTROL.search(item_id + annotator) is not None:
            return None
        values: dict[str, Any] = {}
        for key, column, _field in self._criteria_columns:
            if column in nested:
                value = nested[column]
                if value is None or value == "":
                    return None
                values[key] = value
            elif column in record or "." in column:
                return None
        if len(values) != len(nested):
            return None
        candidate = Candidate(line, item_id, annotator, values, self._value_fields)
        for column in record.keys() & self._optional_plain.keys():
            value = record[column]
            if value is None or value == "":
                continue
            for name in self._optional_plain[column]:
                kind = type(value)
                if name in _AMOUNTS and (kind is float or kind is int) and 0 <= value < math.inf:
                    setattr(candidate, name, value)  # what _set_optional does, sooner
                    continue
                if name == "id" and limits.id_problem(str(value)) is not None:
                    return None
                try:
                    self._set_optional(candidate, name, value)
                except (TypeError, ValueError):
                    return None
        return candidate

    def error(self, line: int, field: str | None, message: str) -> InputError:
        return InputError(self.path, line, field, message)

    def field_for(self, key: str) -> str:
        """Where a criterion's value is expected in this file (for a 'missing' error)."""
        column = self.mapping.get(key, key)
        if self.fmt == "jsonl":
            return f"values.{column}"
        if self.fmt == "mturk":
            return self.mapping.get(key) or f"Answer.{key}"
        return column

    def read(self, line: int, record: dict[str, Any]) -> Candidate:
        if self.fmt == "mturk":
            return self._mturk(line, record)
        item_id = self._required(line, record, "item_id")
        annotator = self._required(line, record, "annotator")
        values, fields = self._values(line, record)
        candidate = Candidate(line, item_id, annotator, values, fields)
        self._optional(line, record, candidate)
        return candidate

    def _field(self, record: dict[str, Any], name: str) -> tuple[str, Any]:
        column = self.mapping.get(name, name)
        return column, pick(record, column)

    def _required(self, line: int, record: dict[str, Any], name: str) -> str:
        column, value = self._field(record, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise self.error(line, column, "is missing")
        if isinstance(value, (dict, list, bool)):
            raise self.error(line, column, "must be text")
        return self._name(line, column, str(value).strip())

    def _name(self, line: int, column: str, text: str) -> str:
        """An id or a person's name, refused if it holds a control character."""
        problem = limits.id_problem(text)
        if problem is not None:
            raise self.error(line, column, problem)
        return text

    def _values(self, line: int, record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Criterion values: from the `values` object (JSONL) or one column each (CSV)."""
        nested: dict[str, Any] | None = None
        if self.fmt == "jsonl":
            nested = record.get("values")
            if not isinstance(nested, dict):
                raise self.error(line, "values", "must be an object of {criterion: value}")
        values: dict[str, Any] = {}
        fields: dict[str, str] = {}
        consumed = 0
        for key, column, nested_field in self._criteria_columns:
            if nested is not None and column in nested:
                value, field = nested[column], nested_field
                consumed += 1
            else:
                value, field = pick(record, column), column
            if value is None or value == "":
                continue
            values[key], fields[key] = value, field
        if nested is not None and consumed < len(nested):
            columns = {column for _, column, _ in self._criteria_columns}
            for key, value in nested.items():
                if key not in columns:  # not a criterion of this rubric: validation says so
                    values[key], fields[key] = value, f"values.{key}"
        return values, fields

    def _optional(self, line: int, record: dict[str, Any], candidate: Candidate) -> None:
        found = [
            (name, column)
            for column in record.keys() & self._optional_plain.keys()
            for name in self._optional_plain[column]
        ]
        found += self._optional_dotted
        if len(found) > 1:  # the first problem reported is the first in OPTIONAL_COLUMNS order
            found.sort(key=lambda pair: self._optional_order[pair[0]])
        for name, column in found:
            value = record[column] if column in record else pick(record, column)
            if value is None or value == "":
                continue
            if name == "id":
                self._name(line, column, str(value))
            try:
                self._set_optional(candidate, name, value)
            except (TypeError, ValueError) as exc:
                raise self.error(line, column, str(exc)) from None

    @staticmethod
    def _set_optional(candidate: Candidate, name: str, value: Any) -> None:
        if name in ("started_at", "submitted_at"):
            setattr(candidate, name, normalize_time(str(value)))
        elif name in ("duration_s", "cost"):
            number = _number(value)
            if number < 0:
                raise ValueError("must not be negative")
            setattr(candidate, name, number)
        elif name == "tokens":
            number = _number(value)
            if number < 0 or int(number) != number:
                raise ValueError("must be a whole, non-negative number")
            candidate.tokens = int(number)
        elif name == "status":
            if value not in STATUSES:
                raise ValueError(f"must be one of {', '.join(STATUSES)}")
            candidate.status = value
        elif name == "id":
            candidate.uid = str(value)
        elif name == "rubric_version":
            candidate.version_spec = str(value)
        else:
            if not isinstance(value, str):
                raise ValueError("must be text")
            setattr(candidate, name, value)

    def _mturk(self, line: int, record: dict[str, Any]) -> Candidate:
        worker = str(record.get("WorkerId") or "").strip()
        if not worker:
            raise self.error(line, "WorkerId", "is missing")
        self._name(line, "WorkerId", worker)
        item_id = self._mturk_item(line, record)
        values: dict[str, Any] = {}
        fields: dict[str, str] = {}
        answers = {k[len("Answer.") :].lower(): k for k in record if k.startswith("Answer.")}
        for key in self.criteria:
            column = self.mapping.get(key) or answers.get(key.lower())
            if column is None:
                continue
            value = record.get(column)
            if value is None or str(value).strip() == "":
                continue
            values[key] = value
            fields[key] = column
        candidate = Candidate(line, item_id, worker, values, fields)
        assignment = self._name(line, "AssignmentId", str(record.get("AssignmentId") or "").strip())
        candidate.uid = f"mturk:{assignment}" if assignment else None
        for column, name, convert in (
            ("AcceptTime", "started_at", lambda v: normalize_time(v)),
            ("SubmitTime", "submitted_at", lambda v: normalize_time(v)),
            ("WorkTimeInSeconds", "duration_s", _number),
            ("Reward", "cost", lambda v: _number(str(v).replace("$", "").strip())),
        ):
            value = record.get(column)
            if value is None or str(value).strip() == "":
                continue
            try:
                setattr(candidate, name, convert(value))
            except (TypeError, ValueError) as exc:
                raise self.error(line, column, str(exc)) from None
        if str(record.get("AssignmentStatus", "")).strip() == "Rejected":
            candidate.status = "skipped"
            candidate.note = "assignment rejected on MTurk"
            candidate.values = {}
        return candidate

    def _mturk_item(self, line: int, record: dict[str, Any]) -> str:
        if self.item_map is not None:
            key_column, mapping = next(iter(self.item_map.items()))
            key = str(record.get(key_column) or "").strip()
            if key not in mapping:
                raise self.error(line, key_column, f"{key!r} is not in the item map")
            return mapping[key]
        if not self.item_column:
            raise AnnotatorError(
                f"{self.path}: MTurk results have no item id column by default; name the column "
                "that holds it with --item-column (e.g. Input.item_id) or give --item-map FILE."
            )
        value = record.get(self.item_column)
        if self.item_column not in record:
            raise self.error(line, self.item_column, "no such column in this file")
        if value is None or not str(value).strip():
            raise self.error(line, self.item_column, "is missing")
        return self._name(line, self.item_column, str(value).strip())


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, (int, float)):
        number = value
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(f"must be a number, got {value!r}") from None
    if not math.isfinite(number):  # 'nan', 'inf' and JSON's NaN parse as floats
        raise ValueError(f"must be a finite number, got {value!r}")
    return number


def load_item_map(path: str | Path) -> dict[str, dict[str, str]]:
    """A two-column CSV mapping a column of the batch (its header) to item ids."""
    path = Path(path)
    check_input_file(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header or len(header) < 2:
                raise InputError(path, 1, None, "an item map has two columns: KEY_COLUMN,item_id")
            mapping = {}
            for number, row in enumerate(reader, start=2):
                if len(row) < 2:
                    raise InputError(path, number, None, "expected two columns")
                mapping[row[0].strip()] = row[1].strip()
    except UnicodeDecodeError:
        raise InputError(path, None, None, "not UTF-8 text; save it as UTF-8") from None
    return {header[0].strip(): mapping}


def is_mturk_file(path: Path) -> bool:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next(csv.reader(handle), [])
    return "WorkerId" in header and "AssignmentId" in header
