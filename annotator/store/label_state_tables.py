"""The per-item label state (migration m010_item_label_state): frozen once committed.

`item_label_state` holds, per item (keyed by `items.seq`, so pages join it by
rowid), how many *current submitted* labels it has: exactly what
`SELECT count(*) FROM current_labels WHERE item_id = ? AND status = 'submitted'`
gives (test-retest repeats count, as in the browser's label column; a record
anybody supersedes does not). The index on the count makes "labeled", "not
labeled" and "fewer than N labels" index range scans at a million items.
`item_label_totals` (one row) keeps the number of items and of labeled items,
so "labeled" and "not labeled" are counted without reading an index range.

One trigger per table keeps both (a trigger program costs microseconds per row
however little it does, so there is one per insert, none nested):

- a new item gets a state row at 0 and counts in the totals (the first item makes
  the totals row where the migration did not: a work pack copies the schema only);
- a new label adds one to its item when it is submitted and nobody supersedes it
  yet (the label stager inserts a chain newest first, so the superseding record
  can arrive before the one it replaces); a label that supersedes a current
  submitted record takes that one away; the totals move when an item goes from
  no label to one or back. A label that is neither submitted nor superseding
  anything (a skip, a flag) runs nothing.
"""

from __future__ import annotations

# The item (seq) whose count the new label takes one from: the record it supersedes,
# when that one was current (nobody else supersedes it), submitted, and not itself.
_SUPERSEDED_SEQ = """(
    SELECT i.seq FROM labels AS p JOIN items AS i ON i.id = p.item_id
    WHERE p.id = NEW.supersedes AND p.id != NEW.id AND p.status = 'submitted'
    AND NOT EXISTS (SELECT 1 FROM labels AS s WHERE s.supersedes = p.id AND s.id != NEW.id)
)"""
_NEW_SEQ = "(SELECT seq FROM items WHERE id = NEW.item_id)"
_NEW_COUNTS = (
    "NEW.status = 'submitted' "
    "AND NOT EXISTS (SELECT 1 FROM labels AS s WHERE s.supersedes = NEW.id)"
)

LABEL_STATE_TABLES = [
    """CREATE TABLE item_label_state (
        seq INTEGER PRIMARY KEY REFERENCES items(seq),
        submitted INTEGER NOT NULL DEFAULT 0
    )""",
    # Filled from the view itself for a project that already has items and labels.
    """INSERT INTO item_label_state(seq, submitted)
        SELECT items.seq, coalesce(n.submitted, 0) FROM items LEFT JOIN (
            SELECT item_id, count(*) AS submitted FROM current_labels
            WHERE status = 'submitted' GROUP BY item_id
        ) AS n ON n.item_id = items.id ORDER BY items.seq""",
    "CREATE INDEX item_label_state_submitted ON item_label_state(submitted)",
    """CREATE TABLE item_label_totals (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        items INTEGER NOT NULL,
        labeled INTEGER NOT NULL
    )""",
    """INSERT INTO item_label_totals(id, items, labeled)
        SELECT 1, count(*), count(*) FILTER (WHERE submitted > 0) FROM item_label_state""",
    """CREATE TRIGGER items_label_state AFTER INSERT ON items
        BEGIN
            INSERT INTO item_label_state(seq, submitted) VALUES (NEW.seq, 0);
            INSERT INTO item_label_totals(id, items, labeled) VALUES (1, 1, 0)
            ON CONFLICT(id) DO UPDATE SET items = items + 1;
        END""",
    """CREATE TRIGGER items_label_state_gone AFTER DELETE ON items
        BEGIN
            UPDATE item_label_totals SET items = items - 1, labeled = labeled
                - coalesce((SELECT submitted > 0 FROM item_label_state WHERE seq = OLD.seq), 0)
            WHERE id = 1;
            DELETE FROM item_label_state WHERE seq = OLD.seq;
        END""",
    f"""CREATE TRIGGER labels_label_state AFTER INSERT ON labels
        WHEN NEW.status = 'submitted' OR NEW.supersedes IS NOT NULL
        BEGIN
            UPDATE item_label_totals SET labeled = labeled + 1 WHERE id = 1 AND {_NEW_COUNTS}
            AND (SELECT submitted FROM item_label_state WHERE seq = {_NEW_SEQ}) = 0;
            UPDATE item_label_state SET submitted = submitted + 1
            WHERE {_NEW_COUNTS} AND seq = {_NEW_SEQ};
            UPDATE item_label_totals SET labeled = labeled - 1 WHERE id = 1
            AND NEW.supersedes IS NOT NULL
            AND (SELECT submitted FROM item_label_state WHERE seq = {_SUPERSEDED_SEQ}) = 1;
            UPDATE item_label_state SET submitted = submitted - 1
            WHERE NEW.supersedes IS NOT NULL AND seq = {_SUPERSEDED_SEQ};
        END""",
]
