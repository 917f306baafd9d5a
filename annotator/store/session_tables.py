"""The calibration-session tables (migration m006_sessions): frozen once committed.

The DDL lives here, unchanged (to the whitespace SQLite keeps) and in its order, so
`schema` stays under the module limit.
"""

from __future__ import annotations

from annotator.store.ddl import forbid_changes

SESSION_TABLES = [
    """CREATE TABLE calibration_sessions (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                mode TEXT NOT NULL CHECK (mode IN ('room', 'packs')),
                rubric_version_id INTEGER NOT NULL REFERENCES rubric_versions(id),
                selection TEXT NOT NULL DEFAULT '{}',
                status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                closed_at TEXT
            )""",
    """CREATE TABLE session_participants (
                session_id INTEGER NOT NULL REFERENCES calibration_sessions(id),
                annotator_id INTEGER NOT NULL REFERENCES annotators(id),
                position INTEGER NOT NULL,
                PRIMARY KEY (session_id, annotator_id)
            )""",
    """CREATE TABLE session_rounds (
                id INTEGER PRIMARY KEY,
                session_id INTEGER NOT NULL REFERENCES calibration_sessions(id),
                number INTEGER NOT NULL,
                rubric_version_id INTEGER NOT NULL REFERENCES rubric_versions(id),
                status TEXT NOT NULL DEFAULT 'labeling'
                    CHECK (status IN ('labeling', 'revealed')),
                label_floor INTEGER NOT NULL DEFAULT 0,
                started_at TEXT NOT NULL,
                revealed_at TEXT,
                UNIQUE (session_id, number)
            )""",
    """CREATE TABLE session_items (
                round_id INTEGER NOT NULL REFERENCES session_rounds(id),
                position INTEGER NOT NULL,
                item_id TEXT NOT NULL REFERENCES items(id),
                PRIMARY KEY (round_id, item_id)
            )""",
    """CREATE TABLE session_labels (
                round_id INTEGER NOT NULL REFERENCES session_rounds(id),
                label_id INTEGER NOT NULL REFERENCES labels(id),
                annotator_id INTEGER NOT NULL REFERENCES annotators(id),
                item_id TEXT NOT NULL REFERENCES items(id),
                via TEXT NOT NULL DEFAULT 'app',
                linked_at TEXT NOT NULL,
                PRIMARY KEY (round_id, label_id)
            )""",
    *forbid_changes("session_labels"),
    "CREATE INDEX session_labels_who ON session_labels(round_id, annotator_id, item_id)",
    "CREATE INDEX session_labels_label ON session_labels(label_id)",
    """CREATE TABLE session_notes (
                id INTEGER PRIMARY KEY,
                session_id INTEGER NOT NULL REFERENCES calibration_sessions(id),
                round_id INTEGER REFERENCES session_rounds(id),
                item_id TEXT REFERENCES items(id),
                criterion TEXT,
                text TEXT NOT NULL,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL
            )""",
    *forbid_changes("session_notes"),
    """CREATE TABLE session_anchors (
                session_id INTEGER NOT NULL REFERENCES calibration_sessions(id),
                anchor_id INTEGER NOT NULL REFERENCES anchors(id),
                item_id TEXT NOT NULL REFERENCES items(id),
                created_at TEXT NOT NULL,
                PRIMARY KEY (session_id, anchor_id)
            )""",
    """CREATE TABLE session_versions (
                session_id INTEGER NOT NULL REFERENCES calibration_sessions(id),
                rubric_version_id INTEGER NOT NULL REFERENCES rubric_versions(id),
                created_at TEXT NOT NULL,
                PRIMARY KEY (session_id, rubric_version_id)
            )""",
    """CREATE TABLE session_packs (
                round_id INTEGER NOT NULL REFERENCES session_rounds(id),
                annotator_id INTEGER NOT NULL REFERENCES annotators(id),
                pack_id TEXT NOT NULL,
                file_name TEXT NOT NULL,
                created_at TEXT NOT NULL,
                details TEXT NOT NULL DEFAULT '{}',
                PRIMARY KEY (round_id, annotator_id)
            )""",
    """CREATE TABLE requeues (
                id INTEGER PRIMARY KEY,
                annotator_id INTEGER NOT NULL REFERENCES annotators(id),
                item_id TEXT NOT NULL REFERENCES items(id),
                rubric_version_id INTEGER NOT NULL REFERENCES rubric_versions(id),
                criteria TEXT NOT NULL DEFAULT '[]',
                stale_label_id INTEGER REFERENCES labels(id),
                label_floor INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                UNIQUE (annotator_id, item_id, rubric_version_id)
            )""",
    "CREATE INDEX requeues_annotator ON requeues(annotator_id, id)",
    """CREATE TABLE rubric_drafts (
                id INTEGER PRIMARY KEY,
                rubric_name TEXT NOT NULL,
                based_on INTEGER REFERENCES rubric_versions(id),
                session_id INTEGER REFERENCES calibration_sessions(id),
                data TEXT NOT NULL,
                note TEXT NOT NULL DEFAULT '',
                updated_at TEXT NOT NULL,
                updated_by TEXT NOT NULL,
                published_version_id INTEGER REFERENCES rubric_versions(id)
            )""",
]
