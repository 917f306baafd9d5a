"""A calibration round through work packs: blind by pack, merged, revealed in the project."""

from __future__ import annotations

import json

import pytest

from annotator.calibration import sessions as cal
from annotator.calibration.packs import make_round_packs, merge_round_packs, round_packs
from annotator.calibration.reveal import reveal
from annotator.exchange import packs
from annotator.workbench.session import WorkSession
from tests.support.calibration_project import PEOPLE, make_project

ITEMS = ["c-01", "c-02", "c-03"]
QUALITY = {"c-01": (2, 2, 2), "c-02": (1, 3, 5), "c-03": (4, 4, 5)}


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path)
    yield project
    project.close()


def label_in_pack(path, person: str) -> list[str]:
    """What the app does with an opened pack: the pack's own queue, the normal workbench."""
    pack = packs.open_pack(path)
    try:
        work = WorkSession(pack, person)
        seen = []
        card = work.open_next()
        while card is not None:
            seen.append(card.item.id)
            quality = QUALITY[card.item.id][PEOPLE.index(person)]
            work.submit({"quality": quality, "safety": "safe"}, f"{person} by pack", 5.0)
            card = work.open_next()
        return seen
    finally:
        pack.close()


def test_a_round_by_pack(project, tmp_path):
    session = cal.create_session(project, "By pack", list(PEOPLE), ITEMS, mode="packs")
    made = make_round_packs(project, session.id, tmp_path / "packs")
    assert [info.annotator for info in made] == list(PEOPLE)
    assert all(info.items == 3 and info.anchors == 0 for info in made)
    assert make_round_packs(project, session.id, tmp_path / "packs") == [], "one pack each"
    assert {row["name"] for row in round_packs(project, session.id)} == set(PEOPLE)
    for info in made:
        assert label_in_pack(info.path, info.annotator) == ITEMS, "only the round's items"
    assert cal.round_progress(project, session.id) == {p: (0, 3) for p in PEOPLE}

    paths = [info.path for info in made]
    report, linked = merge_round_packs(project, session.id, paths)
    assert report.added == 9 and linked == {p: 3 for p in PEOPLE}
    assert cal.round_progress(project, session.id) == {p: (3, 3) for p in PEOPLE}
    with pytest.raises(cal.BlindError):
        reveal(project, session.id)
    again, relinked = merge_round_packs(project, session.id, paths)
    assert again.added == 0 and relinked == {p: 0 for p in PEOPLE}, "merging twice adds nothing"

    cal.reveal_round(project, session.id)
    shown = reveal(project, session.id, n_boot=0)
    assert shown.items[0].item_id == "c-02", "the widest split first"
    quality = next(c for c in shown.items[0].criteria if c.key == "quality")
    assert [(who, value) for who, value, _ in quality.values] == list(
        zip(PEOPLE, QUALITY["c-02"], strict=True)
    )
    assert [a.rationale for a in shown.items[0].answers] == [f"{p} by pack" for p in PEOPLE]
    with pytest.raises(cal.CalibrationError, match="revealed"):
        merge_round_packs(project, session.id, paths)


def test_packs_from_the_command_line(tmp_path, capsys):
    from annotator.cli import main

    project = make_project(tmp_path)
    cal.create_session(project, "CLI packs", list(PEOPLE), ITEMS, mode="packs")
    project.close()
    path = str(tmp_path / "cal.annotator")
    assert (
        main(["session", "packs", path, "CLI packs", "--out", str(tmp_path / "p"), "--json"]) == 0
    )
    made = json.loads(capsys.readouterr().out)
    assert [m["annotator"] for m in made] == list(PEOPLE) and all(m["items"] == 3 for m in made)
    for entry in made:
        label_in_pack(entry["path"], entry["annotator"])
    files = [entry["path"] for entry in made]
    assert main(["session", "merge", path, "CLI packs", *files, "--json"]) == 0
    merged = json.loads(capsys.readouterr().out)
    assert merged["merge"]["added"] == 9 and merged["linked"] == {p: 3 for p in PEOPLE}
