"""Work packs through the core: what a pack holds, labeling in it, merging it back."""

from __future__ import annotations

import pytest

from annotator.anchors.scoring import anchor_accuracy
from annotator.exchange import packs
from annotator.exchange.pack_file import read_meta
from annotator.labels.labels import current_label, submit_label
from annotator.queue import queue
from annotator.sources.sources import get_annotator
from annotator.workbench.session import WorkSession
from tests.support.pack_project import (
    ANCHOR_IDS,
    TEAM,
    anchor_reference,
    dump,
    label_all,
    make_lead,
    topic_of,
)


def plain_values(person: str, item_id: str) -> dict:
    """What each person types: Ana always the reference on anchors, Ben never on topic."""
    if item_id in ANCHOR_IDS:
        reference = anchor_reference(ANCHOR_IDS.index(item_id))
        if person == "Ben":
            wrong = next(t for t in ("med", "law", "code") if t != reference["topic"])
            return {**reference, "topic": wrong}
        return reference
    return {"correct": "yes", "topic": topic_of(item_id), "quality": 3}


def entries(project, info):
    return project.rows(
        "SELECT item_id, kind FROM pack_entries WHERE pack_id = ? AND version = ? "
        "ORDER BY position",
        (info.pack_id, info.version),
    )


def test_a_pack_holds_the_queue_in_order_with_anchors_mixed_in(tmp_path):
    lead = make_lead(tmp_path)
    ana = get_annotator(lead, "Ana")
    remaining = [
        r[0]
        for r in lead.rows(
            "SELECT item_id FROM assignments WHERE annotator_id = ? ORDER BY position", (ana.id,)
        )
    ]
    info = packs.create_pack(lead, "Ana", tmp_path / "ana.annpack")
    planned = entries(lead, info)
    kinds = [row["kind"] for row in planned]
    assert [row["item_id"] for row in planned if row["kind"] == "item"] == remaining
    assert {row["item_id"] for row in planned if row["kind"] == "anchor"} <= set(ANCHOR_IDS)
    assert info.anchors == kinds.count("anchor") >= 1
    assert all(not (a == b == "anchor") for a, b in zip(kinds, kinds[1:], strict=False))

    pack = packs.open_pack(info.path)
    try:
        meta = read_meta(pack.conn)
        assert (meta.annotator, meta.project_id, meta.version) == ("Ana", lead.id, 1)
        served = list(label_all(pack, "Ana", plain_values))
        assert served == [row["item_id"] for row in planned], "the pack serves the fixed order"
        assert queue.queue_status(pack, get_annotator(pack, "Ana").id).remaining == 0
    finally:
        pack.close()


def test_merge_adds_scores_and_is_idempotent(tmp_path):
    lead = make_lead(tmp_path)
    infos = {p: packs.create_pack(lead, p, tmp_path / f"{p}.annpack") for p in TEAM}
    typed = {}
    for person, info in infos.items():
        pack = packs.open_pack(info.path)
        typed[person] = label_all(pack, person, plain_values)
        pack.close()

    report = packs.merge_packs(lead, [info.path for info in infos.values()])
    assert report.added == sum(len(t) for t in typed.values())
    for result in report.packs:
        assert result.statuses == {"submitted": len(typed[result.annotator])}
        assert result.items_answered == result.items
        on_anchors = [i for i in typed[result.annotator] if i in ANCHOR_IDS]
        assert result.on_anchors == result.anchors_scored == len(on_anchors)
    for person, values in typed.items():
        who = get_annotator(lead, person)
        for item_id, expected in values.items():
            label = current_label(lead, item_id, who.id)
            assert label.values == expected and label.origin == "pack"
    accuracy = {(r["annotator"], r["criterion"]): r for r in anchor_accuracy(lead)}
    for person in TEAM:
        n = sum(i in ANCHOR_IDS for i in typed[person])
        assert accuracy[(person, "correct")]["accuracy"] == 1.0
        assert accuracy[(person, "topic")]["accuracy"] == (0.0 if person == "Ben" else 1.0)
        assert accuracy[(person, "topic")]["n"] == n
    audit = lead.rows("SELECT details FROM audit_log WHERE action = 'pack_merge'")
    assert len(audit) == 3

    before = dump(lead)
    again = packs.merge_packs(lead, [info.path for info in infos.values()])
    assert again.added == 0 and again.already_merged == report.added
    assert dump(lead) == before, "merging the same packs again changes nothing at all"


def test_partial_work_merges_and_later_work_follows_without_duplicates(tmp_path):
    lead = make_lead(tmp_path)
    info = packs.create_pack(lead, "Ana", tmp_path / "ana.annpack")
    pack = packs.open_pack(info.path)
    session = WorkSession(pack, "Ana")
    first = session.open_next().item.id
    session.submit(plain_values("Ana", first), "first go", 5.0)
    pack.close()
    assert packs.merge_packs(lead, [info.path]).added == 1

    pack = packs.open_pack(info.path)
    session = WorkSession(pack, "Ana")
    session.back()  # amend the first item in the pack
    amended = {**plain_values("Ana", first), "quality": 5}
    session.submit(amended, "second thoughts", 5.0)
    second = session.open_next().item.id
    session.submit(plain_values("Ana", second), "", 5.0)
    pack.close()

    result = packs.merge_packs(lead, [info.path]).packs[0]
    assert (result.added, result.already_merged) == (2, 1)
    ana = get_annotator(lead, "Ana")
    assert current_label(lead, first, ana.id).values == amended
    current = lead.scalar(
        "SELECT count(*) FROM current_labels WHERE annotator_id = ? AND item_id = ?",
        (ana.id, first),
    )
    assert current == 1, "the amend superseded the merged label, one current record"


