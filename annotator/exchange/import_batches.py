"""The shared skeleton of every import: check and stage, then one short write.

An import reads its file once, in chunks, WITHOUT holding the project's write
lock: rows are checked against the project and the good ones are staged in
TEMP tables of the same connection (SQLite's temp database, which other
processes never wait for; the item import keeps its rows in a spill file and
only their ids there, see :mod:`annotator.exchange.item_import`). Only when the
whole file has been read does one `BEGIN IMMEDIATE` transaction move the staged
rows in, with the batch record, so labelers in other windows wait a moment, not
the length of the import.
Every bad row is collected with its file, line and field; unless the user asked
to skip invalid rows, any error means nothing is written, so a failed import
leaves every table exactly as it was. With `--skip-invalid` the good rows land
and the rejected ones are written to a JSONL report.

Staged rows carry provisional ids (negative numbers) where the final ones are
only known in the write transaction: the batch (`PROVISIONAL_BATCH`), and new
labels, annotators and sources; the importer's commit step maps them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from annotator.base.clock import now_iso
from annotator.base.errors import AnnotatorError, InputError, ManyInputErrors
from annotator.base.limits import value_bytes
from annotator.base.readers import sha256_of
from annotator.store.project import Project

ProgressFn = Callable[[int], None]
CancelFn = Callable[[], bool]
MAX_ERRORS_KEPT = 1000
CHUNK_ROWS = 2000
CHUNK_BYTES = 64 * 1024 * 1024  # record text held at once while a chunk is checked
PROVISIONAL_BATCH = -1  # the batch id staged rows carry until the batch record exists
CommitFn = Callable[[int], None]


class ImportCancelled(AnnotatorError):
    """The user cancelled an import; nothing was written."""


class ImportRaceError(AnnotatorError):
    """Another process added the same rows while this import was being checked."""


@dataclass
class ImportReport:
    kind: str
    file: str
    sha256: str
    format: str
    rows_total: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: int = 0
    superseded: int = 0
    batch_id: int | None = None
    report_path: str | None = None
    errors: list[InputError] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "sha256": self.sha256,
            "format": self.format,
            "rows_total": self.rows_total,
            "added": self.added,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "superseded": self.superseded,
            "batch_id": self.batch_id,
            "report_path": self.report_path,
        }

    def summary(self) -> str:
        parts = [f"{self.added} {self.kind} added", f"{self.duplicates} already present (skipped)"]
        if self.superseded:
            parts.append(f"{self.superseded} superseding earlier labels")
        if self.rejected:
            parts.append(f"{self.rejected} rejected (see {self.report_path})")
        return f"{Path(self.file).name}: {self.rows_total} rows: " + ", ".join(parts) + "."


class ImportRun:
    """Context for one import: opens the transaction and the batch record.

    Subclass code calls :meth:`reject` for bad rows and :meth:`tick` as rows
    pass; on exit the batch is finalised, or everything is rolled back.
    """

    def __init__(
        self,
        project: Project,
        path: Path,
        kind: str,
        fmt: str,
        *,
        skip_invalid: bool = False,
        report_path: Path | None = None,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> None:
        self.project = project
        self.path = path
        self.skip_invalid = skip_invalid
        self.report_path = report_path
        self.progress = progress
        self.cancel = cancel
        # The file's digest is taken once it has been read and found good: a bad file
        # is refused at its first bad row, not after hashing gigabytes.
        self.report = ImportReport(kind=kind, file=str(path), sha256="", format=fmt)
        self._rejected_rows: list[dict[str, Any]] = []
        self._staged_tables: list[str] = []
        self.on_commit: list[CommitFn] = []  # move staged rows in, given the real batch id
        self.after_commit: list[CommitFn] = []  # derived work, each in its own transaction

    @property
    def failing(self) -> bool:
        """True once the import is bound to be rolled back (no point inserting more)."""
        return bool(self.report.errors) and not self.skip_invalid

    def __enter__(self) -> ImportRun:
        self.report.batch_id = PROVISIONAL_BATCH
        # Staged rows need no rollback journal (a failed run drops them): without one
        # the TEMP database writes them a third faster. Put back when the run ends.
        conn = self.project.conn
        self._temp_journal = conn.execute("PRAGMA temp.journal_mode").fetchone()[0]
        if not conn.in_transaction:
            conn.execute("PRAGMA temp.journal_mode = OFF")
        return self

    def stage_table(self, name: str, like: str) -> str:
        """A TEMP table with `like`'s columns (no constraints), dropped when the run ends."""
        return self._new_temp(name, f"AS SELECT * FROM main.{like} WHERE 0")

    def temp_table(self, name: str, columns: str) -> str:
        """A TEMP table of `columns` (SQL), dropped when the run ends."""
        return self._new_temp(name, f"({columns})")

    def _new_temp(self, name: str, body: str) -> str:
        table = f"temp.stage_{name}"
        conn = self.project.conn
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TEMP TABLE stage_{name} {body}")
        self._staged_tables.append(table)
        return table

    def reject(self, error: InputError) -> None:
        self.report.rejected += 1
        if len(self.report.errors) < MAX_ERRORS_KEPT:
            self.report.errors.append(error)
        if self.skip_invalid:
            self._rejected_rows.append(
                {
                    "file": str(self.path),
                    "line": error.line,
                    "field": error.field,
                    "error": error.message,
                }
            )

    def tick(self, rows: int) -> None:
        self.report.rows_total = rows
        if self.cancel is not None and self.cancel():
            raise ImportCancelled(f"Import of {self.path.name} cancelled; nothing was imported.")
        if self.progress is not None:
            self.progress(rows)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self._finish()
        finally:
            conn = self.project.conn
            for table in self._staged_tables:
                conn.execute(f"DROP TABLE IF EXISTS {table}")
            if not conn.in_transaction:
                conn.execute(f"PRAGMA temp.journal_mode = {self._temp_journal}")

    def _finish(self) -> None:
        report = self.report
        # Rows are checked in stages (reading, then against the project), so errors
        # arrive out of line order; people read them top to bottom.
        report.errors.sort(key=lambda error: error.line or 0)
        self._rejected_rows.sort(key=lambda row: row["line"] or 0)
        if report.errors and not self.skip_invalid:
            if len(report.errors) == 1 and report.rejected == 1:
                raise report.errors[0]
            raise ManyInputErrors(report.errors[: report.rejected])
        report.sha256 = sha256_of(self.path)
        if report.added == 0 and report.rejected == 0:
            # Nothing new: leave no trace, so re-importing a file changes nothing.
            report.batch_id = None
            return
        if self._rejected_rows:
            target = self.report_path or self.project.path.with_name(
                f"{self.path.stem}.rejected.jsonl"
            )
            try:
                with open(target, "w", encoding="utf-8") as handle:
                    for row in self._rejected_rows:
                        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            except OSError as exc:
                raise AnnotatorError(
                    f"{target}: cannot write the rejected-rows report ({exc.strerror}); "
                    "nothing was imported. Choose another place with --report."
                ) from None
            report.report_path = str(target)
        with self.project.transaction():  # the one short write: staged rows move in
            report.batch_id = self.project.conn.execute(
                "INSERT INTO import_batches(kind, file_name, sha256, format, rows_total, "
                "rows_added, rows_duplicate, rows_rejected, at, actor, report_path) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report.kind,
                    self.path.name,
                    report.sha256,
                    report.format,
                    report.rows_total,
                    report.added,
                    report.duplicates,
                    report.rejected,
                    now_iso(),
                    self.project.actor,
                    report.report_path,
                ),
            ).lastrowid
            for commit in self.on_commit:
                commit(report.batch_id)
            self.project.audit(
                f"import_{report.kind}",
                target=self.path.name,
                details={k: v for k, v in report.to_dict().items() if k != "file"},
            )
        for step in self.after_commit:
            step(report.batch_id)


def chunked(iterable: Any, size: int = CHUNK_ROWS, budget: int = CHUNK_BYTES) -> Any:
    """Lists of up to `size` consecutive (line, record) elements, and about `budget`
    bytes of record text: 2,000 records each just under the field limit must not
    hold gigabytes at once."""
    chunk: list[Any] = []
    held = 0
    for element in iterable:
        chunk.append(element)
        held += _weight(element)
        if len(chunk) >= size or held >= budget:
            yield chunk
            chunk, held = [], 0
    if chunk:
        yield chunk


def _weight(element: Any) -> int:
    """Roughly the bytes a record holds (its text; structures as their JSON)."""
    record = element[1] if isinstance(element, tuple) and len(element) == 2 else element
    if not isinstance(record, dict):
        return 64
    try:  # the record's JSON, by orjson: one call in C, near enough the stdlib's length
        return len(orjson.dumps(record))
    except TypeError:  # a type orjson does not write, a key not text, a lone surrogate
        return sum(len(v) if isinstance(v, str) else value_bytes(v) for v in record.values())


def placeholders(count: int) -> str:
    return ", ".join("?" * count)
