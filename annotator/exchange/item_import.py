"""Importing eval items from JSONL, CSV or Parquet.

    >>> report = import_items(project, Path("items.jsonl"), mapping={"input": "prompt"})
    >>> report.added, report.duplicates
    (1400, 0)

Rules: every row is validated; a duplicate id inside the file, or an id the
project already has with different content, is an error; the same content
again is skipped and counted. See :mod:`annotator.exchange.import_batches` for the
transaction and rejection rules.
"""

from __future__ import annotations

import marshal
import os
import sqlite3
import tempfile
from itertools import groupby
from pathlib import Path
from typing import IO, Any

import orjson

from annotator.base.errors import InputError
from annotator.base.readers import check_input_file, detect_format, iter_records, pick
from annotator.exchange.import_batches import (
    CHUNK_BYTES,
    CHUNK_ROWS,
    CancelFn,
    ImportRaceError,
    ImportReport,
    ImportRun,
    ProgressFn,
    placeholders,
)
from annotator.exchange.item_rows import PLAIN_COLUMNS, PLAIN_FIXED, plain_row
from annotator.items.items import (
    ITEM_COLUMNS,
    ITEM_FIELDS,
    ItemProblem,
    fields_row,
    parse_item,
)


def map_record(record: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """Rename columns to item fields per `--map FIELD=COLUMN`; other columns pass through."""
    if not mapping:
        return record
    mapped = dict(record)
    for field, column in mapping.items():
        mapped[field] = pick(record, column)
    return mapped


def _existing_items(conn: Any, ids: list[str]) -> dict[str, str]:
    """content_hash of the ids the project already has."""
    if not ids:
        return {}
    sql = f"SELECT id, content_hash FROM main.items WHERE id IN ({placeholders(len(ids))})"
    return {row[0]: row[1] for row in conn.execute(sql, ids)}


MOVE_IN_CACHE_KB = 16 * 1024  # the page cache while staged items move in


class _ItemStage:
    """This run's new items, staged compactly until the one short write moves them in.

    Each chunk's checked rows go to a spill file as one blob (`marshal`: written and
    read back by this process, exact for text, numbers and None): the final write then
    inserts them once, as prebuilt tuples, where a stage table of rows made SQLite
    write every row twice. Their ids go to a TEMP table without an index (one on random
    ids costs more per row than the insert into the project), a chunk's at once through
    `json_each`: an id repeated across chunks is found by one sort at the end.
    """

    def __init__(self, run: ImportRun, spill: IO[bytes]) -> None:
        self.run = run
        self.conn = run.project.conn
        self.spill = spill
        self.ids = run.temp_table("item_ids", "id TEXT, chunk INTEGER, pos INTEGER")
        # Each chunk's (offset, length) in the spill file, and whether it holds general rows.
        self.blobs: list[tuple[int, int, bool]] = []
        self.dropped: dict[int, set[int]] = {}  # chunk -> rows found to repeat an id
        run.on_commit.append(self.move_in)

    def add(self, lines: list[int], rows: list[tuple[Any, ...]], general: bool) -> None:
        chunk = len(self.blobs)
        ids = [row[0] for row in rows]
        try:
            self.conn.execute(
                f"INSERT INTO {self.ids}(id, chunk, pos) SELECT value, ?, key FROM json_each(?)",
                (chunk, orjson.dumps(ids)),
            )
        except TypeError:  # text orjson does not write (a lone surrogate): one by one
            self.conn.executemany(
                f"INSERT INTO {self.ids}(id, chunk, pos) VALUES (?, ?, ?)",
                ((item_id, chunk, pos) for pos, item_id in enumerate(ids)),
            )
        blob = marshal.dumps((lines, rows))
        self.blobs.append((self.spill.tell(), len(blob), general))
        self.spill.write(blob)

    def _chunk(self, chunk: int) -> tuple[list[int], list[tuple[Any, ...]]]:
        offset, length, _ = self.blobs[chunk]
        self.spill.seek(offset)
        lines, rows = marshal.loads(self.spill.read(length))
        self.spill.seek(0, os.SEEK_END)
        return lines, rows

    def repeated_ids(self) -> None:
        """Ids the file gives twice in different chunks: each later row is an error."""
        run = self.run
        if run.failing:
            return
        repeats = self.conn.execute(
            f"SELECT id, chunk, pos FROM {self.ids} WHERE id IN "
            f"(SELECT id FROM {self.ids} GROUP BY id HAVING count(*) > 1) "
            "ORDER BY id, chunk, pos"
        ).fetchall()
        first = None
        lines: dict[int, list[int]] = {}
        for item_id, chunk, pos in repeats:
            if item_id == first:
                if chunk not in lines:
                    lines[chunk] = self._chunk(chunk)[0]
                run.reject(InputError(run.path, lines[chunk][pos], "id", _duplicate(item_id)))
                self.dropped.setdefault(chunk, set()).add(pos)
                run.report.added -= 1
            first = item_id

    def move_in(self, batch_id: int) -> None:
        batch = int(batch_id)
        general = (
            f"INSERT INTO main.items({', '.join(ITEM_COLUMNS)}) "
            f"VALUES ({placeholders(len(ITEM_COLUMNS) - 1)}, {batch})"
        )
        fixed = ", ".join(_literal(value) for value in PLAIN_FIXED.values())
        plain = (
            f"INSERT INTO main.items({', '.join(PLAIN_COLUMNS)}, {', '.join(PLAIN_FIXED)}, "
            f"batch_id) VALUES ({placeholders(len(PLAIN_COLUMNS))}, {fixed}, {batch})"
        )
        self.spill.flush()
        # SQLite's default page cache (2 MB) spills dirty pages to the WAL as a big insert
        # goes, at a cost per row that doubles for rows of some sizes; a bounded larger
        # one for this write alone keeps the insert at its usual rate.
        cache = self.conn.execute("PRAGMA main.cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA main.cache_size = {-MOVE_IN_CACHE_KB}")
        try:
            for chunk in range(len(self.blobs)):
                rows = self._chunk(chunk)[1]
                dropped = self.dropped.get(chunk)
                if dropped:
                    rows = [row for pos, row in enumerate(rows) if pos not in dropped]
                # Plain and general rows in file order: each run of one kind at once.
                if not self.blobs[chunk][2]:
                    self.conn.executemany(plain, rows)
                    continue
                # Plain and general rows in file order: each run of one kind at once.
                for is_plain, group in groupby(rows, key=_is_plain):
                    self.conn.executemany(plain if is_plain else general, group)
        except sqlite3.IntegrityError:
            raise ImportRaceError(
                f"{self.run.path}: another process added items with some of the same ids "
                "while this file was being checked; nothing was imported. Run the import "
                "again: items already there with the same content are skipped."
            ) from None
        finally:
            self.conn.execute(f"PRAGMA main.cache_size = {int(cache)}")


def _literal(value: str | int | None) -> str:
    """An SQL literal of a fixed value (in the statement, not bound for every row)."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return "'" + value.replace("'", "''") + "'"


def _is_plain(row: tuple[Any, ...]) -> bool:
    return len(row) == len(PLAIN_COLUMNS)


def _duplicate(item_id: str) -> str:
    return f"duplicate id {item_id!r} in this file"


def _general_row(
    run: ImportRun, line: int, record: Any, mapping: dict[str, str]
) -> tuple[Any, ...] | None:
    """The `items` row of any record (without batch_id), or None once its problem (or
    the reader's) is recorded."""
    if isinstance(record, InputError):
        run.reject(record)
        return None
    try:
        if mapping:
            record = map_record(record, mapping)
        row = plain_row(record)
        if row is None:
            item_id, fields, digest = parse_item(record)
            row = fields_row(item_id, fields, digest, None)[:-1]
    except ItemProblem as problem:
        run.reject(InputError(run.path, line, problem.field, str(problem)))
        return None
    return row


def import_items(
    project: Any,
    path: str | Path,
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    *,
    skip_invalid: bool = False,
    report_path: Path | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ImportReport:
    """Import a file of items into `project` in one transaction."""
    project.refuse_if_read_only()  # before reading a line of the file
    path = Path(path)
    check_input_file(path)
    fmt = detect_format(path, fmt)
    mapping = mapping or {}
    run = ImportRun(
        project,
        path,
        "items",
        fmt,
        skip_invalid=skip_invalid,
        report_path=report_path,
        progress=progress,
        cancel=cancel,
    )
    rows_seen = 0
    with tempfile.TemporaryFile(prefix="annotator-items-") as spill, run:
        stage = _ItemStage(run, spill)
        # A project without items has none to match (nor can it gain any meanwhile that
        # the final write would not refuse).
        any_items = project.conn.execute("SELECT 1 FROM main.items LIMIT 1").fetchone()
        # Rows are built as records are read, and checked against each other and the
        # project a chunk at a time: a chunk holds its rows, not their records.
        lines: list[int] = []
        rows: list[tuple[Any, ...]] = []
        held = 0
        general = False  # whether the chunk holds a row not plain
        for line, record in iter_records(path, fmt):
            rows_seen += 1
            row = plain_row(record) if record.__class__ is dict and not mapping else None
            if row is not None:  # the usual row, inline: this loop runs once a row
                lines.append(line)
                rows.append(row)
                held += len(row[0]) + len(row[1]) + len(row[2]) + len(row[7]) + len(row[8])
                if row[3] is not None or row[4] is not None or row[5] is not None:
                    held += len(row[3] or "") + len(row[4] or "") + len(row[5] or "")
                if row[6] is not None:
                    held += len(row[6])
            else:
                row = _general_row(run, line, record, mapping)
                if row is not None:
                    general = True
                    lines.append(line)
                    rows.append(row)
                    held += sum([len(value) for value in row if value.__class__ is str])
            if rows_seen % CHUNK_ROWS == 0 or held >= CHUNK_BYTES:
                _check_chunk(run, stage, lines, rows, general, any_items is not None)
                lines, rows, held, general = [], [], 0, False
                run.tick(rows_seen)
        if rows_seen % CHUNK_ROWS or held:
            _check_chunk(run, stage, lines, rows, general, any_items is not None)
            run.tick(rows_seen)
        stage.repeated_ids()
    return run.report


def _check_chunk(
    run: ImportRun,
    stage: _ItemStage,
    lines: list[int],
    rows: list[tuple[Any, ...]],
    general: bool,
    any_items: bool,
) -> None:
    """Check one chunk's rows against each other and the project; stage the new ones."""
    existing = _existing_items(run.project.conn, [row[0] for row in rows]) if any_items else {}
    if not existing and len({row[0] for row in rows}) == len(rows):
        fresh_lines, fresh = lines, rows  # the usual case: every row new, no id twice
    else:
        fresh_lines, fresh = [], []
        in_chunk: set[str] = set()
        for line, row in zip(lines, rows, strict=True):
            item_id, digest = row[0], row[-1]
            known = existing.get(item_id)
            if item_id in in_chunk:
                run.reject(InputError(run.path, line, "id", _duplicate(item_id)))
            elif known is not None:
                if known == digest:
                    run.report.duplicates += 1
                else:
                    run.reject(
                        InputError(
                            run.path,
                            line,
                            "id",
                            f"id {item_id!r} already exists in the project with different "
                            "content (give the changed item a new id)",
                        )
                    )
            else:
                in_chunk.add(item_id)
                fresh_lines.append(line)
                fresh.append(row)
    if fresh and not run.failing:
        stage.add(fresh_lines, fresh, general)
        run.report.added += len(fresh)


ALLOWED_MAP_FIELDS = ITEM_FIELDS
