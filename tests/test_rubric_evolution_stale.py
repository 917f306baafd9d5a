"""Stale labels after a new rubric version, re-queueing them, and both versions compared."""

from __future__ import annotations

import copy

import krippendorff
import numpy as np
import pytest

from annotator.anchors import anchors
from annotator.labels.labels import current_label, submit_label
from annotator.quality.version_compare import compare_versions
from annotator.queue import assignments, queue
from annotator.revision.evolution import (
    EvolutionError,
    meaning_changes,
    requeue_stale,
    stale_labels,
)
from annotator.revision.publish import publish
from annotator.rubric.versions import find_version
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import get_annotator
from annotator.workbench.session import WorkSession
from tests.support.calibration_project import RUBRIC, make_project, rubric_data

TONE_V2 = {
    "key": "tone",
    "title": "Tone",
    "kind": "categorical",
    "options": [{"value": "polite"}, {"value": "curt"}, {"value": "rude"}, {"value": "hostile"}],
}


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, n_items=8)
    yield project
    project.close()


def label_v1(project) -> dict[tuple[str, str], int]:
    """Ana and Ben label c-00..c-05; only items c-00..c-03 get an answer on tone (optional)."""
    ids = {}
    for person in ("Ana", "Ben"):
        for i in range(6):
            item = f"c-{i:02d}"
            values = {"quality": 1 + (i + len(person)) % 5, "safety": "safe"}
            if i < 4:
                values["tone"] = "curt" if (i + len(person)) % 2 else "polite"
            ids[(person, item)] = submit_label(
                project, item_id=item, annotator=person, values=values
            ).id
    return ids


def test_a_new_option_makes_exactly_the_labels_on_that_criterion_stale(project):
    ids = label_v1(project)
    amended = submit_label(
        project,
        item_id="c-00",
        annotator="Ben",
        values={"quality": 2, "safety": "safe", "tone": "rude"},
    )
    ids[("Ben", "c-00")] = amended.id  # the current label; the one it superseded is not stale
    publish(project, rubric_from_dict(rubric_data(tone=TONE_V2)), note="tone gains hostile")
    report = stale_labels(project)
    expected = sorted(ids[(p, f"c-{i:02d}")] for p in ("Ana", "Ben") for i in range(4))
    assert [label.label_id for label in report.labels] == expected
    assert report.by_criterion() == {"tone": 8}
    assert all(label.criteria == ("tone",) for label in report.labels)
    assert report.to_dict()["changes"] == {"v1": {"tone": ["option added: 'hostile' (hostile)"]}}
    # A label made under the new version is not stale.
    submit_label(
        project,
        item_id="c-06",
        annotator="Ana",
        values={"quality": 3, "safety": "safe", "tone": "hostile"},
    )
    assert stale_labels(project).by_criterion() == {"tone": 8}


def test_requeued_items_come_back_first_under_the_new_version(project):
    ids = label_v1(project)
    v2 = publish(project, rubric_from_dict(rubric_data(tone=TONE_V2))).version
    result = requeue_stale(project, ["Ana"], criterion="tone")
    assert result.requeued == {"Ana": 4} and result.total == 4
    assert requeue_stale(project, ["Ana"], criterion="tone").already == 4, (
        "asking twice adds nothing"
    )
    ana = get_annotator(project, "Ana")
    upcoming = [entry.item_id for entry in queue.preview(project, ana.id, 6)]
    assert upcoming[:4] == ["c-00", "c-01", "c-02", "c-03"], "stale items first, in label order"
    work = WorkSession(project, "Ana")
    for i in range(4):
        card = work.open_next()
        assert card.item.id == f"c-{i:02d}" and card.rubric.id == v2.id
        assert card.initial_values == {}, "judged afresh"
        label = work.submit({"quality": 3, "safety": "safe", "tone": "hostile"}, "", 4.0).label
        assert label.rubric_version_id == v2.id and label.repeat_of is None
        assert label.supersedes == ids[("Ana", card.item.id)], (
            "the new label supersedes the stale one"
        )
        assert current_label(project, card.item.id, ana.id).id == label.id
    assert work.open_next().item.id == "c-06", "then the queue goes on with fresh items"
    left = stale_labels(project)
    assert {label.annotator for label in left.labels} == {"Ben"}
    assert left.by_criterion() == {"tone": 4}


def test_what_counts_as_a_change_of_meaning(project):
    v1 = find_version(project, 1)
    data = rubric_data()
    data["criteria"][1]["options"][0]["hotkey"] = "f"  # safety: hotkey only
    data["criteria"][0]["title"] = "Quality"  # unchanged
    data["criteria"][1]["examples"] = [{"item": "c-00", "value": "safe", "why": "fine"}]
    cosmetic = publish(project, rubric_from_dict(data)).version
    assert meaning_changes(v1, cosmetic) == {}
    data = copy.deepcopy(RUBRIC)
    data["guidelines"] = data["guidelines"].replace("Score facts only.", "Score facts and code.")
    data["criteria"][1]["help"] = "Could it harm?"
    changed = meaning_changes(v1, rubric_from_dict(data))
    assert set(changed) == {"quality", "safety"}
    assert changed["quality"] == ["its section of the guidelines changed"]
    assert changed["safety"] == ["help text changed"]


def test_requeue_leaves_out_anchors_and_removed_items_and_checks_names(project):
    label_v1(project)
    publish(project, rubric_from_dict(rubric_data(tone=TONE_V2)))
    anchors.add_anchor(project, "c-01", {"quality": 2}, "known answer")
    assignments.remove_from_queue(project, "Ben", ["c-02"])
    result = requeue_stale(project, ["Ben"])
    assert result.requeued == {"Ben": 2}
    assert sum(result.left_out.values()) == 2
    with pytest.raises(EvolutionError, match="no criterion"):
        requeue_stale(project, ["Ben"], criterion="nope")
    with pytest.raises(Exception, match="No annotator named"):
        requeue_stale(project, ["Nobody"])


def test_the_same_items_under_both_versions(project):
    label_v1(project)
    v1 = find_version(project, 1)
    v2 = publish(project, rubric_from_dict(rubric_data(tone=TONE_V2))).version
    requeue_stale(project, ["Ana", "Ben"], criterion="tone")
    new_quality = {"Ana": [2, 3, 3, 4], "Ben": [2, 3, 4, 4]}
    for person in ("Ana", "Ben"):
        work = WorkSession(project, person)
        for i in range(4):
            card = work.open_next()
            assert card.item.id == f"c-{i:02d}"
            work.submit(
                {"quality": new_quality[person][i], "safety": "safe", "issues": []}, "", 1.0
            )
    result = compare_versions(project, v1, v2, criterion="quality", n_boot=0)
    assert result["items"] == 4
    entry = result["criteria"]["quality"]
    old = {p: [1 + (i + len(p)) % 5 for i in range(4)] for p in ("Ana", "Ben")}
    changed = sum(old[p][i] != new_quality[p][i] for p in old for i in range(4))
    assert entry["same_person_pairs"] == 8 and entry["changed"] == changed
    for side, table in (("old", old), ("new", new_quality)):
        matrix = np.array([table["Ana"], table["Ben"]], dtype=float)
        expected = krippendorff.alpha(
            reliability_data=matrix, level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5]
        )
        assert entry[side]["quality"]["alpha"] == pytest.approx(expected)
