"""The project file's schema, as append-only migrations in `sqlite_utils.Migrations`' format.

Rules: a migration, once committed to main, never changes; a new need is a new
function `mNNN_what` appended below. Each runs in one transaction and is recorded
in the file's `_sqlite_migrations` table, which is also how a file written by a
newer Annotator is recognised (it has migrations this code does not know).

Append-only data (labels, published rubric versions, the audit log) is enforced
by triggers, so no code path, however buggy, can rewrite what a person entered.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from annotator.store.ddl import forbid_changes, run_statements
from annotator.store.judge_tables import (
    JUDGE_APPEND_ONLY,
    JUDGE_CHECK_APPEND_ONLY,
    JUDGE_CHECK_TABLES,
    JUDGE_TABLES,
)
from annotator.store.label_state_tables import LABEL_STATE_TABLES
from annotator.store.review_tables import REVIEW_TABLES
from annotator.store.session_tables import SESSION_TABLES

if TYPE_CHECKING:  # sqlite-utils is not imported to migrate (see `apply_migrations`):
    from sqlite_utils import Database, Migrations  # it pulls in pandas (seconds at launch)

MIGRATION_SET = "annotator"
MigrationFn = Callable[["Database"], None]
MIGRATIONS: list[MigrationFn] = []  # in order; appended to by @migration below


def migration(fn: MigrationFn) -> MigrationFn:
    """Register a migration; its function name is its name in `_sqlite_migrations`."""
    MIGRATIONS.append(fn)
    return fn


def known_names() -> list[str]:
    return [fn.__name__ for fn in MIGRATIONS]


def migration_set() -> Migrations:
    """The registered migrations as a `sqlite_utils.Migrations` set, ready to apply."""
    # lazy: sqlite-utils loads only when migrating
    from sqlite_utils import Migrations

    migrations = Migrations(MIGRATION_SET)
    for fn in MIGRATIONS:
        migrations(name=fn.__name__)(fn)
    return migrations


# `_sqlite_migrations` exactly as sqlite-utils' `Migrations` creates it.
MIGRATIONS_TABLE_DDL = [
    'CREATE TABLE "_sqlite_migrations" (\n   "id" INTEGER PRIMARY KEY,\n   "migration_set" TEXT,'
    '\n   "name" TEXT,\n   "applied_at" TEXT\n)',
    'CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"\n'
    '    ON "_sqlite_migrations" ("migration_set", "name")',
]


class MigrationDb:
    """What a migration is handed: `execute` on the file's connection, the one method
    every migration uses (through `run_statements`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters)


def apply_migrations(conn: sqlite3.Connection) -> None:
    """Apply the pending migrations as `migration_set().apply(Database(conn))` does (the
    same `_sqlite_migrations` table and records, each migration and its record in one
    transaction, `recursive_triggers` on) without sqlite-utils: it imports pandas and
    numpy, seconds before `annotator init` could write a file. A migrations table of an
    older sqlite-utils layout (no `id`) is left to sqlite-utils to bring up to date."""
    columns = [row[1] for row in conn.execute("PRAGMA table_info(_sqlite_migrations)")]
    if columns and "id" not in columns:
        # lazy: only a file from an old sqlite-utils needs its table rebuilt by it
        from sqlite_utils import Database

        migration_set().apply(Database(conn))
        return
    conn.execute("PRAGMA recursive_triggers=on;")  # as sqlite-utils' Database sets it
    if not columns:
        for statement in MIGRATIONS_TABLE_DDL:
            conn.execute(statement)
    done = {
        row[0]
        for row in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,)
        )
    }
    db = MigrationDb(conn)
    for fn in [fn for fn in MIGRATIONS if fn.__name__ not in done]:
        conn.execute("BEGIN")
        try:
            fn(db)  # type: ignore[arg-type]  # the migrations use only `execute`
            conn.execute(
                "INSERT INTO _sqlite_migrations(migration_set, name, applied_at) VALUES (?, ?, ?)",
                (MIGRATION_SET, fn.__name__, str(datetime.now(UTC))),
            )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


