"""Importing labels made elsewhere: JSONL, CSV, and Mechanical Turk batch results.

    >>> import_labels(project, Path("crowd.csv"), source="crowd", kind="crowd",
    ...               fmt="mturk", mapping={"coherence": "Answer.Coherance"},
    ...               item_column="Input.item_id", cost_per_label=0.04)

Formats:
- JSONL: `{"item_id", "annotator", "values": {criterion: value}, "rationale"?,
  "started_at"?, "submitted_at"?, "duration_s"?, "cost"?, "tokens"?, "status"?,
  "note"?, "rubric_version"?, "id"?}`.
- CSV: `item_id`, `annotator`, one column per criterion key, and the same
  optional columns.
- MTurk batch results (auto-detected from a CSV's `WorkerId`/`AssignmentId`):
  `WorkerId` is the annotator, `Reward` the cost, `AcceptTime`/`SubmitTime`/
  `WorkTimeInSeconds` the times, `Answer.*` columns the criteria (matched by
  name, or `--map criterion=Answer.Column`), the item id from `--item-column`.

Each label gets a stable uid (the file's `id`, MTurk's AssignmentId, or a hash
of its content), so importing the same file twice adds nothing. A label for an
(item, annotator) that already has one supersedes it, keeping the history.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from annotator.anchors.scoring import score_batch
from annotator.base.clock import now_iso
from annotator.base.errors import AnnotatorError, InputError, LabelError
from annotator.base.readers import check_input_file, detect_format, iter_records
from annotator.exchange.import_batches import (
    CancelFn,
    ImportReport,
    ImportRun,
    ProgressFn,
    chunked,
    placeholders,
)
from annotator.exchange.label_records import (
    MTURK_OPTIONAL_COLUMNS,
    Candidate,
    RowReader,
    is_mturk_file,
    load_item_map,
)
from annotator.exchange.label_staging import LabelStage
from annotator.labels.labels import check_label_values, label_cost
from annotator.rubric.model import RubricVersion
from annotator.rubric.versions import current_version, resolve_version
from annotator.sources.sources import Annotator, CostModel, Source

LABEL_FORMATS = ("jsonl", "csv", "mturk")
_CRITERION_IN_MESSAGE = re.compile(r"criterion '([^']+)'")
# What json.dumps(..., sort_keys=True, ensure_ascii=False, default=str) builds per call,
# built once: label uids must stay byte-identical across versions.
_UID_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)
_VALUES_ENCODER = json.JSONEncoder(ensure_ascii=False)
_encode_text = json.encoder.encode_basestring  # how those encoders write a str
MAX_CHECKED_ANSWERS = 100_000
MAX_KNOWN_ITEMS = 200_000
_DUPLICATE_IN_FILE = "duplicate {what} {uid!r} in this file"
_CHANGED = (
    "{what} {uid!r} already exists in the project with different content "
    "(give the changed label a new id)"
)


class Checked(NamedTuple):
    """A label's values after checking against the rubric, with their JSON encodings."""

    values: dict[str, Any]
    json: str  # as stored (rubric order)
    sorted_json: str  # sort_keys order, for the content-hash uid


def label_uid(
    source: str, candidate: Candidate, values: dict[str, Any], sorted_values: str | None = None
) -> str:
    """A stable id for a label without one: the same content gives the same uid.

    The hashed text is exactly json.dumps([source, annotator, item_id, values,
    rationale, status, note, submitted_at], sort_keys=True, ensure_ascii=False),
    assembled from pieces so the values' JSON (`sorted_values`, sort_keys order)
    can be computed once per distinct answer rather than once per row.
    """
    if sorted_values is None:
        sorted_values = _UID_ENCODER.encode(values)
    return _uid_of(_json_text(source), candidate, sorted_values)


def _uid_of(source_json: str, candidate: Candidate, sorted_values: str) -> str:
    """label_uid with the source's JSON given (the same for every row of a file)."""
    text = _encode_text
    rationale, note, submitted = candidate.rationale, candidate.note, candidate.submitted_at
    payload = (
        f"[{source_json}, {text(candidate.annotator)}, {text(candidate.item_id)}, "
        f"{sorted_values}, {'null' if rationale is None else text(rationale)}, "
        f"{text(candidate.status)}, {'null' if note is None else text(note)}, "
        f"{'null' if submitted is None else text(submitted)}]"
    )
    return "h-" + hashlib.sha256(payload.encode()).hexdigest()[:32]


