"""A rubric change that alters a criterion's meaning puts anchors on it up for review."""

from __future__ import annotations

import pytest

from annotator.anchors import anchors
from annotator.anchors.scoring import label_scores
from annotator.revision.publish import publish
from annotator.rubric.versions import current_version
from tests.support.queue_project import answer, make_project, people, rubric

FOUR_POINT = {
    "key": "quality",
    "kind": "ordinal",
    "options": [{"value": v} for v in (1, 2, 3, 4)],
    "tolerance": 1,
}


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, n_items=6)
    people(project, ["A"])
    anchors.add_anchor(project, "it-0001", {"correct": "yes", "quality": 3}, "because")
    anchors.add_anchor(project, "it-0002", {"correct": "no"}, "because")
    yield project
    project.close()


def test_changed_meaning_flags_only_that_criterion_of_anchors_that_have_it(project):
    before = answer(project, "A", "it-0001", {"correct": "yes", "quality": 3})
    assert set(label_scores(project, before.id)) == {"correct", "quality"}
    publish(project, rubric(quality=FOUR_POINT), note="four points")
    flagged = anchors.get_anchor(project, "it-0001")
    assert flagged.status == "needs_review" and set(flagged.review) == {"quality"}
    assert anchors.get_anchor(project, "it-0002").status == "active"
    assert set(label_scores(project, before.id)) == {"correct", "quality"}, "old scores stay"


def test_a_flagged_criterion_is_not_scored_until_the_lead_confirms(project):
    publish(project, rubric(quality=FOUR_POINT), note="four points")
    label = answer(project, "A", "it-0001", {"correct": "yes", "quality": 1})
    assert set(label_scores(project, label.id)) == {"correct"}
    confirmed = anchors.confirm_anchor(project, "it-0001")
    assert confirmed.status == "active" and confirmed.review == {}
    assert confirmed.confirmed == {"quality": current_version(project).id}
    scores = label_scores(project, label.id)
    assert scores["quality"]["distance"] == -2.0 and not scores["quality"]["correct"]


def test_replacing_the_anchor_clears_the_review(project):
    publish(project, rubric(quality=FOUR_POINT), note="four points")
    anchors.add_anchor(project, "it-0001", {"correct": "yes", "quality": 4}, "re-checked")
    live = anchors.get_anchor(project, "it-0001")
    assert live.status == "active" and live.rubric_version_id == current_version(project).id


def test_a_confirmed_criterion_is_not_flagged_again_by_an_unrelated_version(project):
    publish(project, rubric(quality=FOUR_POINT), note="four points")
    anchors.confirm_anchor(project, "it-0001", ["quality"])
    retitled = {"key": "correct", "kind": "binary", "title": "Is it right?"}
    publish(project, rubric(quality=FOUR_POINT, correct=retitled), note="new title only")
    assert anchors.get_anchor(project, "it-0001").status == "active"


def test_new_guidance_text_counts_as_a_change_of_meaning(project):
    helped = {"key": "correct", "kind": "binary", "help": "Partly right counts as no."}
    publish(project, rubric(correct=helped), note="stricter")
    assert set(anchors.get_anchor(project, "it-0002").review) == {"correct"}
    assert set(anchors.get_anchor(project, "it-0001").review) == {"correct"}