@migration
def m001_initial(db: Database) -> None:
    run_statements(
        db,
        [
            """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
            """CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT,
                details TEXT NOT NULL DEFAULT '{}'
            )""",
            *forbid_changes("audit_log"),
            """CREATE TABLE import_batches (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('items', 'labels')),
                file_name TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                format TEXT NOT NULL,
                rows_total INTEGER NOT NULL,
                rows_added INTEGER NOT NULL,
                rows_duplicate INTEGER NOT NULL,
                rows_rejected INTEGER NOT NULL,
                report_path TEXT,
                at TEXT NOT NULL,
                actor TEXT NOT NULL
            )""",
            """CREATE TABLE items (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                input TEXT NOT NULL,
                input_kind TEXT NOT NULL CHECK (input_kind IN ('text', 'chat')),
                output TEXT,
                output_a TEXT,
                output_b TEXT,
                pairwise INTEGER NOT NULL DEFAULT 0,
                reference TEXT,
                context TEXT,
                model TEXT,
                model_version TEXT,
                prompt_version TEXT,
                source_system TEXT,
                created_at TEXT,
                tags TEXT NOT NULL DEFAULT '{}',
                metadata TEXT NOT NULL DEFAULT '{}',
                content_hash TEXT NOT NULL,
                batch_id INTEGER REFERENCES import_batches(id)
            )""",
            """CREATE TABLE sources (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL CHECK (kind IN ('expert', 'crowd', 'llm_judge', 'other')),
                model_id TEXT,
                model_version TEXT,
                prompt_version TEXT,
                params TEXT NOT NULL DEFAULT '{}',
                cost_type TEXT CHECK (cost_type IN ('per_label', 'per_hour', 'per_token')),
                cost_amount REAL,
                currency TEXT,
                created_at TEXT NOT NULL
            )""",
            """CREATE TABLE annotators (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                source_id INTEGER NOT NULL REFERENCES sources(id),
                pseudonym TEXT NOT NULL UNIQUE,
                mode TEXT NOT NULL DEFAULT 'silent' CHECK (mode IN ('silent', 'training')),
                settings TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL
            )""",
            """CREATE TABLE rubrics (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            )""",
            """CREATE TABLE rubric_versions (
                id INTEGER PRIMARY KEY,
                rubric_id INTEGER NOT NULL REFERENCES rubrics(id),
                version INTEGER NOT NULL,
                guidelines TEXT NOT NULL,
                criteria TEXT NOT NULL,
                extra TEXT NOT NULL DEFAULT '{}',
                source_text TEXT,
                note TEXT,
                content_hash TEXT NOT NULL,
                published_at TEXT NOT NULL,
                published_by TEXT NOT NULL,
                UNIQUE (rubric_id, version)
            )""",
            *forbid_changes("rubric_versions"),
            """CREATE TABLE labels (
                id INTEGER PRIMARY KEY,
                uid TEXT NOT NULL UNIQUE,
                item_id TEXT NOT NULL REFERENCES items(id),
                annotator_id INTEGER NOT NULL REFERENCES annotators(id),
                source_id INTEGER NOT NULL REFERENCES sources(id),
                rubric_version_id INTEGER NOT NULL REFERENCES rubric_versions(id),
                status TEXT NOT NULL
                    CHECK (status IN ('submitted', 'skipped', 'flagged', 'retracted')),
                values_json TEXT NOT NULL DEFAULT '{}',
                rationale TEXT,
                note TEXT,
                started_at TEXT,
                submitted_at TEXT NOT NULL,
                duration_s REAL,
                cost REAL,
                tokens INTEGER,
                supersedes INTEGER REFERENCES labels(id),
                repeat_of INTEGER REFERENCES labels(id),
                origin TEXT NOT NULL,
                batch_id INTEGER REFERENCES import_batches(id)
            )""",
            *forbid_changes("labels"),
            "CREATE INDEX labels_item_annotator ON labels(item_id, annotator_id)",
            "CREATE INDEX labels_annotator_time ON labels(annotator_id, submitted_at)",
            """CREATE INDEX labels_supersedes ON labels(supersedes)
                WHERE supersedes IS NOT NULL""",
            """CREATE VIEW current_labels AS
                SELECT * FROM labels AS l
                WHERE NOT EXISTS (SELECT 1 FROM labels AS s WHERE s.supersedes = l.id)""",
            # What agreement, consensus and exports count: one current, submitted label
            # per annotator and item (test-retest repeats are kept apart).
            """CREATE VIEW effective_labels AS
                SELECT * FROM current_labels
                WHERE status = 'submitted' AND repeat_of IS NULL""",
            """CREATE TABLE drafts (
                annotator_id INTEGER NOT NULL REFERENCES annotators(id),
                item_id TEXT NOT NULL REFERENCES items(id),
                rubric_version_id INTEGER REFERENCES rubric_versions(id),
                values_json TEXT NOT NULL DEFAULT '{}',
                rationale TEXT NOT NULL DEFAULT '',
                active_s REAL NOT NULL DEFAULT 0,
                started_at TEXT,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (annotator_id, item_id)
            )""",
        ],
    )


# Later migrations are appended here, each a new function, never an edit above.


@migration
def m002_queue_anchors(db: Database) -> None:
    """Assignments, per-annotator queue settings, the served-queue log, anchors and
    their scores, and the log of anchor-rate changes (issue 4).

    The served log makes the queue survive restarts and keeps `next_entry`
    idempotent; `label_floor` is the highest label id when an entry was served,
    so "answered" means a label record on that item with a higher id.
    """
    run_statements(
        db,
        [
            """CREATE TABLE assignment_sets (
                id INTEGER PRIMARY KEY,
                created_at TEXT NOT NULL,
                actor TEXT NOT NULL,
                selection TEXT NOT NULL DEFAULT '{}',
                overlap REAL NOT NULL DEFAULT 0,
                k INTEGER NOT NULL DEFAULT 1,
                seed INTEGER NOT NULL,
                annotators TEXT NOT NULL DEFAULT '[]',
                items INTEGER NOT NULL DEFAULT 0,
                rows INTEGER NOT NULL DEFAULT 0
            )""",
            """CREATE TABLE assignments (
                annotator_id INTEGER NOT NULL REFERENCES annotators(id),
                position INTEGER NOT NULL,
                item_id TEXT NOT NULL REFERENCES items(id),
                set_id INTEGER REFERENCES assignment_sets(id),
                overlapped INTEGER NOT NULL DEFAULT 0,
                removed INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (annotator_id, position)
            ) WITHOUT ROWID""",
            "CREATE UNIQUE INDEX assignments_item ON assignments(item_id, annotator_id)",
            """CREATE TABLE queue_settings (
                annotator_id INTEGER PRIMARY KEY REFERENCES annotators(id),
                seed INTEGER NOT NULL,
                anchor_rate REAL NOT NULL,
                current_anchor_rate REAL NOT NULL,
                jitter REAL NOT NULL,
                min_gap INTEGER NOT NULL,
                anchor_window_items INTEGER NOT NULL,
                anchor_window_days REAL,
                repeat_rate REAL NOT NULL,
                repeat_delay INTEGER NOT NULL,
                adaptive TEXT NOT NULL DEFAULT '{}',
                assigned_count INTEGER NOT NULL DEFAULT 0,
                updated_at TEXT NOT NULL
            )""",
            """CREATE TABLE queue_log (
                annotator_id INTEGER NOT NULL REFERENCES annotators(id),
                position INTEGER NOT NULL,
                item_id TEXT NOT NULL REFERENCES items(id),
                kind TEXT NOT NULL CHECK (kind IN ('item', 'anchor', 'repeat')),
                pass INTEGER NOT NULL DEFAULT 0,
                order_pos INTEGER,
                served_at TEXT NOT NULL,
                label_floor INTEGER NOT NULL,
                answer_label_id INTEGER REFERENCES labels(id),
                outcome TEXT,
                PRIMARY KEY (annotator_id, position)
            ) WITHOUT ROWID""",
            "CREATE INDEX queue_log_item ON queue_log(annotator_id, item_id)",
            "CREATE INDEX queue_log_kind ON queue_log(annotator_id, kind, position)",
            """CREATE INDEX queue_log_skipped ON queue_log(annotator_id, position)
                WHERE outcome = 'skipped'""",
            """CREATE TABLE anchors (
                id INTEGER PRIMARY KEY,
                item_id TEXT NOT NULL REFERENCES items(id),
                rubric_version_id INTEGER NOT NULL REFERENCES rubric_versions(id),
                reference TEXT NOT NULL,
                rationale TEXT NOT NULL,
                tolerances TEXT NOT NULL DEFAULT '{}',
                status TEXT NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'retired', 'needs_review')),
                review TEXT NOT NULL DEFAULT '{}',
                confirmed TEXT NOT NULL DEFAULT '{}',
                origin TEXT NOT NULL CHECK (origin IN ('manual', 'file', 'adjudication')),
                replaces INTEGER REFERENCES anchors(id),
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                retired_at TEXT
            )""",
            "CREATE INDEX anchors_item ON anchors(item_id)",
            "CREATE UNIQUE INDEX anchors_live ON anchors(item_id) WHERE status != 'retired'",
            """CREATE TABLE anchor_scores (
                label_id INTEGER NOT NULL REFERENCES labels(id),
                anchor_id INTEGER NOT NULL REFERENCES anchors(id),
                criterion TEXT NOT NULL,
                annotator_id INTEGER NOT NULL REFERENCES annotators(id),
                correct INTEGER NOT NULL,
                distance REAL,
                details TEXT NOT NULL DEFAULT '{}',
                scored_at TEXT NOT NULL,
                PRIMARY KEY (label_id, anchor_id, criterion)
            )""",
            "CREATE INDEX anchor_scores_annotator ON anchor_scores(annotator_id, label_id)",
            """CREATE TABLE anchor_rate_log (
                id INTEGER PRIMARY KEY,
                annotator_id INTEGER NOT NULL REFERENCES annotators(id),
                at TEXT NOT NULL,
                old_rate REAL NOT NULL,
                new_rate REAL NOT NULL,
                reason TEXT NOT NULL,
                details TEXT NOT NULL DEFAULT '{}'
            )""",
            *forbid_changes("anchor_rate_log"),
        ],
    )


@migration
def m003_adjudications(db: Database) -> None:
    """Adjudicated values: a lead's decision on an item and criterion (issues 6 and 7).

    Append-only like labels: a new decision on the same item and criterion
    `supersedes` the old one, so the history of decisions stays queryable. The
    current decision outranks any aggregate in consensus and exports.
    `session_id` names the calibration session it came from (no foreign key:
    sessions arrive in a later migration).
    """
    run_statements(
        db,
        [
            """CREATE TABLE adjudications (
                id INTEGER PRIMARY KEY,
                item_id TEXT NOT NULL REFERENCES items(id),
                criterion TEXT NOT NULL,
                value_json TEXT NOT NULL,
                rationale TEXT,
                session_id INTEGER,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                supersedes INTEGER REFERENCES adjudications(id)
            )""",
            *forbid_changes("adjudications"),
            "CREATE INDEX adjudications_item ON adjudications(item_id, criterion)",
            """CREATE INDEX adjudications_supersedes ON adjudications(supersedes)
                WHERE supersedes IS NOT NULL""",
            """CREATE VIEW current_adjudications AS
                SELECT * FROM adjudications AS a
                WHERE NOT EXISTS (SELECT 1 FROM adjudications AS s WHERE s.supersedes = a.id)""",
        ],
    )


@migration
def m006_sessions(db: Database) -> None:
    """Calibration sessions and rubric evolution (issue 6).

    A session has participants and rounds; each round has its items and its
    rubric version, and `session_labels` links the labels made in it (labels
    stay append-only: a link is a row here, never a change there). Notes,
    anchors promoted and rubric versions published from a session are kept for
    its summary; adjudications carry the session id themselves (m003).
    `requeues` asks for an item to come back to a person's queue under a newer
    rubric version (stale labels); `rubric_drafts` holds the rubric editor's
    unpublished drafts (editable until published).
    """
    run_statements(db, SESSION_TABLES)


@migration
def m004_packs(db: Database) -> None:
    """Offline work packs (issue 8): what each pack the lead made holds, and its merges.

    A pack is a file of its own; the project keeps the only record of which of
    its entries are anchors (`pack_entries.kind`), so merging knows what to score
    while the pack itself says nothing about it. Versions come from topping up.
    """
    run_statements(
        db,
        [
            """CREATE TABLE packs (
                id TEXT PRIMARY KEY,
                annotator_id INTEGER NOT NULL REFERENCES annotators(id),
                rubric_version_id INTEGER NOT NULL REFERENCES rubric_versions(id),
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                details TEXT NOT NULL DEFAULT '{}'
            )""",
            """CREATE TABLE pack_versions (
                pack_id TEXT NOT NULL REFERENCES packs(id),
                version INTEGER NOT NULL,
                file_name TEXT NOT NULL,
                items INTEGER NOT NULL,
                anchors INTEGER NOT NULL,
                items_hash TEXT NOT NULL,
                rubric_hash TEXT NOT NULL,
                labels_carried INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                PRIMARY KEY (pack_id, version)
            )""",
            """CREATE TABLE pack_entries (
                pack_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                position INTEGER NOT NULL,
                item_id TEXT NOT NULL REFERENCES items(id),
                kind TEXT NOT NULL CHECK (kind IN ('item', 'anchor')),
                PRIMARY KEY (pack_id, version, position),
                FOREIGN KEY (pack_id, version) REFERENCES pack_versions(pack_id, version)
            ) WITHOUT ROWID""",
            "CREATE UNIQUE INDEX pack_entries_item ON pack_entries(pack_id, version, item_id)",
            """CREATE TABLE pack_merges (
                id INTEGER PRIMARY KEY,
                pack_id TEXT NOT NULL REFERENCES packs(id),
                version INTEGER NOT NULL,
                merged_at TEXT NOT NULL,
                actor TEXT NOT NULL,
                file_name TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                labels_added INTEGER NOT NULL,
                batch_id INTEGER REFERENCES import_batches(id),
                details TEXT NOT NULL DEFAULT '{}'
            )""",
            *forbid_changes("pack_merges"),
        ],
    )


@migration
def m005_exports(db: Database) -> None:
    """Every export made from the project (issue 7): what, where, with which options.

    Append-only: a record says what left the project file, so it is never
    rewritten. `export_id` is derived from the export's content (the same
    project state and options give the same id); `manifest_sha256` identifies
    the manifest written beside the files.
    """
    run_statements(
        db,
        [
            """CREATE TABLE exports (
                id INTEGER PRIMARY KEY,
                export_id TEXT NOT NULL,
                format TEXT NOT NULL,
                path TEXT NOT NULL,
                options TEXT NOT NULL DEFAULT '{}',
                counts TEXT NOT NULL DEFAULT '{}',
                manifest_sha256 TEXT NOT NULL,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL
            )""",
            *forbid_changes("exports"),
            "CREATE INDEX exports_export_id ON exports(export_id)",
        ],
    )


@migration
def m007_judges(db: Database) -> None:
    """LLM judges (issue 15): settings (never an API key), derived versions, one result per
    judged item and every call's exact request; the DDL is in `judge_tables` (frozen too)."""
    append_only = [sql for name in JUDGE_APPEND_ONLY for sql in forbid_changes(name)]
    run_statements(db, [*JUDGE_TABLES, *append_only])


@migration
def m008_judge_checks(db: Database) -> None:
    """Judge position bias and canaries (issue 16): swapped answers, the canary set and
    its scored answers, and why each call was made; the DDL is in `judge_tables`."""
    append_only = [sql for name in JUDGE_CHECK_APPEND_ONLY for sql in forbid_changes(name)]
    run_statements(db, [*JUDGE_CHECK_TABLES, *append_only])


@migration
def m009_assisted_review(db: Database) -> None:
    """Assisted review (issue 17): the suggestion shown with each label, the decoy plan,
    the suggestions a pack carries, and the queue's assisted settings (`review_tables`)."""
    run_statements(db, REVIEW_TABLES)


@migration
def m010_item_label_state(db: Database) -> None:
    """Per-item count of current submitted labels, kept by triggers and indexed (issue 18),
    so the items browser's labeled / not-labeled filters and counts are index range scans;
    filled from `current_labels` for an existing project (`label_state_tables`)."""
    run_statements(db, LABEL_STATE_TABLES)
