"""A label import's rows, held in TEMP tables until the one short write moves them in.

While the file is read (without the project's write lock, see
:mod:`annotator.exchange.import_batches`), new labels get provisional negative
ids, and so do the annotators and the source the import would create. Lookups
the importer makes (a label id seen before, each person's current label on an
item) see the project and the staged rows together, as the old one-transaction
import saw its own inserts. `move_in` runs inside the final transaction: it
creates the new source and annotators, maps every provisional id, checks that no
other process labeled the same items for the same people meanwhile, and copies
the rows.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from annotator.base.errors import AnnotatorError
from annotator.exchange.import_batches import ImportRaceError, ImportRun, placeholders
from annotator.labels.labels import LABEL_COLUMNS
from annotator.sources.sources import (
    Annotator,
    CostModel,
    Source,
    ensure_annotator,
    ensure_source,
    pseudonym_for,
    source_by_id,
)

STAGE_COLUMNS = ("id", *LABEL_COLUMNS)


class LabelStage:
    """The staged labels, annotators and source of one import run."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        self.conn: sqlite3.Connection = run.project.conn
        self.table = run.stage_table("labels", "labels")
        indexes = {"uid": "uid", "pair": "item_id, annotator_id", "sup": "supersedes"}
        for name, columns in indexes.items():
            self.conn.execute(f"CREATE INDEX {self.table}_{name} ON stage_labels({columns})")
        self.insert_sql = (
            f"INSERT INTO {self.table}({', '.join(STAGE_COLUMNS)}) "
            f"VALUES ({placeholders(len(STAGE_COLUMNS))})"
        )
        row = self.conn.execute("SELECT coalesce(max(id), 0) FROM main.labels").fetchone()
        self.last_id_at_start = int(row[0])
        self._next_id = -1
        self.new_source: tuple[str, str, CostModel | None] | None = None
        self.new_annotators: dict[str, Annotator] = {}
        # model_id / model_version / prompt_version given on the command line (judge labels
        # made elsewhere): they fill the source's, where it has none yet
        self.provenance: dict[str, str] = {}
        run.on_commit.append(self.move_in)

    # -- who: the source and annotators the import would create ------------------------
    def source(self, name: str, kind: str, cost_model: CostModel | None) -> Source:
        self.source_name = name
        row = self.conn.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
        if row is not None:
            existing = source_by_id(self.run.project, row[0])
            if existing.kind != kind:
                raise AnnotatorError(
                    f"Source {name!r} already exists with kind {existing.kind!r}, not {kind!r}."
                )
            return existing
        self.new_source = (name, kind, cost_model)
        return Source(-1, name, kind, cost_model=cost_model)

    def annotator(self, name: str, source: Source) -> Annotator:
        row = self.conn.execute("SELECT id FROM annotators WHERE name = ?", (name,)).fetchone()
        if row is not None:
            # an existing person: ensure_annotator only reads, and checks their source
            return ensure_annotator(self.run.project, name, source)
        if not name.strip():
            raise AnnotatorError("An annotator needs a name.")
        staged = self.new_annotators.get(name)
        if staged is None:
            pseudonym = pseudonym_for(self.run.project.id, name)
            staged = Annotator(-(len(self.new_annotators) + 1), name, source.id, pseudonym)
            self.new_annotators[name] = staged
        return staged

    def annotator_name(self, annotator_id: int) -> str | None:
        for annotator in self.new_annotators.values():
            if annotator.id == annotator_id:
                return annotator.name
        row = self.conn.execute("SELECT name FROM annotators WHERE id = ?", (annotator_id,))
        found = row.fetchone()
        return found[0] if found else None

    # -- labels -----------------------------------------------------------------------
    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        """Stage rows in LABEL_COLUMNS order, each with the next provisional id."""
        staged = []
        for row in rows:
            staged.append((self._next_id, *row))
            self._next_id -= 1
        self.conn.executemany(self.insert_sql, staged)

    def by_uid(self, uids: list[str]) -> dict[str, dict[str, Any]]:
        """Staged labels with these ids, as rows with the annotator's name (like the project's)."""
        if not uids:
            return {}
        cursor = self.conn.execute(
            f"SELECT * FROM {self.table} WHERE uid IN ({placeholders(len(uids))})", uids
        )
        names = [d[0] for d in cursor.description]
        out = {}
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            row["annotator_name"] = self.annotator_name(row["annotator_id"])
            out[row["uid"]] = row
        return out

    def current(self, ordered: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """Per (item, annotator): the staged label that is current (none staged: absent)."""
        if not ordered:
            return {}
        rows = self.conn.execute(
            "WITH pairs(item_id, annotator_id) AS (VALUES "
            + ", ".join("(?, ?)" for _ in ordered)
            + f") SELECT l.id, l.item_id, l.annotator_id FROM pairs CROSS JOIN {self.table} AS l "
            "ON l.item_id = pairs.item_id AND l.annotator_id = pairs.annotator_id "
            f"WHERE l.repeat_of IS NULL AND NOT EXISTS (SELECT 1 FROM {self.table} s "
            "WHERE s.supersedes = l.id) ORDER BY l.id DESC",
            [value for pair in ordered for value in pair],
        )
        return {(row[1], row[2]): row[0] for row in rows}

    # -- the final transaction -----------------------------------------------------------
    def move_in(self, batch_id: int) -> None:
        project, table = self.run.project, self.table
        if self.new_source is not None:
            name, kind, cost_model = self.new_source
            real = ensure_source(project, name, kind, cost_model=cost_model, **self.provenance)
            self.conn.execute(f"UPDATE {table} SET source_id = ? WHERE source_id = -1", (real.id,))
            source = real
        else:
            source = None
        for field, value in self.provenance.items() if self.new_source is None else ():
            self.conn.execute(
                f"UPDATE sources SET {field} = ? WHERE name = ? AND {field} IS NULL",
                (value, self.source_name),
            )
        for name, staged in self.new_annotators.items():
            owner = source if staged.source_id == -1 else None
            real = ensure_annotator(project, name, owner or source_by_id(project, staged.source_id))
            self.conn.execute(
                f"UPDATE {table} SET annotator_id = ? WHERE annotator_id = ?", (real.id, staged.id)
            )
        self._check_no_race()
        base = int(self.conn.execute("SELECT coalesce(max(id), 0) FROM main.labels").fetchone()[0])
        moved = ", ".join(_moved(column) for column in STAGE_COLUMNS)
        try:
            self.conn.execute(
                f"INSERT INTO main.labels({', '.join(STAGE_COLUMNS)}) "
                f"SELECT {moved} FROM {table} ORDER BY id DESC",
                {"base": base, "batch": batch_id},
            )
        except sqlite3.IntegrityError:
            raise self._race() from None

    def _check_no_race(self) -> None:
        """Another process labeled one of these items for one of these people meanwhile."""
        clash = self.conn.execute(
            f"SELECT 1 FROM {self.table} s JOIN main.labels m "
            "ON m.item_id = s.item_id AND m.annotator_id = s.annotator_id "
            "WHERE m.id > ? LIMIT 1",
            (self.last_id_at_start,),
        ).fetchone()
        if clash is not None:
            raise self._race()

    def _race(self) -> ImportRaceError:
        return ImportRaceError(
            f"{self.run.path}: while this file was being checked, another process labeled some "
            "of the same items for the same people (or imported the same label ids); nothing "
            "was imported. Run the import again: labels already there are skipped."
        )


def _moved(column: str) -> str:
    """A staged column as it goes into the project: provisional ids mapped."""
    if column == "id":
        return ":base - id"  # -1 -> base + 1, -2 -> base + 2, ...
    if column == "supersedes":
        return "CASE WHEN supersedes < 0 THEN :base - supersedes ELSE supersedes END"
    if column == "batch_id":
        return ":batch"
    return column


__all__ = ["LabelStage"]
