"""`annotator pack create|open|merge|topup|list` from the command line."""

from __future__ import annotations

import json

from annotator.cli import main
from annotator.exchange import packs
from annotator.store.project import open_project
from tests.support.pack_project import dump, label_all, make_lead


def values(person: str, item_id: str) -> dict:
    return {"correct": "yes", "topic": "med", "quality": 5}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_create_merge_topup_list_round_trip(tmp_path, capsys):
    lead = make_lead(tmp_path)
    project = str(lead.path)
    ana_items = [
        r[0]
        for r in lead.rows(
            "SELECT a.item_id FROM assignments a JOIN annotators p ON p.id = a.annotator_id "
            "WHERE p.name = 'Ana' ORDER BY a.position"
        )
    ]
    lead.close()
    first = tmp_path / "ana.annpack"
    status, out, _ = run(
        capsys, "pack", "create", project, "--annotator", "Ana", "--items",
        ",".join(ana_items[:3]), "--out", str(first), "--no-anchors", "--json",
    )  # fmt: skip
    assert status == 0
    created = json.loads(out)
    assert (created["items"], created["anchors"], created["version"]) == (3, 0, 1)

    pack = packs.open_pack(first)
    typed = label_all(pack, "Ana", values)
    pack.close()
    assert list(typed) == ana_items[:3]

    status, out, _ = run(capsys, "pack", "merge", project, str(first), "--json")
    assert status == 0 and json.loads(out)["added"] == 3
    status, out, _ = run(capsys, "pack", "merge", project, str(first))
    assert status == 0 and "nothing new" in out

    listing = tmp_path / "more.txt"
    listing.write_text("# two more\n" + "\n".join(ana_items[3:5]) + "\n", encoding="utf-8")
    second = tmp_path / "ana-2.annpack"
    status, out, _ = run(
        capsys, "pack", "topup", project, str(first), "--items-file", str(listing),
        "--out", str(second), "--no-anchors", "--json",
    )  # fmt: skip
    assert status == 0
    topped = json.loads(out)
    assert (topped["version"], topped["added"], topped["labels_carried"]) == (2, 2, 3)

    status, out, _ = run(capsys, "pack", "list", project, "--json")
    (row,) = json.loads(out)
    assert (row["annotator"], row["version"], row["items"], row["answered"]) == ("Ana", 2, 5, 3)
    status, out, _ = run(capsys, "pack", "list", project)
    assert status == 0 and "ana-2.annpack" in out


def test_user_errors_exit_2_with_one_paragraph_and_change_nothing(tmp_path, capsys):
    lead = make_lead(tmp_path)
    before = dump(lead)
    lead.close()
    project = str(tmp_path / "lead.annotator")
    status, _, err = run(
        capsys, "pack", "create", project, "--annotator", "Ana", "--items", "nope",
        "--out", str(tmp_path / "x.annpack"),
    )  # fmt: skip
    assert status == 2 and "No item 'nope'" in err and "Traceback" not in err
    status, _, err = run(capsys, "pack", "merge", project, project)
    assert status == 2 and "this is a project, not a work pack" in err
    status, _, err = run(capsys, "pack", "merge", project, str(tmp_path / "missing.annpack"))
    assert status == 2 and "no such work pack" in err
    assert not (tmp_path / "x.annpack").exists()
    reopened = open_project(project)
    after = dump(reopened)
    reopened.close()
    changed = {name for name in before if before[name] != after.get(name)}
    assert changed <= {"meta"}, changed  # opening a project may only refresh app_version


def test_pack_open_starts_the_app_on_the_file(tmp_path):
    seen = {}

    def fake_gui(args):
        seen["file"] = args.project
        return 0

    pack = tmp_path / "any.annpack"
    assert main(["pack", "open", str(pack)], gui=fake_gui) == 0
    assert seen["file"] == pack
