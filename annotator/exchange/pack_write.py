"""Writing a work pack file: the project's schema, then only what the pack holds.

New packs are built from scratch (so nothing else of the project, not even freed
pages, can reach the file): the schema is copied from the project's own
`sqlite_master` with its migration record, then the person, their source, the
rubric version, the items in queue order (numbered afresh), the fixed queue,
queue settings without anchors, and the pack's `meta`. A top-up copies the old
pack whole (SQLite backup API) and appends to it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from annotator import __version__
from annotator.base.clock import now_iso
from annotator.base.errors import AnnotatorError
from annotator.exchange.pack_file import (
    PACK_APPLICATION_ID,
    PackMeta,
    connect_pack,
    meta_rows,
    reader_connection,
)
from annotator.exchange.pack_plan import (
    PlannedEntry,
    chunks,
    items_digest,
    marks,
)
from annotator.exchange.pack_suggest import Offer, write_offers
from annotator.items.items import ITEM_COLUMNS
from annotator.queue.settings import QueueSettings, get_settings, save_settings
from annotator.rubric.model import RubricVersion
from annotator.rubric.versions import ACTIVE_RUBRIC_KEY
from annotator.sources.sources import Annotator
from annotator.store.project import Project

ITEM_COPY_COLUMNS = [c for c in ITEM_COLUMNS if c != "batch_id"]
SCHEMA_ORDER = {"table": 0, "index": 1, "view": 2, "trigger": 3}


def copy_rows(conn: sqlite3.Connection, table: str, rows: Sequence[sqlite3.Row]) -> None:
    if not rows:
        return
    columns = rows[0].keys()
    conn.executemany(
        f'INSERT INTO "{table}"({", ".join(columns)}) VALUES ({marks(len(columns))})',
        [tuple(row) for row in rows],
    )


def copy_schema(project: Project, conn: sqlite3.Connection) -> None:
    """The project's exact schema (every migration applied) and its migration record."""
    objects = project.rows(
        "SELECT type, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid"
    )
    for row in sorted(objects, key=lambda r: SCHEMA_ORDER.get(r["type"], 9)):
        conn.execute(row["sql"])
    copy_rows(conn, "_sqlite_migrations", project.rows("SELECT * FROM _sqlite_migrations"))


def insert_items(project: Project, pack: Project, item_ids: Sequence[str]) -> list[tuple[str, str]]:
    """Copy items in queue order (so `seq` follows the pack's order, not the project's).

    Returns (id, content hash) pairs."""
    rows: dict[str, sqlite3.Row] = {}
    columns = ", ".join(ITEM_COPY_COLUMNS)
    for part in chunks(list(item_ids)):
        for row in project.rows(
            f"SELECT {columns} FROM items WHERE id IN ({marks(len(part))})", part
        ):
            rows[row["id"]] = row
    pack.conn.executemany(
        f"INSERT INTO items({columns}) VALUES ({marks(len(ITEM_COPY_COLUMNS))})",
        [tuple(rows[i]) for i in item_ids],
    )
    return [(i, rows[i]["content_hash"]) for i in item_ids]


def insert_queue(
    pack: Project, annotator: Annotator, entries: Sequence[PlannedEntry], start: int
) -> None:
    pack.conn.executemany(
        "INSERT INTO assignments(annotator_id, position, item_id, set_id, overlapped) "
        "VALUES (?, ?, ?, 1, 0)",
        [(annotator.id, start + i, e.item_id) for i, e in enumerate(entries)],
    )


def pack_settings(
    lead: QueueSettings, annotator: Annotator, n: int, repeats: bool
) -> QueueSettings:
    """No anchors (they are already in the order), the person's repeats, their seed;
    assisted as the lead set it (the pack carries its suggestions, decoys planned)."""
    return QueueSettings(
        annotator_id=annotator.id,
        seed=lead.seed,
        repeat_rate=lead.repeat_rate if repeats else 0.0,
        repeat_delay=lead.repeat_delay,
        assigned_count=n,
        assisted=lead.assisted,
        stored=True,
    )