def test_a_pack_label_supersedes_the_persons_label_made_in_the_project(tmp_path):
    lead = make_lead(tmp_path)
    info = packs.create_pack(lead, "Ana", tmp_path / "ana.annpack", anchors=False)
    item = entries(lead, info)[0]["item_id"]
    old = submit_label(lead, item_id=item, annotator="Ana", values=plain_values("Ana", item))
    pack = packs.open_pack(info.path)
    session = WorkSession(pack, "Ana")
    assert session.open_next().item.id == item
    session.submit({**plain_values("Ana", item), "quality": 1}, "", 4.0)
    pack.close()
    result = packs.merge_packs(lead, [info.path]).packs[0]
    assert result.superseding == 1
    label = current_label(lead, item, get_annotator(lead, "Ana").id)
    assert label.values["quality"] == 1 and label.supersedes == old.id


def test_repeats_in_a_pack_come_back_as_repeats_of_the_merged_labels(tmp_path):
    lead = make_lead(tmp_path, n_items=30, repeat_rate=0.3, repeat_delay=2)
    info = packs.create_pack(lead, "Ana", tmp_path / "ana.annpack", anchors=False)
    pack = packs.open_pack(info.path)
    label_all(pack, "Ana", plain_values)
    repeats_in_pack = pack.scalar("SELECT count(*) FROM labels WHERE repeat_of IS NOT NULL")
    pack.close()
    assert repeats_in_pack >= 1, "the pack's queue mixed repeats in"
    result = packs.merge_packs(lead, [info.path]).packs[0]
    assert result.repeats == repeats_in_pack
    ana = get_annotator(lead, "Ana")
    pairs = lead.rows(
        "SELECT r.item_id, o.item_id AS original, o.repeat_of AS original_repeat "
        "FROM labels r JOIN labels o ON o.id = r.repeat_of WHERE r.annotator_id = ?",
        (ana.id,),
    )
    assert len(pairs) == repeats_in_pack
    assert all(p["item_id"] == p["original"] and p["original_repeat"] is None for p in pairs)
    effective = lead.scalar(
        "SELECT count(*) FROM effective_labels WHERE annotator_id = ?", (ana.id,)
    )
    assert effective == info.items, "repeats stay apart from the effective labels"


def test_a_pack_for_a_calibration_round_has_exactly_the_items_named(tmp_path):
    """The door for calibration sessions: chosen items, no anchors, no repeats, a tag."""
    lead = make_lead(tmp_path)
    chosen = ["it-0007", "it-0003", "anc-1"]
    info = packs.create_pack(
        lead,
        "Ben",
        tmp_path / "round1-ben.annpack",
        chosen,
        anchors=False,
        repeats=False,
        details={"session": 4, "round": 1},
    )
    assert [r["item_id"] for r in entries(lead, info)] == chosen
    assert [r["kind"] for r in entries(lead, info)] == ["item", "item", "anchor"]
    pack = packs.open_pack(info.path)
    assert pack.scalar("SELECT repeat_rate FROM queue_settings") == 0
    label_all(pack, "Ben", plain_values)
    pack.close()
    result = packs.merge_packs(lead, [info.path]).packs[0]
    assert sorted(
        r[0]
        for r in lead.rows(
            f"SELECT item_id FROM labels WHERE id IN ({','.join('?' * len(result.label_ids))})",
            result.label_ids,
        )
    ) == sorted(chosen)
    stored = lead.scalar("SELECT details FROM packs WHERE id = ?", (info.pack_id,))
    assert '"session": 4' in stored


def test_list_packs_counts_answers_and_merges(tmp_path):
    lead = make_lead(tmp_path)
    info = packs.create_pack(lead, "Cleo", tmp_path / "cleo.annpack", next_n=4)
    pack = packs.open_pack(info.path)
    session = WorkSession(pack, "Cleo")
    card = session.open_next()
    session.submit(plain_values("Cleo", card.item.id), "", 3.0)
    pack.close()
    packs.merge_packs(lead, [info.path])
    (row,) = packs.list_packs(lead)
    assert (row["annotator"], row["items"], row["answered"], row["labels_merged"]) == (
        "Cleo",
        info.items,
        1,
        1,
    )
    assert row["merges"] == 1


def test_next_n_takes_the_queue_the_lead_previews(tmp_path):
    lead = make_lead(tmp_path)
    ben = get_annotator(lead, "Ben")
    preview = [e for e in queue.preview(lead, ben.id, 6) if e.kind != "repeat"]
    info = packs.create_pack(lead, "Ben", tmp_path / "ben.annpack", next_n=6)
    assert [(r["item_id"], r["kind"]) for r in entries(lead, info)] == [
        (e.item_id, e.kind) for e in preview
    ]


def test_no_overwrite_and_unknown_people_are_refused(tmp_path):
    lead = make_lead(tmp_path)
    target = tmp_path / "ana.annpack"
    target.write_text("someone's file")
    before = dump(lead)
    with pytest.raises(packs.PackError, match="already exists"):
        packs.create_pack(lead, "Ana", target)
    with pytest.raises(Exception, match="No annotator named 'Zed'"):
        packs.create_pack(lead, "Zed", tmp_path / "zed.annpack")
    assert target.read_text() == "someone's file"
    assert dump(lead) == before
    assert not (tmp_path / "zed.annpack").exists()
