"""Scoring labels against anchors, per criterion kind, and training-mode feedback."""

from __future__ import annotations

import pytest

from annotator.anchors import anchors
from annotator.anchors.scoring import label_scores, option_stats, score_labels, score_value
from annotator.exchange.label_import import import_labels
from annotator.rubric.versions import current_version
from tests.support.queue_project import answer, make_project, people, write_jsonl


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, n_items=10, pairwise=2)
    people(project, ["A"])
    people(project, ["T"], mode="training")
    yield project
    project.close()


def _criterion(project, key):
    return current_version(project).criterion(key)


@pytest.mark.parametrize(
    ("key", "reference", "value", "correct"),
    [
        ("correct", "yes", "no", False),
        ("correct", "no", "no", True),
        ("topic", "med", "med", True),
        ("topic", "med", "law", False),
        ("preference", "A", "tie", False),
        ("preference", "B", "B", True),
    ],
)
def test_exact_kinds_score_a_match(project, key, reference, value, correct):
    score = score_value(_criterion(project, key), reference, value)
    assert score.correct is correct and score.distance is None


@pytest.mark.parametrize(
    ("reference", "value", "distance", "within", "exact"),
    [
        (4, 2, -2.0, False, False),
        (4, 5, 1.0, True, False),
        (4, 4, 0.0, True, True),
        (1, 5, 4.0, False, False),
    ],
)
def test_ordinal_distance_is_in_scale_steps_with_the_tolerance(
    project, reference, value, distance, within, exact
):
    score = score_value(_criterion(project, "quality"), reference, value)  # tolerance 1
    assert (score.distance, score.correct, score.details["exact"]) == (distance, within, exact)


def test_ordinal_steps_count_scale_points_not_values(tmp_path):
    from annotator.rubric.yaml_file import rubric_from_dict

    draft = rubric_from_dict(
        {
            "rubric": "r",
            "criteria": [
                {"key": "q", "kind": "ordinal", "options": [{"value": v} for v in (0, 10, 50, 100)]}
            ],
        }
    )
    score = score_value(draft.criterion("q"), 0, 100)
    assert score.distance == 3.0 and not score.correct


@pytest.mark.parametrize(
    ("value", "tolerance", "distance", "within"),
    [(72.5, None, -7.5, True), (95, None, 15.0, False), (95, 20, 15.0, True), (80, 0, 0.0, True)],
)
def test_numeric_signed_difference_and_tolerance(project, value, tolerance, distance, within):
    score = score_value(_criterion(project, "confidence"), 80, value, tolerance)  # default 10
    assert (score.distance, score.correct) == (distance, within)


def test_multilabel_is_exact_with_per_option_outcomes(project):
    score = score_value(_criterion(project, "issues"), ["factual", "unsafe"], ["factual", "tone"])
    assert not score.correct and score.distance == 2.0
    assert score.details["options"] == {"factual": "tp", "tone": "fp", "unsafe": "fn"}
    assert score.details["precision"] == 0.5 and score.details["recall"] == 0.5
    none = score_value(_criterion(project, "issues"), [], [])
    assert none.correct and none.details["precision"] is None and none.details["recall"] is None


def test_text_is_not_scored(project):
    assert score_value(_criterion(project, "notes"), "a", "b") is None


def test_a_submitted_label_on_an_anchor_is_scored_once(project):
    reference = {"correct": "yes", "quality": 4, "issues": ["factual"], "notes": "n"}
    anchors.add_anchor(project, "it-0005", reference, "because")
    label = answer(project, "A", "it-0005", {"correct": "no", "quality": 5, "notes": "x"})
    scores = label_scores(project, label.id)
    assert set(scores) == {"correct", "quality", "issues"}, "text is not scored"
    assert scores["correct"]["correct"] is False
    assert scores["quality"] == {"correct": True, "distance": 1.0, "exact": False, "tolerance": 1.0}
    assert scores["issues"]["correct"] is False, "ticking nothing answers 'none of these'"
    before = project.table_counts()
    assert score_labels(project) == 0 and score_labels(project, [label.id]) == 0
    assert project.table_counts() == before


def test_labels_made_before_the_anchor_or_skipped_are_not_scored(project):
    early = answer(project, "A", "it-0006", {"correct": "no"})
    anchors.add_anchor(project, "it-0006", {"correct": "yes"}, "because")
    # Set a day later: times have millisecond resolution, so an anchor set in
    # the same millisecond as the label would count it as made under it.
    project.conn.execute("UPDATE anchors SET created_at = '2999-01-01T00:00:00.000Z'")
    assert score_labels(project) == 0
    skipped = answer(project, "T", "it-0006", status="skipped")
    assert label_scores(project, early.id) == {} and label_scores(project, skipped.id) == {}


def test_imported_labels_on_anchors_are_scored(project, tmp_path):
    anchors.add_anchor(project, "it-0007", {"correct": "yes", "confidence": 50}, "because")
    path = write_jsonl(
        tmp_path / "labels.jsonl",
        [
            {
                "item_id": "it-0007",
                "annotator": "w1",
                "values": {"correct": "yes", "confidence": 70},
            },
            {"item_id": "it-0008", "annotator": "w1", "values": {"correct": "yes"}},
        ],
    )
    import_labels(project, path, source="crowd", kind="crowd")
    rows = project.rows("SELECT criterion, correct, distance FROM anchor_scores ORDER BY criterion")
    assert [tuple(r) for r in rows] == [("confidence", 0, 20.0), ("correct", 1, None)]


def test_option_stats_give_precision_and_recall_per_option(project):
    anchors.add_anchor(project, "it-0003", {"issues": ["factual", "unsafe"]}, "because")
    answer(project, "A", "it-0003", {"issues": ["factual", "tone"]})
    answer(project, "T", "it-0003", {"issues": ["factual", "unsafe"]})
    stats = option_stats(project, "issues")
    assert stats["factual"]["precision"] == 1.0 and stats["factual"]["recall"] == 1.0
    assert stats["tone"]["precision"] == 0.0 and stats["tone"]["recall"] is None
    assert stats["unsafe"]["precision"] == 1.0 and stats["unsafe"]["recall"] == 0.5


def test_training_mode_gets_the_reference_after_a_committed_submit(project):
    anchors.add_anchor(project, "it-0004", {"correct": "yes", "quality": 3}, "Clear and right.")
    label = answer(project, "T", "it-0004", {"correct": "yes", "quality": 1})
    feedback = anchors.training_feedback(project, label.id)
    assert feedback["reference"] == {"correct": "yes", "quality": 3}
    assert feedback["rationale"] == "Clear and right."
    assert feedback["scores"]["correct"]["correct"] is True
    assert feedback["scores"]["quality"]["distance"] == -2.0


def test_no_feedback_in_silent_mode_off_anchors_on_skips_or_before_commit(project):
    anchors.add_anchor(project, "it-0004", {"correct": "yes"}, "Clear and right.")
    silent = answer(project, "A", "it-0004", {"correct": "yes"})
    assert anchors.training_feedback(project, silent.id) is None
    plain = answer(project, "T", "it-0009", {"correct": "yes"})
    assert anchors.training_feedback(project, plain.id) is None
    trained = answer(project, "T", "it-0004", {"correct": "no"})
    with project.transaction():
        assert anchors.training_feedback(project, trained.id) is None
    assert anchors.training_feedback(project, trained.id) is not None
    skipped = answer(project, "T", "it-0004", status="skipped")
    assert anchors.training_feedback(project, skipped.id) is None