def new_file(project: Project, tmp: Path) -> Project:
    conn = connect_pack(tmp)
    try:
        conn.execute(f"PRAGMA application_id = {PACK_APPLICATION_ID}")
        conn.execute("BEGIN")
        copy_schema(project, conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.close()
        raise
    return Project(tmp, conn, project.actor)


def write_new(
    project: Project,
    tmp: Path,
    meta: PackMeta,
    annotator: Annotator,
    version: RubricVersion,
    entries: Sequence[PlannedEntry],
    repeats: bool,
    offers: Sequence[Offer] = (),
) -> str:
    """Build a new pack file at `tmp`; returns the items digest."""
    pack = new_file(project, tmp)
    try:
        with pack.transaction():
            copy_rows(
                pack.conn,
                "sources",
                project.rows("SELECT * FROM sources WHERE id = ?", (annotator.source_id,)),
            )
            copy_rows(
                pack.conn,
                "annotators",
                project.rows("SELECT * FROM annotators WHERE id = ?", (annotator.id,)),
            )
            copy_rows(
                pack.conn,
                "rubrics",
                project.rows("SELECT * FROM rubrics WHERE id = ?", (version.rubric_id,)),
            )
            copy_rows(
                pack.conn,
                "rubric_versions",
                project.rows("SELECT * FROM rubric_versions WHERE id = ?", (version.id,)),
            )
            pairs = insert_items(project, pack, [e.item_id for e in entries])
            digest = items_digest(pairs)
            pack.conn.execute(
                "INSERT INTO assignment_sets(id, created_at, actor, selection, overlap, k, seed, "
                'annotators, items, rows) VALUES (1, ?, ?, \'{"mode": "pack"}\', 0, 1, ?, ?, ?, ?)',
                (
                    meta.created_at,
                    project.actor,
                    get_settings(project, annotator.id).seed,
                    json.dumps([annotator.name]),
                    len(entries),
                    len(entries),
                ),
            )
            insert_queue(pack, annotator, entries, 0)
            lead = get_settings(project, annotator.id)
            save_settings(pack, pack_settings(lead, annotator, len(entries), repeats))
            write_offers(pack, offers)
            write_meta(pack, project, version, meta, digest)
            pack.audit(
                "pack_create",
                target=meta.pack_id,
                details={
                    "version": meta.version,
                    "items": len(entries),
                    "annotator": annotator.name,
                },
            )
    finally:
        pack.close()
    return digest


def write_meta(
    pack: Project, project: Project, version: RubricVersion, meta: PackMeta, digest: str
) -> None:
    final = PackMeta(**{**meta.to_dict(), "items_hash": digest})
    for key, value in [
        ("project_id", project.id),
        ("name", project.name),
        (ACTIVE_RUBRIC_KEY, version.name),
        ("created_at", meta.created_at),
        ("created_by_version", __version__),
        ("app_version", __version__),
        *meta_rows(final),
    ]:
        pack.set_meta(key, value)


def backup_into(source: Path, target: Path) -> None:
    src = reader_connection(source)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def write_topup(
    project: Project,
    pack_path: Path,
    tmp: Path,
    meta: PackMeta,
    person: Annotator,
    version: RubricVersion,
    new: Sequence[PlannedEntry],
    start: int,
    offers: Sequence[Offer] = (),
) -> tuple[int, str]:
    """Copy the old pack to `tmp` and append the new entries; (labels carried, digest)."""
    backup_into(pack_path, tmp)
    conn = connect_pack(tmp)
    pack = Project(tmp, conn, project.actor)
    try:
        if conn.execute("PRAGMA application_id").fetchone()[0] != PACK_APPLICATION_ID:
            raise AnnotatorError(f"{tmp}: the copy of the pack lost its pack mark.")
        with pack.transaction():
            insert_items(project, pack, [e.item_id for e in new])
            insert_queue(pack, person, new, start)
            write_offers(pack, offers)
            total = pack.scalar("SELECT count(*) FROM assignments")
            pack.conn.execute(
                "UPDATE assignment_sets SET items = ?, rows = ? WHERE id = 1", (total, total)
            )
            pack.conn.execute(
                "UPDATE queue_settings SET assigned_count = ?, updated_at = ? "
                "WHERE annotator_id = ?",
                (total, now_iso(), person.id),
            )
            digest = items_digest(
                (r[0], r[1]) for r in pack.rows("SELECT id, content_hash FROM items")
            )
            topped = PackMeta(
                **{**meta.to_dict(), "version": meta.version + 1, "created_at": now_iso(),
                   "created_by": project.actor, "items_hash": digest}
            )  # fmt: skip
            for key, value in meta_rows(topped):
                pack.set_meta(key, value)
            pack.audit(
                "pack_topup",
                target=meta.pack_id,
                details={"version": topped.version, "added": len(new)},
            )
            carried = pack.scalar("SELECT count(*) FROM labels")
    finally:
        pack.close()
    return carried, digest


__all__ = [
    "backup_into",
    "copy_schema",
    "insert_items",
    "insert_queue",
    "new_file",
    "write_meta",
    "write_new",
    "write_topup",
]
