"""Every refused merge says why and leaves every table of the project as it was."""

from __future__ import annotations

import pytest

from annotator.base.errors import NotAProjectError
from annotator.cli import main as cli_main
from annotator.exchange import packs
from annotator.store.project import copy_project, open_project
from tests.support.pack_project import (
    TEAM,
    dump,
    label_all,
    make_lead,
    raw,
)


def values(person: str, item_id: str) -> dict:
    return {"correct": "no", "topic": "law", "quality": 4}


@pytest.fixture
def lead(tmp_path):
    project = make_lead(tmp_path)
    yield project
    project.close()


def labeled_pack(lead, folder, person="Ana"):
    info = packs.create_pack(lead, person, folder / f"{person}.annpack")
    pack = packs.open_pack(info.path)
    label_all(pack, person, values)
    pack.close()
    return info


def refused(lead, paths, error, match):
    """Merging `paths` raises `error` matching `match`; no row of any table changed."""
    before_counts, before = lead.table_counts(), dump(lead)
    with pytest.raises(error, match=match) as caught:
        packs.merge_packs(lead, paths)
    assert "Nothing was changed" in str(caught.value)
    assert lead.table_counts() == before_counts
    assert dump(lead) == before
    return caught.value


def test_a_pack_from_another_project_is_refused(lead, tmp_path):
    other_folder = tmp_path / "other"
    other_folder.mkdir()
    other = make_lead(other_folder, name="other.annotator")  # same items, same rubric
    info = labeled_pack(other, other_folder)
    other.close()
    refused(lead, [info.path], packs.PackMismatchError, "made from project .* not from this")


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE items SET output = 'a better answer' WHERE seq = 2",
        "UPDATE items SET output = 'x', content_hash = 'x' WHERE seq = 1",
        "INSERT INTO items(id, input, input_kind, content_hash) VALUES ('extra', 'q', 'text', 'h')",
        "DELETE FROM items WHERE seq = 3",
    ],
    ids=["content", "content-and-hash", "added", "removed"],
)
def test_a_pack_with_items_edited_by_hand_is_refused(lead, tmp_path, edit):
    info = labeled_pack(lead, tmp_path)
    conn = raw(info.path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(edit)
    conn.close()
    refused(lead, [info.path], packs.PackMismatchError, "edited by hand")


@pytest.mark.parametrize("with_hash", [False, True], ids=["criteria", "criteria-and-hash"])
def test_a_pack_with_its_rubric_edited_by_hand_is_refused(lead, tmp_path, with_hash):
    info = labeled_pack(lead, tmp_path)
    conn = raw(info.path)
    conn.execute("DROP TRIGGER rubric_versions_no_update")
    conn.execute("UPDATE rubric_versions SET criteria = replace(criteria, '\"law\"', '\"tax\"')")
    if with_hash:
        conn.execute("UPDATE rubric_versions SET content_hash = 'edited'")
        conn.execute("UPDATE meta SET value = 'edited' WHERE key = 'pack_rubric_hash'")
    conn.close()
    refused(lead, [info.path], packs.PackMismatchError, "rubric is not pack test v1")


def test_a_label_for_an_item_not_assigned_is_refused(lead, tmp_path):
    info = labeled_pack(lead, tmp_path)
    in_pack = {r[0] for r in lead.rows("SELECT item_id FROM pack_entries")}
    outside = next(
        r[0] for r in lead.rows("SELECT id FROM items ORDER BY seq") if r[0] not in in_pack
    )
    conn = raw(info.path)
    conn.execute(
        "INSERT INTO labels(uid, item_id, annotator_id, source_id, rubric_version_id, status, "
        "values_json, submitted_at, origin) SELECT 'forged', ?, annotator_id, source_id, "
        "rubric_version_id, 'submitted', values_json, submitted_at, 'app' FROM labels LIMIT 1",
        (outside,),
    )
    conn.close()
    error = refused(lead, [info.path], packs.PackMismatchError, "did not assign")
    assert outside in str(error)


def test_a_label_with_a_value_off_the_rubric_is_refused(lead, tmp_path):
    info = labeled_pack(lead, tmp_path)
    conn = raw(info.path)
    conn.execute("DROP TRIGGER labels_no_update")
    conn.execute("UPDATE labels SET values_json = replace(values_json, '4', '9') WHERE id = 2")
    conn.close()
    refused(lead, [info.path], packs.PackMismatchError, "criterion 'quality'")


def test_a_truncated_pack_is_refused(lead, tmp_path):
    info = labeled_pack(lead, tmp_path)
    data = info.path.read_bytes()
    info.path.write_bytes(data[: len(data) // 2])
    refused(lead, [info.path], packs.DamagedPackError, "cut short")


def test_a_project_given_as_a_pack_is_refused(lead, tmp_path):
    copy = copy_project(lead, tmp_path / "copy.annotator")  # a closed, whole project file
    refused(lead, [lead.path], packs.NotAPackError, "this is a project, not a work pack")
    refused(lead, [copy], packs.NotAPackError, "this is a project, not a work pack")


def test_a_pack_given_as_a_project_is_refused(lead, tmp_path, capsys):
    info = labeled_pack(lead, tmp_path)
    pack = packs.open_pack(info.path)
    pack_before = dump(pack)
    pack.close()
    data = info.path.read_bytes()
    lead_before = dump(lead)
    with pytest.raises(NotAProjectError, match="this is a work pack, not a project"):
        open_project(info.path)
    status = cli_main(["pack", "merge", str(info.path), str(info.path)])
    assert status == 2
    assert "this is a work pack, not a project" in capsys.readouterr().err
    assert info.path.read_bytes() == data, "the pack file is untouched"
    pack = packs.open_pack(info.path)
    assert dump(pack) == pack_before
    pack.close()
    assert dump(lead) == lead_before


def test_one_bad_pack_refuses_the_whole_merge(lead, tmp_path):
    good = labeled_pack(lead, tmp_path, "Ana")
    bad = labeled_pack(lead, tmp_path, "Ben")
    conn = raw(bad.path)
    conn.execute("UPDATE items SET input = 'changed' WHERE seq = 1")
    conn.close()
    refused(lead, [good.path, bad.path], packs.PackMismatchError, "Ben.annpack")
    assert packs.merge_packs(lead, [good.path]).added > 0


def test_a_label_by_someone_else_is_refused(lead, tmp_path):
    info = labeled_pack(lead, tmp_path)
    conn = raw(info.path)
    conn.execute(
        "INSERT INTO annotators(name, source_id, pseudonym, created_at) "
        "SELECT 'Intruder', source_id, 'ann-x', created_at FROM annotators"
    )
    conn.close()
    refused(lead, [info.path], packs.PackMismatchError, "Intruder")
    assert TEAM[0] == "Ana"