def _json_text(value: str | None) -> str:
    """A text field as JSON, as the uid encoder writes it (ensure_ascii=False)."""
    return "null" if value is None else _encode_text(value)


def _same_label(stored: Any, entry: tuple[Any, ...], source: Source) -> bool:
    """Whether a stored label says what a file's row with the same id says.

    Times, duration, tokens and cost are compared only where the row gives them
    (a row without `submitted_at` was stamped with its import time).
    """
    candidate, version, checked, _uid = entry
    given = {
        "item_id": candidate.item_id,
        "annotator_name": candidate.annotator,
        "source_id": source.id,
        "rubric_version_id": version.id,
        "status": candidate.status,
        "rationale": candidate.rationale,
        "note": candidate.note,
        "started_at": candidate.started_at,
        "duration_s": candidate.duration_s,
        "tokens": candidate.tokens,
    }
    if candidate.submitted_at is not None:
        given["submitted_at"] = candidate.submitted_at
    if candidate.cost is not None:
        given["cost"] = candidate.cost
    if any(stored[name] != value for name, value in given.items()):
        return False
    return json.loads(stored["values_json"]) == checked.values


def import_labels(
    project: Any,
    path: str | Path,
    *,
    source: str,
    kind: str,
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    item_column: str | None = None,
    item_map: str | Path | None = None,
    cost_per_label: float | None = None,
    currency: str | None = None,
    rubric_version: str | int | None = None,
    skip_invalid: bool = False,
    report_path: Path | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    provenance: dict[str, str | None] | None = None,
) -> ImportReport:
    """Import a file of labels from one source: all of it or nothing, in one short write."""
    project.refuse_if_read_only()  # before reading a line of the file
    path = Path(path)
    check_input_file(path)
    fmt = detect_format(path, fmt)
    if fmt == "csv" and is_mturk_file(path):
        fmt = "mturk"
    if fmt not in LABEL_FORMATS:
        raise AnnotatorError(f"Labels can be imported from {', '.join(LABEL_FORMATS)}, not {fmt}.")
    default_version = (
        resolve_version(project, rubric_version) if rubric_version else current_version(project)
    )
    criteria = default_version.keys
    reader = RowReader(
        path,
        fmt,
        mapping or {},
        item_column,
        load_item_map(item_map) if item_map else None,
        criteria,
    )
    cost_model = (
        CostModel("per_label", float(cost_per_label), (currency or "USD").upper())
        if cost_per_label is not None
        else None
    )
    run = ImportRun(
        project,
        path,
        "labels",
        fmt,
        skip_invalid=skip_invalid,
        report_path=report_path,
        progress=progress,
        cancel=cancel,
    )
    with run:
        stage = LabelStage(run)
        stage.provenance = {k: v for k, v in (provenance or {}).items() if v}
        label_source = stage.source(source, kind, cost_model)
        writer = _LabelWriter(project, run, reader, label_source, default_version, stage)
        rows_seen = 0
        records = (
            iter_records(path, "csv", MTURK_OPTIONAL_COLUMNS)
            if fmt == "mturk"
            else iter_records(path, fmt)
        )
        for chunk in chunked(records):
            rows_seen += len(chunk)
            writer.write_chunk(chunk)
            run.tick(rows_seen)
        writer.settle()
        run.after_commit.append(lambda batch_id: score_batch(project, batch_id))
    return run.report


