"""End to end: the lead makes three packs with overlap and anchors; three people label
them in the app with the keyboard only, each on their own pack file; the lead merges
them in the packs dialog; agreement and anchor accuracy are what was typed; merging
again changes nothing."""

from __future__ import annotations

from itertools import combinations

import krippendorff
import numpy as np
import pytest
from PySide6.QtCore import Qt

from annotator.anchors.scoring import anchor_accuracy
from annotator.exchange import packs
from annotator.stats.agreement import compute_all
from annotator.stats.reliability import ReliabilityData
from annotator.store.project import open_project
from tests.support.gui import answer_all, press
from tests.support.pack_project import (
    ANCHOR_IDS,
    TEAM,
    TOPICS,
    anchor_reference,
    dump,
    make_lead,
    topic_of,
)
from ui.exchange import pack_screens
from ui.shell.main_window import MainWindow

MAX_ITEMS = 40


def plan(person: str, item_id: str) -> dict:
    """What each person types. Everyone agrees on `correct`; Ana and Ben give the
    item's topic and Cleo always says 'code'; on anchors Ana and Ben give the
    reference topic, Cleo still 'code'."""
    if item_id in ANCHOR_IDS:
        reference = anchor_reference(ANCHOR_IDS.index(item_id))
        correct, topic = reference["correct"], reference["topic"]
    else:
        index = int(item_id.rsplit("-", 1)[1])
        correct, topic = ("yes" if index % 2 == 0 else "no"), topic_of(item_id)
    return {
        "correct": correct,
        "topic": "code" if person == "Cleo" else topic,
        "quality": 3,
    }


def open_window(qtbot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def label_in_app(qtbot, path, person: str, through_opener: bool) -> dict[str, dict]:
    """Open the pack as an annotator would and label everything with the keyboard."""
    window = open_window(qtbot)
    if through_opener:
        assert pack_screens.open_pack(window, path)
    else:
        assert window.open_file(str(path))  # what the start screen and File menu call
    view = window.annotate
    assert window.project is not None and window.project.path == path
    banner = view.banner.text()
    assert "Work pack" in banner and person in banner and "Pack test" in banner
    assert view.banner.isVisibleTo(window)
    typed: dict[str, dict] = {}
    for _ in range(MAX_ITEMS):
        card = view.card
        if card is None:
            break
        stored = answer_all(view, card.criteria, plan(person, card.item.id))
        assert view.form.values() == stored
        press(view, Qt.Key.Key_Return)
        typed[card.item.id] = stored
    assert view.card is None, "the whole pack was labeled"
    window.close()
    return typed


def expected_percent_agreement(matrix: dict[str, dict[str, str]]) -> float:
    """Share of agreeing rater pairs per item, averaged over items with 2+ ratings."""
    shares = []
    for ratings in matrix.values():
        values = list(ratings.values())
        if len(values) < 2:
            continue
        pairs = list(combinations(values, 2))
        shares.append(sum(a == b for a, b in pairs) / len(pairs))
    return sum(shares) / len(shares)


def by_item(typed: dict[str, dict[str, dict]], key: str) -> dict[str, dict[str, str]]:
    matrix: dict[str, dict[str, str]] = {}
    for person, items in typed.items():
        for item_id, values in items.items():
            matrix.setdefault(item_id, {})[person] = values[key]
    return matrix


def merged_data(lead, key: str, domain) -> ReliabilityData:
    rows = lead.rows(
        "SELECT e.item_id, a.name, json_extract(e.values_json, '$.' || ?) FROM effective_labels e "
        "JOIN annotators a ON a.id = e.annotator_id",
        (key,),
    )
    return ReliabilityData.from_records([tuple(r) for r in rows], value_domain=domain)


def test_three_packs_labeled_in_the_app_merge_into_the_expected_figures(tmp_path, qtbot):
    lead = make_lead(tmp_path, n_items=9, overlap=2 / 3, k=3, anchor_rate=0.25)
    infos = {
        person: packs.create_pack(lead, person, tmp_path / f"{person}.annpack") for person in TEAM
    }
    assert all(info.anchors >= 1 for info in infos.values())
    shared = lead.scalar(
        "SELECT count(*) FROM (SELECT item_id FROM assignments GROUP BY item_id "
        "HAVING count(*) = 3)"
    )
    assert shared >= 2, "the packs overlap"

    typed = {
        person: label_in_app(qtbot, info.path, person, through_opener=person == "Ben")
        for person, info in infos.items()
    }
    for person, info in infos.items():
        assert len(typed[person]) == info.items

    # The lead merges the three files in the packs dialog, on the project file as saved.
    path = lead.path
    lead.close()
    lead = open_project(path)
    window = open_window(qtbot)
    assert window.open_file(str(path))
    window.show_packs()
    dialog = window.packs_dialog
    assert dialog.table.rowCount() == 3
    dialog.merge_files([info.path for info in infos.values()])
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert dialog.last_error is None
    report = dialog.last_report
    assert report.added == sum(len(t) for t in typed.values())
    assert "labels added" in dialog.report.toPlainText()
    assert dialog.table.item(0, 4).text() != "0"

    # Agreement on what was merged is agreement on what was typed.
    correct = compute_all(merged_data(lead, "correct", ["yes", "no"]), "nominal", n_boot=50)
    assert correct["alpha"].value == pytest.approx(1.0)
    assert correct["percent_agreement"].value == pytest.approx(1.0)
    topics = by_item(typed, "topic")
    items = sorted(topics)
    reference = np.array(
        [[TOPICS.index(topics[i][p]) if p in topics[i] else np.nan for i in items] for p in TEAM]
    )
    topic = compute_all(merged_data(lead, "topic", list(TOPICS)), "nominal", n_boot=50)
    assert topic["alpha"].value == pytest.approx(
        krippendorff.alpha(reliability_data=reference, level_of_measurement="nominal")
    )
    assert topic["percent_agreement"].value == pytest.approx(expected_percent_agreement(topics))
    assert topic["alpha"].value < 1.0, "Cleo's 'code' makes the topic disagree"

    # Anchor accuracy: scored at merge against references the packs never held.
    accuracy = {(r["annotator"], r["criterion"]): r for r in anchor_accuracy(lead)}
    for person in TEAM:
        answered = [i for i in typed[person] if i in ANCHOR_IDS]
        for key in ("correct", "topic"):
            hits = [
                typed[person][i][key] == anchor_reference(ANCHOR_IDS.index(i))[key]
                for i in answered
            ]
            row = accuracy[(person, key)]
            assert row["n"] == len(answered)
            assert row["accuracy"] == pytest.approx(sum(hits) / len(hits))
    assert accuracy[("Ana", "topic")]["accuracy"] == 1.0

    # Merging again, in the dialog and in the core, changes nothing.
    before = dump(lead)
    dialog.merge_files([info.path for info in infos.values()])
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert dialog.last_report.added == 0
    assert packs.merge_packs(lead, [info.path for info in infos.values()]).added == 0
    assert dump(lead) == before
    dialog.close()
    window.close()
