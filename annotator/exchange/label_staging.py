"""A label import's rows, held in TEMP tables until the one short write moves them in.

While the file is read (without the project's write lock, see
:mod:`annotator.exchange.import_batches`), new labels get provisional negative
ids (-rowid: the stage is appended to in file order), and so do the annotators and
the source the import would create. The importer checks each chunk against the
project with one query per chunk; what spans chunks (a label id the file gave
before, a label superseding one staged earlier) is settled once the whole file is
staged, with one sort each (`repeated_uids`, `chain`), not with an index kept up
per row. `move_in` runs inside the final transaction: it creates the new source
and annotators, maps every provisional id, checks that no other process labeled
the same items for the same people meanwhile, and copies the rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
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

# Staged rows carry the file's line and whether the file gave the label's id: the
# checks that span the whole file run on them once it has been read (see `settle`).
# Columns the same for every row of an import (source, origin, batch, repeat_of) are not
# staged: `move_in` writes them. The importer builds rows in this order.
STAGE_COLUMNS = (
    "uid",
    "item_id",
    "annotator_id",
    "rubric_version_id",
    "status",
    "values_json",
    "rationale",
    "note",
    "started_at",
    "submitted_at",
    "duration_s",
    "cost",
    "tokens",
    "supersedes",
    "line",
    "given",
)
# A staged label's provisional id is -rowid (the table is appended to in file order), and
# `supersedes` holds such an id for a label staged earlier in the same file.
_MOVED_COLUMNS = ("id", *LABEL_COLUMNS)


class LabelStage:
    """The staged labels, annotators and source of one import run.

    The stage has no index: one per row (on random label ids) cost the import more
    than the insert into the project does. What needs the whole file (an id seen in
    an earlier chunk, a label superseding one staged earlier) is found by two sorts
    once the file has been read.
    """

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        self.conn: sqlite3.Connection = run.project.conn
        self.table = run.stage_table("labels", "labels")
        for column in ("line", "given"):
            self.conn.execute(f"ALTER TABLE {self.table} ADD COLUMN {column} INTEGER")
        self.insert_sql = (
            f"INSERT INTO {self.table}({', '.join(STAGE_COLUMNS)}) "
            f"VALUES ({placeholders(len(STAGE_COLUMNS))})"
        )
        row = self.conn.execute("SELECT coalesce(max(id), 0) FROM main.labels").fetchone()
        self.last_id_at_start = int(row[0])
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
            self.source_id = existing.id
            return existing
        self.new_source = (name, kind, cost_model)
        self.source_id = -1
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

    # -- labels -----------------------------------------------------------------------
    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        """Stage rows in STAGE_COLUMNS order (file order: each gets the next provisional id)."""
        self.conn.executemany(self.insert_sql, rows)

    def repeated_uids(self) -> Iterator[tuple[Any, ...]]:
        """Staged rows whose label id another staged row has too, by id then file order:
        (rowid, uid, line, given, and the columns a label's content is compared on)."""
        compared = ", ".join(_COMPARED)
        return iter(
            self.conn.execute(
                f"SELECT rowid, uid, line, given, {compared} FROM {self.table} WHERE uid IN "
                f"(SELECT uid FROM {self.table} GROUP BY uid HAVING count(*) > 1) "
                "ORDER BY uid, rowid"
            )
        )

    def drop(self, rowids: Iterable[int]) -> int:
        """Unstage these rows (marked in a TEMP table as they come, not held in a list:
        a file given twice over repeats every row); returns how many."""
        conn = self.conn
        conn.execute("DROP TABLE IF EXISTS temp.stage_dropped")
        conn.execute("CREATE TEMP TABLE stage_dropped(label INTEGER PRIMARY KEY)")
        try:
            conn.executemany(
                "INSERT INTO temp.stage_dropped VALUES (?)", ((rowid,) for rowid in rowids)
            )
            return conn.execute(
                f"DELETE FROM {self.table} WHERE rowid IN (SELECT label FROM temp.stage_dropped)"
            ).rowcount
        finally:
            conn.execute("DROP TABLE IF EXISTS temp.stage_dropped")

    def chain(self) -> int:
        """Point each label at the one staged before it for the same item and person (in
        SQL: a file that relabels every pair holds no list of them in memory); returns
        how many staged labels now supersede one."""
        table = self.table
        self.conn.execute(
            f"UPDATE {table} SET supersedes = -chain.previous FROM (SELECT rowid AS label, "
            "lag(rowid) OVER (PARTITION BY item_id, annotator_id ORDER BY rowid) AS previous "
            f"FROM {table}) AS chain WHERE chain.previous IS NOT NULL "
            f"AND {table}.rowid = chain.label"
        )
        row = self.conn.execute(f"SELECT count(*) FROM {table} WHERE supersedes IS NOT NULL")
        return int(row.fetchone()[0])

    # -- the final transaction -----------------------------------------------------------
    def move_in(self, batch_id: int) -> None:
        """Create the new source and people, then copy the staged rows in, ids mapped on
        the way (a pass that rewrote the stage per new person would rewrite every row)."""
        project, table = self.run.project, self.table
        source_id = self.source_id
        if self.new_source is not None:
            name, kind, cost_model = self.new_source
            real = ensure_source(project, name, kind, cost_model=cost_model, **self.provenance)
            source, source_id = real, real.id
        else:
            source = None
        for field, value in self.provenance.items() if self.new_source is None else ():
            self.conn.execute(
                f"UPDATE sources SET {field} = ? WHERE name = ? AND {field} IS NULL",
                (value, self.source_name),
            )
        people = []
        for name, staged in self.new_annotators.items():
            owner = source if staged.source_id == -1 else None
            real = ensure_annotator(project, name, owner or source_by_id(project, staged.source_id))
            people.append((staged.id, real.id))
        self.conn.execute("DROP TABLE IF EXISTS temp.stage_people")
        self.conn.execute("CREATE TEMP TABLE stage_people(staged INTEGER PRIMARY KEY, real INT)")
        try:
            self.conn.executemany("INSERT INTO temp.stage_people VALUES (?, ?)", people)
            names = {"source": source_id, "batch": batch_id}
            self._check_no_race(names)
            names["base"] = int(
                self.conn.execute("SELECT coalesce(max(id), 0) FROM main.labels").fetchone()[0]
            )
            moved = ", ".join(_moved(column) for column in _MOVED_COLUMNS)
            self.conn.execute(
                f"INSERT INTO main.labels({', '.join(_MOVED_COLUMNS)}) "
                f"SELECT {moved} FROM {table} ORDER BY rowid",
                names,
            )
        except sqlite3.IntegrityError:
            raise self._race() from None
        finally:
            self.conn.execute("DROP TABLE IF EXISTS temp.stage_people")

    def _check_no_race(self, names: dict[str, int]) -> None:
        """Another process labeled one of these items for one of these people meanwhile."""
        since = {**names, "since": self.last_id_at_start}
        newer = "SELECT 1 FROM main.labels WHERE id > :since LIMIT 1"
        if self.conn.execute(newer, since).fetchone() is None:
            return  # nobody labeled anything meanwhile
        clash = self.conn.execute(
            f"SELECT 1 FROM (SELECT item_id, {_ANNOTATOR} AS annotator_id FROM {self.table}) s "
            "JOIN main.labels m ON m.item_id = s.item_id AND m.annotator_id = s.annotator_id "
            "WHERE m.id > :since LIMIT 1",
            since,
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
        return ":base + rowid"  # provisional -1 -> base + 1, -2 -> base + 2, ...
    if column == "supersedes":
        return "CASE WHEN supersedes < 0 THEN :base - supersedes ELSE supersedes END"
    if column == "batch_id":
        return ":batch"
    if column == "source_id":
        return ":source"
    if column == "origin":
        return "'import'"
    if column == "repeat_of":
        return "NULL"
    if column == "annotator_id":
        return _ANNOTATOR
    return column


# A new person's provisional (negative) id, mapped to the one created in the write.
_ANNOTATOR = (
    "CASE WHEN annotator_id < 0 THEN (SELECT real FROM temp.stage_people "
    "WHERE staged = annotator_id) ELSE annotator_id END"
)


# What says whether two staged rows with one label id are the same label.
_COMPARED = tuple(c for c in STAGE_COLUMNS if c not in ("uid", "supersedes", "line", "given"))

__all__ = ["STAGE_COLUMNS", "LabelStage"]