class _LabelWriter:
    """Validates a chunk of records against items and the rubric, then inserts it."""

    def __init__(
        self,
        project: Any,
        run: ImportRun,
        reader: RowReader,
        source: Source,
        default_version: RubricVersion,
        stage: LabelStage,
    ) -> None:
        self.project = project
        self.stage = stage
        self.run = run
        self.reader = reader
        self.source = source
        self.default_version = default_version
        self.versions: dict[str, RubricVersion] = {}
        self.annotators: dict[str, Annotator] = {}
        self.imported_at = now_iso()  # labels without a submitted time get the import's
        # Checked values per (version, pairwise, status, typed raw values): a file has few
        # distinct answers, so each is checked against the rubric once. Bounded in size.
        self._checked: dict[Any, Checked] = {}
        self._pairwise: dict[str, bool] = {}  # see _items

    def check(self, version: RubricVersion, candidate: Candidate, pairwise: bool) -> Checked:
        """check_label_values (with the values' two JSON encodings), remembered for
        answers already seen: same criteria, same value types, same values."""
        values = candidate.values
        try:
            key: Any = (
                version.id,
                pairwise,
                candidate.status,
                tuple(values.items()),
                tuple(map(type, values.values())),  # 1, 1.0 and True are equal keys
            )
            hash(key)
        except TypeError:  # a list (multilabel) or object: not memoised
            key = None
        if key is not None:
            found = self._checked.get(key)
            if found is not None:
                return found
        values = check_label_values(
            version, candidate.values, pairwise=pairwise, status=candidate.status
        )
        checked = Checked(values, _VALUES_ENCODER.encode(values), _UID_ENCODER.encode(values))
        if key is not None and len(self._checked) < MAX_CHECKED_ANSWERS:
            self._checked[key] = checked
        return checked

    def version_for(self, spec: str | None) -> RubricVersion:
        if spec is None:
            return self.default_version
        if spec not in self.versions:
            self.versions[spec] = resolve_version(self.project, spec)
        return self.versions[spec]

    def annotator(self, name: str) -> Annotator:
        if name not in self.annotators:
            self.annotators[name] = self.stage.annotator(name, self.source)
        return self.annotators[name]

    def _items(self, wanted: set[str]) -> dict[str, bool]:
        """Whether each item is pairwise, for the ids the project has (absent: no such item).

        Remembered across chunks (a label file names each item many times), up to a
        bound, so memory stays flat however long the file.
        """
        known = self._pairwise
        unknown = sorted(wanted - known.keys())
        if unknown:
            if len(known) + len(unknown) > MAX_KNOWN_ITEMS:
                known.clear()
                unknown = sorted(wanted)
            rows = self.project.conn.execute(
                f"SELECT id, pairwise FROM items WHERE id IN ({placeholders(len(unknown))})",
                unknown,
            )
            known.update((row[0], bool(row[1])) for row in rows)
        return known

    def write_chunk(self, chunk: list[tuple[int, Any]]) -> None:
        path, run, conn = self.reader.path, self.run, self.project.conn
        candidates: list[Candidate] = []
        read_plain, read = self.reader.read_plain, self.reader.read
        for line, record in chunk:
            if isinstance(record, InputError):
                run.reject(record)
                continue
            try:
                candidates.append(read_plain(line, record) or read(line, record))
            except InputError as error:
                run.reject(error)
        pairwise = self._items({c.item_id for c in candidates})
        ready: list[tuple[Candidate, RubricVersion, Checked, str]] = []
        source_json = _json_text(self.source.name)
        default_version = self.default_version
        for candidate in candidates:
            if candidate.item_id not in pairwise:
                field = self.reader.item_column if self.reader.fmt == "mturk" else "item_id"
                run.reject(
                    InputError(
                        path,
                        candidate.line,
                        field,
                        f"no item {candidate.item_id!r} in this project",
                    )
                )
                continue
            try:
                spec = candidate.version_spec
                version = default_version if spec is None else self.version_for(spec)
                checked = self.check(version, candidate, pairwise[candidate.item_id])
            except LabelError as error:
                run.reject(
                    InputError(path, candidate.line, self._field_of(candidate, error), str(error))
                )
                continue
            except AnnotatorError as error:
                run.reject(InputError(path, candidate.line, "rubric_version", str(error)))
                continue
            uid = candidate.uid or _uid_of(source_json, candidate, checked.sorted_json)
            ready.append((candidate, version, checked, uid))
        if run.failing or not ready:
            return
        known: dict[str, Any] = {}
        if self.stage.last_id_at_start:  # else the project has no labels to match
            uids = [uid for *_, uid in ready]
            known = {
                row["uid"]: row
                for row in conn.execute(
                    "SELECT l.*, a.name AS annotator_name FROM labels l "
                    "JOIN annotators a ON a.id = l.annotator_id "
                    f"WHERE l.uid IN ({placeholders(len(uids))})",
                    uids,
                )
            }
        fresh = []
        seen: set[str] = set()  # this chunk's; earlier chunks' are found by `settle`
        for entry in ready:
            candidate, _version, _checked, uid = entry
            stored = known.get(uid)
            if candidate.uid is not None and (
                uid in seen or (stored is not None and stored["batch_id"] == run.report.batch_id)
            ):
                # An id the file itself gave twice: which one is meant cannot be guessed.
                run.reject(self._id_error(candidate, _DUPLICATE_IN_FILE))
            elif stored is not None or uid in seen:
                if stored is not None and not _same_label(stored, entry, self.source):
                    run.reject(self._id_error(candidate, _CHANGED))
                else:
                    run.report.duplicates += 1
            else:
                seen.add(uid)
                fresh.append(entry)
        if fresh and not run.failing:
            self._insert(fresh)

    def _id_error(self, candidate: Candidate, template: str) -> InputError:
        return self._id_error_at(candidate.line, candidate.uid, template)

    def _id_error_at(self, line: int, given: str | None, template: str) -> InputError:
        mturk = self.reader.fmt == "mturk"
        field = "AssignmentId" if mturk else self.reader.mapping.get("id", "id")
        uid = (given or "").removeprefix("mturk:")
        what = "AssignmentId" if mturk else "id"
        return InputError(self.reader.path, line, field, template.format(what=what, uid=uid))

    def settle(self) -> None:
        """The checks that span chunks, once the whole file is staged: a label id seen in
        an earlier chunk, and labels superseding ones staged before them."""
        if self.run.failing:
            return
        report = self.run.report
        report.added -= self.stage.drop(self._repeats())
        if not self.run.failing:
            report.superseded = self.stage.chain()

    def _repeats(self) -> Iterator[int]:
        """Staged rows repeating an earlier row's label id, judged as write_chunk judges
        a repeat within a chunk (an error, or a duplicate to skip); yields their rowids."""
        report, first = self.run.report, None
        for row in self.stage.repeated_uids():
            rowid, uid, line, given = row[:4]
            if first is None or first[1] != uid:
                first = row
                continue
            if given:
                self.run.reject(self._id_error_at(line, uid, _DUPLICATE_IN_FILE))
            elif row[4:] != first[4:]:
                self.run.reject(self._id_error_at(line, None, _CHANGED))
            else:
                report.duplicates += 1
            yield rowid

    def _field_of(self, candidate: Candidate, error: LabelError) -> str | None:
        """The file's field for the criterion an error is about (also when it is absent)."""
        named = _CRITERION_IN_MESSAGE.match(str(error))
        if named is None:
            return None
        key = named[1]
        return candidate.value_fields.get(key) or self.reader.field_for(key)

    def _insert(self, fresh: list[tuple[Candidate, RubricVersion, Checked, str]]) -> None:
        """Stage a chunk's new labels, each superseding the person's current label in the
        project (one staged earlier in the file supersedes instead: see `settle`)."""
        people, annotator = self.annotators, self.annotator
        annotator_ids = [
            (people.get(name) or annotator(name)).id
            for name in (entry[0].annotator for entry in fresh)
        ]
        rows = list(zip(fresh, annotator_ids, strict=True))
        current = self._current_labels({(entry[0].item_id, ann) for entry, ann in rows})
        get_current = current.get if current else None
        pending: list[tuple[Any, ...]] = []
        source, imported_at = self.source, self.imported_at
        priced = source.cost_model is not None  # else label_cost is None for every row
        for (candidate, version, checked, uid), annotator_id in rows:
            previous = get_current((candidate.item_id, annotator_id)) if get_current else None
            cost = candidate.cost
            if cost is None and priced:
                cost = label_cost(source, candidate.duration_s, candidate.tokens)
            pending.append(
                (  # in label_staging.STAGE_COLUMNS order
                    uid,
                    candidate.item_id,
                    annotator_id,
                    version.id,
                    candidate.status,
                    checked.json,
                    candidate.rationale,
                    candidate.note,
                    candidate.started_at,
                    candidate.submitted_at or imported_at,
                    candidate.duration_s,
                    cost,
                    candidate.tokens,
                    previous,
                    candidate.line,
                    candidate.uid is not None,
                )
            )
        self.run.report.superseded += sum(1 for row in pending if row[13] is not None)
        self.stage.insert(pending)
        self.run.report.added += len(pending)

    def _current_labels(self, pairs: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """The project's current label id per (item, annotator) pair: one index probe each.

        Asking by item alone would return every label of those items (all other
        annotators' too), which grows with the labels per item.
        """
        ordered = sorted(pair for pair in pairs if pair[1] > 0)  # a new person has none
        if not ordered or not self.stage.last_id_at_start:
            return {}
        rows = self.project.conn.execute(
            "WITH pairs(item_id, annotator_id) AS (VALUES "
            + ", ".join("(?, ?)" for _ in ordered)
            + ") SELECT l.id, l.item_id, l.annotator_id FROM pairs CROSS JOIN labels AS l "
            "ON l.item_id = pairs.item_id AND l.annotator_id = pairs.annotator_id "
            "WHERE l.repeat_of IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM labels s WHERE s.supersedes = l.id) ORDER BY l.id",
            [value for pair in ordered for value in pair],
        )
        return {(row[1], row[2]): row[0] for row in rows}
