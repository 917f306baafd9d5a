"""The assisted-review tables (migration m009_assisted_review): frozen once committed.

- `review_suggestions`: per label (its own table, keyed by label id: labels are
  append-only and never altered) whether a suggestion was visible when it was
  made, what it was (values, rationale, the judge or source and its version) and,
  for the lead only, which decoy it was. A label with no row had no suggestion.
- `review_decoys`: the decoy plan, lead only: which served entry (queue position,
  or pack and item) is a decoy for whom, the deliberately wrong suggestion shown
  and the expert answer it hides. Nothing the annotate view or a pack receives
  reads the expert answer from here; a pack never holds a row of it.
- `pack_suggestions`: the suggestions a work pack carries for its items (rows
  only in pack files): a decoy's wrong suggestion looks exactly like the others.
- queue settings gain `assisted`, `decoy_rate` and `suggest_from`.
"""

from __future__ import annotations

from annotator.store.ddl import forbid_changes

REVIEW_TABLES = [
    """CREATE TABLE review_decoys (id INTEGER PRIMARY KEY, annotator_id INTEGER NOT NULL
        REFERENCES annotators(id), item_id TEXT NOT NULL REFERENCES items(id), position
        INTEGER, pack_id TEXT, shown_json TEXT NOT NULL, rationale TEXT, source TEXT NOT NULL,
        expert_json TEXT NOT NULL, origin TEXT NOT NULL CHECK (origin IN ('anchor',
        'adjudication')), created_at TEXT NOT NULL)""",
    """CREATE UNIQUE INDEX review_decoys_served ON review_decoys(annotator_id, position)
        WHERE position IS NOT NULL""",
    """CREATE UNIQUE INDEX review_decoys_packed ON review_decoys(pack_id, item_id)
        WHERE pack_id IS NOT NULL""",
    "CREATE INDEX review_decoys_who ON review_decoys(annotator_id, item_id)",
    *forbid_changes("review_decoys"),
    """CREATE TABLE review_suggestions (label_id INTEGER PRIMARY KEY REFERENCES labels(id),
        annotator_id INTEGER NOT NULL REFERENCES annotators(id), item_id TEXT NOT NULL
        REFERENCES items(id), visible INTEGER NOT NULL, values_json TEXT, rationale TEXT,
        source TEXT, source_version TEXT, source_label_id INTEGER, decoy_id INTEGER
        REFERENCES review_decoys(id), via TEXT NOT NULL DEFAULT 'app', recorded_at TEXT
        NOT NULL)""",
    "CREATE INDEX review_suggestions_who ON review_suggestions(annotator_id, label_id)",
    *forbid_changes("review_suggestions"),
    """CREATE TABLE pack_suggestions (item_id TEXT PRIMARY KEY REFERENCES items(id),
        values_json TEXT NOT NULL, rationale TEXT, source TEXT NOT NULL, source_version
        TEXT, source_label_id INTEGER)""",
    "ALTER TABLE queue_settings ADD COLUMN assisted INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE queue_settings ADD COLUMN decoy_rate REAL NOT NULL DEFAULT 0",
    "ALTER TABLE queue_settings ADD COLUMN suggest_from TEXT",
]
