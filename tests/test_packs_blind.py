"""A pack carries no answers: no anchor rationale or reference in its bytes, and no
table or column in it that tells an anchor from any other item."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.anchors.anchors import list_anchors
from annotator.exchange import packs
from annotator.workbench.session import WorkSession
from tests.support.pack_project import ANCHOR_IDS, MARKERS, make_lead, topic_of

# Tables that hold, in a project, what a pack must not: answers, scores, kinds, records.
LEAD_ONLY_TABLES = (
    "anchors",
    "anchor_scores",
    "anchor_rate_log",
    "adjudications",
    "packs",
    "pack_versions",
    "pack_entries",
    "pack_merges",
    "import_batches",
)


def file_bytes(path: Path) -> bytes:
    """The pack and any side file SQLite may have left beside it."""
    data = path.read_bytes()
    for suffix in ("-journal", "-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            data += side.read_bytes()
    return data


def reference_encodings(reference: dict) -> list[bytes]:
    """The reference as the project stores it, and in other plausible JSON spellings."""
    forms = {
        json.dumps(reference, ensure_ascii=False, sort_keys=True),
        json.dumps(reference, ensure_ascii=False),
        json.dumps(reference, separators=(",", ":"), sort_keys=True),
        json.dumps(reference, separators=(",", ":")),
    }
    return [form.encode() for form in forms]


def typed(item_id: str) -> dict:
    """What the annotator types: never an anchor's reference."""
    return {"correct": "yes", "topic": topic_of(item_id) if item_id[:2] == "it" else "code",
            "quality": 1}  # fmt: skip


@pytest.fixture
def pack_and_lead(tmp_path):
    lead = make_lead(tmp_path, n_items=24, anchor_rate=0.3)
    info = packs.create_pack(lead, "Ana", tmp_path / "ana.annpack")
    assert info.anchors >= 2, "the pack must hold anchors for this test to mean anything"
    yield info, lead
    lead.close()


def scan(path: Path, lead) -> None:
    data = file_bytes(path)
    for marker in MARKERS:
        assert marker.encode() not in data, f"the rationale marker {marker} is in the pack"
    for anchor in list_anchors(lead):
        for form in reference_encodings(anchor.reference):
            assert form not in data, f"the reference of {anchor.item_id} is in the pack"
    assert b"anchor_scores" in data  # the scan does read the schema: it is not vacuous


def test_the_bytes_of_a_fresh_and_of_a_labeled_pack_hold_no_answer(pack_and_lead):
    info, lead = pack_and_lead
    scan(info.path, lead)
    pack = packs.open_pack(info.path)
    session = WorkSession(pack, "Ana")
    while (card := session.open_next()) is not None:
        session.save_draft(typed(card.item.id), "halfway", 2.0)
        session.submit(typed(card.item.id), "my reasons", 3.0)
    pack.close()
    scan(info.path, lead)


def test_nothing_in_a_pack_tells_anchors_from_other_items(pack_and_lead):
    info, _lead = pack_and_lead
    pack = packs.open_pack(info.path)
    try:
        session = WorkSession(pack, "Ana")
        while (card := session.open_next()) is not None:
            session.submit(typed(card.item.id), "", 3.0)
        counts = pack.table_counts()
        for table in LEAD_ONLY_TABLES:
            assert counts.get(table, 0) == 0, f"{table} has rows in the pack"
        anchors_in_pack = [
            i for i in ANCHOR_IDS if pack.row("SELECT 1 FROM items WHERE id = ?", (i,))
        ]
        assert anchors_in_pack, "the pack holds anchor items (as ordinary items)"
        # Every row that mentions an item looks the same for anchors and the rest,
        # apart from the item's own content and the person's own answers.
        same_for_all = {
            "assignments": "set_id, overlapped, removed",
            "items": "batch_id, pairwise, input_kind, tags, metadata",
            "queue_log": "kind, pass",
        }
        for table, columns in same_for_all.items():
            key = "id" if table == "items" else "item_id"
            anchor_shapes, other_shapes = set(), set()
            for row in pack.rows(f"SELECT {key}, {columns} FROM {table}"):
                (anchor_shapes if row[0] in ANCHOR_IDS else other_shapes).add(tuple(row[1:]))
            assert anchor_shapes and anchor_shapes <= other_shapes, table
        kinds = {row[0] for row in pack.rows("SELECT DISTINCT kind FROM queue_log")}
        assert kinds <= {"item", "repeat"}, "the pack's served log never says 'anchor'"
        seqs = [r[0] for r in pack.rows("SELECT seq FROM items ORDER BY seq")]
        order = [
            r[0]
            for r in pack.rows(
                "SELECT i.seq FROM assignments a JOIN items i ON i.id = a.item_id "
                "ORDER BY a.position"
            )
        ]
        assert order == seqs, "items are numbered in queue order, not the project's import order"
        # Free text anywhere in the pack outside the items never names anchors.
        for table in counts:
            if table in ("items", "_sqlite_migrations") or not counts[table]:
                continue
            for row in pack.rows(f'SELECT * FROM "{table}"'):
                for value in row:
                    assert "anchor" not in str(value).lower(), f"{table}: {value}"
    finally:
        pack.close()
