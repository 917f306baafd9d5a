"""Topping a pack up: a new version with more items that keeps every label made in the old."""

from __future__ import annotations

import pytest

from annotator.exchange import packs
from annotator.exchange.pack_file import read_meta
from annotator.sources.sources import get_annotator
from annotator.workbench.session import WorkSession
from tests.support.pack_project import dump, make_lead, topic_of


def values(person: str, item_id: str) -> dict:
    return {"correct": "yes", "topic": topic_of(item_id) if item_id[:3] == "it-" else "med",
            "quality": 2}  # fmt: skip


def test_top_up_keeps_old_labels_drafts_and_the_queue_position(tmp_path):
    lead = make_lead(tmp_path, n_items=20, overlap=0.0)
    ana = get_annotator(lead, "Ana")
    assigned = [
        r[0]
        for r in lead.rows(
            "SELECT item_id FROM assignments WHERE annotator_id = ? ORDER BY position", (ana.id,)
        )
    ]
    info = packs.create_pack(lead, "Ana", tmp_path / "ana.annpack", assigned[:3], anchors=False)
    pack = packs.open_pack(info.path)
    session = WorkSession(pack, "Ana")
    done = []
    for _ in range(2):
        card = session.open_next()
        session.submit(values("Ana", card.item.id), f"why {card.item.id}", 4.0)
        done.append(card.item.id)
    third = session.open_next().item.id
    session.save_draft({"correct": "no"}, "half", 1.5)
    old_labels = pack.rows("SELECT uid, item_id, values_json, rationale FROM labels ORDER BY id")
    pack.close()

    more = assigned[3:6]
    new = packs.top_up_pack(
        lead, info.path, [*more, done[0]], out=tmp_path / "ana-2.annpack", anchors=False
    )
    assert (new.version, new.added, new.labels_carried) == (2, 3, 2)
    assert new.merged is not None and new.merged.added == 2, "old labels merged first"
    assert new.items == 6 and new.pack_id == info.pack_id

    pack = packs.open_pack(new.path)
    try:
        assert read_meta(pack.conn).version == 2
        carried = pack.rows("SELECT uid, item_id, values_json, rationale FROM labels ORDER BY id")
        assert [tuple(r) for r in carried] == [tuple(r) for r in old_labels]
        session = WorkSession(pack, "Ana")
        card = session.resume()
        assert card.item.id == third and card.draft.values == {"correct": "no"}
        served = [third]
        session.submit(values("Ana", third), "", 2.0)
        while (card := session.open_next()) is not None:
            served.append(card.item.id)
            session.submit(values("Ana", card.item.id), "", 2.0)
        assert served == [third, *more], "the queue goes on where it was, then the new items"
    finally:
        pack.close()

    result = packs.merge_packs(lead, [new.path]).packs[0]
    assert (result.added, result.already_merged, result.items_answered) == (4, 2, 6)
    merged = {r[0] for r in lead.rows("SELECT uid FROM labels WHERE annotator_id = ?", (ana.id,))}
    assert {r["uid"] for r in old_labels} <= merged
    before = dump(lead)
    assert packs.merge_packs(lead, [info.path, new.path]).added == 0
    assert dump(lead) == before


def test_only_the_latest_version_is_topped_up_and_never_over_a_file(tmp_path):
    lead = make_lead(tmp_path)
    info = packs.create_pack(lead, "Ben", tmp_path / "ben.annpack", next_n=3)
    ben = get_annotator(lead, "Ben")
    extra = [
        r[0]
        for r in lead.rows(
            "SELECT item_id FROM assignments WHERE annotator_id = ? ORDER BY position DESC",
            (ben.id,),
        )
    ]
    packs.top_up_pack(lead, info.path, extra[:1], out=tmp_path / "ben-2.annpack")
    with pytest.raises(packs.PackError, match="version 2 exists"):
        packs.top_up_pack(lead, info.path, extra[1:2], out=tmp_path / "ben-3.annpack")
    with pytest.raises(packs.PackError, match="already exists"):
        packs.top_up_pack(lead, tmp_path / "ben-2.annpack", extra[1:2], out=info.path)
    with pytest.raises(packs.PackError, match="Nothing to add"):
        packs.top_up_pack(lead, tmp_path / "ben-2.annpack", extra[:1], out=tmp_path / "b3.annpack")
    assert not (tmp_path / "ben-3.annpack").exists() and not (tmp_path / "b3.annpack").exists()
