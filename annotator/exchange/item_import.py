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

import sqlite3
from pathlib import Path
from typing import Any

from annotator.base.errors import InputError
from annotator.base.readers import check_input_file, detect_format, iter_records, pick
from annotator.exchange.import_batches import (
    CancelFn,
    ImportRaceError,
    ImportReport,
    ImportRun,
    ProgressFn,
    chunked,
    placeholders,
)
from annotator.exchange.item_rows import parse_plain
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


def _stage_items(run: ImportRun) -> tuple[str, str]:
    """The staging table for this run's items, its insert, and the step that moves them in.

    The stage has no index (one on random ids costs more per row than the insert into
    the project): an id repeated across chunks is found by one sort at the end.
    """
    stage = run.stage_table("items", "items")
    run.project.conn.execute(f"ALTER TABLE {stage} ADD COLUMN line INTEGER")
    columns = ", ".join(ITEM_COLUMNS)
    moved = ", ".join("?" if c == "batch_id" else c for c in ITEM_COLUMNS)

    def move_in(batch_id: int) -> None:
        try:
            run.project.conn.execute(
                f"INSERT INTO main.items({columns}) SELECT {moved} FROM {stage} ORDER BY rowid",
                (batch_id,),
            )
        except sqlite3.IntegrityError:
            raise ImportRaceError(
                f"{run.path}: another process added items with some of the same ids while this "
                "file was being checked; nothing was imported. Run the import again: items "
                "already there with the same content are skipped."
            ) from None

    run.on_commit.append(move_in)
    insert = f"INSERT INTO {stage}({columns}, line) VALUES ({placeholders(len(ITEM_COLUMNS) + 1)})"
    return stage, insert


def _repeated_ids(run: ImportRun, stage: str) -> None:
    """Ids the file gives twice in different chunks: each later row is an error."""
    if run.failing:
        return
    conn = run.project.conn
    rows = conn.execute(
        f"SELECT rowid, id, line FROM {stage} WHERE id IN "
        f"(SELECT id FROM {stage} GROUP BY id HAVING count(*) > 1) ORDER BY id, rowid"
    ).fetchall()
    dropped, first = [], None
    for rowid, item_id, line in rows:
        if item_id == first:
            run.reject(InputError(run.path, line, "id", _duplicate(item_id)))
            dropped.append((rowid,))
        first = item_id
    conn.executemany(f"DELETE FROM {stage} WHERE rowid = ?", dropped)
    run.report.added -= len(dropped)


def _duplicate(item_id: str) -> str:
    return f"duplicate id {item_id!r} in this file"


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
    conn = project.conn
    rows_seen = 0
    with run:
        stage, insert = _stage_items(run)
        # A project without items has none to match (nor can it gain any meanwhile that
        # the final write would not refuse).
        any_items = conn.execute("SELECT 1 FROM main.items LIMIT 1").fetchone() is not None
        for chunk in chunked(iter_records(path, fmt)):
            rows_seen += len(chunk)
            candidates: list[tuple[int, str, dict[str, Any], str]] = []
            for line, record in chunk:
                if isinstance(record, InputError):
                    run.reject(record)
                    continue
                try:
                    record = map_record(record, mapping)
                    candidates.append((line, *(parse_plain(record) or parse_item(record))))
                except ItemProblem as problem:
                    run.reject(InputError(path, line, problem.field, str(problem)))
            existing = (
                _existing_items(conn, [entry[1] for entry in candidates]) if any_items else {}
            )
            fresh: list[tuple[Any, ...]] = []
            in_chunk: set[str] = set()
            batch_id = run.report.batch_id
            for line, item_id, fields, digest in candidates:
                known = existing.get(item_id)
                if item_id in in_chunk:
                    run.reject(InputError(path, line, "id", _duplicate(item_id)))
                elif known is not None:
                    if known == digest:
                        run.report.duplicates += 1
                    else:
                        run.reject(
                            InputError(
                                path,
                                line,
                                "id",
                                f"id {item_id!r} already exists in the project with different "
                                "content (give the changed item a new id)",
                            )
                        )
                else:
                    in_chunk.add(item_id)
                    fresh.append((*fields_row(item_id, fields, digest, batch_id), line))
            if fresh and not run.failing:
                conn.executemany(insert, fresh)
                run.report.added += len(fresh)
            run.tick(rows_seen)
        _repeated_ids(run, stage)
    return run.report


ALLOWED_MAP_FIELDS = ITEM_FIELDS
